import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../../observability/index.js';
import { runTextFlow } from '../../testing/run-text-flow.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function gatherFlow(gather: Record<string, unknown>) {
  return {
    name: 'gather',
    steps: [
      { id: 'ask', say: { text: 'Enter your PIN.' } },
      { id: 'g', gather },
      { id: 'next', say: { text: 'fell through: {{gather.digits}}{{gather.speech}}' } },
      { id: 'h0', hangup: null },
      { id: 'ok', say: { text: 'ok {{gather.digits}}{{gather.speech}} {{gather.intent}}' } },
      { id: 'h1', hangup: null },
      { id: 'bad', say: { text: 'no match {{gather.digits}}{{gather.speech}}' } },
      { id: 'h2', hangup: null },
      { id: 'silent', say: { text: 'no input' } },
    ],
  };
}

describe('gather', () => {
  it('branches on exact digits and stores gather.digits', async () => {
    const run = runTextFlow(
      gatherFlow({ input: ['dtmf'], numDigits: 4, branches: { '1234': 'ok' } }),
    );
    await run.io.waitIdle();
    await run.reply('123456');
    const outcome = await run.done;
    expect(run.said()).toEqual(['Enter your PIN.', 'ok 1234 ']);
    expect(outcome.variables).toMatchObject({ gather: { digits: '1234' } });
  });

  it('stops at finishOnKey; unmatched digits go to noMatch', async () => {
    const run = runTextFlow(
      gatherFlow({ input: ['dtmf'], finishOnKey: '#', branches: { '1234': 'ok' }, noMatch: 'bad' }),
    );
    await run.io.waitIdle();
    await run.reply('12#9');
    await run.done;
    expect(run.said().at(-1)).toBe('no match 12');
  });

  it('without noMatch or noInput it falls through to the next step', async () => {
    const run = runTextFlow(gatherFlow({ input: ['dtmf'], branches: { '1': 'ok' } }));
    await run.io.waitIdle();
    await run.reply('5');
    await run.done;
    expect(run.said().at(-1)).toBe('fell through: 5');

    const silent = runTextFlow(
      gatherFlow({ input: ['dtmf'], timeoutS: 3, branches: { '1': 'ok' } }),
    );
    await silent.io.waitIdle();
    await vi.advanceTimersByTimeAsync(3000);
    await silent.done;
    expect(silent.said().at(-1)).toBe('fell through: ');
    expect(silent.events[1]).toMatchObject({ stepId: 'g', outcome: 'no-input' });
  });

  it('goes to noInput after its timeout, not before', async () => {
    const run = runTextFlow(
      gatherFlow({
        input: ['dtmf', 'speech'],
        timeoutS: 3,
        branches: { '1': 'ok' },
        noInput: 'silent',
      }),
    );
    await run.io.waitIdle();
    await vi.advanceTimersByTimeAsync(2999);
    expect(run.said()).toEqual(['Enter your PIN.']);
    await vi.advanceTimersByTimeAsync(1);
    await run.done;
    expect(run.said().at(-1)).toBe('no input');
  });

  it('branches on the classifier intent and stores gather.intent', async () => {
    const classify = async (text: string) =>
      /bill/i.test(text) ? { intent: 'billing', score: 0.8 } : undefined;
    const run = runTextFlow(
      gatherFlow({ input: ['speech'], branches: { billing: 'ok' }, noMatch: 'bad' }),
      { runner: { classify } },
    );
    await run.io.waitIdle();
    await run.reply('a question about my bill');
    await run.done;
    expect(run.said().at(-1)).toBe('ok a question about my bill billing');
  });

  it('branches on exact normalised speech; typed digits are speech when dtmf is not asked for', async () => {
    const run = runTextFlow(
      gatherFlow({ input: ['speech'], branches: { 'talk to sales': 'ok', '42': 'bad' } }),
    );
    await run.io.waitIdle();
    await run.reply('  Talk to SALES! ');
    await run.done;
    expect(run.said().at(-1)).toBe('ok Talk to SALES! ');

    const digits = runTextFlow(gatherFlow({ input: ['speech'], branches: { '42': 'bad' } }));
    await digits.io.waitIdle();
    await digits.reply('42');
    const outcome = await digits.done;
    expect(digits.said().at(-1)).toBe('no match 42');
    expect(outcome.variables).toMatchObject({ gather: { speech: '42' } });
  });

  it('clears the previous gather results', async () => {
    const run = runTextFlow({
      name: 'twice',
      steps: [
        { id: 'g1', gather: { input: ['dtmf'], branches: {} } },
        { id: 'g2', gather: { input: ['speech'], branches: {} } },
        { id: 's', say: { text: '[{{gather.digits}}|{{gather.speech}}]' } },
      ],
    });
    await run.io.waitIdle();
    await run.reply('7');
    await run.reply('hi');
    await run.done;
    expect(run.said()).toEqual(['[|hi]']);
  });

  it('logs caller input only under pii, which the logger redacts', async () => {
    const out = new PassThrough();
    let logged = '';
    out.on('data', (c: Buffer) => (logged += c.toString()));
    const logger = createLogger({ level: 'debug', destination: out });
    const run = runTextFlow(gatherFlow({ input: ['dtmf'], branches: { '1234': 'ok' } }), {
      runner: { logger },
    });
    await run.io.waitIdle();
    await run.reply('1234');
    await run.done;
    expect(logged).toContain('flow gather input');
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain('1234');
  });
});
