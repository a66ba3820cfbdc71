/**
 * G.722 encoder, 64 kbit/s (mode 1): two 16 kHz PCM samples in, one code byte out
 * (high-band 2 bits in the top, low-band 6 bits below, as RTP carries them, RFC 3551 §4.5.2).
 */
import {
  HIGH_CODE_NEGATIVE,
  HIGH_CODE_POSITIVE,
  HIGH_DECISION_LEVEL,
  HIGH_INVERSE,
  HIGH_LOG_SCALE_STEP,
  HIGH_MAGNITUDE_CLASS,
  LOW_CODE_NEGATIVE,
  LOW_CODE_POSITIVE,
  LOW_DECISION_LEVELS,
  LOW_INVERSE_4BIT,
  LOW_LOG_SCALE_STEP,
  LOW_MAGNITUDE_CLASS,
  QMF_COEFFICIENTS,
  createHighBand,
  createLowBand,
  type SubbandState,
} from './g722-core.js';
import type { AudioEncoder } from './types.js';

/** Samples of QMF history carried between calls (the filter has 24 taps, 2 are new each step). */
const QMF_HISTORY = 22;

function saturate16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** Quantises the low-band prediction error to a 6-bit code (QUANTL). */
function quantiseLow(error: number, scale: number): number {
  // Magnitude in one's complement, as the Recommendation does it (−1 → 0).
  const magnitude = error >= 0 ? error : -(error + 1);
  // First interval i in 1…29 whose upper decision level exceeds the magnitude (30 if none);
  // the levels grow with i, so a binary search finds it.
  let low = 1;
  let high = 30;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (magnitude < (LOW_DECISION_LEVELS[mid]! * scale) >> 12) high = mid;
    else low = mid + 1;
  }
  return error < 0 ? LOW_CODE_NEGATIVE[low]! : LOW_CODE_POSITIVE[low]!;
}

/** Stateful G.722 encoder for one stream. */
export class G722Encoder implements AudioEncoder {
  readonly low: SubbandState = createLowBand();
  readonly high: SubbandState = createHighBand();
  /** QMF input: 22 samples of history, then the current call's input. */
  private window = new Int32Array(QMF_HISTORY + 320);

  /**
   * Encodes 16 kHz PCM (an even number of samples: 320 per 20 ms frame) into
   * `samples.length / 2` bytes. A trailing odd sample is ignored.
   */
  encode(samples: Int16Array): Uint8Array {
    const pairs = samples.length >> 1;
    const out = new Uint8Array(pairs);
    if (this.window.length < QMF_HISTORY + 2 * pairs) {
      const grown = new Int32Array(QMF_HISTORY + 2 * pairs);
      grown.set(this.window.subarray(0, QMF_HISTORY));
      this.window = grown;
    }
    const x = this.window;
    x.set(samples.subarray(0, 2 * pairs), QMF_HISTORY);
    const low = this.low;
    const high = this.high;
    const c = QMF_COEFFICIENTS;

    for (let j = 0; j < pairs; j++) {
      // QMF analysis over the 24 newest samples x[base … base + 23]: even taps against one
      // half of the filter, odd taps against the mirrored half; sum and difference give the
      // two sub-bands, each decimated to 8 kHz.
      const base = 2 * j;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[base + 2 * i]! * c[i]!;
        sumEven += x[base + 2 * i + 1]! * c[11 - i]!;
      }
      const xLow = (sumEven + sumOdd) >> 14;
      const xHigh = (sumEven - sumOdd) >> 14;

      // Low band: quantise the prediction error, then adapt exactly as the decoder will.
      const lowCode = quantiseLow(saturate16(xLow - low.estimate), low.scale);
      const lowCode4 = lowCode >> 2;
      const lowDifference = (low.scale * LOW_INVERSE_4BIT[lowCode4]!) >> 15;
      low.updateScale(LOW_LOG_SCALE_STEP[LOW_MAGNITUDE_CLASS[lowCode4]!]!);
      low.adapt(lowDifference);

      // High band: a 2-bit quantiser with one decision level (QUANTH).
      const highError = saturate16(xHigh - high.estimate);
      const highMagnitude = highError >= 0 ? highError : -(highError + 1);
      const interval = highMagnitude >= (HIGH_DECISION_LEVEL * high.scale) >> 12 ? 2 : 1;
      const highCode =
        highError < 0 ? HIGH_CODE_NEGATIVE[interval]! : HIGH_CODE_POSITIVE[interval]!;
      const highDifference = (high.scale * HIGH_INVERSE[highCode]!) >> 15;
      high.updateScale(HIGH_LOG_SCALE_STEP[HIGH_MAGNITUDE_CLASS[highCode]!]!);
      high.adapt(highDifference);

      out[j] = (highCode << 6) | lowCode;
    }
    x.copyWithin(0, 2 * pairs, 2 * pairs + QMF_HISTORY);
    return out;
  }

  /** Back to the state at the start of a stream. */
  reset(): void {
    this.low.reset();
    this.high.reset();
    this.window.fill(0);
  }
}
