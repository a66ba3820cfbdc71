/**
 * G.722 decoder, 64 kbit/s (mode 1): one code byte in, two 16 kHz PCM samples out, plus
 * waveform-repetition packet-loss concealment.
 */
import {
  HIGH_INVERSE,
  HIGH_LOG_SCALE_STEP,
  HIGH_MAGNITUDE_CLASS,
  LOW_INVERSE_4BIT,
  LOW_INVERSE_6BIT,
  LOW_LOG_SCALE_STEP,
  LOW_MAGNITUDE_CLASS,
  QMF_COEFFICIENTS,
  createHighBand,
  createLowBand,
  type SubbandState,
} from './g722-core.js';
import { PacketLossConcealer } from './packet-loss-concealer.js';
import type { AudioDecoder } from './types.js';

/** Sub-band samples of QMF history carried between calls (24 taps, 2 new per code). */
const QMF_HISTORY = 22;

function saturate16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** Limits a reconstructed sub-band sample to the 15-bit range the QMF expects (LIMIT). */
function limit15(value: number): number {
  return value > 16383 ? 16383 : value < -16384 ? -16384 : value;
}

/** Stateful G.722 decoder for one stream. */
export class G722Decoder implements AudioDecoder {
  private readonly low: SubbandState = createLowBand();
  private readonly high: SubbandState = createHighBand();
  /** QMF synthesis input: 22 values of history, then two per code of the current call. */
  private window = new Int32Array(QMF_HISTORY + 320);
  private readonly plc = new PacketLossConcealer(16000);

  /** Decodes `payload.length` codes into twice as many 16 kHz samples. */
  decode(payload: Uint8Array): Int16Array {
    return this.plc.receive(this.decodeCodes(payload));
  }

  /**
   * Concealment for `sampleCount` lost samples (16 kHz): the last pitch period repeated and
   * faded, as for G.711. The ADPCM state is deliberately left as it was after the last packet:
   * it is the far-end encoder's state of a moment ago, the best estimate there is. Re-encoding
   * the concealment into the state (the idea of G.722 Appendices III/IV) was tried and made
   * re-convergence slower on tones and on speech-like signals alike — the predictor adapts to
   * the synthetic waveform and the fade drags the scale factors down. The cross-fade on resume
   * covers the 1.5 ms in which the stale QMF history flushes out.
   */
  conceal(sampleCount: number): Int16Array {
    return this.plc.conceal(sampleCount);
  }

  /** Back to the state at the start of a stream. */
  reset(): void {
    this.low.reset();
    this.high.reset();
    this.window.fill(0);
    this.plc.reset();
  }

  private decodeCodes(codes: Uint8Array): Int16Array {
    const count = codes.length;
    const out = new Int16Array(2 * count);
    if (this.window.length < QMF_HISTORY + 2 * count) {
      const grown = new Int32Array(QMF_HISTORY + 2 * count);
      grown.set(this.window.subarray(0, QMF_HISTORY));
      this.window = grown;
    }
    const x = this.window;
    const low = this.low;
    const high = this.high;
    const c = QMF_COEFFICIENTS;

    for (let j = 0; j < count; j++) {
      const code = codes[j]!;
      const lowCode = code & 0x3f;
      const highCode = code >> 6;

      // Low band: the output uses all 6 bits (INVQBL); the predictor adapts on the top 4
      // (INVQAL), exactly as in the encoder.
      const lowOutput = limit15(low.estimate + ((low.scale * LOW_INVERSE_6BIT[lowCode]!) >> 15));
      const lowCode4 = lowCode >> 2;
      const lowDifference = (low.scale * LOW_INVERSE_4BIT[lowCode4]!) >> 15;
      low.updateScale(LOW_LOG_SCALE_STEP[LOW_MAGNITUDE_CLASS[lowCode4]!]!);
      low.adapt(lowDifference);

      const highDifference = (high.scale * HIGH_INVERSE[highCode]!) >> 15;
      const highOutput = limit15(high.estimate + highDifference);
      high.updateScale(HIGH_LOG_SCALE_STEP[HIGH_MAGNITUDE_CLASS[highCode]!]!);
      high.adapt(highDifference);

      // QMF synthesis: sum and difference of the sub-bands feed the 24-tap filter, which
      // yields two output samples at 16 kHz.
      const base = 2 * j;
      x[QMF_HISTORY + base] = lowOutput + highOutput;
      x[QMF_HISTORY + base + 1] = lowOutput - highOutput;
      let first = 0;
      let second = 0;
      for (let i = 0; i < 12; i++) {
        second += x[base + 2 * i]! * c[i]!;
        first += x[base + 2 * i + 1]! * c[11 - i]!;
      }
      // The filters' DC gain is 4096 (12 bits), less 1 for the sub-bands' 15-bit range.
      out[base] = saturate16(first >> 11);
      out[base + 1] = saturate16(second >> 11);
    }
    x.copyWithin(0, 2 * count, 2 * count + QMF_HISTORY);
    return out;
  }
}
