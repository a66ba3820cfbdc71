/**
 * PIN entry by DTMF for PIN-protected rooms: prompt, collect digits, compare, retry. The PIN is
 * compared in constant time and never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Leg } from '../channels/index.js';

/** Settings of {@link collectPin}. */
export interface PinEntryOptions {
  /** The PIN to match (digits). */
  pin: string;
  /** Plays a prompt file to the leg and resolves when it has been heard (or cut). */
  play: (file: string) => Promise<void>;
  prompts: { enter: string; wrong: string };
  /** Tries before giving up (default 3). */
  attempts?: number;
  /** Time for the first digit after the prompt (default 10 s). */
  firstDigitTimeoutMs?: number;
  /** Time between digits (default 5 s). */
  interDigitTimeoutMs?: number;
}

/** How PIN entry ended. */
export type PinEntryResult = 'accepted' | 'rejected' | 'hung-up';

/**
 * Asks for the PIN until it is right or the attempts run out. An entry ends with `#`, when as
 * many digits as the PIN has were pressed, or on a timeout (an empty entry counts as a wrong
 * one). A key pressed during a prompt (the request, or the wrong-PIN notice before the next
 * try) cuts the prompt and starts the entry.
 */
export async function collectPin(leg: Leg, options: PinEntryOptions): Promise<PinEntryResult> {
  const attempts = options.attempts ?? 3;
  let prompts = [options.prompts.enter];
  for (let i = 0; i < attempts; i++) {
    if (leg.isEnded) return 'hung-up';
    const entry = await readEntry(leg, options, prompts);
    if (entry === undefined) return 'hung-up';
    if (samePin(entry, options.pin)) return 'accepted';
    if (leg.isEnded) return 'hung-up';
    // The next entry is already listening while "wrong PIN" plays: callers often type again
    // at once, and keys pressed during that prompt must not be lost.
    prompts = [options.prompts.wrong, options.prompts.enter];
  }
  await options.play(options.prompts.wrong);
  return leg.isEnded ? 'hung-up' : 'rejected';
}

/** One entry, after `prompts`: the digits pressed, or undefined when the leg ended. */
function readEntry(
  leg: Leg,
  options: PinEntryOptions,
  prompts: string[],
): Promise<string | undefined> {
  const firstMs = options.firstDigitTimeoutMs ?? 10_000;
  const nextMs = options.interDigitTimeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let digits = '';
    let prompting = true;
    let timer: NodeJS.Timeout | undefined;
    const finish = (value: string | undefined): void => {
      clearTimeout(timer);
      leg.off('dtmf', onDigit);
      resolve(value);
    };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(digits), ms);
    };
    const onDigit = ({ digit }: { digit: string }): void => {
      if (prompting) {
        // The caller knows the PIN already: stop talking and listen.
        prompting = false;
        leg.output.clear();
      }
      if (digit === '#') return finish(digits);
      digits += digit;
      if (digits.length >= options.pin.length) return finish(digits);
      arm(nextMs);
    };
    leg.on('dtmf', onDigit);
    void leg.ended.then(() => finish(undefined));
    void (async () => {
      for (const file of prompts) {
        if (!prompting) return;
        await options.play(file);
      }
      if (!prompting) return;
      prompting = false;
      arm(firstMs);
    })();
  });
}

function samePin(entry: string, pin: string): boolean {
  const a = Buffer.from(entry);
  const b = Buffer.from(pin);
  return a.length === b.length && timingSafeEqual(a, b);
}
