/**
 * One key press can reach us by more than one path: a phone sends RFC 4733 events and leaves
 * the tone in the audio too, or sends both SIP INFO and RFC 4733. The deduplicator merges those
 * copies so that the application sees each press once.
 *
 * The rule, on the owner's clock (`nowMs` — the time an event is handed over, not the event's
 * own `timestampMs`, because INFO has no media time and each path reports at a different moment):
 *
 * - Each event occupies the interval `[nowMs − durationMs, nowMs]` (RFC 4733 and in-band events
 *   are reported at key release, so this is roughly when the key was down).
 * - A new event is a duplicate when an accepted event has the same digit, came from a
 *   **different** source, has not already absorbed a copy from this source, and its interval
 *   widened by `windowMs` on each side overlaps the new one (the window covers INFO sent at key
 *   down and in-band detection lagging by a few blocks).
 * - Events from the same source are never duplicates of each other: each path already reports
 *   a press once, so the same digit twice via one path is two presses.
 * - Each accepted event absorbs at most one copy per other source, so two quick presses of the
 *   same key are still two even when one path missed the first.
 *
 * The first copy to arrive wins; its source is the one reported.
 */
import type { DtmfEvent, DtmfSource } from './types.js';

/** Options of a {@link DtmfDeduplicator}. */
export interface DtmfDeduplicatorOptions {
  /** Slack around each accepted press within which another path's copy is absorbed. Default 300 ms. */
  windowMs?: number;
}

interface Accepted {
  digit: string;
  source: DtmfSource;
  startMs: number;
  endMs: number;
  /** Sources whose copy this press already absorbed. */
  absorbed: DtmfSource[];
}

/** Presses held longer than this are not expected; older history is dropped. */
const MAX_PRESS_MS = 10_000;

/** Drops the second and third copies of a key press that arrived by different paths. */
export class DtmfDeduplicator {
  private readonly windowMs: number;
  private history: Accepted[] = [];

  constructor(options: DtmfDeduplicatorOptions = {}) {
    this.windowMs = options.windowMs ?? 300;
  }

  /**
   * Decides whether `event` is a new press (true: deliver it) or another path's copy of a press
   * already delivered (false: drop it).
   * @param nowMs the owner's clock when the event is handed over (monotonic ms)
   */
  accept(event: DtmfEvent, nowMs: number): boolean {
    const window = this.windowMs;
    this.history = this.history.filter((a) => a.endMs + window + MAX_PRESS_MS >= nowMs);
    const startMs = nowMs - Math.max(0, event.durationMs);
    for (const a of this.history) {
      if (
        a.digit === event.digit &&
        a.source !== event.source &&
        !a.absorbed.includes(event.source) &&
        startMs <= a.endMs + window &&
        nowMs >= a.startMs - window
      ) {
        a.absorbed.push(event.source);
        return false;
      }
    }
    this.history.push({
      digit: event.digit,
      source: event.source,
      startMs,
      endMs: nowMs,
      absorbed: [],
    });
    return true;
  }

  /** Forgets every accepted press. */
  reset(): void {
    this.history = [];
  }
}
