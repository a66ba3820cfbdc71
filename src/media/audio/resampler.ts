/**
 * Sample-rate conversion for PCM16 audio: a streaming {@link Resampler} for the media plane's
 * own rates (8, 16 and 48 kHz, any direction) and a one-shot {@link resample} for files.
 *
 * The converter is a polyphase FIR: conceptually the input is upsampled by L (zeros inserted),
 * low-pass filtered by a Kaiser-windowed sinc, and downsampled by M, where L/M = toHz/fromHz in
 * lowest terms. Only the output samples are computed, each from one of the L sub-filters
 * ("phases") of the prototype, so the cost per output sample is the sub-filter length
 * (about 32 taps at the lower rate's timescale), whatever the ratio.
 */

/** One low-pass prototype split into its polyphase sub-filters, shared by every instance. */
interface PolyphaseTable {
  /** Upsampling factor (number of phases). */
  readonly up: number;
  /** Downsampling factor. */
  readonly down: number;
  /** Taps per phase: input samples read for each output sample. */
  readonly tapsPerPhase: number;
  /**
   * `up` rows of `tapsPerPhase` coefficients, each row stored oldest-input-first so the inner
   * loop walks the coefficient row and the input history in the same (ascending) direction.
   */
  readonly coefficients: Float32Array;
  /** Group delay of the filter, in output samples (an integer by construction). */
  readonly delayOutputSamples: number;
}

/**
 * Half the filter length, counted in samples of the lower of the two rates. 16 gives a
 * transition band of about 0.14 × the lower rate with ~70 dB stop-band attenuation: a
 * 48 kHz → 8 kHz conversion passes 0–3.1 kHz flat and removes everything above ~4.2 kHz.
 */
const HALF_LENGTH_LOW_RATE_SAMPLES = 16;
/** Cut-off (−6 dB point) as a fraction of the lower rate: just under its Nyquist frequency. */
const CUTOFF_FRACTION_OF_LOW_RATE = 0.46;
/** Kaiser window β: side lobes around −70 dB. */
const KAISER_BETA = 7;
/**
 * Largest L or M accepted. Standard rates need at most 6; file rates such as 22050 → 16000
 * (L = 320, M = 441) need a few hundred; the table grows as 32 × max(L, M) coefficients.
 */
const MAX_FACTOR = 2048;

const tableCache = new Map<string, PolyphaseTable>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series form; converges fast for β ≤ 10). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const halfX = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (halfX / k) * (halfX / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function polyphaseTable(fromHz: number, toHz: number): PolyphaseTable {
  const divisor = gcd(fromHz, toHz);
  const up = toHz / divisor;
  const down = fromHz / divisor;
  const key = `${up}/${down}`;
  const cached = tableCache.get(key);
  if (cached) return cached;

  // The prototype runs at the intermediate rate up × fromHz. Its length N = 2·D·down + 1 makes
  // the group delay (N − 1)/2 an exact multiple of `down`, i.e. D whole output samples, so
  // callers can remove the delay without fractional shifts.
  const ratio = Math.max(up, down);
  const delayOutputSamples = Math.ceil((HALF_LENGTH_LOW_RATE_SAMPLES * ratio) / down);
  const length = 2 * delayOutputSamples * down + 1;
  const centre = (length - 1) / 2;
  // Cut-off in cycles per intermediate-rate sample; the lower rate is (intermediate / ratio).
  const cutoff = CUTOFF_FRACTION_OF_LOW_RATE / ratio;
  const prototype = new Float64Array(length);
  const windowNorm = besselI0(KAISER_BETA);
  for (let k = 0; k < length; k++) {
    const t = k - centre;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / centre;
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / windowNorm;
    prototype[k] = sinc * window;
  }

  const tapsPerPhase = Math.ceil(length / up);
  const coefficients = new Float32Array(up * tapsPerPhase);
  for (let phase = 0; phase < up; phase++) {
    // Each phase is normalised to unity DC gain, which also restores the gain of `up` lost by
    // inserting zeros, and keeps a constant input constant (no periodic ripple between phases).
    let sum = 0;
    for (let j = 0; j < tapsPerPhase; j++) sum += prototype[phase + j * up] ?? 0;
    for (let j = 0; j < tapsPerPhase; j++) {
      const tap = prototype[phase + j * up] ?? 0;
      // Row stored reversed: index tapsPerPhase − 1 − j multiplies input x[i − j].
      coefficients[phase * tapsPerPhase + (tapsPerPhase - 1 - j)] = tap / sum;
    }
  }
  const table: PolyphaseTable = { up, down, tapsPerPhase, coefficients, delayOutputSamples };
  tableCache.set(key, table);
  return table;
}

function checkRate(name: string, rateHz: number): void {
  if (!Number.isInteger(rateHz) || rateHz <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${rateHz}`);
  }
}

/**
 * Streaming sample-rate converter. Filter state is kept between {@link process} calls, so
 * consecutive 20 ms frames join without clicks; one instance per stream and direction.
 *
 * For 20 ms frames (and any input whose length × toHz / fromHz is an integer) every call
 * returns exactly `input.length * toHz / fromHz` samples. The output lags the input by a fixed
 * {@link delaySamples} (≈ 2 ms at 8 kHz, 1 ms at 16 kHz).
 */
export class Resampler {
  /** Output lag in output samples, from the filter's group delay (0 for identity). */
  readonly delaySamples: number;
  private readonly table: PolyphaseTable | undefined;
  /** Last tapsPerPhase − 1 input samples, then room for the next input. */
  private history: Float32Array;
  /** Position of the next output sample, in intermediate-rate samples from the current input's start. */
  private position = 0;

  constructor(
    /** Input rate. */
    readonly fromHz: number,
    /** Output rate. */
    readonly toHz: number,
  ) {
    checkRate('fromHz', fromHz);
    checkRate('toHz', toHz);
    const divisor = gcd(fromHz, toHz);
    if (Math.max(fromHz, toHz) / divisor > MAX_FACTOR) {
      throw new RangeError(`unsupported resampling ratio ${fromHz} → ${toHz} Hz`);
    }
    this.table = fromHz === toHz ? undefined : polyphaseTable(fromHz, toHz);
    this.delaySamples = this.table?.delayOutputSamples ?? 0;
    const historyLength = this.table ? this.table.tapsPerPhase - 1 : 0;
    // Sized for a 20 ms frame at the input rate; grows once if larger inputs arrive.
    this.history = new Float32Array(historyLength + Math.ceil(fromHz / 50));
  }

  /** Converts the next chunk of the stream; returns a new array. */
  process(input: Int16Array): Int16Array {
    const table = this.table;
    if (!table) return input.slice();
    const { up, down, tapsPerPhase, coefficients } = table;
    const historyLength = tapsPerPhase - 1;
    const length = input.length;
    if (this.history.length < historyLength + length) {
      const grown = new Float32Array(historyLength + length);
      grown.set(this.history.subarray(0, historyLength));
      this.history = grown;
    }
    const buffer = this.history;
    buffer.set(input, historyLength);

    const end = length * up;
    let position = this.position;
    const outputLength = position < end ? Math.ceil((end - position) / down) : 0;
    const output = new Int16Array(outputLength);
    for (let n = 0; n < outputLength; n++) {
      // Output n sits at intermediate-rate index `position`: input index i = position / up
      // (rounded down) and sub-filter phase = position mod up. Buffer index i is the oldest
      // tap because the history occupies the first historyLength slots.
      const inputIndex = (position / up) | 0;
      const row = (position - inputIndex * up) * tapsPerPhase;
      // Four partial sums let the CPU overlap the multiply-adds (about 1.4× faster in V8).
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let acc3 = 0;
      let k = 0;
      for (; k + 3 < tapsPerPhase; k += 4) {
        acc0 += coefficients[row + k]! * buffer[inputIndex + k]!;
        acc1 += coefficients[row + k + 1]! * buffer[inputIndex + k + 1]!;
        acc2 += coefficients[row + k + 2]! * buffer[inputIndex + k + 2]!;
        acc3 += coefficients[row + k + 3]! * buffer[inputIndex + k + 3]!;
      }
      for (; k < tapsPerPhase; k++) acc0 += coefficients[row + k]! * buffer[inputIndex + k]!;
      const acc = acc0 + acc1 + (acc2 + acc3);
      // Round half away from zero and saturate to PCM16.
      const rounded = acc < 0 ? -Math.round(-acc) : Math.round(acc);
      output[n] = rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
      position += down;
    }
    this.position = position - end;
    buffer.copyWithin(0, length, length + historyLength);
    return output;
  }

  /** Forgets the stream: clears the filter history (as after construction). */
  reset(): void {
    this.history.fill(0);
    this.position = 0;
  }
}

/**
 * One-shot conversion of a whole signal (e.g. a WAV file's samples) between any two integer
 * rates. The filter delay is removed, so output sample n lines up with input time
 * n / toHz; the result has `round(input.length × toHz / fromHz)` samples.
 */
export function resample(input: Int16Array, fromHz: number, toHz: number): Int16Array {
  checkRate('fromHz', fromHz);
  checkRate('toHz', toHz);
  if (fromHz === toHz) return input.slice();
  const outputLength = Math.round((input.length * toHz) / fromHz);
  const divisor = gcd(fromHz, toHz);
  if (Math.max(fromHz, toHz) / divisor > MAX_FACTOR) {
    return resampleLinear(input, fromHz, toHz, outputLength);
  }
  const resampler = new Resampler(fromHz, toHz);
  const delay = resampler.delaySamples;
  const output = new Int16Array(outputLength);
  // Output sample n of the filter is output sample n − delay of the result.
  let produced = 0;
  const take = (chunk: Int16Array): void => {
    for (let i = 0; i < chunk.length; i++) {
      const index = produced + i - delay;
      if (index >= 0 && index < outputLength) output[index] = chunk[i]!;
    }
    produced += chunk.length;
  };
  // One second at a time keeps the filter's working buffer small for long files.
  for (let offset = 0; offset < input.length; offset += fromHz) {
    take(resampler.process(input.subarray(offset, offset + fromHz)));
  }
  // Flush the filter with silence until the delayed tail has come out.
  const missing = delay + outputLength - produced;
  if (missing > 0) {
    take(resampler.process(new Int16Array(Math.ceil((missing * fromHz) / toHz) + 1)));
  }
  return output;
}

/**
 * Fallback for ratios whose polyphase table would be huge (coprime odd rates): low-pass at the
 * input rate with the same windowed sinc, then linear interpolation. Quality is slightly lower
 * but such rates only come from unusual files.
 */
function resampleLinear(
  input: Int16Array,
  fromHz: number,
  toHz: number,
  outputLength: number,
): Int16Array {
  let filtered: Float32Array = Float32Array.from(input);
  if (toHz < fromHz) {
    const halfLength = Math.ceil((HALF_LENGTH_LOW_RATE_SAMPLES * fromHz) / toHz);
    const cutoff = (CUTOFF_FRACTION_OF_LOW_RATE * toHz) / fromHz;
    const taps = new Float32Array(2 * halfLength + 1);
    const windowNorm = besselI0(KAISER_BETA);
    let sum = 0;
    for (let k = -halfLength; k <= halfLength; k++) {
      const sinc = k === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * k) / (Math.PI * k);
      const r = k / halfLength;
      const tap = (sinc * besselI0(KAISER_BETA * Math.sqrt(1 - r * r))) / windowNorm;
      taps[k + halfLength] = tap;
      sum += tap;
    }
    filtered = new Float32Array(input.length);
    for (let i = 0; i < input.length; i++) {
      let acc = 0;
      const from = Math.max(-halfLength, -i);
      const to = Math.min(halfLength, input.length - 1 - i);
      for (let k = from; k <= to; k++) acc += taps[k + halfLength]! * input[i + k]!;
      filtered[i] = acc / sum;
    }
  }
  const output = new Int16Array(outputLength);
  const step = fromHz / toHz;
  for (let n = 0; n < outputLength; n++) {
    const x = n * step;
    const i = Math.floor(x);
    const frac = x - i;
    const a = filtered[i] ?? 0;
    const b = filtered[i + 1] ?? a;
    const value = Math.round(a + (b - a) * frac);
    output[n] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return output;
}
