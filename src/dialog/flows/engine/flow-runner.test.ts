import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTextFlow } from '../testing/run-text-flow.js';
import { FlowRunner } from './flow-runner.js';
import { TextFlowIO } from '../../chat/text-flow-io.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('FlowRunner basics', () => {
  it('runs steps in order and hangs up when it falls off the end', async () => {
    const run = runTextFlow({
      name: 'basics',
      steps: [
        { id: 'a', answer: null },
        { id: 'b', say: { text: 'Hello' } },
        { id: 'c', play: { file: 'welcome.wav' } },
      ],
    });
    const outcome = await run.done;
    expect(outcome.reason).toBe('completed');
    expect(run.said()).toEqual(['Hello', '[audio: welcome.wav]']);
    expect(run.steps()).toEqual(['a', 'b', 'c']);
    expect(run.io.ended).toBe(true);
  });

  it('starts at `start` and jumps with goto', async () => {
    const run = runTextFlow({
      name: 'jumps',
      start: 'first',
      steps: [
        { id: 'skipped', say: { text: 'never' } },
        { id: 'first', say: { text: 'one' } },
        { id: 'jump', goto: { next: 'last' } },
        { id: 'skipped2', say: { text: 'never either' } },
        { id: 'last', say: { text: 'two' } },
      ],
    });
    await run.done;
    expect(run.said()).toEqual(['one', 'two']);
    expect(run.steps()).toEqual(['first', 'jump', 'last']);
  });

  it('interpolates variables, caller, called and callId; missing values are empty', async () => {
    const run = runTextFlow(
      {
        name: 'templates',
        steps: [
          {
            id: 's',
            set: { variables: { 'customer.name': 'Ana', greeting: 'Hi {{customer.name}}', n: 3 } },
          },
          {
            id: 'say',
            say: {
              text: '{{greeting}}, n={{ n }}, from {{caller}} to {{called}} on {{callId}}, [{{nope.x}}]',
            },
          },
        ],
      },
      {
        runner: {
          context: {
            conversationKey: 'k',
            attributes: {},
            caller: '+100',
            called: '+200',
            callId: 'c-9',
          },
        },
      },
    );
    const outcome = await run.done;
    expect(run.said()).toEqual(['Hi Ana, n=3, from +100 to +200 on c-9, []']);
    expect(outcome.variables).toMatchObject({ customer: { name: 'Ana' }, n: 3 });
  });

  it('hangup ends the run with its reason', async () => {
    const run = runTextFlow({
      name: 'bye',
      steps: [
        { id: 'h', hangup: { reason: 'done' } },
        { id: 'never', say: { text: 'x' } },
      ],
    });
    const outcome = await run.done;
    expect(outcome).toMatchObject({ reason: 'hangup', stepId: 'h' });
    expect(run.io.reason).toBe('done');
    expect(run.said()).toEqual([]);
  });

  it('record stores record.id from the IO', async () => {
    const run = runTextFlow(
      {
        name: 'rec',
        steps: [
          { id: 'r', record: { maxS: 30, beep: true } },
          { id: 's', say: { text: 'got {{record.id}} ({{record.durationMs}} ms)' } },
        ],
      },
      { io: { recordResult: { recordingId: 'rec-1', durationMs: 1200 } } },
    );
    await run.done;
    expect(run.said()).toEqual(['[recording]', 'got rec-1 (1200 ms)']);
  });

  it('switch picks the case by the variable text, else default, else falls through', async () => {
    const flow = (tier: string) => ({
      name: 'sw',
      steps: [
        { id: 's', set: { variables: { tier } } },
        { id: 'sw', switch: { on: 'tier', cases: { gold: 'g', '1': 'one' }, default: 'd' } },
        { id: 'g', say: { text: 'gold' } },
        { id: 'gh', hangup: null },
        { id: 'one', say: { text: 'one' } },
        { id: 'oh', hangup: null },
        { id: 'd', say: { text: 'default' } },
      ],
    });
    for (const [tier, said] of [
      ['gold', 'gold'],
      ['1', 'one'],
      ['silver', 'default'],
    ] as const) {
      const run = runTextFlow(flow(tier));
      await run.done;
      expect(run.said()).toEqual([said]);
    }
  });

  it('if evaluates variable and caller conditions in order', async () => {
    const flow = {
      name: 'if',
      steps: [
        { id: 's', set: { variables: { score: 42, lang: 'es' } } },
        {
          id: 'branch',
          if: {
            conditions: [
              { when: { variable: 'score', gt: 50 }, next: 'high' },
              { when: { variable: 'lang', in: ['fr', 'es'], ne: 'fr' }, next: 'spanish' },
            ],
            else: 'other',
          },
        },
        { id: 'high', say: { text: 'high' } },
        { id: 'h1', hangup: null },
        { id: 'spanish', say: { text: 'spanish' } },
        {
          id: 'vip',
          if: { conditions: [{ when: { caller: 'number', eq: '+34911111111' }, next: 'known' }] },
        },
        { id: 'other', say: { text: 'other' } },
        { id: 'known', say: { text: 'known caller' } },
      ],
    };
    const run = runTextFlow(flow);
    await run.done;
    expect(run.said()).toEqual(['spanish', 'known caller']);
    const stranger = runTextFlow(flow, {
      runner: { context: { conversationKey: 'x', attributes: {}, caller: '+1' } },
    });
    await stranger.done;
    expect(stranger.said()).toEqual(['spanish', 'other', 'known caller']);
  });
});

describe('FlowRunner failures', () => {
  it('a step that throws is reported, apologised for, and the flow goes on', async () => {
    const io = new TextFlowIO();
    io.play = async () => {
      throw new Error('media server down');
    };
    const events: Array<{ stepId: string; error?: string; outcome?: string }> = [];
    const runner = new FlowRunner({
      flow: {
        name: 'err',
        steps: [
          { id: 'p', play: { file: 'x.wav' } },
          { id: 's', say: { text: 'after' } },
        ],
      },
      io,
      context: { conversationKey: 'k', attributes: {} },
      onStep: (e) => events.push(e),
    });
    const outcome = await runner.run();
    expect(outcome.reason).toBe('completed');
    expect(io.transcript().map((m) => m.text)).toEqual(['Sorry, something went wrong.', 'after']);
    expect(events[0]).toMatchObject({ stepId: 'p', outcome: 'error', error: 'media server down' });
  });

  it('the loop guard ends an endless flow with an apology and an error outcome', async () => {
    const run = runTextFlow(
      {
        name: 'loop',
        steps: [
          { id: 'a', say: { text: 'again' } },
          { id: 'b', goto: { next: 'a' } },
        ],
      },
      { runner: { maxSteps: 10 } },
    );
    const outcome = await run.done;
    expect(outcome).toMatchObject({ reason: 'error', error: 'loop guard: more than 10 steps' });
    expect(run.said().filter((t) => t === 'again')).toHaveLength(5);
    expect(run.said().at(-1)).toBe('Sorry, something went wrong.');
    expect(run.io.ended).toBe(true);
  });

  it('speaks its own phrases in Chinese for a zh flow', async () => {
    const run = runTextFlow(
      { name: 'zh', language: 'zh-CN', steps: [{ id: 'a', goto: { next: 'a' } }] },
      { runner: { maxSteps: 3 } },
    );
    await run.done;
    expect(run.said()).toEqual(['抱歉，系统出现了问题。']);
  });

  it('a caller leaving mid-flow stops the run as caller-gone', async () => {
    const run = runTextFlow({
      name: 'leave',
      steps: [
        { id: 'hello', say: { text: 'Hello' } },
        { id: 'ask', gather: { input: ['dtmf'], branches: { '1': 'one' } } },
        { id: 'one', say: { text: 'one' } },
      ],
    });
    await run.io.waitIdle();
    run.io.end('user-left');
    const outcome = await run.done;
    expect(outcome).toMatchObject({ reason: 'caller-gone', stepId: 'ask' });
    expect(run.said()).toEqual(['Hello']);
  });

  it('a runner runs once', async () => {
    const runner = new FlowRunner({
      flow: { name: 'once', steps: [{ id: 'a', hangup: {} }] },
      io: new TextFlowIO(),
      context: { conversationKey: 'k', attributes: {} },
    });
    await runner.run();
    await expect(runner.run()).rejects.toThrow('runs once');
  });
});
