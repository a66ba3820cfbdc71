/**
 * Call-progress tones and in-band DTMF as AudioFrames: ringback while a transfer rings, busy and
 * reorder when it fails, a beep before a recording, and DTMF tones for trunks without
 * telephone-event (and for tests of the in-band detector).
 *
 * Levels are in dBFS of peak amplitude per tone (0 dBFS = a sine of amplitude 32767). In G.711,
 * L dBm0 ≈ (L − 3.17) dBFS, which is how the presets' levels follow the tone plans.
 */
import { FRAME_MS, samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { dtmfFrequenciesHz, isDtmfDigit } from '../dtmf/digits.js';

/** A tone: frequencies played together, switched on and off by a cadence. */
export interface ToneSpec {
  /** Frequencies summed, in Hz (one for a single tone, two for dual tones). */
  frequenciesHz: readonly number[];
  /** On, off, on, off … in ms, repeating; an even number of entries, or [] for continuous. */
  cadenceMs: readonly number[];
  /** Level of each frequency in dBFS (peak). Default -13. */
  levelDbfs?: number;
  /** Total length in ms; undefined plays forever. */
  durationMs?: number;
}

/** Options of a {@link ToneSource}. */
export interface ToneSourceOptions {
  sampleRateHz: number;
  /** Timestamp of the first frame. Default 0. */
  startTimestampMs?: number;
  /** Rise and fall time at every on/off edge, so edges do not click. Default 2 ms. */
  rampMs?: number;
}

/** Standard tones. NA: the North American precise tone plan; CN: YD/T 1076 (450 Hz). */
export const TONES = {
  /** North American dial tone: 350 + 440 Hz, continuous, -13 dBm0. */
  dialNa: { frequenciesHz: [350, 440], cadenceMs: [], levelDbfs: -16 },
  /** North American ringback: 440 + 480 Hz, 2 s on, 4 s off, -19 dBm0. */
  ringbackNa: { frequenciesHz: [440, 480], cadenceMs: [2000, 4000], levelDbfs: -22 },
  /** North American busy: 480 + 620 Hz, 0.5 s on, 0.5 s off, -24 dBm0. */
  busyNa: { frequenciesHz: [480, 620], cadenceMs: [500, 500], levelDbfs: -27 },
  /** North American reorder (fast busy): 480 + 620 Hz, 0.25 s on, 0.25 s off, -24 dBm0. */
  reorderNa: { frequenciesHz: [480, 620], cadenceMs: [250, 250], levelDbfs: -27 },
  /** North American call waiting: 440 Hz, 300 ms every 10 s, -13 dBm0. */
  callWaitingNa: { frequenciesHz: [440], cadenceMs: [300, 9700], levelDbfs: -16 },
  /** Chinese dial tone: 450 Hz continuous, -10 dBm0. */
  dialCn: { frequenciesHz: [450], cadenceMs: [], levelDbfs: -13 },
  /** Chinese ringback: 450 Hz, 1 s on, 4 s off, -10 dBm0. */
  ringbackCn: { frequenciesHz: [450], cadenceMs: [1000, 4000], levelDbfs: -13 },
  /** Chinese busy: 450 Hz, 0.35 s on, 0.35 s off, -10 dBm0. */
  busyCn: { frequenciesHz: [450], cadenceMs: [350, 350], levelDbfs: -13 },
  /** A single 1 kHz beep of 200 ms (before recording, voicemail). */
  beep: { frequenciesHz: [1000], cadenceMs: [], levelDbfs: -13, durationMs: 200 },
} as const satisfies Record<string, ToneSpec>;

/** Name of a preset in {@link TONES}. */
export type ToneName = keyof typeof TONES;

/**
 * Generates a tone frame by frame, phase-continuous across frames and cadence pauses, with
 * timestamps advancing by {@link FRAME_MS}. Iterable; endless unless the spec has a duration
 * (the last frame is then padded with silence).
 */
export class ToneSource implements Iterable<AudioFrame> {
  private readonly sampleRateHz: number;
  private readonly frameSamples: number;
  private readonly totalSamples: number;
  private readonly rampSamples: number;
  private readonly amplitude: number;
  private readonly phaseSteps: Float64Array;
  private readonly phases: Float64Array;
  /** Cadence edges in samples within one cycle: [on end, off end, on end, …]. */
  private readonly edges: number[];
  private readonly cycleSamples: number;
  private sampleIndex = 0;
  private timestampMs: number;

  constructor(spec: ToneSpec, options: ToneSourceOptions) {
    if (spec.cadenceMs.length % 2 !== 0) {
      throw new RangeError('cadenceMs needs on/off pairs (or [] for a continuous tone)');
    }
    const rate = options.sampleRateHz;
    this.sampleRateHz = rate;
    this.frameSamples = samplesPerFrame(rate);
    this.totalSamples =
      spec.durationMs === undefined ? Infinity : Math.round((spec.durationMs * rate) / 1000);
    this.rampSamples = Math.max(1, Math.round(((options.rampMs ?? 2) * rate) / 1000));
    this.amplitude = 32767 * 10 ** ((spec.levelDbfs ?? -13) / 20);
    this.phaseSteps = Float64Array.from(spec.frequenciesHz, (f) => (2 * Math.PI * f) / rate);
    this.phases = new Float64Array(spec.frequenciesHz.length);
    this.edges = [];
    let at = 0;
    for (const ms of spec.cadenceMs) {
      at += Math.round((ms * rate) / 1000);
      this.edges.push(at);
    }
    this.cycleSamples = at;
    this.timestampMs = options.startTimestampMs ?? 0;
  }

  /** True once a finite tone has produced all its frames. */
  get done(): boolean {
    return this.sampleIndex >= this.totalSamples;
  }

  /** The next frame, or undefined when a finite tone is over. */
  nextFrame(): AudioFrame | undefined {
    if (this.done) return undefined;
    const samples = new Int16Array(this.frameSamples);
    for (let i = 0; i < samples.length && this.sampleIndex < this.totalSamples; i++) {
      const gain = this.envelope(this.sampleIndex++);
      let value = 0;
      for (let k = 0; k < this.phases.length; k++) {
        const phase = this.phases[k]!;
        if (gain > 0) value += Math.sin(phase);
        // Oscillators run through pauses too, so every burst continues the same waveform.
        this.phases[k] = (phase + this.phaseSteps[k]!) % (2 * Math.PI);
      }
      samples[i] = saturate(Math.round(value * this.amplitude * gain));
    }
    const frame = { samples, sampleRateHz: this.sampleRateHz, timestampMs: this.timestampMs };
    this.timestampMs += FRAME_MS;
    return frame;
  }

  /** Iterates the remaining frames (forever for an endless tone: break out of the loop). */
  *[Symbol.iterator](): Iterator<AudioFrame> {
    for (let frame = this.nextFrame(); frame; frame = this.nextFrame()) yield frame;
  }

  /** Gain 0–1 at sample `t`: the cadence, with linear ramps at every edge. */
  private envelope(t: number): number {
    let start = 0;
    let end = this.totalSamples;
    if (this.cycleSamples > 0) {
      const cycleStart = t - (t % this.cycleSamples);
      const pos = t - cycleStart;
      let segmentStart = 0;
      for (let s = 0; s < this.edges.length; s++) {
        const edge = this.edges[s]!;
        if (pos < edge) {
          if (s % 2 === 1) return 0;
          start = cycleStart + segmentStart;
          end = Math.min(end, cycleStart + edge);
          break;
        }
        segmentStart = edge;
      }
    }
    return Math.min(1, (t - start + 1) / this.rampSamples, (end - t) / this.rampSamples);
  }
}

/** All frames of a finite tone (the spec must have a `durationMs`). */
export function toneFrames(spec: ToneSpec, options: ToneSourceOptions): AudioFrame[] {
  if (spec.durationMs === undefined) throw new RangeError('toneFrames needs a finite durationMs');
  return [...new ToneSource(spec, options)];
}

/** Options of {@link dtmfToneFrames}. */
export interface DtmfToneOptions {
  sampleRateHz: number;
  /** Length of each tone. Default 100 ms. */
  toneMs?: number;
  /** Silence after each tone (also after the last, so a detector sees the release). Default 100 ms. */
  gapMs?: number;
  /** Level of the low (row) tone in dBFS. Default -10 (≈ -7 dBm0, a typical phone). */
  levelDbfs?: number;
  /** High (column) tone level minus low tone level, in dB. Default 0. */
  twistDb?: number;
  /** Timestamp of the first frame. Default 0. */
  startTimestampMs?: number;
  /** Rise and fall time of each tone. Default 2 ms. */
  rampMs?: number;
}

/**
 * In-band DTMF for `digits` (0–9, *, #, A–D, case-insensitive): each tone followed by a gap,
 * as whole frames (the last padded with silence).
 * @throws RangeError on a character that is not a DTMF key
 */
export function dtmfToneFrames(digits: string, options: DtmfToneOptions): AudioFrame[] {
  const rate = options.sampleRateHz;
  const toneSamples = Math.round(((options.toneMs ?? 100) * rate) / 1000);
  const gapSamples = Math.round(((options.gapMs ?? 100) * rate) / 1000);
  const rampSamples = Math.max(1, Math.round(((options.rampMs ?? 2) * rate) / 1000));
  const rowAmplitude = 32767 * 10 ** ((options.levelDbfs ?? -10) / 20);
  const columnAmplitude = rowAmplitude * 10 ** ((options.twistDb ?? 0) / 20);
  const keys = [...digits.toUpperCase()];
  const frameSamples = samplesPerFrame(rate);
  const total = keys.length * (toneSamples + gapSamples);
  const pcm = new Int16Array(Math.ceil(total / frameSamples) * frameSamples);
  let offset = 0;
  for (const key of keys) {
    if (!isDtmfDigit(key)) throw new RangeError(`not a DTMF digit: ${key}`);
    const { rowHz, columnHz } = dtmfFrequenciesHz(key);
    const rowStep = (2 * Math.PI * rowHz) / rate;
    const columnStep = (2 * Math.PI * columnHz) / rate;
    for (let i = 0; i < toneSamples; i++) {
      const gain = Math.min(1, (i + 1) / rampSamples, (toneSamples - i) / rampSamples);
      const value =
        rowAmplitude * Math.sin(rowStep * i) + columnAmplitude * Math.sin(columnStep * i);
      pcm[offset + i] = saturate(Math.round(value * gain));
    }
    offset += toneSamples + gapSamples;
  }
  return slice(pcm, rate, options.startTimestampMs ?? 0);
}

/** `durationMs` of digital silence as frames (rounded up to whole frames). */
export function silenceFrames(
  durationMs: number,
  sampleRateHz: number,
  startTimestampMs = 0,
): AudioFrame[] {
  const frames: AudioFrame[] = [];
  const count = Math.ceil(durationMs / FRAME_MS);
  for (let i = 0; i < count; i++) {
    frames.push({
      samples: new Int16Array(samplesPerFrame(sampleRateHz)),
      sampleRateHz,
      timestampMs: startTimestampMs + i * FRAME_MS,
    });
  }
  return frames;
}

function slice(pcm: Int16Array, sampleRateHz: number, startTimestampMs: number): AudioFrame[] {
  const frameSamples = samplesPerFrame(sampleRateHz);
  const frames: AudioFrame[] = [];
  for (let i = 0; i * frameSamples < pcm.length; i++) {
    frames.push({
      samples: pcm.slice(i * frameSamples, (i + 1) * frameSamples),
      sampleRateHz,
      timestampMs: startTimestampMs + i * FRAME_MS,
    });
  }
  return frames;
}

function saturate(sample: number): number {
  return sample > 32767 ? 32767 : sample < -32767 ? -32767 : sample;
}
