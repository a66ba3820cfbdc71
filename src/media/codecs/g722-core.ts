/**
 * The parts of ITU-T G.722 (64 kbit/s sub-band ADPCM) shared by the encoder and decoder:
 * constant tables, the per-sub-band adaptive predictor and scale-factor state, and its update.
 *
 * G.722 splits 16 kHz audio with a 24-tap QMF into a low band (0–4 kHz) and a high band
 * (4–8 kHz), each at 8 kHz. The low band is coded with 6 bits per sample, the high band with
 * 2; both use the same backward-adaptive scheme (a 2-pole/6-zero predictor and a logarithmic
 * scale factor), which the decoder replicates bit for bit from the codes alone. All arithmetic
 * is integer, as the Recommendation specifies it; block names (QUANTL, LOGSCL, UPPOL2 …) refer
 * to the Recommendation's block diagrams.
 */

/** Half of the symmetric 24-tap QMF (the other half mirrors it). */
export const QMF_COEFFICIENTS = new Int32Array([
  3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11,
]);

/** Low-band quantiser decision levels (QUANTL), scaled by the scale factor then >> 12. */
export const LOW_DECISION_LEVELS = new Int32Array([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
  1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
]);

/** 6-bit low-band code for a negative difference, by quantiser interval (QUANTL). */
export const LOW_CODE_NEGATIVE = new Int32Array([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,
  9, 8, 7, 6, 5, 4,
]);

/** 6-bit low-band code for a non-negative difference, by quantiser interval (QUANTL). */
export const LOW_CODE_POSITIVE = new Int32Array([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38,
  37, 36, 35, 34, 33, 32,
]);

/** Inverse quantiser for the 6-bit low-band code: what the decoder outputs (INVQBL). */
export const LOW_INVERSE_6BIT = new Int32Array([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
  -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400,
  -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232,
  9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688,
  1360, 1040, 728, 432, 136, -432, -136,
]);

/**
 * Inverse quantiser for the code's top 4 bits (INVQAL). The predictor adapts on this coarser
 * value so that it stays in step at the 56 and 48 kbit/s modes, where low bits are dropped.
 */
export const LOW_INVERSE_4BIT = new Int32Array([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200,
  0,
]);

/** 4-bit code → magnitude class for the low-band log scale-factor update (LOGSCL). */
export const LOW_MAGNITUDE_CLASS = new Int32Array([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);

/** Log scale-factor increments by low-band magnitude class (LOGSCL). */
export const LOW_LOG_SCALE_STEP = new Int32Array([-60, -30, 58, 172, 334, 538, 1198, 3042]);

/** Inverse quantiser for the 2-bit high-band code (INVQAH). */
export const HIGH_INVERSE = new Int32Array([-7408, -1616, 7408, 1616]);

/** High-band code for a negative difference, by interval (QUANTH). */
export const HIGH_CODE_NEGATIVE = new Int32Array([0, 1, 0]);
/** High-band code for a non-negative difference, by interval (QUANTH). */
export const HIGH_CODE_POSITIVE = new Int32Array([0, 3, 2]);

/** 2-bit code → magnitude class for the high-band log scale-factor update (LOGSCH). */
export const HIGH_MAGNITUDE_CLASS = new Int32Array([2, 1, 2, 1]);

/** Log scale-factor increments by high-band magnitude class (LOGSCH). */
export const HIGH_LOG_SCALE_STEP = new Int32Array([0, -214, 798]);

/** 2^(i/32) in Q11: the antilog table turning the log scale factor into a linear one (SCALEL). */
const ANTILOG = new Int32Array([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** Decision threshold of the 2-bit high-band quantiser, × scale factor >> 12 (QUANTH). */
export const HIGH_DECISION_LEVEL = 564;

function saturate16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** Adaptive state of one sub-band, identical in encoder and decoder. */
export class SubbandState {
  /** Signal estimate: the predictor's output for the next sample (PREDIC). */
  estimate = 0;
  /** Zero-section (FIR) part of the estimate (FILTEZ). */
  private zeroEstimate = 0;
  /** Log-domain scale factor (nbl / nbh). */
  logScale = 0;
  /** Linear scale factor (detl / deth), derived from {@link logScale}. */
  scale: number;
  /** Reconstructed signal, newest first; [0] is scratch. */
  private readonly reconstructed = new Int32Array(3);
  /** Partially reconstructed signal (difference + zero-section estimate), newest first. */
  private readonly partial = new Int32Array(3);
  /** Pole coefficients a1, a2 (index 0 unused). */
  private readonly poles = new Int32Array(3);
  /** Quantised differences d[1] … d[6], newest first (index 0 unused). */
  private readonly differences = new Int32Array(7);
  /** Zero coefficients b1 … b6 (index 0 unused). */
  private readonly zeros = new Int32Array(7);

  constructor(
    private readonly initialScale: number,
    /** Largest log scale factor (18432 low band, 22528 high band). */
    private readonly maxLogScale: number,
    /** Antilog shift base (8 low band, 10 high band). */
    private readonly scaleShift: number,
  ) {
    this.scale = initialScale;
  }

  /** Back to the state at the start of a stream. */
  reset(): void {
    this.estimate = 0;
    this.zeroEstimate = 0;
    this.logScale = 0;
    this.scale = this.initialScale;
    this.reconstructed.fill(0);
    this.partial.fill(0);
    this.poles.fill(0);
    this.differences.fill(0);
    this.zeros.fill(0);
  }

  /** LOGSCL/LOGSCH then SCALEL/SCALEH: leaky log-domain update, then back to linear. */
  updateScale(logStep: number): void {
    let logScale = ((this.logScale * 127) >> 7) + logStep;
    if (logScale < 0) logScale = 0;
    else if (logScale > this.maxLogScale) logScale = this.maxLogScale;
    this.logScale = logScale;
    const mantissa = ANTILOG[(logScale >> 6) & 31]!;
    const shift = this.scaleShift - (logScale >> 11);
    this.scale = (shift < 0 ? mantissa << -shift : mantissa >> shift) << 2;
  }

  /**
   * Adapts the predictor to quantised difference `d` and computes the next estimate
   * (RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC).
   */
  adapt(d: number): void {
    const r = this.reconstructed;
    const p = this.partial;
    const a = this.poles;
    const dq = this.differences;
    const b = this.zeros;

    r[0] = saturate16(this.estimate + d);
    p[0] = saturate16(this.zeroEstimate + d);

    // UPPOL2: second pole coefficient, driven by sign agreement of p over two lags. For
    // 16-bit values, `>> 15` is 0 for non-negative and −1 for negative: the sign.
    const sign0 = p[0]! >> 15;
    const sign1 = p[1]! >> 15;
    const sign2 = p[2]! >> 15;
    const a1Times4 = saturate16(a[1]! << 2);
    let wd = sign0 === sign1 ? -a1Times4 : a1Times4;
    if (wd > 32767) wd = 32767;
    let a2 = (sign0 === sign2 ? 128 : -128) + (wd >> 7) + ((a[2]! * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;

    // UPPOL1: first pole coefficient, limited so the pole pair stays stable.
    let a1 = saturate16((sign0 === sign1 ? 192 : -192) + ((a[1]! * 32640) >> 15));
    const limit = saturate16(15360 - a2);
    if (a1 > limit) a1 = limit;
    else if (a1 < -limit) a1 = -limit;

    // UPZERO: sign-sign LMS update of the six zero coefficients, with leakage.
    const step = d === 0 ? 0 : 128;
    const signD = d >> 15;
    for (let i = 6; i > 0; i--) {
      const agree = dq[i]! >> 15 === signD;
      b[i] = saturate16((agree ? step : -step) + ((b[i]! * 32640) >> 15));
    }

    // DELAYA: age the histories.
    for (let i = 6; i > 1; i--) dq[i] = dq[i - 1]!;
    dq[1] = d;
    r[2] = r[1]!;
    r[1] = r[0]!;
    p[2] = p[1]!;
    p[1] = p[0]!;
    a[1] = a1;
    a[2] = a2;

    // FILTEP: pole section on the reconstructed signal.
    const pole1 = (a1 * saturate16(r[1]! + r[1]!)) >> 15;
    const pole2 = (a2 * saturate16(r[2]! + r[2]!)) >> 15;
    const poleEstimate = saturate16(pole1 + pole2);

    // FILTEZ: zero section on the quantised differences.
    let zeroEstimate = 0;
    for (let i = 6; i > 0; i--) zeroEstimate += (b[i]! * saturate16(dq[i]! + dq[i]!)) >> 15;
    this.zeroEstimate = saturate16(zeroEstimate);

    // PREDIC
    this.estimate = saturate16(poleEstimate + this.zeroEstimate);
  }
}

/** Low-band state: initial scale 32, log scale limit 18432. */
export function createLowBand(): SubbandState {
  return new SubbandState(32, 18432, 8);
}

/** High-band state: initial scale 8, log scale limit 22528. */
export function createHighBand(): SubbandState {
  return new SubbandState(8, 22528, 10);
}
