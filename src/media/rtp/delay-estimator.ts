/**
 * Arrival measurements for the jitter buffer's delay decisions: sliding-window extremes of
 * transit time (arrival − media time) and of playout lead over the last few seconds, and the
 * RFC 3550 interarrival jitter for stats. The window is a ring of time buckets, so recording
 * is O(1) and old spikes age out a bucket at a time — which is what makes the buffer grow at
 * once and shrink only after the network has been calm for a while.
 */

/** Arrival measurements over a sliding time window of buckets. */
export class DelayEstimator {
  private readonly minTransit: Float64Array;
  private readonly maxTransit: Float64Array;
  private readonly maxLead: Float64Array;
  private current = 0;
  private bucketStartMs = Number.NaN;
  // Extremes of every bucket except the current one, recomputed only when a bucket rolls.
  private pastMinTransit = Infinity;
  private pastMaxTransit = -Infinity;
  private pastMaxLead = -Infinity;
  private samplesValue = 0;
  private lastTimestamp = -1;
  private lastTransitTs = 0;
  private hasTransit = false;
  private jitterTs = 0;

  /** `buckets` × `bucketMs` is the memory of the window; `tsPerMs` the RTP clock in kHz. */
  constructor(
    private readonly tsPerMs: number,
    private readonly buckets: number,
    private readonly bucketMs: number,
  ) {
    this.minTransit = new Float64Array(buckets).fill(Infinity);
    this.maxTransit = new Float64Array(buckets).fill(-Infinity);
    this.maxLead = new Float64Array(buckets).fill(-Infinity);
  }

  /**
   * Records one arrival: its transit time and, when playing, its lead (media time ahead of
   * the playout point). `rawTimestamp` is the packet's own, `mappedTs` its place on the
   * continuous time line.
   */
  record(arrivalMs: number, rawTimestamp: number, mappedTs: number, leadMs?: number): void {
    this.roll(arrivalMs);
    this.samplesValue++;
    const transitMs = arrivalMs - mappedTs / this.tsPerMs;
    const i = this.current;
    if (transitMs < this.minTransit[i]!) this.minTransit[i] = transitMs;
    if (transitMs > this.maxTransit[i]!) this.maxTransit[i] = transitMs;
    if (leadMs !== undefined && leadMs > this.maxLead[i]!) this.maxLead[i] = leadMs;
    // RFC 3550 A.8 interarrival jitter; repeated timestamps (RFC 4733 updates) are not samples.
    if (rawTimestamp === this.lastTimestamp) return;
    this.lastTimestamp = rawTimestamp;
    const transitTs = transitMs * this.tsPerMs;
    if (this.hasTransit) {
      this.jitterTs += (Math.abs(transitTs - this.lastTransitTs) - this.jitterTs) / 16;
    }
    this.lastTransitTs = transitTs;
    this.hasTransit = true;
  }

  /** Arrivals recorded since the transit times were last cleared. */
  get samples(): number {
    return this.samplesValue;
  }

  /** RFC 3550 interarrival jitter in ms. */
  get jitterMs(): number {
    return this.jitterTs / this.tsPerMs;
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

  /**
   * Forgets transit times (the media time line was spliced or restarted: transits before and
   * after do not compare). The jitter estimate carries on from the next two arrivals.
   */
  clearTransit(): void {
    this.minTransit.fill(Infinity);
    this.maxTransit.fill(-Infinity);
    this.pastMinTransit = Infinity;
    this.pastMaxTransit = -Infinity;
    this.samplesValue = 0;
    this.hasTransit = false;
    this.lastTimestamp = -1;
  }

  /** Forgets everything (a new source). */
  clear(): void {
    this.clearLeads();
    this.clearTransit();
    this.jitterTs = 0;
    this.bucketStartMs = Number.NaN;
  }
}
