/**
 * Incremental, crash-tolerant PCM16 WAV writer for call recordings.
 *
 * `write()` is synchronous and cheap — it copies into a preallocated chunk — because it runs
 * on the 20 ms media tick of every recorded call. Full chunks (about half a second of audio)
 * are appended by one asynchronous loop per file, in order, with positional writes. Memory is
 * bounded: past `maxPendingBytes` of unwritten audio (a stalled disk) new audio is dropped and
 * counted rather than letting a call's recording eat the heap.
 *
 * Crash safety, without any sidecar file:
 * - the header goes first with the "unknown" size placeholders (0xFFFFFFFF), which ffmpeg and
 *   sox read as "to the end of the file";
 * - every ~1 s of written audio the RIFF and data sizes are rewritten in place to the bytes
 *   actually on disk, so even an unrepaired crash file plays in strict players up to the last
 *   second;
 * - `close()` writes the exact sizes; `repairRecordings()` fixes files that never got there.
 * At most about one chunk plus the chunk in flight (≈1 s) is lost in a crash.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WAV_HEADER_BYTES, WAV_UNKNOWN_SIZE, int16ToLeBytes, wavHeader } from '../audio/wav.js';

/** Options of {@link WavFileWriter.create}. */
export interface WavFileWriterOptions {
  sampleRateHz: number;
  channels: 1 | 2;
  /** Replace an existing file; by default an existing file is an error (never lose a recording). */
  overwrite?: boolean;
  /** Audio buffered before a disk write; default 500 ms. Also bounds what a crash loses. */
  chunkMs?: number;
  /** How often the header sizes are brought up to date while writing; default 1000 ms of audio. */
  headerUpdateMs?: number;
  /** Unwritten audio kept while the disk is slow before dropping; default 60 s of audio. */
  maxPendingMs?: number;
}

/** What {@link WavFileWriter.close} reports. */
export interface WavWriteResult {
  path: string;
  /** Duration of the audio written. */
  durationMs: number;
  /** File size in bytes, header included. */
  bytes: number;
  /** Audio dropped because the disk fell more than `maxPendingMs` behind (normally 0). */
  droppedMs: number;
}

/** Appends PCM16 audio to a WAV file; see the module comment for buffering and crash safety. */
export class WavFileWriter {
  private current: Buffer;
  private currentBytes = 0;
  private readonly queue: { buf: Buffer; bytes: number }[] = [];
  private queuedBytes = 0;
  private readonly spare: Buffer[] = [];
  private draining: Promise<void> | undefined;
  /** Audio bytes on disk after the header. */
  private writtenBytes = 0;
  private headerWrittenBytes = -1;
  /** A flush or close asked for the header to be brought up to date. */
  private headerDue = false;
  private droppedBytes = 0;
  private failure: Error | undefined;
  private closed = false;
  private closing: Promise<WavWriteResult> | undefined;
  private readonly bytesPerSecond: number;
  private readonly headerUpdateBytes: number;
  private readonly maxPendingBytes: number;

  private constructor(
    /** Path of the file being written. */
    readonly path: string,
    private readonly fh: FileHandle,
    /** Sample rate of the file. */
    readonly sampleRateHz: number,
    /** Channel count of the file; stereo input is interleaved. */
    readonly channels: 1 | 2,
    opts: WavFileWriterOptions,
  ) {
    const blockAlign = channels * 2;
    this.bytesPerSecond = sampleRateHz * blockAlign;
    const bytesFor = (ms: number) =>
      Math.max(blockAlign, Math.round((this.bytesPerSecond * ms) / 1000 / blockAlign) * blockAlign);
    // Chunks hold whole sample frames, so a file at rest never ends inside a stereo pair.
    this.current = Buffer.allocUnsafe(bytesFor(opts.chunkMs ?? 500));
    this.headerUpdateBytes = bytesFor(opts.headerUpdateMs ?? 1000);
    this.maxPendingBytes = bytesFor(opts.maxPendingMs ?? 60_000);
  }

  /** Creates the file (and its directory) and writes the placeholder header. */
  static async create(path: string, opts: WavFileWriterOptions): Promise<WavFileWriter> {
    if (opts.channels !== 1 && opts.channels !== 2) throw new RangeError('channels must be 1 or 2');
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, opts.overwrite ? 'w' : 'wx');
    try {
      const header = wavHeader({
        sampleRateHz: opts.sampleRateHz,
        channels: opts.channels,
        bitsPerSample: 16,
        dataBytes: WAV_UNKNOWN_SIZE,
      });
      await fh.write(header, 0, header.length, 0);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new WavFileWriter(path, fh, opts.sampleRateHz, opts.channels, opts);
  }

  /** Duration of the audio accepted so far (written or buffered). */
  get durationMs(): number {
    return (
      ((this.writtenBytes + this.queuedBytes + this.currentBytes) * 1000) / this.bytesPerSecond
    );
  }

  /** The first write error, if any: later audio is discarded and `close()` rejects with it. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Appends samples (interleaved L,R when stereo). The samples are copied, so the caller may
   * reuse its array. Never throws for I/O: errors surface from {@link close}.
   */
  write(samples: Int16Array): void {
    if (this.closed) throw new Error(`WAV writer for ${this.path} is closed`);
    if (this.failure || samples.length === 0) return;
    const bytes = int16ToLeBytes(samples);
    if (this.queuedBytes + this.currentBytes + bytes.length > this.maxPendingBytes) {
      this.droppedBytes += bytes.length;
      return;
    }
    let from = 0;
    while (from < bytes.length) {
      const n = Math.min(bytes.length - from, this.current.length - this.currentBytes);
      bytes.copy(this.current, this.currentBytes, from, from + n);
      this.currentBytes += n;
      from += n;
      if (this.currentBytes === this.current.length) this.enqueueCurrent();
    }
    if (this.queue.length > 0) this.startDrain();
  }

  /**
   * Writes everything buffered so far and brings the header sizes up to date. Not needed in
   * normal operation (close does it); useful before reading a file that is still open.
   */
  async flush(): Promise<void> {
    if (this.currentBytes > 0) this.enqueueCurrent();
    this.headerDue = true;
    this.startDrain();
    await this.settle();
    if (this.failure) throw this.failure;
  }

  /**
   * Resolves when every full chunk handed to the disk so far is written (the partly filled
   * chunk stays buffered and the header keeps its last periodic sizes): the state a crash at
   * this moment would leave behind.
   */
  async idle(): Promise<void> {
    await this.settle();
  }

  /** Flushes, writes the exact header and closes the file. Idempotent. */
  close(): Promise<WavWriteResult> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<WavWriteResult> {
    this.closed = true;
    try {
      if (this.currentBytes > 0) this.enqueueCurrent();
      this.headerDue = true;
      this.startDrain();
      await this.settle();
    } finally {
      await this.fh.close().catch((err: Error) => {
        this.failure ??= err;
      });
    }
    if (this.failure) throw this.failure;
    return {
      path: this.path,
      durationMs: (this.writtenBytes * 1000) / this.bytesPerSecond,
      bytes: WAV_HEADER_BYTES + this.writtenBytes,
      droppedMs: (this.droppedBytes * 1000) / this.bytesPerSecond,
    };
  }

  private enqueueCurrent(): void {
    this.queue.push({ buf: this.current, bytes: this.currentBytes });
    this.queuedBytes += this.currentBytes;
    this.current = this.spare.pop() ?? Buffer.allocUnsafe(this.current.length);
    this.currentBytes = 0;
  }

  /**
   * Starts the one write loop if there is work. All file writes (audio and header) go through
   * it, so they never overlap and the header never claims audio that is not on disk yet.
   */
  private startDrain(): void {
    if (this.draining || this.failure || (this.queue.length === 0 && !this.headerDue)) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // Audio written while the last chunk was in flight starts the next round.
      this.startDrain();
    });
  }

  /** Resolves once the write loop is idle (it may restart itself for late audio). */
  private async settle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        await this.fh.write(item.buf, 0, item.bytes, WAV_HEADER_BYTES + this.writtenBytes);
        this.writtenBytes += item.bytes;
        this.queuedBytes -= item.bytes;
        // Two spare chunks cover the steady state (one filling, one in flight).
        if (this.spare.length < 2) this.spare.push(item.buf);
        if (this.writtenBytes - Math.max(0, this.headerWrittenBytes) >= this.headerUpdateBytes) {
          await this.updateHeader();
        }
      }
      if (this.headerDue) {
        this.headerDue = false;
        await this.updateHeader();
      }
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      this.queue.length = 0;
      this.queuedBytes = 0;
    }
  }

  /** Rewrites the header so it claims exactly the audio on disk. */
  private async updateHeader(): Promise<void> {
    if (this.headerWrittenBytes === this.writtenBytes) return;
    const header = wavHeader({
      sampleRateHz: this.sampleRateHz,
      channels: this.channels,
      bitsPerSample: 16,
      dataBytes: this.writtenBytes,
    });
    await this.fh.write(header, 0, header.length, 0);
    this.headerWrittenBytes = this.writtenBytes;
  }
}
