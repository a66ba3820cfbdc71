/**
 * Bounded memory of the highest nonce-count (nc) accepted per nonce, for replay protection
 * (RFC 7616 §3.4.5 / RFC 2617 §3.2.2). Only successfully verified requests are recorded, so
 * forged requests cannot fill the table; entries go when their nonce expires.
 */

/** Outcome of offering a nonce-count. */
export type NonceCountResult = 'ok' | 'replay' | 'forgotten';

interface Entry {
  issuedAt: number;
  highest: number;
}

/** Tracks nonce-counts with a size bound and expiry. */
export class NonceCountTracker {
  private readonly entries = new Map<string, Entry>();
  /**
   * Issue time of the youngest nonce ever evicted for lack of room. An untracked nonce issued
   * at or before it may be one we forgot, so it cannot be trusted not to be a replay: the
   * caller treats it as stale, which costs an honest client one extra round trip and keeps
   * replay protection intact under memory pressure.
   */
  private evictedUpTo = -Infinity;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /**
   * Records `nc` for `nonce` if it is higher than any seen before. `issuedAt` comes from the
   * already-verified nonce.
   */
  offer(nonce: string, issuedAt: number, nc: number, now: number): NonceCountResult {
    this.dropExpired(now);
    const entry = this.entries.get(nonce);
    if (entry) {
      if (nc <= entry.highest) return 'replay';
      entry.highest = nc;
      return 'ok';
    }
    if (issuedAt <= this.evictedUpTo) return 'forgotten';
    this.entries.set(nonce, { issuedAt, highest: nc });
    while (this.entries.size > this.maxEntries) {
      const first = this.entries.entries().next();
      if (first.done) break;
      const [key, old] = first.value;
      this.entries.delete(key);
      this.evictedUpTo = Math.max(this.evictedUpTo, old.issuedAt);
    }
    return 'ok';
  }

  /** Number of nonces currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Drops expired entries from the front of the insertion order. Insertion order is first-use
   * order, close to but not exactly issue order, so a few expired entries may linger behind a
   * live one; the size bound still holds and they go on a later pass.
   */
  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.issuedAt <= this.ttlMs) break;
      this.entries.delete(key);
    }
  }
}
