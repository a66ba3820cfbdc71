import { describe, expect, it } from 'vitest';
import { DTMF_RELAY_CONTENT_TYPE, formatDtmfRelay, parseDtmfInfo } from './info.js';

describe('parseDtmfInfo', () => {
  it('reads application/dtmf-relay bodies as phones send them', () => {
    const cases: [string, string, { digit: string; durationMs: number } | undefined][] = [
      ['application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n', { digit: '5', durationMs: 160 }],
      ['application/dtmf-relay', 'Signal=*\nDuration=100\n', { digit: '*', durationMs: 100 }], // LF only
      [
        'Application/DTMF-Relay; charset=utf-8',
        'signal= #\r\nduration = 250',
        { digit: '#', durationMs: 250 },
      ],
      ['application/dtmf-relay', 'Signal=10\r\nDuration=160\r\n', { digit: '*', durationMs: 160 }], // numeric *
      ['application/dtmf-relay', 'Signal=11\r\nDuration=160\r\n', { digit: '#', durationMs: 160 }], // numeric #
      ['application/dtmf-relay', 'Signal=12\r\n', { digit: 'A', durationMs: 250 }], // no Duration
      ['application/dtmf-relay', 'Signal=d\r\nDuration=0\r\n', { digit: 'D', durationMs: 250 }],
      [
        'application/dtmf-relay',
        '  Signal = 7  \r\n  Duration = 90  \r\n\r\n',
        { digit: '7', durationMs: 90 },
      ],
      ['application/dtmf-relay', 'Duration=120\r\nSignal=0\r\n', { digit: '0', durationMs: 120 }], // order
      ['application/dtmf-relay', 'Signal=3\rDuration=abc\r', { digit: '3', durationMs: 250 }], // CR only, bad Duration
      ['application/dtmf-relay', 'Duration=160\r\n', undefined], // no Signal
      ['application/dtmf-relay', 'Signal=16\r\nDuration=160', undefined], // flash
      ['application/dtmf-relay', 'Signal=E\r\nDuration=160', undefined],
      ['application/dtmf-relay', 'Signal=12345', undefined],
      ['application/dtmf-relay', '', undefined],
    ];
    for (const [type, body, expected] of cases) {
      expect(parseDtmfInfo(type, body), JSON.stringify(body)).toEqual(expected);
    }
  });

  it('reads application/dtmf bodies (the key, or its event code)', () => {
    expect(parseDtmfInfo('application/dtmf', '9')).toEqual({ digit: '9', durationMs: 250 });
    expect(parseDtmfInfo('application/dtmf', '#\r\n')).toEqual({ digit: '#', durationMs: 250 });
    expect(parseDtmfInfo('application/dtmf', '11')).toEqual({ digit: '#', durationMs: 250 });
    expect(parseDtmfInfo('application/dtmf', 'b')).toEqual({ digit: 'B', durationMs: 250 });
    expect(parseDtmfInfo('application/dtmf', 'Signal=4\r\nDuration=200')).toEqual({
      digit: '4',
      durationMs: 200,
    });
    expect(parseDtmfInfo('application/dtmf', '44')).toBeUndefined();
    expect(parseDtmfInfo('application/dtmf', '')).toBeUndefined();
  });

  it('accepts Buffers', () => {
    expect(
      parseDtmfInfo('application/dtmf-relay', Buffer.from('Signal=1\r\nDuration=100\r\n')),
    ).toEqual({
      digit: '1',
      durationMs: 100,
    });
  });

  it('ignores other content types', () => {
    expect(parseDtmfInfo(undefined, 'Signal=1')).toBeUndefined();
    expect(parseDtmfInfo('application/sdp', 'Signal=1')).toBeUndefined();
    expect(parseDtmfInfo('application/media_control+xml', '<x/>')).toBeUndefined();
    expect(parseDtmfInfo('text/plain', '1')).toBeUndefined();
  });
});

describe('formatDtmfRelay', () => {
  it('writes the Cisco format, which parses back', () => {
    expect(DTMF_RELAY_CONTENT_TYPE).toBe('application/dtmf-relay');
    expect(formatDtmfRelay('#', 160)).toBe('Signal=#\r\nDuration=160\r\n');
    expect(parseDtmfInfo(DTMF_RELAY_CONTENT_TYPE, formatDtmfRelay('C', 99.6))).toEqual({
      digit: 'C',
      durationMs: 100,
    });
    expect(() => formatDtmfRelay('x' as never, 100)).toThrow(RangeError);
  });
});
