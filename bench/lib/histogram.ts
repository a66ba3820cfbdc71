/**
 * A log-bucketed histogram for latency-like samples (milliseconds), for benchmarks that record
 * millions of values: 1000 calls × 50 packets/s × 30 s is 1.5 M samples per step, which would
 * cost tens of MB as a plain array and a long sort. Buckets grow geometrically, so every value
 * is kept to within a fixed relative precision (0.5 % by default) in a few thousand counters.
 */

/** Order statistics of a {@link LogHistogram}. */
export interface HistogramSummary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Counts non-negative values into geometric buckets between `lowest` and `highest`; values below
 * `lowest` land in the first bucket (they are "about zero" at that resolution), values above
 * `highest` in the last. `min`, `max` and `mean` are exact.
 */
export class LogHistogram {
  private readonly counts: Uint32Array;
  private readonly logBase: number;
  private readonly lowest: number;
  private total = 0;
  private sum = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = Number.NEGATIVE_INFINITY;

  /**
   * @param lowest - smallest value resolved (default 0.001, i.e. 1 µs for milliseconds)
   * @param highest - largest value resolved (default 100 000, i.e. 100 s for milliseconds)
   * @param precision - relative width of a bucket (default 0.005 = 0.5 %)
   */
  constructor(lowest = 0.001, highest = 100_000, precision = 0.005) {
    if (!(lowest > 0) || !(highest > lowest) || !(precision > 0)) {
      throw new Error('LogHistogram needs 0 < lowest < highest and precision > 0');
    }
    this.lowest = lowest;
    this.logBase = Math.log1p(precision);
    this.counts = new Uint32Array(Math.ceil(Math.log(highest / lowest) / this.logBase) + 2);
  }

  /** Number of values recorded. */
  get count(): number {
    return this.total;
  }

  /** Records one value (negative values count as 0: a clock step must not crash a report). */
  record(value: number): void {
    const v = value > 0 ? value : 0;
    this.counts[this.bucketOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /** Adds every count of `other`, which must have been built with the same parameters. */
  merge(other: LogHistogram): void {
    if (other.counts.length !== this.counts.length || other.lowest !== this.lowest) {
      throw new Error('cannot merge histograms with different bucket layouts');
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
  }

  /**
   * Nearest-rank percentile, reported as the geometric middle of its bucket and clamped to the
   * exact min/max, so `percentile(100)` is the true maximum.
   *
   * @returns the value, or `undefined` when nothing was recorded
   */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const mid = i === 0 ? 0 : this.lowest * Math.exp((i - 0.5) * this.logBase);
        return Math.min(this.maxValue, Math.max(this.minValue, mid));
      }
    }
    return this.maxValue;
  }

  /** Count, min, p50, p95, p99, max and mean, or `undefined` when empty. */
  summary(): HistogramSummary | undefined {
    if (this.total === 0) return undefined;
    return {
      count: this.total,
      min: this.minValue,
      p50: this.percentile(50) ?? 0,
      p95: this.percentile(95) ?? 0,
      p99: this.percentile(99) ?? 0,
      max: this.maxValue,
      mean: this.sum / this.total,
    };
  }

  /** Share of recorded values strictly above `threshold` (bucket resolution), 0 when empty. */
  shareAbove(threshold: number): number {
    if (this.total === 0) return 0;
    const limit = this.bucketOf(Math.max(0, threshold));
    let above = 0;
    for (let i = limit + 1; i < this.counts.length; i++) above += this.counts[i]!;
    return above / this.total;
  }

  private bucketOf(v: number): number {
    if (v < this.lowest) return 0;
    const i = Math.floor(Math.log(v / this.lowest) / this.logBase) + 1;
    return i < this.counts.length ? i : this.counts.length - 1;
  }
}
