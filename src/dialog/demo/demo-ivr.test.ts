/**
 * The demo IVR over the text channel with the real stored documents, NLU and agents: options
 * picked by key or by words (the menu targets are named after the demo intents), the claims
 * agent reached from option 1, typed digits read as the keypad's, and an agent's hand-over
 * landing on the queue placeholder and back at the menu instead of a dead end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatSessions } from '../chat/chat-sessions.js';
import { textAgentHost } from '../chat/text-agent-host.js';
import { validateFlow } from '../flows/flow-schema.js';
import { openAgentHarness, type AgentHarness } from '../agents/testing/agent-harness.js';
import { resumeKey } from '../voice/voice-agent-catalog.js';

let h: AgentHarness;
let chat: ChatSessions;

beforeAll(async () => {
  h = await openAgentHarness();
  const agents = h.agents();
  chat = new ChatSessions({
    loadFlow: async (name) => {
      const record = await h.store.dialogDocuments.latest('flow', name);
      const r = record && validateFlow(record.document);
      return r?.ok ? { flow: r.flow, version: record!.version } : undefined;
    },
    agents: textAgentHost(agents),
    classify: (text, language) => agents.classify(text, language),
  });
}, 60_000);

afterAll(async () => {
  await chat?.stopAll();
  await h?.close();
});

const texts = (reply: { messages: Array<{ text: string }> }): string =>
  reply.messages.map((m) => m.text).join(' | ');

describe('the demo IVR over chat', () => {
  it('takes 1, reaches the claims agent, and reads typed digits as keys', async () => {
    const start = await chat.start({ flow: 'demo-ivr' });
    expect(texts(start)).toMatch(/press 1/);
    const agent = await chat.send(start.sessionId, '1');
    expect(texts(agent)).toMatch(/claims assistant.*full name/);
    expect(texts(await chat.send(start.sessionId, 'Ana Garcia'))).toMatch(/policy number/);
    // "123456" typed is the keypad's answer: the POL prefix is added.
    expect(texts(await chat.send(start.sessionId, '123456'))).toMatch(/what date/i);
    expect(texts(await chat.send(start.sessionId, '20261119'))).toMatch(/where did it happen/i);
    expect(texts(await chat.send(start.sessionId, 'Seville'))).toMatch(/POL123456.*2026-11-19/);
    const done = await chat.send(start.sessionId, '1');
    expect(texts(done)).toMatch(/claim is filed/);
  });

  it('picks an option by words: "an agent please" is option 2, the queue placeholder', async () => {
    const start = await chat.start({ flow: 'demo-ivr' });
    const reply = await chat.send(start.sessionId, 'I want to wait for a human agent in the queue');
    expect(texts(reply)).toMatch(/no one is available/i);
    // ... and back at the menu.
    expect(texts(reply)).toMatch(/press 1/);
  });

  it('an agent asking for a person lands on the queue placeholder, then the menu', async () => {
    const start = await chat.start({ flow: 'demo-ivr' });
    await chat.send(start.sessionId, '1');
    const reply = await chat.send(start.sessionId, 'let me talk to a real person please');
    expect(texts(reply)).toMatch(/colleague/);
    expect(texts(reply)).toMatch(/no one is available/i);
    expect(texts(reply)).toMatch(/press 1/);
    expect(reply.ended).toBe(false);
  });
});

describe('resumeKey', () => {
  it('is the caller, unless the caller ID is withheld', () => {
    expect(resumeKey('+34911000000', 'call_1')).toBe('+34911000000');
    for (const withheld of [undefined, '', ' ', 'anonymous', 'Anonymous', 'restricted']) {
      expect(resumeKey(withheld, 'call_1')).toBe('call:call_1');
    }
  });
});
