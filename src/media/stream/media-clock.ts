/**
 * One 20 ms clock for every stream in the process. A timer per call would cost 1000 timers
 * at 1000 calls and let calls drift apart; one shared tick keeps bridged and mixed legs in
 * step (a bridge hands A's frame to B within the same tick) and costs one timer in all.
 */
import { FRAME_MS } from '../audio-frame.js';

/**
 * Something driven by the clock. Each tick runs three phases over all participants, in order,
 * so that audio received in a tick can be mixed and sent in that same tick.
 */
export interface ClockParticipant {
  /** Phase 1: take inbound audio (pull jitter buffers, decode, publish frames). */
  receive?(nowMs: number): void;
  /** Phase 2: combine (mixers, bridges). */
  process?(nowMs: number): void;
  /** Phase 3: emit outbound audio (encode, send). */
  send?(nowMs: number): void;
}

/** Options of a {@link MediaClock}. */
export interface MediaClockOptions {
  /** Tick period; default {@link FRAME_MS}. */
  periodMs?: number;
  /** Monotonic time source; default `performance.now()`. */
  now?: () => number;
  /**
   * When the event loop stalls, at most this many missed ticks are replayed at once (so RTP
   * timing catches up without bursting seconds of audio); further missed ticks are skipped.
   * Default 5.
   */
  maxCatchUpTicks?: number;
  /** Called when a participant throws; the tick goes on for the others. */
  onError?: (err: unknown) => void;
  /**
   * Average tick lateness above which the clock reports itself {@link MediaClock.overloaded}.
   * Default 10 ms: half a frame late on average means the process can no longer keep its
   * calls' audio on time, and new calls should be refused rather than degrade them all.
   */
  overloadLatenessMs?: number;
}

/** The shared tick. Starts its timer with the first participant and stops with the last. */
export class MediaClock {
  private readonly participants = new Set<ClockParticipant>();
  private readonly periodMs: number;
  private readonly now: () => number;
  private readonly maxCatchUp: number;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private nextDueMs = 0;
  /** Ticks run since creation (tests and stats). */
  ticks = 0;
  /** Ticks skipped because the event loop stalled for longer than the catch-up allowance. */
  skippedTicks = 0;
  /** Largest lateness of a tick seen, in ms (how late the timer fired). */
  maxLatenessMs = 0;
  private automatic = true;
  /** Exponentially weighted average of tick lateness (about the last 50 ticks, one second). */
  private latenessAverageMs = 0;
  private readonly overloadLatenessMs: number;

  constructor(options: MediaClockOptions = {}) {
    this.periodMs = options.periodMs ?? FRAME_MS;
    this.now = options.now ?? (() => performance.now());
    this.maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.onError = options.onError ?? (() => undefined);
    this.overloadLatenessMs = options.overloadLatenessMs ?? 10;
  }

  /** Average lateness of recent ticks, in ms. */
  get averageLatenessMs(): number {
    return this.latenessAverageMs;
  }

  /** True while ticks run so late on average that audio suffers (see the option). */
  get overloaded(): boolean {
    return this.latenessAverageMs > this.overloadLatenessMs;
  }

  /** Number of participants. */
  get size(): number {
    return this.participants.size;
  }

  /**
   * Tests drive the clock by hand with {@link tick}; after this call no timer is ever started.
   */
  manual(): this {
    this.automatic = false;
    this.stopTimer();
    return this;
  }

  /** Adds a participant; returns the function that removes it. */
  add(participant: ClockParticipant): () => void {
    this.participants.add(participant);
    if (this.automatic && this.timer === undefined) {
      this.nextDueMs = this.now() + this.periodMs;
      this.schedule();
    }
    return () => this.remove(participant);
  }

  /** Removes a participant (idempotent). */
  remove(participant: ClockParticipant): void {
    this.participants.delete(participant);
    if (this.participants.size === 0) this.stopTimer();
  }

  /** Runs one tick now: receive, process and send phases over every participant. */
  tick(nowMs: number = this.now()): void {
    this.ticks++;
    // Iterating a Set while entries are removed is safe; a participant added during a tick
    // joins from the next phase, which is harmless.
    for (const p of this.participants) if (p.receive) this.guard(() => p.receive!(nowMs));
    for (const p of this.participants) if (p.process) this.guard(() => p.process!(nowMs));
    for (const p of this.participants) if (p.send) this.guard(() => p.send!(nowMs));
  }

  /** Stops the timer and forgets every participant. */
  stop(): void {
    this.participants.clear();
    this.stopTimer();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }

  private schedule(): void {
    const delay = Math.max(0, this.nextDueMs - this.now());
    this.timer = setTimeout(() => this.fire(), delay);
    // The clock never keeps the process alive on its own: sockets and calls do.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    const late = now - this.nextDueMs;
    if (late > this.maxLatenessMs) this.maxLatenessMs = late;
    this.latenessAverageMs += (Math.max(0, late) - this.latenessAverageMs) / 50;
    // Drift-free schedule: ticks are due at fixed multiples of the period, not "period after
    // the last one ran", so timer jitter does not accumulate into clock drift.
    let due = Math.floor(late / this.periodMs) + 1;
    if (due > this.maxCatchUp) {
      this.skippedTicks += due - this.maxCatchUp;
      this.nextDueMs += (due - this.maxCatchUp) * this.periodMs;
      due = this.maxCatchUp;
    }
    for (let i = 0; i < due && this.participants.size > 0; i++) {
      this.tick(this.nextDueMs);
      this.nextDueMs += this.periodMs;
    }
    if (this.participants.size > 0 && this.automatic) this.schedule();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // An idle clock is not late: the next call starts from a clean average.
    this.latenessAverageMs = 0;
  }
}
