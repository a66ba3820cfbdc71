import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runTextFlow } from '../../testing/run-text-flow.js';
import { MENU_TIMEOUT_MS } from './menu-verb.js';

const PROMPT = 'Press 1 for sales, 2 for support.';

function menuFlow(menu: Record<string, unknown> = {}, extra: unknown[] = []) {
  return {
    name: 'menu',
    steps: [
      {
        id: 'main',
        menu: {
          prompt: PROMPT,
          options: { '1': 'sales', '2': 'support' },
          fallback: 'operator',
          ...menu,
        },
      },
      { id: 'sales', say: { text: 'Sales.' } },
      { id: 'h1', hangup: null },
      { id: 'support', say: { text: 'Support.' } },
      { id: 'h2', hangup: null },
      { id: 'operator', say: { text: 'Operator.' } },
      { id: 'h3', hangup: null },
      ...extra,
    ],
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('menu', () => {
  it('jumps to the option of a valid key and keeps the choice', async () => {
    const run = runTextFlow(menuFlow());
    await run.io.waitIdle();
    expect(run.said()).toEqual([PROMPT]);
    await run.reply('2');
    const outcome = await run.done;
    expect(run.said()).toEqual([PROMPT, 'Support.']);
    expect(outcome.variables).toMatchObject({ menu: { choice: '2' } });
    expect(run.events[0]).toMatchObject({ stepId: 'main', verb: 'menu', outcome: 'option 2' });
  });

  it('repeats after invalid keys and timeouts, then reaches the fallback after retries', async () => {
    const run = runTextFlow(menuFlow({ retries: 2 }));
    await run.io.waitIdle();
    await run.reply('9');
    await vi.advanceTimersByTimeAsync(MENU_TIMEOUT_MS);
    await run.io.waitIdle();
    await run.reply('hello');
    const outcome = await run.done;
    expect(run.said()).toEqual([
      PROMPT,
      'Sorry, that is not a valid option.',
      PROMPT,
      'Sorry, I did not receive your selection.',
      PROMPT,
      'Sorry, that is not a valid option.',
      'Operator.',
    ]);
    expect(outcome.reason).toBe('hangup');
    expect(run.events[0]).toMatchObject({ stepId: 'main', outcome: 'fallback' });
  });

  it('only timeouts: the default 3 retries mean 4 prompts, then the fallback', async () => {
    const run = runTextFlow(menuFlow());
    for (let i = 0; i < 4; i++) {
      await run.io.waitIdle();
      await vi.advanceTimersByTimeAsync(MENU_TIMEOUT_MS);
    }
    await run.done;
    expect(run.said().filter((t) => t === PROMPT)).toHaveLength(4);
    expect(run.said().at(-1)).toBe('Operator.');
  });

  it('takes the onInvalid detour, and the count survives the way back to the menu', async () => {
    const run = runTextFlow(
      menuFlow({ retries: 1, onInvalid: 'help', onTimeout: 'nudge' }, [
        { id: 'help', say: { text: 'Only 1 or 2.' } },
        { id: 'back', goto: { next: 'main' } },
        { id: 'nudge', say: { text: 'Still there?' } },
        { id: 'back2', goto: { next: 'main' } },
      ]),
    );
    await run.io.waitIdle();
    await vi.advanceTimersByTimeAsync(MENU_TIMEOUT_MS);
    await run.io.waitIdle();
    await run.reply('7');
    await run.done;
    expect(run.said()).toEqual([
      PROMPT,
      'Sorry, I did not receive your selection.',
      'Still there?',
      PROMPT,
      'Sorry, that is not a valid option.',
      'Operator.',
    ]);
  });

  it('speaks invalid and timeout phrases in Chinese', async () => {
    const run = runTextFlow({ ...menuFlow({ retries: 0 }), language: 'zh-CN' });
    await run.io.waitIdle();
    await run.reply('5');
    await run.done;
    expect(run.said()).toEqual([PROMPT, '抱歉，这不是有效的选项。', 'Operator.']);
  });

  it('takes speech only with a classifier: intent menu_<key> or the target step id', async () => {
    const classify = vi.fn(async (text: string) =>
      /support/i.test(text) ? { intent: 'menu_2', score: 0.9 } : undefined,
    );
    const byIntent = runTextFlow(menuFlow(), { runner: { classify } });
    await byIntent.io.waitIdle();
    await byIntent.reply('I need support please');
    await byIntent.done;
    expect(byIntent.said().at(-1)).toBe('Support.');
    expect(classify).toHaveBeenCalledWith('I need support please', 'en');

    const byName = runTextFlow(menuFlow(), { runner: { classify } });
    await byName.io.waitIdle();
    await byName.reply('Sales!');
    await byName.done;
    expect(byName.said().at(-1)).toBe('Sales.');

    const noClassifier = runTextFlow(menuFlow({ retries: 0 }));
    await noClassifier.io.waitIdle();
    await noClassifier.reply('sales');
    await noClassifier.done;
    expect(noClassifier.said().slice(1)).toEqual([
      'Sorry, that is not a valid option.',
      'Operator.',
    ]);
  });

  it('a failing classifier counts as no match and is reported', async () => {
    const classify = async () => {
      throw new Error('nlu down');
    };
    const run = runTextFlow(menuFlow({ retries: 0 }), { runner: { classify } });
    await run.io.waitIdle();
    await run.reply('support');
    await run.done;
    expect(run.said().at(-1)).toBe('Support.');
    expect(run.events[0]?.error).toBe('classify failed: nlu down');
  });
});
