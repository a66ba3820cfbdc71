/**
 * The stored agents over a real store: the offline claims agent files a claim by speech and by
 * keys, confirms it and announces it; a dropped conversation resumes within the window; the
 * service agent follows its script tree; the language-model agent streams, fills the claim
 * through tool calls, transfers, and falls back to the offline agent when the model fails —
 * all against the fake OpenAI-compatible server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiCompatibleLlm } from '../llm/index.js';
import { DEMO_CLAIMS_AGENT_DOCUMENT } from '../demo/demo-documents.js';
import { startFakeOpenAi, type FakeOpenAi } from '../testing/fake-openai.js';
import { AgentDriver, openAgentHarness, type AgentHarness } from './testing/agent-harness.js';

let h: AgentHarness;
let fake: FakeOpenAi;
let serial = 0;
const caller = () => `+3491100${String(++serial).padStart(4, '0')}`;
/** The store stamps updates with the real clock, so the agents' clock is the real one too. */
const NOW = () => new Date();
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await openAgentHarness();
  fake = await startFakeOpenAi({ apiKey: 'sk-test' });
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await h?.close();
});

async function open(
  agentId: string,
  key: string,
  options: Parameters<AgentHarness['agents']>[0] = {},
) {
  const opened = await h.agents({ now: NOW, ...options }).open({ agentId, key, channel: 'text' });
  if (!opened) throw new Error(`no agent ${agentId}`);
  return new AgentDriver(opened);
}

describe('the offline claims agent', () => {
  it('asks for each field, takes speech and keys, reads the claim back and files it', async () => {
    const key = caller();
    const d = await open('claims', key);
    expect(d.greeting()).toMatch(/claims assistant.*full name/i);
    expect((await d.say('my name is Ana Garcia')).text).toMatch(/policy number/i);
    // Keys: the keypad cannot type POL, the agent adds it.
    expect((await d.say('123456', { keys: true })).text).toMatch(/what date/i);
    // A refused answer says why and asks again.
    expect((await d.say('purple')).text).toMatch(/incident date.*what date/i);
    expect((await d.say('20261119', { keys: true })).text).toMatch(/where did it happen/i);
    const readBack = await d.say('on Gran Via in Madrid');
    expect(readBack.text).toMatch(/Ana Garcia/);
    expect(readBack.text).toMatch(/POL123456/);
    expect(readBack.text).toMatch(/2026-11-19/);
    expect(readBack.text).toMatch(/correct/i);
    const filed = await d.say('yes that is right');
    expect(filed.text).toMatch(/claim is filed/i);
    expect(filed.action).toMatchObject({ type: 'hangup' });
    await d.opened.close({ reason: 'bot-hangup' });

    const [record] = await h.store.conversations.listByCall('none').then(() =>
      h.store.conversations.findResumable(key, 'claims', new Date(0)).then(async () => {
        // Closed conversations are not resumable: read it by id instead.
        return [await h.store.conversations.get(d.opened.conversation.id)];
      }),
    );
    expect(record).toMatchObject({
      state: 'closed',
      claim: {
        fullName: 'Ana Garcia',
        policyNumber: 'POL123456',
        incidentDate: '2026-11-19',
        location: expect.stringMatching(/Gran Via/),
      },
    });
    expect(record!.synthesis?.summary).toMatch(/POL123456/);
    const messages = await h.store.conversations.messages(d.opened.conversation.id);
    expect(messages.map((m) => m.persona)).toEqual([
      'assistant',
      ...Array.from({ length: 6 }, () => ['human', 'assistant']).flat(),
    ]);
    expect(messages[3]).toMatchObject({ persona: 'human', content: '[keys] 123456' });
    const filedEvent = h.events.find(
      (e) => e.type === 'claim.completed' && e.data.conversationId === d.opened.conversation.id,
    );
    expect(filedEvent?.data.claim).toMatchObject({ policyNumber: 'POL123456' });
  });

  it('resumes a dropped conversation within the window and says so', async () => {
    const key = caller();
    const first = await open('claims', key);
    first.greeting();
    await first.say('Li Wei');
    await first.say('654321', { keys: true });
    // The caller hangs up: the conversation stays open, with a reminder to call back.
    await first.opened.close({ reason: 'leg-ended' });
    const dropped = await h.store.conversations.get(first.opened.conversation.id);
    expect(dropped?.state).toBe('gathering');
    expect(dropped?.reminders).toEqual([
      {
        at: expect.any(String),
        text: expect.stringMatching(/missing incidentDate, location.*call the customer back/),
      },
    ]);
    expect(dropped?.synthesis).toMatchObject({ by: 'extractive' });

    const second = await open('claims', key);
    expect(second.opened.conversation.resumed).toBe(true);
    expect(second.opened.conversation.id).toBe(first.opened.conversation.id);
    expect(second.greeting()).toMatch(/welcome back.*what date/i);
    expect((await second.say('yesterday')).text).toMatch(/where did it happen/i);
    const readBack = await second.say('at the airport');
    expect(readBack.text).toMatch(new RegExp(`Li Wei.*POL654321.*${yesterday()}`));
    expect(
      h.events.some(
        (e) =>
          e.type === 'conversation.resumed' &&
          e.data.conversationId === first.opened.conversation.id,
      ),
    ).toBe(true);
    const record = await h.store.conversations.get(first.opened.conversation.id);
    expect(record?.resumeCount).toBe(1);
  });

  it('starts afresh after the callback window', async () => {
    const key = caller();
    const first = await open('claims', key);
    await first.say('Sam Jones');
    await first.opened.close({ reason: 'leg-ended' });
    const later = await open('claims', key, { now: () => new Date(Date.now() + 4 * 3_600_000) });
    // Four hours later (window 3 h): a new conversation.
    expect(later.opened.conversation.resumed).toBe(false);
    expect(later.greeting()).toMatch(/full name/);
  });

  it('hands the caller to a person when asked, or after too many unusable turns', async () => {
    const asked = await open('claims', caller());
    const reply = await asked.say('I want to talk to a real person');
    expect(reply.action).toMatchObject({ type: 'transfer' });
    await asked.opened.close({ reason: 'transfer', transferred: true });
    const record = await h.store.conversations.get(asked.opened.conversation.id);
    expect(record?.state).toBe('transferred');

    const stuck = await open('claims', caller());
    await stuck.say('Ana Garcia');
    await stuck.say('blue');
    await stuck.say('green');
    const third = await stuck.say('red');
    expect(third.action).toMatchObject({ type: 'transfer' });
  });

  it('speaks Mandarin to a Mandarin caller', async () => {
    const opened = await h.agents({ now: NOW }).open({
      agentId: 'claims',
      key: caller(),
      channel: 'text',
      language: 'zh-CN',
    });
    const d = new AgentDriver(opened!);
    expect(d.greeting()).toMatch(/理赔助手.*姓名/);
    expect((await d.say('我叫张三')).text).toMatch(/保单号/);
    expect((await d.say('POL112233')).text).toMatch(/哪天/);
    expect((await d.say('昨天')).text).toMatch(/哪里/);
    expect((await d.say('北京市朝阳区')).text).toMatch(/张三.*POL112233/);
  });
});

describe("the agent's time zone", () => {
  it('reads "yesterday" as the day before today in the agent\'s zone', async () => {
    const dayIn = (zone: string, offsetDays: number): string =>
      new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(
        new Date(Date.now() + offsetDays * 86_400_000),
      );
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const name = `claims-${zone.split('/')[1]!.toLowerCase().replace('_', '-')}`;
      await h.store.dialogDocuments.put('agent', name, {
        ...DEMO_CLAIMS_AGENT_DOCUMENT,
        timeZone: zone,
      });
      const d = await open(name, caller());
      await d.say('Ana Garcia');
      await d.say('POL123456');
      await d.say('yesterday');
      // Kiritimati (UTC+14) and Pago Pago (UTC-11) are always on different calendar days.
      expect(d.opened.conversation.claim?.values().incidentDate).toBe(dayIn(zone, -1));
    }
  });
});

describe('the service agent (script tree)', () => {
  it('follows the demo service script from the menu into the claim', async () => {
    const d = await open('service', caller());
    expect(d.greeting()).toMatch(/file a claim/i);
    expect((await d.say('I need to report an accident and make a claim')).text).toMatch(
      /full name/i,
    );
    expect((await d.say('Ana Garcia')).text).toMatch(/policy number/i);
  });
});

describe('the language-model agent', () => {
  const llmAgent = (key: string) =>
    open('claims', key, {
      llm: new OpenAiCompatibleLlm({ baseUrl: fake.url, apiKey: 'sk-test', model: 'gpt-test' }),
    });

  it('streams its answer and fills the claim through tool calls', async () => {
    const d = await llmAgent(caller());
    fake.reply(
      {
        toolCalls: [
          {
            name: 'update_claim',
            arguments: { fields: { fullName: 'Ana Garcia', policyNumber: 'POL777777' } },
          },
        ],
      },
      { text: 'Thank you, Ana. On what date did it happen?', chunkSize: 5 },
    );
    const reply = await d.say('I am Ana Garcia, policy P O L seven seven seven seven seven seven');
    expect(reply.text).toBe('Thank you, Ana. On what date did it happen?');
    expect(d.opened.conversation.claim?.values()).toMatchObject({
      fullName: 'Ana Garcia',
      policyNumber: 'POL777777',
    });
    // The model saw the claim's fields in its system prompt and the tool's result after its call.
    const second = fake.requests.at(-1)!;
    const messages = second.messages as Array<{ role: string; content: string }>;
    expect(messages[0]!.content).toMatch(/policyNumber/);
    expect(messages.some((m) => m.role === 'tool' && /POL777777/.test(m.content))).toBe(true);
  });

  it('refuses invalid tool arguments and tells the model why', async () => {
    const d = await llmAgent(caller());
    fake.reply(
      { toolCalls: [{ name: 'update_claim', arguments: { fields: { policyNumber: 'XYZ' } } }] },
      { text: 'Sorry, could you repeat the policy number?' },
    );
    await d.say('my policy is XYZ');
    expect(d.opened.conversation.claim?.values().policyNumber).toBeUndefined();
    const messages = fake.requests.at(-1)!.messages as Array<{ role: string; content: string }>;
    expect(messages.find((m) => m.role === 'tool')?.content).toMatch(/does not match/);
  });

  it('transfers when the model calls transfer_to_human', async () => {
    const d = await llmAgent(caller());
    fake.reply(
      { toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'caller asked' } }] },
      { text: 'Let me connect you with a colleague.' },
    );
    const reply = await d.say('get me a human');
    expect(reply.text).toMatch(/colleague/);
    expect(reply.action).toMatchObject({ type: 'transfer' });
  });

  it('answers with the offline agent when the model fails', async () => {
    const d = await llmAgent(caller());
    fake.reply({ status: 500, error: 'upstream exploded' });
    const reply = await d.say('Ana Garcia');
    // The offline agent took the name and asks the next question: the caller is never left silent.
    expect(reply.text).toMatch(/policy number/i);
    expect(d.opened.conversation.claim?.values().fullName).toBe('Ana Garcia');
  });

  it('has the model write the synthesis at the end, and keeps the extractive one when it cannot', async () => {
    const d = await llmAgent(caller());
    fake.reply({ text: 'Thank you. What is your policy number?' });
    await d.say('My name is Ana Garcia and my car was hit');
    fake.reply({
      text: 'Here it is: {"summary": "Ana Garcia reported a car accident.", "satisfaction": "medium", "suggestions": ["Collect the policy number"]}',
    });
    await d.opened.close({ reason: 'leg-ended' });
    const record = await h.store.conversations.get(d.opened.conversation.id);
    expect(record?.synthesis).toEqual({
      summary: 'Ana Garcia reported a car accident.',
      satisfaction: 'medium',
      suggestions: ['Collect the policy number'],
      by: 'llm',
    });
    // The synthesis request carried the transcript.
    const asked = fake.requests.at(-1)!.messages as Array<{ content: string }>;
    expect(asked[0]!.content).toMatch(/Caller: My name is Ana Garcia/);

    const other = await llmAgent(caller());
    fake.reply({ text: 'Hello. What is your name?' });
    await other.say('hi');
    fake.reply({ text: 'not json at all' });
    await other.opened.close({ reason: 'leg-ended' });
    const fallback = await h.store.conversations.get(other.opened.conversation.id);
    expect(fallback?.synthesis?.by).toBe('extractive');
  });
});
