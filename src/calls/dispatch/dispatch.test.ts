import { describe, expect, it } from 'vitest';
import type { DispatchRule } from '../../store/index.js';
import {
  evaluateDispatchRules,
  orderRules,
  validateDispatchRule,
  type DispatchCall,
  type UncheckedDispatchRule,
} from './dispatch.js';

let seq = 0;
function rule(name: string, over: Partial<DispatchRule> = {}): DispatchRule {
  seq++;
  return {
    id: `r${String(seq).padStart(3, '0')}`,
    name,
    priority: 0,
    enabled: true,
    trunkIds: [],
    timeWindows: [],
    action: { type: 'echo' },
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
    updatedAt: new Date(Date.UTC(2026, 0, 1)),
    ...over,
  };
}

// Friday 2026-11-20, 09:30 in Shanghai.
const FRIDAY_0930_SHANGHAI = new Date('2026-11-20T01:30:00Z');
// Saturday 2026-11-21, 09:30 in Shanghai.
const SATURDAY_0930_SHANGHAI = new Date('2026-11-21T01:30:00Z');

const call = (over: Partial<DispatchCall> = {}): DispatchCall => ({
  trunkId: 'carrier-a',
  calledNumber: '4001',
  callingNumber: '+8613800138000',
  at: FRIDAY_0930_SHANGHAI,
  ...over,
});

const salesHours = rule('Sales hours', {
  priority: 10,
  calledNumber: '4XXX',
  timeWindows: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' }],
  action: { type: 'room', room: 'sales' },
});
const vip = rule('VIP callers', {
  priority: 20,
  callingNumber: '+86138*',
  trunkIds: ['carrier-a'],
  action: { type: 'agent', agentId: 'a1' },
});
const fallback = rule('Fallback', { action: { type: 'prompt', file: 'closed.wav' } });
const disabled = rule('Old rule', { priority: 100, enabled: false });

describe('evaluateDispatchRules', () => {
  it('picks the highest-priority matching rule and explains it', () => {
    const r = evaluateDispatchRules(call({ callingNumber: '+8613900000000' }), [
      fallback,
      salesHours,
      vip,
      disabled,
    ]);
    expect(r.rule?.name).toBe('Sales hours');
    expect(r.explanation).toEqual([
      'rule "Old rule" (priority 100): disabled → skipped',
      'rule "VIP callers" (priority 20): trunk carrier-a is one of carrier-a; calling number does not match +86138* → skipped',
      'rule "Sales hours" (priority 10): called number matches 4XXX; inside Mon–Fri 09:00–18:00 Asia/Shanghai → matched',
      'winner: rule "Sales hours" (priority 10)',
    ]);
  });

  it('states every failing condition, and falls through to a catch-all', () => {
    const r = evaluateDispatchRules(call({ calledNumber: '5001', at: SATURDAY_0930_SHANGHAI }), [
      salesHours,
      fallback,
    ]);
    expect(r.rule?.name).toBe('Fallback');
    expect(r.explanation).toEqual([
      'rule "Sales hours" (priority 10): called number does not match 4XXX; outside Mon–Fri 09:00–18:00 Asia/Shanghai → skipped',
      'rule "Fallback" (priority 0): no conditions → matched',
      'winner: rule "Fallback" (priority 0)',
    ]);
  });

  it('never puts the call’s numbers in the explanation', () => {
    const c = call({ calledNumber: '4321', callingNumber: '+8613812345678' });
    const { explanation } = evaluateDispatchRules(c, [vip, salesHours, fallback]);
    const text = explanation.join('\n');
    expect(text).not.toContain('4321');
    expect(text).not.toContain('13812345678');
  });

  it('reports no match and no rules', () => {
    expect(evaluateDispatchRules(call({ calledNumber: '5001' }), [salesHours])).toEqual({
      explanation: [
        'rule "Sales hours" (priority 10): called number does not match 4XXX; inside Mon–Fri 09:00–18:00 Asia/Shanghai → skipped',
        'no rule matched',
      ],
    });
    expect(evaluateDispatchRules(call(), [])).toEqual({ explanation: ['no rules configured'] });
    expect(evaluateDispatchRules(call(), [disabled]).rule).toBeUndefined();
  });

  it.each<
    [label: string, trunkIds: string[], trunkId: string | undefined, matched: boolean, text: string]
  >([
    ['empty list admits any trunk', [], 'carrier-b', true, 'no conditions'],
    ['empty list admits trunk-less calls', [], undefined, true, 'no conditions'],
    [
      'listed trunk',
      ['carrier-a', 'carrier-b'],
      'carrier-b',
      true,
      'trunk carrier-b is one of carrier-a, carrier-b',
    ],
    [
      'unlisted trunk',
      ['carrier-a'],
      'carrier-b',
      false,
      'trunk carrier-b is not one of carrier-a',
    ],
    [
      'no trunk but one required',
      ['carrier-a'],
      undefined,
      false,
      'no trunk (rule needs one of carrier-a)',
    ],
  ])('trunk condition: %s', (_label, trunkIds, trunkId, matched, text) => {
    const r = evaluateDispatchRules(call({ trunkId }), [rule('T', { trunkIds })]);
    expect(r.rule !== undefined).toBe(matched);
    expect(r.explanation[0]).toBe(
      `rule "T" (priority 0): ${text} → ${matched ? 'matched' : 'skipped'}`,
    );
  });

  it('orders by priority desc, then createdAt asc, then id', () => {
    const t0 = new Date(Date.UTC(2026, 0, 1));
    const t1 = new Date(Date.UTC(2026, 0, 2));
    const a = rule('a', { id: 'x2', priority: 5, createdAt: t1 });
    const b = rule('b', { id: 'x9', priority: 5, createdAt: t0 });
    const c = rule('c', { id: 'x1', priority: 5, createdAt: t0 });
    const d = rule('d', { id: 'x0', priority: -1, createdAt: t0 });
    const e = rule('e', { id: 'x5', priority: 50, createdAt: t1 });
    for (const input of [
      [a, b, c, d, e],
      [e, d, c, b, a],
      [c, a, e, b, d],
    ]) {
      expect(orderRules(input).map((r) => r.name)).toEqual(['e', 'c', 'b', 'a', 'd']);
      // The winner among equal-priority catch-alls is the oldest, whatever the input order.
      expect(
        evaluateDispatchRules(
          call(),
          input.filter((r) => r !== e),
        ).rule?.name,
      ).toBe('c');
    }
  });

  it('does not reorder the caller’s array', () => {
    const rules = [fallback, salesHours];
    evaluateDispatchRules(call(), rules);
    expect(rules).toEqual([fallback, salesHours]);
  });

  it('matches only inside one of several time windows', () => {
    const r = rule('Split shift', {
      timeWindows: [
        { days: [5], start: '22:00', end: '06:00' }, // Friday night UTC
        { days: [6], start: '09:00', end: '12:00', timeZone: 'Asia/Shanghai' },
      ],
    });
    const at = (iso: string) => evaluateDispatchRules(call({ at: new Date(iso) }), [r]);
    expect(at('2026-11-21T03:00:00Z').explanation[0]).toBe(
      'rule "Split shift" (priority 0): inside Fri 22:00–06:00 UTC → matched',
    );
    expect(at('2026-11-21T02:00:00Z').rule?.name).toBe('Split shift'); // Sat 10:00 Shanghai
    expect(at('2026-11-21T12:00:00Z').explanation[0]).toBe(
      'rule "Split shift" (priority 0): outside Fri 22:00–06:00 UTC or Sat 09:00–12:00 Asia/Shanghai → skipped',
    );
  });

  it('treats invalid stored patterns and windows as not matching, without throwing', () => {
    const badPattern = rule('Bad pattern', { priority: 2, calledNumber: '/(a+)+/' });
    const badZone = rule('Bad zone', {
      priority: 1,
      timeWindows: [{ days: [], start: '00:00', end: '00:00', timeZone: 'Mars/Base' }],
    });
    const r = evaluateDispatchRules(call(), [badPattern, badZone, fallback]);
    expect(r.rule?.name).toBe('Fallback');
    expect(r.explanation[0]).toMatch(
      /^rule "Bad pattern" \(priority 2\): called number pattern \/\(a\+\)\+\/ is invalid \(nested quantifiers.*\) → skipped$/,
    );
    expect(r.explanation[1]).toBe(
      'rule "Bad zone" (priority 1): outside every day 00:00–00:00 Mars/Base (invalid window: every day 00:00–00:00 Mars/Base) → skipped',
    );
  });

  it('treats a NULL pattern from the store as absent', () => {
    const r = rule('Nullish', { calledNumber: null as unknown as undefined });
    expect(evaluateDispatchRules(call(), [r]).rule?.name).toBe('Nullish');
  });

  it('quotes rule names safely', () => {
    const r = rule('say "hi"\n', {});
    expect(evaluateDispatchRules(call(), [r]).explanation[0]).toBe(
      'rule "say \\"hi\\"\\n" (priority 0): no conditions → matched',
    );
  });
});

describe('validateDispatchRule', () => {
  const valid: UncheckedDispatchRule = {
    name: 'Sales',
    priority: 10,
    enabled: true,
    trunkIds: ['carrier-a'],
    calledNumber: '4XXX',
    callingNumber: '/^\\+86/',
    timeWindows: [
      { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' },
    ],
    action: { type: 'room', room: 'sales' },
  };

  it('accepts a full valid rule and a stored rule', () => {
    expect(validateDispatchRule(valid)).toEqual([]);
    expect(validateDispatchRule(salesHours)).toEqual([]);
    expect(validateDispatchRule({ name: 'Min', action: { type: 'echo' } })).toEqual([]);
    expect(validateDispatchRule({ ...valid, calledNumber: null })).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['echo', { type: 'echo' }],
    ['prompt', { type: 'prompt', file: 'prompts/closed.wav' }],
    ['room', { type: 'room', room: 'sales' }],
    ['pin-room', { type: 'pin-room', room: 'board', pin: '123' }],
    ['pin-room 12 digits', { type: 'pin-room', room: 'board', pin: '123456789012' }],
    ['reject', { type: 'reject', status: 486 }],
    ['reject with reason', { type: 'reject', status: 603, reason: 'Closed today' }],
    ['reject 400', { type: 'reject', status: 400 }],
    ['reject 699', { type: 'reject', status: 699 }],
    ['flow', { type: 'flow', flowId: 'f1' }],
    ['agent', { type: 'agent', agentId: 'a1' }],
    ['enqueue', { type: 'enqueue', queueId: 'q1' }],
    ['enqueue full', { type: 'enqueue', queueId: 'q1', priority: 5, skills: ['zh', 'billing'] }],
  ])('accepts action %s', (_label, action) => {
    expect(validateDispatchRule({ name: 'r', action })).toEqual([]);
  });

  it.each<[label: string, input: UncheckedDispatchRule, problems: Array<[string, RegExp]>]>([
    [
      'missing everything',
      {},
      [
        ['name', /required/],
        ['action', /required/],
      ],
    ],
    ['blank name', { name: '  ', action: { type: 'echo' } }, [['name', /required/]]],
    ['long name', { name: 'n'.repeat(201), action: { type: 'echo' } }, [['name', /at most 200/]]],
    ['fractional priority', { ...valid, priority: 1.5 }, [['priority', /integer/]]],
    ['string priority', { ...valid, priority: '10' }, [['priority', /integer/]]],
    ['enabled not boolean', { ...valid, enabled: 'yes' }, [['enabled', /true or false/]]],
    ['trunkIds not array', { ...valid, trunkIds: 'carrier-a' }, [['trunkIds', /array/]]],
    ['trunkIds with blank', { ...valid, trunkIds: ['a', ''] }, [['trunkIds', /non-empty/]]],
    ['bad called pattern', { ...valid, calledNumber: '_4[XX' }, [['calledNumber', /closing "\]"/]]],
    ['empty called pattern', { ...valid, calledNumber: '' }, [['calledNumber', /empty/]]],
    [
      'unsafe calling regex',
      { ...valid, callingNumber: '/^(\\d+)+$/' },
      [['callingNumber', /nested quantifiers/]],
    ],
    ['numeric pattern', { ...valid, callingNumber: 4001 }, [['callingNumber', /string/]]],
    ['timeWindows not array', { ...valid, timeWindows: {} }, [['timeWindows', /array/]]],
    [
      'bad windows',
      {
        ...valid,
        timeWindows: [
          { days: [1], start: '09:00', end: '18:00' },
          { days: [8], start: '9am', end: '18:00', timeZone: 'Asia/Beijing' },
          'weekdays',
        ],
      },
      [
        ['timeWindows[1].days', /0 \(Sunday\)–6/],
        ['timeWindows[1].start', /HH:MM/],
        ['timeWindows[1].timeZone', /IANA/],
        ['timeWindows[2]', /object/],
      ],
    ],
    ['action not object', { ...valid, action: 'echo' }, [['action', /object with a type/]]],
    [
      'unknown action',
      { ...valid, action: { type: 'dance' } },
      [['action.type', /one of echo, prompt/]],
    ],
    [
      'reject 200',
      { ...valid, action: { type: 'reject', status: 200 } },
      [['action.status', /400–699/]],
    ],
    [
      'reject 700',
      { ...valid, action: { type: 'reject', status: 700 } },
      [['action.status', /400–699/]],
    ],
    [
      'reject 486.5',
      { ...valid, action: { type: 'reject', status: 486.5 } },
      [['action.status', /400–699/]],
    ],
    [
      'reject "486"',
      { ...valid, action: { type: 'reject', status: '486' } },
      [['action.status', /400–699/]],
    ],
    [
      'reject reason with CRLF (SIP header injection)',
      { ...valid, action: { type: 'reject', status: 486, reason: 'Busy\r\nX-Evil: 1' } },
      [['action.reason', /single line/]],
    ],
    [
      'reject reason too long',
      { ...valid, action: { type: 'reject', status: 486, reason: 'r'.repeat(129) } },
      [['action.reason', /at most 128/]],
    ],
    [
      'room blank',
      { ...valid, action: { type: 'room', room: ' ' } },
      [['action.room', /room name/]],
    ],
    ['room missing', { ...valid, action: { type: 'room' } }, [['action.room', /room name/]]],
    [
      'pin-room without room and short pin',
      { ...valid, action: { type: 'pin-room', room: '', pin: '12' } },
      [
        ['action.room', /room name/],
        ['action.pin', /3–12 digits/],
      ],
    ],
    [
      'pin too long',
      { ...valid, action: { type: 'pin-room', room: 'b', pin: '1234567890123' } },
      [['action.pin', /3–12/]],
    ],
    [
      'pin with letters',
      { ...valid, action: { type: 'pin-room', room: 'b', pin: '12a4' } },
      [['action.pin', /3–12/]],
    ],
    [
      'pin as number',
      { ...valid, action: { type: 'pin-room', room: 'b', pin: 1234 } },
      [['action.pin', /3–12/]],
    ],
    [
      'prompt missing file',
      { ...valid, action: { type: 'prompt' } },
      [['action.file', /required/]],
    ],
    [
      'prompt traversal',
      { ...valid, action: { type: 'prompt', file: '../../etc/passwd' } },
      [['action.file', /relative path/]],
    ],
    [
      'prompt absolute',
      { ...valid, action: { type: 'prompt', file: '/etc/passwd' } },
      [['action.file', /relative path/]],
    ],
    [
      'prompt windows absolute',
      { ...valid, action: { type: 'prompt', file: 'C:\\x.wav' } },
      [['action.file', /relative path/]],
    ],
    [
      'flow blank',
      { ...valid, action: { type: 'flow', flowId: '' } },
      [['action.flowId', /flow id/]],
    ],
    ['agent missing', { ...valid, action: { type: 'agent' } }, [['action.agentId', /agent id/]]],
    [
      'enqueue bad fields',
      { ...valid, action: { type: 'enqueue', queueId: '', priority: 'high', skills: [''] } },
      [
        ['action.queueId', /queue id/],
        ['action.priority', /integer/],
        ['action.skills', /non-empty strings/],
      ],
    ],
  ])('%s', (_label, input, expected) => {
    const problems = validateDispatchRule(input);
    expect(problems.map((p) => p.field)).toEqual(expected.map(([f]) => f));
    problems.forEach((p, i) => expect(p.message).toMatch(expected[i]![1]));
  });
});
