/**
 * Bounded waiting for end-to-end tests: a hung SIP dialog must fail the test with a message
 * naming what never happened, not stall until Vitest's blanket timeout says nothing useful.
 */

/**
 * Resolves or rejects like `promise`, or rejects with `Timed out after <ms> ms: <what>` when it
 * has not settled within `ms`.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
