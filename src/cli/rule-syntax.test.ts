import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { formatAction, formatWindow, parseAction, parseWindow } from './commands/rule-syntax.js';
import { ruleFields } from './commands/rules.js';

describe('parseAction', () => {
  it.each([
    ['echo', { type: 'echo' }],
    ['room:demo', { type: 'room', room: 'demo' }],
    ['reject:486', { type: 'reject', status: 486 }],
    ['reject:603:Decline: closed', { type: 'reject', status: 603, reason: 'Decline: closed' }],
    ['prompt:file.wav', { type: 'prompt', file: 'file.wav' }],
    ['prompt:C:\\prompts\\a.wav', { type: 'prompt', file: 'C:\\prompts\\a.wav' }],
    ['pin-room:demo:1234', { type: 'pin-room', room: 'demo', pin: '1234' }],
    ['flow:fl_1', { type: 'flow', flowId: 'fl_1' }],
    ['agent:support', { type: 'agent', agentId: 'support' }],
    ['enqueue:sales', { type: 'enqueue', queueId: 'sales' }],
    ['enqueue:sales:5', { type: 'enqueue', queueId: 'sales', priority: 5 }],
  ])('%s', (text, action) => {
    expect(parseAction(text)).toEqual(action);
    // And back, for tables.
    expect(formatAction(parseAction(text))).toBe(text);
  });

  it.each([
    ['dance', "unknown action 'dance'"],
    ['room', 'room needs a room name'],
    ['room:', 'room needs a room name'],
    ['echo:x', 'echo takes no argument'],
    ['reject:200', '400…699'],
    ['reject:abc', '400…699'],
    ['pin-room:demo', 'pin-room needs <room>:<pin>'],
    ['pin-room:demo:', 'pin-room needs <room>:<pin>'],
    ['enqueue:q:x', 'whole number'],
  ])('refuses %s', (text, why) => {
    let err: unknown;
    try {
      parseAction(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(`invalid --action '${text}': `);
    expect((err as UsageError).message).toContain(why);
    expect((err as UsageError).hints[0]).toContain('room:<room>');
  });

  it('masks a room PIN for tables', () => {
    expect(formatAction({ type: 'pin-room', room: 'vip', pin: '1234' }, true)).toBe(
      'pin-room:vip:****',
    );
    expect(formatAction({ type: 'future', x: 1 })).toBe('{"type":"future","x":1}');
  });
});

describe('parseWindow', () => {
  it('reads day names, ranges, lists and numbers', () => {
    expect(parseWindow('mon-fri 09:00-18:00 Asia/Shanghai')).toEqual({
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '18:00',
      timeZone: 'Asia/Shanghai',
    });
    expect(parseWindow('sat,sun 0:00-24:00')).toEqual({
      days: [0, 6],
      start: '00:00',
      end: '24:00',
    });
    expect(parseWindow('fri-mon 20:00-23:30').days).toEqual([0, 1, 5, 6]);
    expect(parseWindow('Monday,3 08:00-09:00').days).toEqual([1, 3]);
    expect(parseWindow('daily 08:00-20:00').days).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([
    'mon-fri',
    'mon-fri 9-18',
    'funday 09:00-10:00',
    'mon 25:00-26:00',
    'a b c d',
    '7 09:00-10:00',
  ])('refuses %j', (text) => {
    expect(() => parseWindow(text)).toThrow(UsageError);
  });

  it('formats back', () => {
    expect(formatWindow(parseWindow('mon-fri 09:00-18:00 Asia/Shanghai'))).toBe(
      'mon,tue,wed,thu,fri 09:00-18:00 Asia/Shanghai',
    );
    expect(formatWindow(parseWindow('daily 00:00-24:00'))).toBe('daily 00:00-24:00');
  });
});

describe('ruleFields', () => {
  it('builds a create body from flags, leaving unset fields out', () => {
    expect(
      ruleFields(
        {
          name: 'support',
          priority: '10',
          called: '4XXX',
          trunk: ['t1'],
          action: 'room:demo',
        },
        'create',
      ),
    ).toEqual({
      name: 'support',
      priority: 10,
      enabled: undefined,
      trunkIds: ['t1'],
      calledNumber: '4XXX',
      callingNumber: undefined,
      timeWindows: undefined,
      action: { type: 'room', room: 'demo' },
    });
  });

  it("on update, '' removes a number condition and clears lists", () => {
    const fields = ruleFields({ called: '', trunk: [''], window: [''], disabled: true }, 'update');
    expect(fields.calledNumber).toBeNull();
    expect(fields.trunkIds).toEqual([]);
    expect(fields.timeWindows).toEqual([]);
    expect(fields.enabled).toBe(false);
  });

  it('refuses contradictions and bad numbers', () => {
    expect(() => ruleFields({ enabled: true, disabled: true }, 'update')).toThrow(/exclude/);
    expect(() => ruleFields({ priority: 'high' }, 'create')).toThrow(
      /--priority must be a whole number/,
    );
  });
});
