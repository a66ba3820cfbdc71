/**
 * Gain, mute and level helpers for PCM16, used per leg (a quiet trunk turned up, a muted
 * participant) and by the mixer. Everything saturates at ±32767 instead of wrapping: wrapping
 * an overflowing sample flips its sign, which is heard as a loud crack.
 */

/** Linear amplitude factor for `gainDb` decibels; `-Infinity` dB is 0 (mute). */
export function dbToLinear(gainDb: number): number {
  return gainDb === -Infinity ? 0 : Math.pow(10, gainDb / 20);
}

/** Decibels for a linear amplitude factor; 0 gives `-Infinity`. */
export function linearToDb(factor: number): number {
  return 20 * Math.log10(factor);
}

/** Clamps an integer sample to the PCM16 range, symmetric (±32767) so gain never flips sign. */
export function saturate16(sample: number): number {
  return sample > 32767 ? 32767 : sample < -32767 ? -32767 : sample;
}

/**
 * Multiplies `samples` by `gainDb` with rounding and saturation, writing into `out`. By default
 * `out` is `samples` itself (in place: the per-tick path allocates nothing); pass another array
 * of the same length to keep the input, e.g. a frame shared with other consumers. `-Infinity`
 * mutes. Returns `out`.
 */
export function applyGainDb(
  samples: Int16Array,
  gainDb: number,
  out: Int16Array = samples,
): Int16Array {
  return applyGainLinear(samples, dbToLinear(gainDb), out);
}

/** {@link applyGainDb} with a linear factor (the mixer keeps factors, not decibels). */
export function applyGainLinear(
  samples: Int16Array,
  factor: number,
  out: Int16Array = samples,
): Int16Array {
  if (out.length < samples.length) throw new RangeError('output shorter than input');
  const n = samples.length;
  if (factor === 1) {
    if (out !== samples) out.set(samples);
  } else if (factor === 0) {
    out.fill(0, 0, n);
  } else {
    for (let i = 0; i < n; i++) {
      const v = Math.round((samples[i] as number) * factor);
      out[i] = v > 32767 ? 32767 : v < -32767 ? -32767 : v;
    }
  }
  return out;
}

/**
 * RMS level of `samples` in dBFS, where a full-scale square wave is 0 dBFS (so a full-scale
 * sine is about −3 dBFS). Digital silence (or an empty array) is `-Infinity`.
 */
export function frameEnergyDbfs(samples: Int16Array): number {
  const n = samples.length;
  if (n === 0) return -Infinity;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i] as number;
    sumSquares += s * s;
  }
  if (sumSquares === 0) return -Infinity;
  return 10 * Math.log10(sumSquares / n / (32768 * 32768));
}
