/**
 * Helpers both implementations share, so they fail the same way on the same input: JSON
 * encoding, TTL validation and the fallback error reporter.
 *
 * @module
 */
import type { ErrorReporter, EventHandler } from './types.js';

/**
 * `JSON.stringify`, refusing values that have no JSON form (`undefined`, functions, symbols)
 * instead of silently storing nothing. Circular structures and BigInts throw `TypeError` as
 * `JSON.stringify` does.
 */
export function encodeJson(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`${what} must be JSON-serialisable (got ${typeof value})`);
  }
  return text;
}

/** Throws a `RangeError` unless `ttlMs` is a positive integer (Redis PX wants one). */
export function assertTtlMs(ttlMs: number | undefined): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer of milliseconds (got ${ttlMs})`);
  }
}

/** Used when no `onError` is given: an error must never vanish silently. */
export const reportToConsole: ErrorReporter = (error, context) => {
  const where =
    context.topic === undefined ? context.source : `${context.source} (${context.topic})`;
  console.error(`[switchboard cache/bus] ${where}:`, error);
};

/**
 * Calls one handler with its own decoded copy of a message, routing a throw or a rejected
 * promise to `onError`: one faulty subscriber must never stop delivery to the others, nor (on
 * Redis) unwind into the connection's parser.
 */
export function runHandler(
  handler: EventHandler,
  topic: string,
  json: string,
  onError: ErrorReporter,
): void {
  const report = (error: unknown): void => {
    try {
      onError(error, { topic, source: 'event handler' });
    } catch {
      // A throwing reporter must not take delivery down with it; nothing is left to tell.
    }
  };
  try {
    const result: unknown = handler(topic, JSON.parse(json));
    if (isPromiseLike(result)) result.then(undefined, report);
  } catch (error) {
    report(error);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
