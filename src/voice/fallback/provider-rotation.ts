/**
 * The choice of provider shared by the fallback adapters: an ordered list, the one in use,
 * and which ones failed recently. A failed provider rests for a cooldown before it is tried
 * again, so a vendor that is down is not retried on every sentence; once the first
 * provider's cooldown is over, new work goes back to it.
 */
import type { ProviderInfo } from '../providers/types.js';

/** A change of provider, for logs and metrics. */
export interface FallbackSwitch {
  /** Id of the provider left. */
  from: string;
  /** Id of the provider taken. */
  to: string;
  /** Why: the failure of `from`, or `recovered` when going back to a rested provider. */
  reason: string;
}

/** Options shared by both fallback adapters. */
export interface RotationOptions {
  /** How long a failed provider is passed over (default 60000 ms). */
  cooldownMs?: number;
  /** Called on every switch (log it, count it). Errors thrown by it are ignored. */
  onSwitch?: (event: FallbackSwitch) => void;
  /** Clock, for tests (default `Date.now`). */
  now?: () => number;
}

/** The ordered providers and the one in use. */
export class ProviderRotation<P extends ProviderInfo, O> {
  private active = 0;
  private readonly failedAt: number[];
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(
    readonly entries: ReadonlyArray<{ provider: P; options: O }>,
    private readonly options: RotationOptions,
  ) {
    this.failedAt = entries.map(() => Number.NEGATIVE_INFINITY);
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Index of the provider in use. */
  get current(): number {
    return this.active;
  }

  /**
   * Before new work (a synthesis, a stream): goes back to the earliest provider whose
   * cooldown is over, if it comes before the one in use.
   */
  recover(): void {
    for (let i = 0; i < this.active; i++) {
      if (!this.resting(i)) {
        this.switchTo(i, 'recovered');
        return;
      }
    }
  }

  /**
   * Records that the provider at `index` failed and picks the next one to try: the first after
   * it in order (wrapping) that is neither resting nor in `tried` (providers already tried
   * for this piece of work). Returns undefined when there is none left.
   */
  fail(index: number, reason: string, tried: Set<number>): number | undefined {
    this.failedAt[index] = this.now();
    tried.add(index);
    const n = this.entries.length;
    for (let step = 1; step <= n; step++) {
      const candidate = (index + step) % n;
      if (tried.has(candidate) || this.resting(candidate)) continue;
      this.switchTo(candidate, reason);
      return candidate;
    }
    return undefined;
  }

  private resting(index: number): boolean {
    return this.now() - this.failedAt[index]! < this.cooldownMs;
  }

  private switchTo(index: number, reason: string): void {
    const from = this.entries[this.active]!.provider.id;
    this.active = index;
    const to = this.entries[index]!.provider.id;
    try {
      this.options.onSwitch?.({ from, to, reason });
    } catch {
      // A logging callback must not break the call's audio.
    }
  }
}

/** A failure as one line for logs and the all-failed message. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Values every list contains, in the order of the first; the first list if none are shared. */
export function sharedValues<T>(lists: T[][]): T[] {
  const [first = [], ...rest] = lists;
  const shared = first.filter((v) => rest.every((list) => list.includes(v)));
  return shared.length > 0 ? shared : [...first];
}
