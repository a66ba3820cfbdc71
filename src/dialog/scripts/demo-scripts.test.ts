import { describe, expect, it } from 'vitest';
import { DEMO_SALES_SCRIPT, DEMO_SERVICE_SCRIPT } from './demo-scripts.js';
import { ScriptRunner, type ScriptInput, type ScriptStep } from './script-runner.js';
import { renderPlaceholders } from './script-tree.js';

const turn = (intent: string, extra: Partial<ScriptInput> = {}): ScriptInput => ({
  intent,
  score: 0.9,
  text: intent,
  ...extra,
});

/** The agent's side of a call: a claim it fills as the runner asks, vars it looks up. */
function call(tree = DEMO_SERVICE_SCRIPT, language = 'en-US') {
  const claim: Record<string, unknown> = {};
  const vars: Record<string, unknown> = {
    claimReference: 'CLM-0042',
    claimStatus: 'approved',
    monthlyPrice: '$19',
  };
  const runner = new ScriptRunner(tree, {
    language,
    render: (line) => renderPlaceholders(line, { claim, vars }),
  });
  let last: ScriptStep = runner.start();
  return {
    runner,
    claim,
    get last() {
      return last;
    },
    say(intent: string, extra: Partial<ScriptInput> = {}) {
      last = runner.next(turn(intent, extra));
      return last;
    },
    /** Answers the field the last step asked for; the agent accepts it. */
    answer(value: string) {
      const field = last.collect;
      if (field === undefined) throw new Error(`node ${last.nodeId} collects nothing`);
      claim[field] = value;
      last = runner.next(turn('None', { text: value }), { accepted: true });
      return last;
    },
  };
}

describe('DEMO_SERVICE_SCRIPT', () => {
  it('files a claim end to end in English', () => {
    const c = call();
    expect(c.last.say[0]).toMatch(/^Thank you for calling Switchboard Insurance/);
    expect(c.say('file_claim')).toMatchObject({
      nodeId: 'claim_name',
      collect: 'fullName',
      say: [
        "I'm sorry that happened. I'll take a few details for your claim.",
        'What is your full name?',
      ],
    });
    expect(c.answer('Ana Diaz').collect).toBe('policyNumber');
    expect(c.answer('POL123456').collect).toBe('incidentDate');
    expect(c.answer('2026-03-05').collect).toBe('location');
    expect(c.answer('Madrid').say).toEqual([
      'Thank you, Ana Diaz. Policy POL123456, on 2026-03-05, at Madrid. Is that right?',
    ]);
    expect(c.say('affirm').say).toEqual([
      'Your claim is filed. Your reference number is CLM-0042.',
      'Is there anything else I can help with?',
    ]);
    expect(c.say('deny')).toEqual({
      nodeId: 'bye',
      say: ['Thank you for calling. Goodbye.'],
      action: 'end',
      reason: 'expect',
    });
    expect(c.runner.state.visited).toEqual([
      'greet',
      'claim_intro',
      'claim_name',
      'claim_policy',
      'claim_date',
      'claim_location',
      'claim_confirm',
      'claim_done',
      'anything_else',
      'bye',
    ]);
  });

  it('files a claim in Chinese and refuses a bad policy number with the node retry line', () => {
    const c = call(DEMO_SERVICE_SCRIPT, 'zh-CN');
    expect(c.last.say[0]).toMatch(/^您好，欢迎致电Switchboard保险/);
    c.say('file_claim');
    c.answer('张三');
    expect(c.runner.next(turn('None', { text: '一二三' }), { accepted: false })).toMatchObject({
      nodeId: 'claim_policy',
      say: ['抱歉，这好像不是有效的保单号。', '请问您的保单号是多少？保单号以POL开头。'],
    });
    c.claim.policyNumber = 'POL654321';
    c.runner.next(turn('None'), { accepted: true });
    c.claim.incidentDate = '2026-03-05';
    c.runner.next(turn('None'), { accepted: true });
    c.claim.location = '上海';
    expect(c.runner.next(turn('None'), { accepted: true }).say).toEqual([
      '张三，谢谢。保单号POL654321，2026-03-05在上海发生事故。以上信息正确吗？',
    ]);
    expect(c.say('deny')).toMatchObject({ nodeId: 'claim_fix', action: 'transfer' });
  });

  it('answers a claim status, then a policy question, then transfers on request', () => {
    const c = call();
    expect(c.say('claim_status').say).toEqual([
      'Your latest claim, CLM-0042, is approved.',
      'Is there anything else I can help with?',
    ]);
    expect(c.say('policy_question').nodeId).toBe('policy');
    expect(c.say('affirm')).toMatchObject({
      nodeId: 'agent',
      action: 'transfer',
      say: ['Please hold while I connect you with a colleague.'],
    });
  });

  it('answers a complaint once, then transfers; human and goodbye work anywhere', () => {
    const c = call(DEMO_SERVICE_SCRIPT, 'zh-CN');
    expect(c.say('complaint').say).toEqual([
      '非常抱歉给您带来不便。我已记录您的投诉，主管会尽快处理。',
      '您好，欢迎致电Switchboard保险。我可以帮您报案理赔、查询理赔进度或解答保单问题。请问有什么可以帮您？',
    ]);
    expect(c.say('complaint')).toMatchObject({ nodeId: 'agent', action: 'transfer' });

    const h = call();
    h.say('file_claim');
    expect(h.say('human')).toMatchObject({ nodeId: 'agent', action: 'transfer' });
    const g = call();
    g.say('greeting');
    expect(g.say('goodbye')).toMatchObject({ nodeId: 'bye', action: 'end' });
  });

  it('transfers an angry caller at the greeting', () => {
    const c = call();
    expect(c.say('file_claim', { sentiment: -0.8 })).toMatchObject({
      nodeId: 'agent',
      action: 'transfer',
      reason: 'sentiment',
    });
  });
});

describe('DEMO_SALES_SCRIPT', () => {
  it('pitches, handles too_expensive in place and sends a quote (en-US)', () => {
    const c = call(DEMO_SALES_SCRIPT);
    expect(c.last.say[0]).toMatch(/^Hello, this is Mia/);
    expect(c.say('affirm').say[0]).toMatch(/from \$19 a month/);
    expect(c.say('too_expensive').say).toEqual([
      'I understand. Most families pay less than they do today, and the first month is free.',
      expect.stringMatching(/^The plan covers/),
    ]);
    expect(c.say('affirm')).toMatchObject({ nodeId: 'quote', collect: 'email' });
    expect(c.answer('ana@example.com')).toEqual({
      nodeId: 'close',
      say: ["Thank you. It's on its way to ana@example.com. Have a nice day!"],
      action: 'end',
      reason: 'collected',
    });
  });

  it('books a callback when the callee is busy (zh-CN)', () => {
    const c = call(DEMO_SALES_SCRIPT, 'zh-CN');
    expect(c.say('busy')).toMatchObject({
      nodeId: 'callback',
      say: ['没关系，不打扰您了。', '请问什么时候方便再给您回电？'],
      collect: 'callbackTime',
    });
    expect(c.answer('明天下午')).toMatchObject({
      say: ['谢谢，我们会在明天下午给您回电。再见。'],
      action: 'end',
    });
  });

  it('answers not_interested once, then says goodbye', () => {
    const c = call(DEMO_SALES_SCRIPT, 'zh-CN');
    c.say('affirm');
    expect(c.say('not_interested').say[0]).toBe('理解。只需占用您一分钟，没有任何义务。');
    expect(c.say('not_interested')).toMatchObject({
      nodeId: 'bye',
      say: ['感谢您的时间，再见。'],
      action: 'end',
      reason: 'objection-exhausted',
    });
  });

  it('transfers after too_expensive a third time; tries the brochure on a no', () => {
    const c = call(DEMO_SALES_SCRIPT);
    c.say('affirm');
    c.say('too_expensive');
    c.say('too_expensive');
    expect(c.say('too_expensive')).toMatchObject({ nodeId: 'agent', action: 'transfer' });

    const d = call(DEMO_SALES_SCRIPT);
    d.say('affirm');
    expect(d.say('deny').nodeId).toBe('last_try');
    expect(d.say('deny')).toMatchObject({ nodeId: 'bye', action: 'end' });
  });
});
