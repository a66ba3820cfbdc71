/**
 * Vendor PCM to the media plane's frames: whatever chunk sizes and rate a text-to-speech
 * vendor sends, exact 20 ms PCM16 frames at the leg's rate come out.
 */
import { FRAME_MS, Resampler, type AudioFrame } from '../../media/index.js';

/** One run of input at one rate through one resampler. */
interface FramerStage {
  rateHz: number;
  resampler: Resampler;
  /** Output samples of filter delay still to drop, so output lines up with the input. */
  skip: number;
  inputSamples: number;
  outputSamples: number;
}

/**
 * Turns a vendor's PCM16 (bytes or samples, at its rate) into exact 20 ms frames at the leg's
 * rate, streaming: the resampler keeps its state between chunks, the filter's delay is
 * removed, and {@link end} flushes the filter tail and pads the last frame with silence. The
 * input rate may change between chunks (a WAV header saying otherwise); the old run's tail is
 * flushed first so nothing is lost.
 */
export class PcmFramer {
  private stage: FramerStage | undefined;
  private readonly frameSamples: number;
  private pending: Int16Array;
  private pendingLength = 0;
  /** A byte left over from an odd-length chunk (the low byte of the next sample). */
  private carry: number | undefined;
  private nextTimestampMs: number;

  constructor(
    /** The frames' rate. */
    readonly outputRateHz: number,
    startTimestampMs = 0,
  ) {
    this.frameSamples = (outputRateHz * FRAME_MS) / 1000;
    if (!Number.isInteger(this.frameSamples) || this.frameSamples <= 0) {
      throw new RangeError(`no whole 20 ms frame at ${outputRateHz} Hz`);
    }
    this.pending = new Int16Array(this.frameSamples);
    this.nextTimestampMs = startTimestampMs;
  }

  /** Media time of the next frame. */
  get timestampMs(): number {
    return this.nextTimestampMs;
  }

  /** Adds little-endian PCM16 bytes at `rateHz`; returns the frames completed. */
  pushBytes(bytes: Uint8Array, rateHz: number): AudioFrame[] {
    if (bytes.length === 0) return [];
    let offset = 0;
    const total = bytes.length + (this.carry === undefined ? 0 : 1);
    const samples = new Int16Array(total >> 1);
    let n = 0;
    if (this.carry !== undefined && bytes.length > 0) {
      samples[n++] = ((this.carry | (bytes[0]! << 8)) << 16) >> 16;
      offset = 1;
      this.carry = undefined;
    }
    for (; offset + 1 < bytes.length; offset += 2) {
      samples[n++] = ((bytes[offset]! | (bytes[offset + 1]! << 8)) << 16) >> 16;
    }
    if (offset < bytes.length) this.carry = bytes[offset];
    return this.pushSamples(samples.subarray(0, n), rateHz);
  }

  /** Adds PCM16 samples at `rateHz`; returns the frames completed. */
  pushSamples(samples: Int16Array, rateHz: number): AudioFrame[] {
    const out: AudioFrame[] = [];
    if (this.stage && this.stage.rateHz !== rateHz) this.flushStage(out);
    if (!this.stage) {
      const resampler = new Resampler(rateHz, this.outputRateHz);
      this.stage = {
        rateHz,
        resampler,
        skip: resampler.delaySamples,
        inputSamples: 0,
        outputSamples: 0,
      };
    }
    const stage = this.stage;
    stage.inputSamples += samples.length;
    this.take(stage, stage.resampler.process(samples), Number.POSITIVE_INFINITY, out);
    return out;
  }

  /** The audio is complete: returns the last frames, the final one padded with silence. */
  end(): AudioFrame[] {
    const out: AudioFrame[] = [];
    this.carry = undefined;
    this.flushStage(out);
    if (this.pendingLength > 0) {
      this.pending.fill(0, this.pendingLength);
      this.pendingLength = this.frameSamples;
      this.emit(out);
    }
    return out;
  }

  /** Pushes silence through the filter until the delayed tail of the current run is out. */
  private flushStage(out: AudioFrame[]): void {
    const stage = this.stage;
    if (!stage) return;
    this.stage = undefined;
    const expected = Math.round((stage.inputSamples * this.outputRateHz) / stage.rateHz);
    const missing = expected - stage.outputSamples;
    if (missing <= 0) return;
    const zeros = new Int16Array(
      Math.ceil(((missing + stage.skip) * stage.rateHz) / this.outputRateHz) + 1,
    );
    this.take(stage, stage.resampler.process(zeros), missing, out);
  }

  private take(stage: FramerStage, chunk: Int16Array, limit: number, out: AudioFrame[]): void {
    let start = 0;
    if (stage.skip > 0) {
      start = Math.min(stage.skip, chunk.length);
      stage.skip -= start;
    }
    const count = Math.min(chunk.length - start, limit);
    for (let i = 0; i < count; i++) {
      this.pending[this.pendingLength++] = chunk[start + i]!;
      if (this.pendingLength === this.frameSamples) this.emit(out);
    }
    stage.outputSamples += count;
  }

  private emit(out: AudioFrame[]): void {
    out.push({
      samples: this.pending,
      sampleRateHz: this.outputRateHz,
      timestampMs: this.nextTimestampMs,
    });
    this.nextTimestampMs += FRAME_MS;
    this.pending = new Int16Array(this.frameSamples);
    this.pendingLength = 0;
  }
}
