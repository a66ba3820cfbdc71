/**
 * The Goertzel algorithm: the power of one frequency over a block of samples, for a handful of
 * frequencies at a fraction of an FFT's cost. A bank runs several filters over the same samples
 * in one pass, with preallocated state so that per-frame detection allocates nothing.
 */

/** The filter coefficient 2·cos(2πf/fs) for `frequencyHz` at `sampleRateHz`. */
export function goertzelCoefficient(frequencyHz: number, sampleRateHz: number): number {
  return 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
}

/**
 * Power of one frequency over `samples[start, end)`: |X(f)|², which for a sine of amplitude A
 * exactly at f over N samples is about (A·N/2)².
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  coefficient: number,
  start = 0,
  end: number = samples.length,
): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/**
 * Several Goertzel filters fed sample by sample (in slices) over one block, plus the block's
 * total energy Σx². Feed slices with {@link update}, read {@link power} and {@link energy},
 * then {@link reset} for the next block. Allocation-free after construction.
 */
export class GoertzelBank {
  /** Number of samples fed since the last reset. */
  count = 0;
  /** Σx² of the samples fed since the last reset. */
  energy = 0;
  private readonly coefficients: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;

  constructor(frequenciesHz: readonly number[], sampleRateHz: number) {
    this.coefficients = Float64Array.from(frequenciesHz, (f) =>
      goertzelCoefficient(f, sampleRateHz),
    );
    this.s1 = new Float64Array(frequenciesHz.length);
    this.s2 = new Float64Array(frequenciesHz.length);
  }

  /** Number of filters. */
  get size(): number {
    return this.coefficients.length;
  }

  /** Feeds `samples[start, end)` to every filter. */
  update(samples: ArrayLike<number>, start = 0, end: number = samples.length): void {
    const coefficients = this.coefficients;
    const s1 = this.s1;
    const s2 = this.s2;
    const n = coefficients.length;
    let energy = this.energy;
    for (let i = start; i < end; i++) {
      const x = samples[i]!;
      energy += x * x;
      for (let k = 0; k < n; k++) {
        const prev = s1[k]!;
        s1[k] = x + coefficients[k]! * prev - s2[k]!;
        s2[k] = prev;
      }
    }
    this.energy = energy;
    this.count += end - start;
  }

  /** |X(f)|² of filter `index` over the samples fed since the last reset. */
  power(index: number): number {
    const a = this.s1[index]!;
    const b = this.s2[index]!;
    return a * a + b * b - this.coefficients[index]! * a * b;
  }

  /** Starts a new block. */
  reset(): void {
    this.s1.fill(0);
    this.s2.fill(0);
    this.energy = 0;
    this.count = 0;
  }
}
