/**
 * Timer values and timer bookkeeping for the transaction state machines (RFC 3261 §17 and
 * Table 4 of Appendix A). Every transaction owns one {@link TransactionTimers}; terminating the
 * transaction clears all of them, so a finished transaction can never fire a stray callback.
 */

/**
 * A source of timeouts. Production uses the global `setTimeout`; tests inject one (or use
 * `vi.useFakeTimers()`, which the default clock honours because it looks the globals up on
 * every call instead of capturing them at import time).
 */
export interface TransactionClock {
  /** Runs `callback` once after `ms` milliseconds; the returned function cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

/** The default clock, backed by the global timer functions at call time. */
export const systemClock: TransactionClock = {
  schedule(callback, ms) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

/** The base timer values a transaction layer runs with (all in milliseconds). */
export interface TimerConfig {
  /** RTT estimate; initial retransmission interval (RFC 3261 default 500 ms). */
  t1Ms: number;
  /** Maximum retransmission interval for non-INVITE requests and INVITE responses (4 s). */
  t2Ms: number;
  /** Maximum time a message may remain in the network (5 s). */
  t4Ms: number;
  /** Timer D: how long an INVITE client waits for final-response retransmissions (≥ 32 s). */
  timerDMs: number;
}

/** RFC 3261 default timer values. */
export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = Object.freeze({
  t1Ms: 500,
  t2Ms: 4000,
  t4Ms: 5000,
  timerDMs: 32_000,
});

/**
 * Merges user overrides into the defaults, rejecting values that would break the doubling
 * arithmetic (zero or negative T1 would retransmit in a tight loop).
 */
export function resolveTimerConfig(overrides: Partial<TimerConfig> = {}): TimerConfig {
  const config: TimerConfig = { ...DEFAULT_TIMER_CONFIG };
  for (const key of Object.keys(config) as Array<keyof TimerConfig>) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || (key === 't1Ms' && value === 0)) {
      throw new RangeError(`invalid transaction timer ${key}: ${value}`);
    }
    config[key] = value;
  }
  return config;
}

/** Timer B, F, H, J, L, M: the 64*T1 transaction timeout. */
export function timeoutInterval(config: TimerConfig): number {
  return 64 * config.t1Ms;
}

/**
 * Next retransmission interval for Timer A (INVITE, unbounded doubling) when `cap` is undefined,
 * or Timer E / G (doubling capped at T2) when `cap` is T2.
 */
export function nextInterval(current: number, cap?: number): number {
  const doubled = current * 2;
  return cap === undefined ? doubled : Math.min(doubled, cap);
}

/** Names of the RFC 3261 / RFC 6026 timers plus the §9.1 CANCEL guard. */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'cancel';

/** The running timers of one transaction, by name. */
export class TransactionTimers {
  private readonly running = new Map<TimerName, () => void>();

  /** Creates an empty timer set driven by `clock`. */
  constructor(private readonly clock: TransactionClock) {}

  /** Starts (or restarts) the named timer; a restart cancels the previous schedule. */
  start(name: TimerName, ms: number, callback: () => void): void {
    this.stop(name);
    const cancel = this.clock.schedule(() => {
      // Drop the entry before running so the callback may restart the same timer.
      this.running.delete(name);
      callback();
    }, ms);
    this.running.set(name, cancel);
  }

  /** Cancels the named timer if it is running. */
  stop(name: TimerName): void {
    const cancel = this.running.get(name);
    if (cancel) {
      this.running.delete(name);
      cancel();
    }
  }

  /** Cancels every running timer. */
  stopAll(): void {
    for (const cancel of this.running.values()) cancel();
    this.running.clear();
  }

  /** True when the named timer is scheduled. */
  isRunning(name: TimerName): boolean {
    return this.running.has(name);
  }

  /** Number of scheduled timers (0 after termination; tests use it to prove no leaks). */
  get size(): number {
    return this.running.size;
  }
}
