/**
 * The two ways a caller's audio goes when the bot listens: to the voice activity detector and
 * to the recogniser, each at a rate it takes. The leg's own rate when the engine accepts it
 * (no work per frame), else 16 kHz, else the engine's first rate. Shared by the voice session
 * and the flows' one-answer listener, so both hear the same audio the same way.
 */
import { Resampler, type AudioFrame } from '../../media/index.js';
import type { SpeechToText, VoiceActivityDetector } from '../providers/types.js';

/** See the module comment. */
export class ListenPaths {
  /** The rate of the frames {@link forStt} returns (what the recogniser stream is opened at). */
  readonly sttRateHz: number;
  private readonly sttResampler?: Resampler;
  private readonly vadResampler?: Resampler;

  constructor(legRateHz: number, stt: SpeechToText, vad: VoiceActivityDetector) {
    const sttRates = stt.capabilities.sampleRatesHz;
    this.sttRateHz = sttRates.includes(legRateHz)
      ? legRateHz
      : sttRates.includes(16000)
        ? 16000
        : sttRates[0]!;
    if (this.sttRateHz !== legRateHz) this.sttResampler = new Resampler(legRateHz, this.sttRateHz);
    if (!vad.capabilities.sampleRatesHz.includes(legRateHz)) {
      this.vadResampler = new Resampler(legRateHz, 16000);
    }
  }

  /** The frame at the recogniser's rate. */
  forStt(frame: AudioFrame): AudioFrame {
    if (!this.sttResampler) return frame;
    return {
      ...frame,
      samples: this.sttResampler.process(frame.samples),
      sampleRateHz: this.sttRateHz,
    };
  }

  /** The frame at the detector's rate. */
  forVad(frame: AudioFrame): AudioFrame {
    if (!this.vadResampler) return frame;
    return { ...frame, samples: this.vadResampler.process(frame.samples), sampleRateHz: 16000 };
  }
}
