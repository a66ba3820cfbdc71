/**
 * The part of voice activity detection that does not depend on the model: turning a speech
 * probability per 20 ms frame into speech-start and speech-end events, with the minimum speech
 * and trailing silence that keep coughs and pauses between words from cutting turns.
 */
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import type { VadEvent, VadOptions } from '../providers/types.js';

/** {@link VadOptions} with every default filled in (seed 001's numbers). */
export type ResolvedVadOptions = Required<VadOptions>;

/** Seed 001's defaults: threshold 0.5, silence 500 ms, prefix 250 ms, minimum speech 100 ms. */
export const DEFAULT_VAD_OPTIONS: ResolvedVadOptions = {
  threshold: 0.5,
  silenceMs: 500,
  prefixPaddingMs: 250,
  minSpeechMs: 100,
};

/**
 * Hysteresis below the threshold: once speaking, a frame must fall this far under it to count
 * as silence, so a probability wobbling around the threshold does not chop an utterance.
 */
const HYSTERESIS = 0.15;

/** Probability per frame in, speech-start / speech-end out. */
export class VadStateMachine {
  readonly options: ResolvedVadOptions;
  private inSpeech = false;
  private speechRunMs = 0;
  private speechStartMs = 0;
  private silenceRunMs = 0;
  private lastSpeechEndMs = 0;

  constructor(options: Partial<ResolvedVadOptions> = {}) {
    this.options = { ...DEFAULT_VAD_OPTIONS, ...stripUndefined(options) };
  }

  /** True between speech-start and speech-end. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Advances by one frame with its speech probability; returns the events it caused. */
  step(probability: number, timestampMs: number, frame?: AudioFrame): VadEvent[] {
    const frameMs = frame
      ? Math.round((frame.samples.length * 1000) / frame.sampleRateHz)
      : FRAME_MS;
    const { threshold, minSpeechMs, silenceMs } = this.options;
    if (!this.inSpeech) {
      if (probability >= threshold) {
        if (this.speechRunMs === 0) this.speechStartMs = timestampMs;
        this.speechRunMs += frameMs;
        if (this.speechRunMs >= minSpeechMs) {
          this.inSpeech = true;
          this.silenceRunMs = 0;
          return [{ type: 'speech-start', atMs: this.speechStartMs }];
        }
      } else if (probability < threshold - HYSTERESIS) {
        this.speechRunMs = 0;
      }
      return [];
    }
    if (probability < threshold - HYSTERESIS) {
      if (this.silenceRunMs === 0) this.lastSpeechEndMs = timestampMs;
      this.silenceRunMs += frameMs;
      if (this.silenceRunMs >= silenceMs) {
        this.inSpeech = false;
        this.speechRunMs = 0;
        this.silenceRunMs = 0;
        return [
          {
            type: 'speech-end',
            atMs: this.lastSpeechEndMs,
            durationMs: this.lastSpeechEndMs - this.speechStartMs,
          },
        ];
      }
    } else {
      this.silenceRunMs = 0;
    }
    return [];
  }

  /** Back to silence, forgetting any speech in progress. */
  reset(): void {
    this.inSpeech = false;
    this.speechRunMs = 0;
    this.silenceRunMs = 0;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
