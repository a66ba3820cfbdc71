// Local time is what the tables show: pin the zone before any Date is formatted (tests run in
// their own process, so this does not leak).
process.env.TZ = 'Asia/Shanghai';

import { describe, expect, it } from 'vitest';
import {
  clip,
  formatDuration,
  formatList,
  formatSeconds,
  formatTime,
  formatValue,
  renderGeneric,
  renderRecord,
  renderTable,
} from './table.js';

describe('renderTable', () => {
  it('aligns columns under upper-case headers, numbers to the right, no trailing spaces', () => {
    const text = renderTable(
      [
        { id: 'tr_1', n: 5, note: 'short' },
        { id: 'tr_22', n: 120, note: '' },
      ],
      [
        { header: 'id', value: (r) => r.id },
        { header: 'max calls', value: (r) => String(r.n), align: 'right' },
        { header: 'note', value: (r) => r.note },
      ],
    );
    expect(text).toBe(
      ['ID     MAX CALLS  NOTE', 'tr_1           5  short', 'tr_22        120', ''].join('\n'),
    );
  });

  it('renders just the header for no rows', () => {
    expect(renderTable([], [{ header: 'id', value: () => '' }])).toBe('ID\n');
  });

  it('clips long cells and flattens newlines', () => {
    expect(clip('a'.repeat(60), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(clip('one\n  two')).toBe('one two');
  });
});

describe('renderRecord', () => {
  it('aligns labels and leaves out absent values', () => {
    expect(
      renderRecord([
        ['id', 'dr_1'],
        ['priority', '10'],
        ['missing', undefined],
      ]),
    ).toBe('id:        dr_1\npriority:  10\n');
  });
});

describe('formatters', () => {
  it('shows ISO times in local time, short and sortable', () => {
    expect(formatTime('2025-01-31T02:03:04.567Z')).toBe('2025-01-31 10:03:04');
    expect(formatTime(undefined)).toBe('-');
    expect(formatTime('not a time')).toBe('not a time');
  });

  it('shows durations as clocks', () => {
    expect(formatSeconds(42)).toBe('0:42');
    expect(formatSeconds(309)).toBe('5:09');
    expect(formatSeconds(3 * 3600 + 5 * 60 + 9)).toBe('3:05:09');
    expect(formatDuration('2025-01-31T02:00:00Z', '2025-01-31T02:01:30Z')).toBe('1:30');
    expect(formatDuration(undefined, undefined)).toBe('-');
    // Still up: counted to now.
    expect(
      formatDuration('2025-01-31T02:00:00Z', undefined, new Date('2025-01-31T02:00:05Z')),
    ).toBe('0:05');
  });

  it('shows lists and unknown values on one line', () => {
    expect(formatList(['a', 'b'])).toBe('a, b');
    expect(formatList([], 'any')).toBe('any');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(['x', 'y'])).toBe('x, y');
    expect(formatValue('')).toBe('-');
  });
});

describe('renderGeneric', () => {
  it('makes columns of the fields, times for *At', () => {
    const text = renderGeneric([
      {
        aor: 'sip:alice@example.com',
        contact: 'sip:alice@10.0.0.2:5060',
        expiresAt: '2025-01-31T02:00:00Z',
      },
      {
        aor: 'sip:bob@example.com',
        contact: 'sip:bob@10.0.0.3',
        expiresAt: '2025-01-31T02:10:00Z',
        transport: 'tcp',
      },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^AOR +CONTACT +EXPIRES AT +TRANSPORT$/);
    expect(lines[1]).toContain('2025-01-31 10:00:00');
    expect(lines[2]).toMatch(/10:10:00 +tcp$/);
  });
});
