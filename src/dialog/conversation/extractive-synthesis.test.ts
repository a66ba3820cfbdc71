import { describe, expect, it } from 'vitest';
import type { ConversationMessageRecord } from '../../store/index.js';
import { DEMO_CLAIM_SCHEMA } from '../claims/index.js';
import { extractiveSynthesis } from './extractive-synthesis.js';

function messages(
  ...turns: Array<[ConversationMessageRecord['persona'], string]>
): ConversationMessageRecord[] {
  return turns.map(([persona, content], seq) => ({
    id: `cm_${seq}`,
    conversationId: 'cv_1',
    seq,
    persona,
    content,
    heard: true,
    createdAt: new Date('2026-03-11T10:00:00Z'),
  }));
}

const FULL_CLAIM = {
  fullName: 'John Smith',
  policyNumber: 'POL123456',
  incidentDate: '2026-03-10',
  location: '5 Main Street',
};

const EN_CALL = messages(
  ['assistant', 'Hello, how can I help you today?'],
  ['human', 'Hi. I had a car accident yesterday and my bumper is badly damaged.'],
  ['assistant', 'I am sorry to hear that. May I have your full name, please?'],
  ['human', 'John Smith.'],
  ['assistant', 'What is your policy number?'],
  ['human', 'Yes, it is P O L one two three four five six.'],
  ['human', 'The other driver hit me at the lights on 5 Main Street and drove off.'],
  ['human', 'Okay thanks'],
);

describe('extractiveSynthesis in English', () => {
  it('summarises a confirmed claim with the caller key sentences', () => {
    const synthesis = extractiveSynthesis({
      messages: EN_CALL,
      claim: FULL_CLAIM,
      state: 'closed',
      language: 'en-US',
      sentiment: 0.4,
      schema: DEMO_CLAIM_SCHEMA,
    });
    expect(synthesis).toEqual({
      summary:
        'The claim was confirmed and the conversation closed. Claim: full name John Smith, ' +
        'policy number POL123456, incident date 2026-03-10, location 5 Main Street. Caller said: ' +
        '"I had a car accident yesterday and my bumper is badly damaged." ' +
        '"The other driver hit me at the lights on 5 Main Street and drove off."',
      satisfaction: 'high',
      suggestions: ['Send the claim form to the caller.'],
      by: 'extractive',
    });
  });

  it('names what is missing and suggests a call back when the caller dropped', () => {
    const synthesis = extractiveSynthesis({
      messages: EN_CALL.slice(0, 4),
      claim: { fullName: 'John Smith' },
      state: 'gathering',
      language: 'en-US',
      schema: DEMO_CLAIM_SCHEMA,
    });
    expect(synthesis.summary).toBe(
      'The conversation stopped while the claim was being collected. Claim: full name John Smith. ' +
        'Missing: policy number, incident date, location. Caller said: ' +
        '"I had a car accident yesterday and my bumper is badly damaged."',
    );
    expect(synthesis.satisfaction).toBe('unknown');
    expect(synthesis.suggestions).toEqual([
      'Collect the missing policy number, incident date, location.',
      'Call the caller back to finish the claim.',
    ]);
  });

  it('rates a transferred, unhappy caller low and asks for a review', () => {
    const synthesis = extractiveSynthesis({
      messages: messages(['human', 'This is ridiculous, I want to speak to a person now.']),
      claim: {},
      state: 'transferred',
      language: 'en-US',
      sentiment: 0.1,
    });
    expect(synthesis.satisfaction).toBe('low');
    expect(synthesis.summary).toBe(
      'The caller was transferred to a human agent. Caller said: "This is ridiculous, I want to speak to a person now."',
    );
    expect(synthesis.suggestions).toEqual([
      'Check that the human agent has taken over the claim.',
      'Review the call: the caller seemed dissatisfied.',
    ]);
  });

  it.each([
    [0.9, 'closed', 'high'],
    [0.2, 'closed', 'high'],
    [0.1, 'closed', 'medium'],
    [0.2, 'gathering', 'medium'],
    [-0.2, 'gathering', 'medium'],
    [-0.4, 'gathering', 'low'],
    [0.5, 'transferred', 'medium'],
    [0, 'transferred', 'medium'],
    [-0.1, 'transferred', 'low'],
  ] as const)('sentiment %d ending %s → %s', (sentiment, state, expected) => {
    const synthesis = extractiveSynthesis({
      messages: [],
      claim: FULL_CLAIM,
      state,
      language: 'en-US',
      sentiment,
      schema: DEMO_CLAIM_SCHEMA,
    });
    expect(synthesis.satisfaction).toBe(expected);
  });

  it('works without a schema: names spelled out, empty values missing', () => {
    const synthesis = extractiveSynthesis({
      messages: [],
      claim: { policyNumber: 'POL123456', incident_date: null, location: '' },
      state: 'confirming',
      language: 'en-GB',
    });
    expect(synthesis.summary).toBe(
      'The conversation stopped while the claim was being read back. Claim: policy number POL123456. Missing: incident date, location.',
    );
    expect(synthesis.suggestions).toEqual([
      'Collect the missing incident date, location.',
      'Call the caller back to finish the claim.',
    ]);
  });

  it('says so when nothing was said at all', () => {
    expect(
      extractiveSynthesis({ messages: [], claim: {}, state: 'initiate', language: 'en-US' }),
    ).toEqual({
      summary: 'The conversation stopped before any claim details were given.',
      satisfaction: 'unknown',
      suggestions: ['Call the caller back to finish the claim.'],
      by: 'extractive',
    });
  });

  it('shortens a very long sentence', () => {
    const long = `My car was damaged ${'very '.repeat(60)}badly.`;
    const synthesis = extractiveSynthesis({
      messages: messages(['human', long]),
      claim: {},
      state: 'gathering',
      language: 'en-US',
    });
    const quote = /Caller said: "(.*)"$/.exec(synthesis.summary)![1]!;
    expect(quote).toHaveLength(140);
    expect(quote.endsWith('…')).toBe(true);
  });
});

describe('extractiveSynthesis in Chinese', () => {
  const ZH_CALL = messages(
    ['assistant', '您好，请问有什么可以帮您？'],
    ['human', '你好。我的车昨天在高速上被撞了，后保险杠坏了。'],
    ['human', '是的'],
    ['human', '我叫张三。'],
    ['human', '保单号是POL一二三四五六。'],
  );

  it('summarises in Chinese with the labels of the schema', () => {
    const synthesis = extractiveSynthesis({
      messages: ZH_CALL,
      claim: { ...FULL_CLAIM, fullName: '张三', location: '京沪高速' },
      state: 'closed',
      language: 'zh-CN',
      sentiment: 0.1,
      schema: DEMO_CLAIM_SCHEMA,
    });
    expect(synthesis).toEqual({
      summary:
        '理赔信息已确认，对话结束。理赔信息：姓名 张三，保单号 POL123456，出险日期 2026-03-10，出险地点 京沪高速。' +
        '来电者说：“我的车昨天在高速上被撞了，后保险杠坏了。”“保单号是POL一二三四五六。”',
      satisfaction: 'medium',
      suggestions: ['向来电者发送理赔申请表。'],
      by: 'extractive',
    });
  });

  it('lists the missing fields and the follow-ups in Chinese', () => {
    const synthesis = extractiveSynthesis({
      messages: messages(['human', '你们的服务太差了，我要投诉！']),
      claim: { fullName: '张三' },
      state: 'transferred',
      language: 'zh-CN',
      schema: DEMO_CLAIM_SCHEMA,
    });
    expect(synthesis).toEqual({
      summary:
        '来电者已转接人工客服。理赔信息：姓名 张三。缺少：保单号、出险日期、出险地点。来电者说：“你们的服务太差了，我要投诉！”',
      satisfaction: 'low',
      suggestions: [
        '补充缺少的信息：保单号、出险日期、出险地点。',
        '跟进人工客服是否已接手该理赔。',
        '回访：来电者似乎不满意。',
      ],
      by: 'extractive',
    });
  });
});
