import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeg } from '../../test/fixtures/fake-leg.js';
import type { DtmfDigit } from '../media/index.js';
import { collectPin, type PinEntryOptions } from './pin-entry.js';

/** A leg, the prompts it was played, and a way to press keys. */
function setup(overrides: Partial<PinEntryOptions> = {}) {
  const leg = new FakeLeg('leg-1', 8000);
  const played: string[] = [];
  const options: PinEntryOptions = {
    pin: '1234',
    play: async (file) => {
      played.push(file);
    },
    prompts: { enter: 'enter.wav', wrong: 'wrong.wav' },
    ...overrides,
  };
  const press = (digits: string): void => {
    for (const digit of digits) {
      leg.emit('dtmf', {
        digit: digit as DtmfDigit,
        durationMs: 100,
        source: 'rfc4733',
        timestampMs: 0,
      });
    }
  };
  return { leg, played, options, press };
}

describe('collectPin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('accepts the right PIN as soon as all its digits are in', async () => {
    const { leg, played, options, press } = setup();
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('1234');
    await expect(result).resolves.toBe('accepted');
    expect(played).toEqual(['enter.wav']);
  });

  it('ends an entry on # and tells a wrong one, then accepts on the next try', async () => {
    const { leg, played, options, press } = setup();
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('99#');
    await vi.advanceTimersByTimeAsync(0);
    press('1234');
    await expect(result).resolves.toBe('accepted');
    expect(played).toEqual(['enter.wav', 'wrong.wav', 'enter.wav']);
  });

  it('gives up after the attempts, counting silent timeouts as wrong entries', async () => {
    const { leg, played, options, press } = setup({ attempts: 3 });
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('0000');
    await vi.advanceTimersByTimeAsync(0);
    // Nothing pressed: the first-digit timeout (10 s) ends the entry.
    await vi.advanceTimersByTimeAsync(10_000);
    // Two digits then nothing: the inter-digit timeout (5 s) ends it.
    press('12');
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('rejected');
    expect(played.filter((f) => f === 'wrong.wav')).toHaveLength(3);
  });

  it('stops the prompt when a key is pressed during it', async () => {
    let finishPrompt!: () => void;
    const { leg, options, press } = setup({
      play: (file) =>
        file === 'enter.wav' ? new Promise<void>((r) => (finishPrompt = r)) : Promise.resolve(),
    });
    const clear = vi.spyOn(leg.output, 'clear');
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('1');
    expect(clear).toHaveBeenCalledTimes(1);
    finishPrompt();
    press('234');
    await expect(result).resolves.toBe('accepted');
  });

  it('reports a hang-up during entry', async () => {
    const { leg, options, press } = setup();
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('12');
    leg.end();
    await expect(result).resolves.toBe('hung-up');
  });

  it('does not take a longer entry that starts with the PIN', async () => {
    const { leg, options, press } = setup({ pin: '12', attempts: 1 });
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('13');
    await expect(result).resolves.toBe('rejected');
  });

  it('takes keys typed during the wrong-PIN notice as the next entry', async () => {
    let finishWrong!: () => void;
    const { leg, options, press } = setup({
      play: (file) =>
        file === 'wrong.wav' ? new Promise<void>((r) => (finishWrong = r)) : Promise.resolve(),
    });
    const result = collectPin(leg, options);
    await vi.advanceTimersByTimeAsync(0);
    press('0000');
    await vi.advanceTimersByTimeAsync(0);
    // "That PIN is not correct" is still playing: the caller types again at once.
    press('1234');
    await expect(result).resolves.toBe('accepted');
    finishWrong();
  });
});
