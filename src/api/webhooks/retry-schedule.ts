/**
 * When to try a failed webhook delivery again: exponential backoff with jitter, so a receiver
 * that was down is not hit by every queued delivery at the same second when it comes back.
 */

/** Delays after the 1st, 2nd, … failed attempt, before jitter: 10 s doubling to 1 h. */
export const RETRY_BASE_MS = 10_000;
/** Longest delay between attempts. */
export const RETRY_MAX_DELAY_MS = 3_600_000;
/** Attempts in all (the first one included) before a delivery is marked failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * Delay before the next attempt after `attempts` attempts have failed, or undefined when no
 * attempt is left. `random` in [0, 1) spreads the delay by ±20 %.
 */
export function nextRetryDelayMs(
  attempts: number,
  random: () => number = Math.random,
  maxAttempts = MAX_DELIVERY_ATTEMPTS,
): number | undefined {
  if (attempts >= maxAttempts) return undefined;
  const base = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return Math.round(base * jitter);
}

/** HTTP statuses worth retrying: server errors, timeouts and rate limits, not client errors. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
