/**
 * The audio plumbing of the espeak-ng voice: parsing the WAV stream a process writes to its
 * stdout, a small queue between the processes and the frame loop, and the assembly of
 * resampled audio into exact 20 ms frames.
 */
import { FRAME_MS, type AudioFrame, type Resampler } from '../../media/index.js';

/** A WAV header longer than this without a `data` chunk is not espeak-ng's. */
const MAX_WAV_HEADER_BYTES = 4096;

// ---- WAV stream ------------------------------------------------------------------------------

/** Parses the WAV stream espeak-ng writes to stdout, chunk by chunk, into PCM16 samples. */
export class WavStreamParser {
  sampleRateHz: number | undefined;
  private header: Buffer | undefined = Buffer.alloc(0);
  private oddByte: number | undefined;

  /** Samples in `chunk` (none while the header is still incomplete). */
  push(chunk: Buffer): Int16Array {
    let data = chunk;
    if (this.header) {
      const header = Buffer.concat([this.header, chunk]);
      const start = this.dataStart(header);
      if (start === undefined) {
        if (header.length > MAX_WAV_HEADER_BYTES) throw new Error('no WAV data chunk on stdout');
        this.header = header;
        return new Int16Array(0);
      }
      this.header = undefined;
      data = header.subarray(start);
    }
    if (this.oddByte !== undefined) {
      data = Buffer.concat([Buffer.from([this.oddByte]), data]);
      this.oddByte = undefined;
    }
    const count = data.length >> 1;
    if (data.length % 2 === 1) this.oddByte = data[data.length - 1];
    const samples = new Int16Array(count);
    for (let k = 0; k < count; k++) samples[k] = data.readInt16LE(2 * k);
    return samples;
  }

  get headerComplete(): boolean {
    return this.header === undefined;
  }

  /** Offset of the first audio byte, or undefined while more header is needed. */
  private dataStart(header: Buffer): number | undefined {
    if (header.length < 12) return undefined;
    if (header.toString('latin1', 0, 4) !== 'RIFF' || header.toString('latin1', 8, 12) !== 'WAVE') {
      throw new Error('stdout is not a WAV stream');
    }
    let offset = 12;
    while (offset + 8 <= header.length) {
      const id = header.toString('latin1', offset, offset + 4);
      // Sizes may be streaming placeholders (0xFFFFFFFF, 0x7FFFF000): only `fmt ` is trusted.
      const size = header.readUInt32LE(offset + 4);
      if (id === 'data') {
        if (this.sampleRateHz === undefined) throw new Error('WAV data before its format');
        return offset + 8;
      }
      if (offset + 8 + size > header.length) return undefined;
      if (id === 'fmt ') {
        const format = header.readUInt16LE(offset + 8);
        const channels = header.readUInt16LE(offset + 10);
        const bits = header.readUInt16LE(offset + 22);
        if ((format !== 1 && format !== 0xfffe) || channels !== 1 || bits !== 16) {
          throw new Error(`unexpected WAV format ${format}, ${channels} channels, ${bits} bits`);
        }
        this.sampleRateHz = header.readUInt32LE(offset + 12);
      }
      offset += 8 + size + (size % 2);
    }
    return undefined;
  }
}

// ---- plumbing --------------------------------------------------------------------------------

/** What {@link Channel.next} returns once the channel has ended. */
export const DONE = Symbol('done');

/** A single-consumer queue that can end or fail; what was queued before either is delivered. */
export class Channel<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    this.closed = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.end();
  }

  async next(): Promise<T | typeof DONE> {
    for (;;) {
      if (this.items.length > 0) return this.items.shift()!;
      if (this.closed) {
        if (this.failure) throw this.failure.error;
        return DONE;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * Resampled samples → exact 20 ms frames. The resampler's group delay (1–2 ms) is cut from the
 * start and flushed out at the end, so the audio neither starts late nor loses its tail.
 */
export class FrameAssembler {
  private readonly pending: Int16Array;
  private filled = 0;
  private timestampMs = 0;
  /** Output samples still to drop: the resampler's delay. */
  private skip = 0;

  constructor(
    private readonly rateHz: number,
    private readonly frameSamples: number,
  ) {
    this.pending = new Int16Array(frameSamples);
  }

  useResampler(resampler: Resampler): void {
    this.skip = resampler.delaySamples;
  }

  /** Returns the frames completed by `samples` (resampled audio). */
  push(samples: Int16Array): AudioFrame[] {
    const out: AudioFrame[] = [];
    let offset = Math.min(this.skip, samples.length);
    this.skip -= offset;
    while (offset < samples.length) {
      const n = Math.min(this.frameSamples - this.filled, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSamples) out.push(this.emit());
    }
    return out;
  }

  /** The resampler's tail and the last partial frame, padded with silence. */
  finish(resampler: Resampler | undefined): AudioFrame[] {
    const out: AudioFrame[] = [];
    if (resampler && resampler.delaySamples > 0) {
      const zeros = Math.ceil(((resampler.delaySamples + 2) * resampler.fromHz) / this.rateHz);
      const tail = resampler.process(new Int16Array(zeros));
      out.push(...this.push(tail.subarray(0, resampler.delaySamples)));
    }
    if (this.filled > 0) {
      this.pending.fill(0, this.filled);
      this.filled = this.frameSamples;
      out.push(this.emit());
    }
    return out;
  }

  private emit(): AudioFrame {
    const frame = {
      samples: this.pending.slice(),
      sampleRateHz: this.rateHz,
      timestampMs: this.timestampMs,
    };
    this.timestampMs += FRAME_MS;
    this.filled = 0;
    return frame;
  }
}
