/**
 * Sliding-window extremes for the jitter buffer's delay estimate: the minimum and maximum
 * transit time and the maximum playout lead over the last few seconds. The window is a ring of
 * time buckets, so recording is O(1) and old spikes age out a bucket at a time — which is what
 * makes the buffer grow at once and shrink only after the network has been calm for a while.
 */

/** Extremes over a sliding time window, in buckets. */
export class DelayWindow {
  private readonly minTransit: Float64Array;
  private readonly maxTransit: Float64Array;
  private readonly maxLead: Float64Array;
  private current = 0;
  private bucketStartMs = Number.NaN;
  // Extremes of every bucket except the current one, recomputed only when a bucket rolls.
  private pastMinTransit = Infinity;
  private pastMaxTransit = -Infinity;
  private pastMaxLead = -Infinity;

  /** `buckets` × `bucketMs` is the memory of the window. */
  constructor(
    private readonly buckets: number,
    private readonly bucketMs: number,
  ) {
    this.minTransit = new Float64Array(buckets).fill(Infinity);
    this.maxTransit = new Float64Array(buckets).fill(-Infinity);
    this.maxLead = new Float64Array(buckets).fill(-Infinity);
  }

  /** Records one arrival: its transit (arrival − media time) and, when playing, its lead. */
  record(arrivalMs: number, transitMs: number, leadMs: number | undefined): void {
    this.roll(arrivalMs);
    const i = this.current;
    if (transitMs < this.minTransit[i]!) this.minTransit[i] = transitMs;
    if (transitMs > this.maxTransit[i]!) this.maxTransit[i] = transitMs;
    if (leadMs !== undefined && leadMs > this.maxLead[i]!) this.maxLead[i] = leadMs;
  }

  private roll(arrivalMs: number): void {
    if (Number.isNaN(this.bucketStartMs)) {
      this.bucketStartMs = arrivalMs;
      return;
    }
    const elapsed = arrivalMs - this.bucketStartMs;
    if (elapsed < this.bucketMs) return;
    const n = Math.floor(elapsed / this.bucketMs);
    for (let k = 0; k < Math.min(n, this.buckets); k++) {
      this.current = (this.current + 1) % this.buckets;
      this.minTransit[this.current] = Infinity;
      this.maxTransit[this.current] = -Infinity;
      this.maxLead[this.current] = -Infinity;
    }
    this.bucketStartMs += n * this.bucketMs;
    this.recomputePast();
  }

  private recomputePast(): void {
    let minT = Infinity;
    let maxT = -Infinity;
    let maxL = -Infinity;
    for (let i = 0; i < this.buckets; i++) {
      if (i === this.current) continue;
      if (this.minTransit[i]! < minT) minT = this.minTransit[i]!;
      if (this.maxTransit[i]! > maxT) maxT = this.maxTransit[i]!;
      if (this.maxLead[i]! > maxL) maxL = this.maxLead[i]!;
    }
    this.pastMinTransit = minT;
    this.pastMaxTransit = maxT;
    this.pastMaxLead = maxL;
  }

  /** Max − min transit over the window: the delay variation to absorb; 0 without data. */
  get spreadMs(): number {
    const min = Math.min(this.pastMinTransit, this.minTransit[this.current]!);
    const max = Math.max(this.pastMaxTransit, this.maxTransit[this.current]!);
    return max >= min ? max - min : 0;
  }

  /** The largest lead over the window (the playout delay of the fastest packets), if any. */
  get maxLeadMs(): number | undefined {
    const v = Math.max(this.pastMaxLead, this.maxLead[this.current]!);
    return v === -Infinity ? undefined : v;
  }

  /**
   * Moves every recorded lead by `deltaMs`: after the playout point moves (a frame inserted or
   * skipped), past arrivals would have had that much more or less lead.
   */
  shiftLeads(deltaMs: number): void {
    for (let i = 0; i < this.buckets; i++) this.maxLead[i] = this.maxLead[i]! + deltaMs;
    this.pastMaxLead += deltaMs;
  }

  /** Forgets leads (the playout point was re-anchored). */
  clearLeads(): void {
    this.maxLead.fill(-Infinity);
    this.pastMaxLead = -Infinity;
  }

  /** Forgets transit times (the media clock jumped or the source changed). */
  clearTransit(): void {
    this.minTransit.fill(Infinity);
    this.maxTransit.fill(-Infinity);
    this.pastMinTransit = Infinity;
    this.pastMaxTransit = -Infinity;
  }

  /** Forgets everything. */
  clear(): void {
    this.clearLeads();
    this.clearTransit();
    this.bucketStartMs = Number.NaN;
  }
}
