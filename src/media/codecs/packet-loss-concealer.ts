/**
 * Waveform-repetition packet-loss concealment for codecs without their own (G.711, G.722),
 * after the idea of ITU-T G.711 Appendix I: when a packet is lost, estimate the pitch period of
 * the last audio heard and keep repeating that period, fading out over the following
 * 60 ms; when real audio resumes, cross-fade from the concealment into it so there is no click.
 */

/** Shortest pitch period searched: 2.5 ms (400 Hz). */
const MIN_PITCH_MS = 2.5;
/** Longest pitch period searched: 15 ms (≈ 67 Hz), low male voices. */
const MAX_PITCH_MS = 15;
/** Span of the correlation window used to find the pitch. */
const CORRELATION_MS = 20;
/** Concealment plays at full level this long, then fades… */
const FULL_LEVEL_MS = 10;
/** …linearly to silence by this time after the loss started (as G.711 Appendix I). */
const SILENT_AFTER_MS = 60;
/** Cross-fade from the concealment into the first real audio after a loss. */
const CROSS_FADE_MS = 5;

/**
 * Remembers recently decoded audio and synthesises replacement audio for lost packets.
 * One per decoder. Allocation-free on the normal (no loss) path.
 */
export class PacketLossConcealer {
  private readonly history: Int16Array;
  private readonly minPitch: number;
  private readonly maxPitch: number;
  private readonly correlationLength: number;
  private readonly fullLevelSamples: number;
  private readonly silentAfterSamples: number;
  private readonly crossFadeSamples: number;
  /** Samples of concealment produced since the loss began; 0 while audio flows. */
  private concealedSamples = 0;
  /** Pitch period in use during the current loss. */
  private pitch = 0;
  /** True once anything has been received (before that, concealment is silence). */
  private primed = false;

  constructor(readonly sampleRateHz: number) {
    const perMs = sampleRateHz / 1000;
    this.minPitch = Math.round(MIN_PITCH_MS * perMs);
    this.maxPitch = Math.round(MAX_PITCH_MS * perMs);
    this.correlationLength = Math.round(CORRELATION_MS * perMs);
    this.fullLevelSamples = Math.round(FULL_LEVEL_MS * perMs);
    this.silentAfterSamples = Math.round(SILENT_AFTER_MS * perMs);
    this.crossFadeSamples = Math.round(CROSS_FADE_MS * perMs);
    this.history = new Int16Array(this.maxPitch + this.correlationLength);
  }

  /** True while the last thing produced was concealment (a loss is in progress). */
  get concealing(): boolean {
    return this.concealedSamples > 0;
  }

  /**
   * Takes freshly decoded audio. After a loss the start of `samples` is cross-faded (in place)
   * from the continued concealment; then the audio joins the history. Returns `samples`.
   */
  receive(samples: Int16Array): Int16Array {
    if (this.concealedSamples > 0) {
      const fade = Math.min(this.crossFadeSamples, samples.length);
      for (let i = 0; i < fade; i++) {
        const weight = (i + 1) / (fade + 1);
        const synthetic = this.syntheticSample(this.concealedSamples + i);
        samples[i] = Math.round(samples[i]! * weight + synthetic * (1 - weight));
      }
      this.concealedSamples = 0;
    }
    this.remember(samples);
    return samples;
  }

  /** Produces `sampleCount` samples to play in place of lost audio. */
  conceal(sampleCount: number): Int16Array {
    const output = new Int16Array(sampleCount);
    if (!this.primed) return output;
    if (this.concealedSamples === 0) this.pitch = this.estimatePitch();
    const start = this.concealedSamples;
    const end = Math.min(start + sampleCount, this.silentAfterSamples);
    for (let k = start; k < end; k++) output[k - start] = this.syntheticSample(k);
    this.concealedSamples = start + sampleCount;
    return output;
  }

  /** Forgets everything (new stream). */
  reset(): void {
    this.history.fill(0);
    this.concealedSamples = 0;
    this.primed = false;
  }

  /** Sample `k` of the concealment since the loss began: the last pitch period repeated, faded. */
  private syntheticSample(k: number): number {
    if (k >= this.silentAfterSamples) return 0;
    const value = this.repeated(k);
    if (k < this.fullLevelSamples) return value;
    const gain = (this.silentAfterSamples - k) / (this.silentAfterSamples - this.fullLevelSamples);
    return Math.round(value * gain);
  }

  /** Sample `k` of the plain repetition of the last pitch period. */
  private repeated(k: number): number {
    const history = this.history;
    return history[history.length - this.pitch + (k % this.pitch)]!;
  }

  private remember(samples: Int16Array): void {
    const history = this.history;
    if (samples.length >= history.length) {
      history.set(samples.subarray(samples.length - history.length));
    } else {
      history.copyWithin(0, samples.length);
      history.set(samples, history.length - samples.length);
    }
    this.primed = true;
  }

  /**
   * The lag (within the pitch range) at which the newest correlation window best matches the
   * audio one lag earlier, by normalised cross-correlation. For unvoiced or silent audio any
   * lag is as good as another; the choice then hardly matters.
   */
  private estimatePitch(): number {
    const history = this.history;
    const windowStart = history.length - this.correlationLength;
    let bestLag = this.maxPitch;
    let bestScore = -Infinity;
    for (let lag = this.minPitch; lag <= this.maxPitch; lag++) {
      let cross = 0;
      let energy = 0;
      for (let n = windowStart; n < history.length; n++) {
        const earlier = history[n - lag]!;
        cross += history[n]! * earlier;
        energy += earlier * earlier;
      }
      const score = energy > 0 ? cross / Math.sqrt(energy) : 0;
      if (score > bestScore) {
        bestScore = score;
        bestLag = lag;
      }
    }
    return bestLag;
  }
}
