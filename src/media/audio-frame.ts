/**
 * The unit of audio inside Switchboard: 20 ms of mono 16-bit PCM. Codecs and vendor wire
 * formats stay at the edges (RTP sessions, Twilio streams); everything in between — mixers,
 * recorders, VAD, speech recognition — sees only frames.
 */

/** Duration of every frame, in milliseconds. */
export const FRAME_MS = 20;

/** Sample rates the media plane converts between. Other rates are read from files and resampled. */
export const SAMPLE_RATES_HZ = [8000, 16000, 48000] as const;

/** One of {@link SAMPLE_RATES_HZ}. */
export type SampleRateHz = (typeof SAMPLE_RATES_HZ)[number];

/** 20 ms of mono PCM16 audio. */
export interface AudioFrame {
  /** Mono PCM16 samples; `sampleRateHz * FRAME_MS / 1000` of them (160 at 8 kHz). */
  samples: Int16Array;
  sampleRateHz: number;
  /**
   * Media time of the first sample, in ms from the start of the stream that produced it.
   * It advances by {@link FRAME_MS} per frame, also across gaps (silence is a timestamp jump),
   * which is what lets a recorder keep silences and a mixer align parties.
   */
  timestampMs: number;
}

/** Number of samples in one frame at `sampleRateHz`. */
export function samplesPerFrame(sampleRateHz: number): number {
  return (sampleRateHz * FRAME_MS) / 1000;
}

/** A frame of digital silence. */
export function silentFrame(sampleRateHz: number, timestampMs: number): AudioFrame {
  return { samples: new Int16Array(samplesPerFrame(sampleRateHz)), sampleRateHz, timestampMs };
}

/** True when `rate` is one the media plane works at natively. */
export function isSampleRate(rate: number): rate is SampleRateHz {
  return (SAMPLE_RATES_HZ as readonly number[]).includes(rate);
}
