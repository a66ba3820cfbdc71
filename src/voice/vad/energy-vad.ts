/**
 * A voice activity detector by loudness alone: no model, deterministic, any sample rate. It is
 * the fallback when the Silero model cannot be loaded, and what tests use when they need a
 * detector whose decisions they can predict from the signal they feed it.
 */
import type { AudioFrame } from '../../media/index.js';
import type { VadCapabilities, VadEvent, VoiceActivityDetector } from '../providers/types.js';
import { VadStateMachine, type ResolvedVadOptions } from './vad-state.js';

/** Options of an {@link EnergyVad}: the common ones plus the loudness scale. */
export interface EnergyVadOptions extends Partial<ResolvedVadOptions> {
  /** RMS at which a frame counts as certainly silent (probability 0); default 100 (−50 dBFS). */
  silentRms?: number;
  /** RMS at which it counts as certainly speech (probability 1); default 1000 (−30 dBFS). */
  speechRms?: number;
}

/** See the module comment. */
export class EnergyVad implements VoiceActivityDetector {
  readonly id = 'energy';
  readonly kind = 'embedded' as const;
  readonly capabilities: VadCapabilities = { sampleRatesHz: [8000, 16000, 48000] };
  private readonly machine: VadStateMachine;
  private readonly silentDb: number;
  private readonly speechDb: number;
  private probability = 0;

  constructor(options: EnergyVadOptions = {}) {
    this.machine = new VadStateMachine(options);
    this.silentDb = 20 * Math.log10(options.silentRms ?? 100);
    this.speechDb = 20 * Math.log10(options.speechRms ?? 1000);
  }

  get lastProbability(): number {
    return this.probability;
  }

  get speaking(): boolean {
    return this.machine.speaking;
  }

  process(frame: AudioFrame): VadEvent[] {
    let sum = 0;
    for (const s of frame.samples) sum += s * s;
    const rms = Math.sqrt(sum / Math.max(1, frame.samples.length));
    const db = 20 * Math.log10(Math.max(rms, 1));
    // Linear in dB between the two levels: loudness is heard logarithmically.
    this.probability = Math.min(
      1,
      Math.max(0, (db - this.silentDb) / (this.speechDb - this.silentDb)),
    );
    return this.machine.step(this.probability, frame.timestampMs, frame);
  }

  reset(): void {
    this.machine.reset();
    this.probability = 0;
  }
}
