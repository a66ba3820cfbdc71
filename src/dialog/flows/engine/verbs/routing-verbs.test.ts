import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Responder } from '../../../../voice/index.js';
import { runTextFlow } from '../../testing/run-text-flow.js';
import { ScriptedAgentHost } from '../../testing/scripted-agent-host.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const SUPPORT_SCRIPT = {
  greeting: 'Hi, I am the support bot.',
  rules: [
    {
      when: /human/i,
      reply: 'Connecting you.',
      action: { type: 'transfer' as const, to: '+34910000000' },
    },
    { when: /someone/i, reply: 'Let me find someone.', action: { type: 'transfer' as const } },
    { when: /bye/i, reply: 'Goodbye!', action: { type: 'hangup' as const } },
  ],
  otherwise: 'You said {text}.',
};

function agentFlow(agentId = 'support') {
  return {
    name: 'agent',
    steps: [
      { id: 'bot', agent: { agentId } },
      { id: 'routed', say: { text: 'back in the flow: {{agent.outcome}} {{agent.transfer}}' } },
    ],
  };
}

describe('agent', () => {
  it('talks with a scripted responder, then transfers where it asks', async () => {
    const host = new ScriptedAgentHost({ support: SUPPORT_SCRIPT });
    const run = runTextFlow(agentFlow(), { io: { agents: host } });
    await run.io.waitIdle();
    await run.reply('what are your hours?');
    await run.reply('a human please');
    const outcome = await run.done;
    expect(run.io.transcript().map((m) => `${m.from}: ${m.text}`)).toEqual([
      'bot: Hi, I am the support bot.',
      'user: what are your hours?',
      'bot: You said what are your hours?.',
      'user: a human please',
      'bot: Connecting you.',
      'system: [transferred to +34910000000]',
    ]);
    expect(outcome.reason).toBe('transfer');
    expect(host.opened[0]).toMatchObject({
      agentId: 'support',
      key: 'test',
      channel: 'text',
      language: 'en',
    });
    expect(host.closed).toEqual(['transfer']);
  });

  it('a transfer without a destination goes on in the flow with agent.transfer set', async () => {
    const run = runTextFlow(agentFlow(), {
      io: { agents: new ScriptedAgentHost({ support: SUPPORT_SCRIPT }) },
    });
    await run.io.waitIdle();
    await run.reply('can I talk to someone');
    await run.done;
    expect(run.said().slice(-1)).toEqual(['back in the flow: transfer true']);
  });

  it('a failed transfer is apologised for and the flow goes on', async () => {
    const run = runTextFlow(agentFlow(), {
      io: {
        agents: new ScriptedAgentHost({ support: SUPPORT_SCRIPT }),
        transferResult: { ok: false, reason: 'busy' },
      },
    });
    await run.io.waitIdle();
    await run.reply('human');
    const outcome = await run.done;
    expect(run.said().slice(-3)).toEqual([
      '[transfer to +34910000000 failed]',
      'Sorry, I could not transfer your call.',
      'back in the flow: transfer ',
    ]);
    expect(outcome.variables).toMatchObject({ transfer: { error: 'busy' } });
  });

  it('the agent hanging up ends the run as agent', async () => {
    const run = runTextFlow(agentFlow(), {
      io: { agents: new ScriptedAgentHost({ support: SUPPORT_SCRIPT }) },
    });
    await run.io.waitIdle();
    await run.reply('bye');
    const outcome = await run.done;
    expect(outcome).toMatchObject({ reason: 'agent', stepId: 'bot' });
    expect(run.said().at(-1)).toBe('Goodbye!');
  });

  it('an unknown agent is apologised for, reported, and the flow goes on', async () => {
    const run = runTextFlow(agentFlow('nobody'), { io: { agents: new ScriptedAgentHost({}) } });
    await run.done;
    expect(run.said()).toEqual(['Sorry, something went wrong.', 'back in the flow: error ']);
    expect(run.events[0]).toMatchObject({
      stepId: 'bot',
      outcome: 'error',
      error: 'no agent "nobody"',
    });
  });

  it('asks "Are you still there?" twice on silence, then says goodbye and ends', async () => {
    const run = runTextFlow(agentFlow(), {
      io: { agents: new ScriptedAgentHost({ support: SUPPORT_SCRIPT }), silenceMs: 1000 },
    });
    for (let i = 0; i < 3; i++) {
      await run.io.waitIdle();
      await vi.advanceTimersByTimeAsync(1000);
    }
    const outcome = await run.done;
    expect(run.said()).toEqual([
      'Hi, I am the support bot.',
      'Are you still there?',
      'Are you still there?',
      'Thank you for calling. Goodbye.',
    ]);
    expect(outcome.reason).toBe('agent');
  });

  it('streams a reply into one message, and apologises for a responder that fails or stalls', async () => {
    let turn = 0;
    const responder: Responder = {
      respond: (_t, { signal }) => {
        turn++;
        if (turn === 1) {
          return (async function* () {
            yield 'Hel';
            yield 'lo there';
          })();
        }
        if (turn === 2) return Promise.reject(new Error('model down'));
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    };
    const run = runTextFlow(agentFlow(), {
      io: { agents: new ScriptedAgentHost({ support: responder }), answerTimeoutMs: 500 },
    });
    await run.io.waitIdle();
    await run.reply('one');
    await run.reply('two');
    run.io.send('three');
    await vi.advanceTimersByTimeAsync(500);
    await run.io.waitIdle();
    expect(run.said()).toEqual([
      'Hello there',
      'Sorry, I could not get an answer for you just now.',
      'Sorry, I could not get an answer for you just now.',
    ]);
    run.io.end();
    expect((await run.done).reason).toBe('caller-gone');
  });
});

describe('enqueue', () => {
  const flow = (fallback?: string) => ({
    name: 'queue',
    steps: [
      { id: 'q', enqueue: { queue: 'sales', priority: 5, ...(fallback ? { fallback } : {}) } },
      { id: 'next', say: { text: 'next step' } },
      { id: 'h', hangup: null },
      { id: 'voicemail', say: { text: 'leave a message' } },
    ],
  });

  it('today says no one is available and takes the fallback', async () => {
    const run = runTextFlow(flow('voicemail'));
    await run.done;
    expect(run.said()).toEqual([
      '[queue sales unavailable]',
      'Sorry, no one is available to take your call right now.',
      'leave a message',
    ]);
    expect(run.events[0]).toMatchObject({ stepId: 'q', outcome: 'unavailable' });
  });

  it('without a fallback goes to the next step; in Chinese', async () => {
    const run = runTextFlow({ ...flow(), language: 'zh' });
    await run.done;
    expect(run.said()).toEqual([
      '[queue sales unavailable]',
      '抱歉，目前没有人可以接听您的电话。',
      'next step',
    ]);
  });

  it('ends the run as queued when a queue takes the call', async () => {
    const run = runTextFlow(flow('voicemail'), { io: { enqueueResult: 'queued' } });
    expect((await run.done).reason).toBe('queued');
    expect(run.said()).toEqual(['[queued: sales]']);
  });
});

describe('transfer', () => {
  const flow = {
    name: 'xfer',
    steps: [
      { id: 't', transfer: { to: 'sip:desk@example.com' } },
      { id: 'after', say: { text: 'still here' } },
    ],
  };

  it('ends the run when the transfer succeeds', async () => {
    const run = runTextFlow(flow);
    expect(await run.done).toMatchObject({ reason: 'transfer', stepId: 't' });
    expect(run.said()).toEqual(['[transferred to sip:desk@example.com]']);
  });

  it('apologises and goes on when it fails', async () => {
    const run = runTextFlow(flow, { io: { transferResult: { ok: false, reason: 'no route' } } });
    expect((await run.done).reason).toBe('completed');
    expect(run.said()).toEqual([
      '[transfer to sip:desk@example.com failed]',
      'Sorry, I could not transfer your call.',
      'still here',
    ]);
    expect(run.events[0]).toMatchObject({ outcome: 'failed', error: 'transfer failed: no route' });
  });
});
