/**
 * In-band DTMF detection (ITU-T Q.24 style) for calls whose far end sends key presses as tones
 * in the audio: trunks without telephone-event, and recordings.
 *
 * The audio is cut into blocks of 102 samples at 8 kHz (12.75 ms; scaled with the rate), which
 * resolves the 73 Hz spacing of the low group while staying short enough for 40 ms tones. Each
 * block runs 16 Goertzel filters — the 8 DTMF frequencies and their second harmonics — and is
 * classified as one key or none by the standard checks:
 *
 * - level: the strongest row and column tones each reach `minLevelDbfs`;
 * - twist: the low group may be up to 8 dB louder than the high group, the high group up to
 *   4 dB louder than the low (the limits spandsp and Asterisk use);
 * - relative peaks: the chosen row and column stand 8 dB above the other rows and columns;
 * - second harmonics: voices and music have harmonics, DTMF generators do not. The row check is
 *   skipped for keys whose column tone lies within 1.5 bins of the row's harmonic (2 × 697 Hz
 *   is 58 Hz from 1336 Hz, so that filter measures the column tone, not a harmonic);
 * - energy ratio: the two tones carry most of the block's energy, which is what keeps speech,
 *   music and noise with a chance peak from triggering.
 *
 * A press starts after two consecutive blocks (≥ 25 ms of verified tone, so 40 ms tones pass and
 * 20 ms blips do not) and ends after `minGapMs` of blocks without it; a shorter dropout inside a
 * tone is bridged. Each press is reported once, on release, with its measured duration.
 */
import type { AudioFrame } from '../audio-frame.js';
import { DTMF_COLUMN_FREQUENCIES_HZ, DTMF_KEYPAD, DTMF_ROW_FREQUENCIES_HZ } from './digits.js';
import { GoertzelBank } from './goertzel.js';
import type { DtmfDigit, DtmfEvent } from './types.js';

/** Options of an {@link InbandDtmfDetector}. */
export interface InbandDtmfDetectorOptions {
  /** Rate to prepare for; frames carry their own rate and a different one reconfigures. */
  sampleRateHz?: number;
  /**
   * Weakest accepted tone, per frequency, in dBFS (peak amplitude relative to full scale).
   * Default -36 (about -33 dBm0 in G.711, below Q.24's -25 dBm0 sensitivity).
   */
  minLevelDbfs?: number;
  /** How much louder the low (row) tone may be than the high (column) tone. Default 8 dB. */
  normalTwistDb?: number;
  /** How much louder the high (column) tone may be than the low (row) tone. Default 4 dB. */
  reverseTwistDb?: number;
  /**
   * Share of the block's energy the two tones must carry (0–1). Default 0.75: white noise
   * 15 dB below the tones leaves ~0.95 and tones off by 1.5 % ~0.85, while voices stay lower.
   */
  minToneEnergyRatio?: number;
  /** Shortest tone reported. Default 40 ms (Q.24's lower bound for a valid digit). */
  minOnMs?: number;
  /** Shortest pause that separates two presses; shorter dropouts are bridged. Default 40 ms. */
  minGapMs?: number;
}

/** Block length at 8 kHz; scaled with the sample rate so the frequency resolution stays 78 Hz. */
const BLOCK_SAMPLES_8K = 102;
/** Other rows/columns must be this far below the chosen ones (8 dB, as spandsp). */
const RELATIVE_PEAK = 10 ** (8 / 10);
/**
 * Second harmonic of the row tone must be this far below it (6 dB): where the check applies, a
 * column tone 4 dB above the row (the reverse twist limit) still leaks ≥ 9.5 dB below it.
 */
const ROW_HARMONIC_RATIO = 10 ** (6 / 10);
/** Second harmonic of the column tone must be this far below it (18 dB). */
const COLUMN_HARMONIC_RATIO = 10 ** (18 / 10);
/** Filter order in the bank: rows 0–3, columns 4–7, their second harmonics 8–15. */
const FREQUENCIES_HZ = [...DTMF_ROW_FREQUENCIES_HZ, ...DTMF_COLUMN_FREQUENCIES_HZ];
const NONE = -1;

/**
 * Detects DTMF tones in a stream of frames. One detector per inbound stream; feed every frame
 * in order. Allocation-free per frame (except the returned event).
 */
export class InbandDtmfDetector {
  private readonly minLevelDbfs: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly minToneEnergyRatio: number;
  private readonly minOnMs: number;
  private readonly minGapMs: number;

  // Configuration for the current sample rate.
  private sampleRateHz = 0;
  private bank!: GoertzelBank;
  private blockSamples = 0;
  private blockMs = 0;
  private minPower = 0;
  /** Per keypad index: 1 when the row harmonic filter is clear of the column tone. */
  private readonly rowHarmonicCheck = new Uint8Array(16);
  private onBlocks = 2;
  private releaseBlocks = 3;

  // Block assembly.
  private blockStartMs = 0;
  private expectedFrameMs: number | undefined;
  /** Timestamp of the first frame: no press is dated before it. */
  private streamStartMs: number | undefined;

  // Run of identical block results (a candidate press).
  private candidate = NONE;
  private candidateRun = 0;
  private candidateStartMs = 0;

  // The press in progress.
  private active = NONE;
  private activeBlocks = 0;
  private missBlocks = 0;
  private activeStartMs = 0;

  constructor(options: InbandDtmfDetectorOptions = {}) {
    this.minLevelDbfs = options.minLevelDbfs ?? -36;
    this.normalTwist = 10 ** ((options.normalTwistDb ?? 8) / 10);
    this.reverseTwist = 10 ** ((options.reverseTwistDb ?? 4) / 10);
    this.minToneEnergyRatio = options.minToneEnergyRatio ?? 0.75;
    this.minOnMs = options.minOnMs ?? 40;
    this.minGapMs = options.minGapMs ?? 40;
    this.configure(options.sampleRateHz ?? 8000);
  }

  /**
   * Feeds one frame.
   * @returns a key press that ended in this frame (once per press), or undefined
   */
  process(frame: AudioFrame): DtmfEvent | undefined {
    if (frame.sampleRateHz !== this.sampleRateHz) {
      this.configure(frame.sampleRateHz);
      this.expectedFrameMs = undefined;
    }
    let out: DtmfEvent | undefined;
    this.streamStartMs ??= frame.timestampMs;
    const expected = this.expectedFrameMs;
    if (expected !== undefined && Math.abs(frame.timestampMs - expected) > 0.5) {
      // A gap (lost packets, a jump): the partial block mixes unrelated audio, so drop it, and
      // count the missing time as blocks without a tone.
      this.bank.reset();
      const missing = Math.min(
        Math.floor((frame.timestampMs - expected) / this.blockMs),
        this.releaseBlocks + 1,
      );
      for (let i = 0; i < missing; i++) out = this.step(NONE, expected) ?? out;
    }
    const samples = frame.samples;
    const msPerSample = 1000 / this.sampleRateHz;
    let offset = 0;
    while (offset < samples.length) {
      const bank = this.bank;
      if (bank.count === 0) this.blockStartMs = frame.timestampMs + offset * msPerSample;
      const take = Math.min(this.blockSamples - bank.count, samples.length - offset);
      bank.update(samples, offset, offset + take);
      offset += take;
      if (bank.count === this.blockSamples) {
        out = this.step(this.classify(), this.blockStartMs) ?? out;
        bank.reset();
      }
    }
    this.expectedFrameMs = frame.timestampMs + (samples.length * 1000) / this.sampleRateHz;
    return out;
  }

  /** Reports the press in progress, if any (at the end of the stream). */
  flush(): DtmfEvent | undefined {
    if (this.active === NONE) return undefined;
    const event = this.report();
    this.active = NONE;
    this.candidate = NONE;
    this.candidateRun = 0;
    return event;
  }

  /** Forgets all state (a new stream). */
  reset(): void {
    this.bank.reset();
    this.expectedFrameMs = undefined;
    this.streamStartMs = undefined;
    this.active = NONE;
    this.candidate = NONE;
    this.candidateRun = 0;
    this.missBlocks = 0;
  }

  private configure(sampleRateHz: number): void {
    if (!(sampleRateHz >= 8000)) {
      throw new RangeError(`in-band DTMF needs at least 8000 Hz, got ${sampleRateHz}`);
    }
    this.sampleRateHz = sampleRateHz;
    const harmonics = FREQUENCIES_HZ.map((f) => 2 * f);
    this.bank = new GoertzelBank([...FREQUENCIES_HZ, ...harmonics], sampleRateHz);
    this.blockSamples = Math.round((BLOCK_SAMPLES_8K * sampleRateHz) / 8000);
    this.blockMs = (this.blockSamples * 1000) / sampleRateHz;
    const binHz = sampleRateHz / this.blockSamples;
    for (let row = 0; row < 4; row++) {
      for (let column = 0; column < 4; column++) {
        const distanceHz = Math.abs(
          2 * DTMF_ROW_FREQUENCIES_HZ[row]! - DTMF_COLUMN_FREQUENCIES_HZ[column]!,
        );
        this.rowHarmonicCheck[row * 4 + column] = distanceHz >= 1.5 * binHz ? 1 : 0;
      }
    }
    // A sine of amplitude A gives Goertzel power (A·N/2)² over N samples.
    const amplitude = 32767 * 10 ** (this.minLevelDbfs / 20);
    this.minPower = ((amplitude * this.blockSamples) / 2) ** 2;
    // A tone of T ms holds about T / blockMs - 1 whole blocks; see the module comment.
    this.onBlocks = Math.max(2, Math.round(this.minOnMs / this.blockMs) - 1);
    this.releaseBlocks = Math.max(2, Math.round(this.minGapMs / this.blockMs));
  }

  /** The keypad index (row·4 + column) the finished block holds, or NONE. */
  private classify(): number {
    const bank = this.bank;
    let row = 0;
    let rowPower = bank.power(0);
    for (let i = 1; i < 4; i++) {
      const p = bank.power(i);
      if (p > rowPower) {
        rowPower = p;
        row = i;
      }
    }
    let column = 0;
    let columnPower = bank.power(4);
    for (let i = 1; i < 4; i++) {
      const p = bank.power(4 + i);
      if (p > columnPower) {
        columnPower = p;
        column = i;
      }
    }
    if (rowPower < this.minPower || columnPower < this.minPower) return NONE;
    if (rowPower > columnPower * this.normalTwist) return NONE;
    if (columnPower > rowPower * this.reverseTwist) return NONE;
    for (let i = 0; i < 4; i++) {
      if (i !== row && bank.power(i) * RELATIVE_PEAK > rowPower) return NONE;
      if (i !== column && bank.power(4 + i) * RELATIVE_PEAK > columnPower) return NONE;
    }
    const key = row * 4 + column;
    if (this.rowHarmonicCheck[key] === 1 && bank.power(8 + row) * ROW_HARMONIC_RATIO > rowPower) {
      return NONE;
    }
    if (bank.power(12 + column) * COLUMN_HARMONIC_RATIO > columnPower) return NONE;
    // Energy of a sine in the block is 2·power/N: compare the tones' share with the total.
    const toneEnergy = (2 * (rowPower + columnPower)) / bank.count;
    if (toneEnergy < this.minToneEnergyRatio * bank.energy) return NONE;
    return key;
  }

  /** Advances the press state machine by one block result. */
  private step(hit: number, blockStartMs: number): DtmfEvent | undefined {
    if (hit !== NONE && hit === this.candidate) {
      this.candidateRun++;
    } else {
      this.candidate = hit;
      this.candidateRun = hit === NONE ? 0 : 1;
      this.candidateStartMs = blockStartMs;
    }
    let out: DtmfEvent | undefined;
    if (this.active !== NONE) {
      if (hit === this.active) {
        // A dropout shorter than the release time was part of the tone.
        this.activeBlocks += this.missBlocks + 1;
        this.missBlocks = 0;
      } else if (++this.missBlocks >= this.releaseBlocks) {
        out = this.report();
        this.active = NONE;
      }
    }
    if (this.active === NONE && this.candidate !== NONE && this.candidateRun >= this.onBlocks) {
      this.active = this.candidate;
      this.activeBlocks = this.candidateRun;
      this.missBlocks = 0;
      this.activeStartMs = this.candidateStartMs;
    }
    return out;
  }

  private report(): DtmfEvent {
    // Whole blocks undercount a tone by about one block (half at each edge).
    const blockMs = this.blockMs;
    return {
      digit: digitAt(this.active),
      durationMs: Math.round((this.activeBlocks + 1) * blockMs),
      source: 'inband',
      // The tone began within the block before the first whole one: date it half a block back.
      timestampMs: Math.round(
        Math.max(this.activeStartMs - blockMs / 2, this.streamStartMs ?? -Infinity),
      ),
    };
  }
}

function digitAt(index: number): DtmfDigit {
  return DTMF_KEYPAD[index >> 2]![index & 3]!;
}
