import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Flow } from '../flows/flow-schema.js';
import { validateFlow } from '../flows/flow-schema.js';
import { ScriptedAgentHost } from '../flows/testing/scripted-agent-host.js';
import { ChatRequestError } from './chat-error.js';
import { ChatSessions, type ChatReply } from './chat-sessions.js';

function flowOf(doc: unknown): Flow {
  const checked = validateFlow(doc);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.flow;
}

const versions: Record<string, { flow: Flow; version: number }> = {
  ivr: {
    version: 3,
    flow: flowOf({
      name: 'ivr',
      steps: [
        { id: 'hi', say: { text: 'Welcome {{name}} ({{caller}}).' } },
        {
          id: 'main',
          menu: { prompt: 'Press 1 for hours.', options: { '1': 'hours' }, fallback: 'bye' },
        },
        { id: 'hours', say: { text: 'We open at nine.' } },
        { id: 'bye', say: { text: 'Goodbye.' } },
      ],
    }),
  },
};

const texts = (reply: ChatReply) => reply.messages.map((m) => m.text);

let chat: ChatSessions;
let host: ScriptedAgentHost;

beforeEach(() => {
  vi.useFakeTimers();
  host = new ScriptedAgentHost({
    helper: {
      greeting: 'Hi!',
      rules: [{ when: /bye/, reply: 'Bye.', action: { type: 'hangup' } }],
      otherwise: 'Echo {text}',
    },
  });
  chat = new ChatSessions({
    loadFlow: async (name) => versions[name],
    agents: host,
    idleTimeoutMs: 60_000,
  });
});
afterEach(async () => {
  await chat.stopAll();
  vi.useRealTimers();
});

describe('ChatSessions', () => {
  it('runs a flow: first messages on start, then per message, and ends', async () => {
    const start = await chat.start({
      flow: 'ivr',
      from: '+34600000000',
      variables: { name: 'Ana' },
    });
    expect(texts(start)).toEqual(['Welcome Ana (+34600000000).', 'Press 1 for hours.']);
    expect(start.ended).toBe(false);
    const reply = await chat.send(start.sessionId, '1');
    expect(texts(reply)).toEqual(['We open at nine.', 'Goodbye.']);
    expect(reply.ended).toBe(true);
    const view = chat.transcript(start.sessionId);
    expect(view).toMatchObject({
      flow: { name: 'ivr', version: 3 },
      ended: true,
      outcome: 'completed',
    });
    expect(view.messages.map((m) => m.from)).toEqual(['bot', 'bot', 'user', 'bot', 'bot']);
    await expect(chat.send(start.sessionId, 'again')).rejects.toMatchObject({
      code: 'not_found',
      field: 'sessionId',
    });
  });

  it('keeps the flow version a session started with', async () => {
    const start = await chat.start({ flow: 'ivr' });
    const old = versions.ivr!;
    versions.ivr = {
      version: 4,
      flow: flowOf({ name: 'ivr', steps: [{ id: 'x', say: { text: 'v4' } }] }),
    };
    try {
      expect(texts(await chat.send(start.sessionId, '1'))).toEqual([
        'We open at nine.',
        'Goodbye.',
      ]);
      expect(chat.transcript(start.sessionId).flow?.version).toBe(3);
      expect(texts(await chat.start({ flow: 'ivr' }))).toEqual(['v4']);
    } finally {
      versions.ivr = old;
    }
  });

  it('delivers messages the flow produced on its own with the next answer', async () => {
    const start = await chat.start({ flow: 'ivr' });
    await vi.advanceTimersByTimeAsync(5000); // the menu times out and prompts again
    const reply = await chat.send(start.sessionId, '1');
    expect(texts(reply)).toEqual([
      'Sorry, I did not receive your selection.',
      'Press 1 for hours.',
      'We open at nine.',
      'Goodbye.',
    ]);
  });

  it('talks to an agent directly, keyed by the session id', async () => {
    const start = await chat.start({ agent: 'helper', sessionId: 'chat-1', language: 'en' });
    expect(start).toMatchObject({ sessionId: 'chat-1', ended: false });
    expect(texts(start)).toEqual(['Hi!']);
    expect(texts(await chat.send('chat-1', 'hello'))).toEqual(['Echo hello']);
    const bye = await chat.send('chat-1', 'bye');
    expect(bye).toMatchObject({ ended: true });
    expect(texts(bye)).toEqual(['Bye.']);
    expect(host.opened).toHaveLength(1);
    expect(host.opened[0]).toMatchObject({ agentId: 'helper', key: 'chat-1', channel: 'text' });
    expect(host.closed).toEqual(['hangup']);
  });

  it('resumes a live session by id instead of starting another', async () => {
    const first = await chat.start({ flow: 'ivr', sessionId: 's-1' });
    const again = await chat.start({ flow: 'ivr', sessionId: 's-1' });
    expect(first.messages).toHaveLength(2);
    expect(again).toEqual({ sessionId: 's-1', messages: [], ended: false });
    expect(chat.activeCount).toBe(1);
  });

  it('refuses both or neither of flow and agent, and unknown names, naming the field', async () => {
    await expect(chat.start({})).rejects.toMatchObject({ code: 'bad_request', field: 'flow' });
    await expect(chat.start({ flow: 'ivr', agent: 'helper' })).rejects.toMatchObject({
      code: 'bad_request',
      field: 'agent',
    });
    await expect(chat.start({ flow: 'nope' })).rejects.toMatchObject({
      code: 'not_found',
      field: 'flow',
    });
    const error = await chat.start({ agent: 'nobody' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatRequestError);
    expect(error).toMatchObject({
      code: 'not_found',
      field: 'agent',
      message: 'no agent "nobody"',
    });
  });

  it('ends idle sessions, then forgets them', async () => {
    const { sessionId } = await chat.start({ agent: 'helper' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(chat.transcript(sessionId).ended).toBe(true);
    expect(host.closed).toEqual(['hangup']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(() => chat.transcript(sessionId)).toThrow(ChatRequestError);
  });

  it('publishes messages and the end to subscribers; end() stops the flow', async () => {
    const { sessionId } = await chat.start({ flow: 'ivr' });
    const events: string[] = [];
    chat.subscribe(sessionId, (e) =>
      events.push(e.type === 'message' ? e.message.text : `ended:${e.reason}`),
    );
    await vi.advanceTimersByTimeAsync(5000);
    await chat.end(sessionId);
    expect(events).toEqual([
      'Sorry, I did not receive your selection.',
      'Press 1 for hours.',
      'ended:caller-gone',
    ]);
    expect(chat.transcript(sessionId)).toMatchObject({ ended: true, outcome: 'caller-gone' });
  });
});
