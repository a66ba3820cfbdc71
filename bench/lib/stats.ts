/**
 * Order statistics for benchmark samples.
 *
 * Percentiles use the nearest-rank method on a sorted copy: it always returns a value that was
 * actually observed, which is what a latency table should show (no interpolated 0.7 ms that no
 * call ever took).
 */

/** Summary of a sample: count plus the order statistics the reports print. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Returns an ascending sorted copy, leaving the caller's array untouched. */
export function sortedCopy(values: readonly number[]): number[] {
  // Typed-array sort is numeric (Array#sort would compare as strings) and fast on large samples.
  return Array.from(Float64Array.from(values).sort());
}

/**
 * Nearest-rank percentile of an already ascending-sorted array.
 *
 * @param sorted - ascending values
 * @param p - percentile in [0, 100]
 * @returns the value, or `undefined` for an empty sample
 */
export function percentileSorted(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const clamped = Math.min(100, Math.max(0, p));
  // Nearest rank: ceil(p/100 * n), 1-based; p = 0 maps to the minimum.
  const rank = Math.max(1, Math.ceil((clamped / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * Nearest-rank percentile of an unsorted sample.
 *
 * @returns the value, or `undefined` for an empty sample
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  return percentileSorted(sortedCopy(values), p);
}

/**
 * Median of a sample (the mean of the two middle values for an even count, so that the median
 * of per-step figures such as `[1, 2]` is 1.5 rather than an arbitrary pick).
 *
 * @returns the median, or `undefined` for an empty sample
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = sortedCopy(values);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid];
  if (upper === undefined) return undefined;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[mid - 1] ?? upper;
  return (lower + upper) / 2;
}

/**
 * Count, min, p50, p90, p99, max and mean of a sample.
 *
 * @returns the summary, or `undefined` for an empty sample
 */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const sorted = sortedCopy(values);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    p50: percentileSorted(sorted, 50) ?? 0,
    p90: percentileSorted(sorted, 90) ?? 0,
    p99: percentileSorted(sorted, 99) ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / sorted.length,
  };
}
