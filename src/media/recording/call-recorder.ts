/**
 * Call recording: the caller on the left channel and the other party (agent, AI, transfer
 * target) on the right, and/or both mixed to mono.
 *
 * The recorder is driven by the media tick, not by timestamps: {@link CallRecorder.writeFrames}
 * is called exactly once per 20 ms tick with whatever each side produced, and a side that
 * produced nothing (muted, on hold, lost packets, a jitter-buffer gap) is written as silence.
 * The file therefore stays aligned with wall-clock time: its duration is ticks × 20 ms and a
 * pause in the conversation is a pause in the recording.
 */
import { samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { Resampler } from '../audio/resampler.js';
import { WavFileWriter, type WavFileWriterOptions, type WavWriteResult } from './wav-writer.js';

/**
 * Which files a recording produces: `stereo` (caller left, other party right), `mono` (both
 * sides mixed) or `both`: `<name>.wav` stereo plus `<name>-mono.wav` mixed (see
 * {@link monoRecordingPath}).
 */
export type RecordingMode = 'stereo' | 'mono' | 'both';

/** Options of {@link CallRecorder.start}. */
export interface CallRecorderOptions {
  /** The `.wav` file to write (its directory is created). In `both` mode, the stereo file. */
  path: string;
  mode: RecordingMode;
  /** Rate of the files; frames at other rates are resampled. */
  sampleRateHz: 8000 | 16000;
  /**
   * What a pause records: `silence` (default) keeps the recording as long as the call, so
   * timestamps in it (QA notes, transcripts) still match the call; `skip` leaves the paused
   * stretch out entirely.
   */
  pauseMode?: 'silence' | 'skip';
  /** Passed to the WAV writers (buffering, overwrite). */
  writer?: Omit<WavFileWriterOptions, 'sampleRateHz' | 'channels'>;
}

/** What {@link CallRecorder.stop} reports. */
export interface RecordingResult {
  /** The main file: the stereo one in `stereo` and `both` modes, else the mono one. */
  path: string;
  durationMs: number;
  /** Size of the main file. */
  bytes: number;
  /** Every file written (two in `both` mode: stereo first). */
  files: WavWriteResult[];
}

/** `calls/123.wav` → `calls/123-mono.wav`: the mixed file next to the stereo one in `both` mode. */
export function monoRecordingPath(path: string): string {
  return /\.wav$/i.test(path) ? `${path.slice(0, -4)}-mono.wav` : `${path}-mono.wav`;
}

/** Records the two sides of a call to WAV; see the module comment. */
export class CallRecorder {
  private readonly frameSamples: number;
  /** Interleaved L/R for the stereo file, reused every tick (the writer copies it). */
  private readonly stereoBuf: Int16Array | undefined;
  /** Mixed samples for the mono file, reused every tick. */
  private readonly monoBuf: Int16Array | undefined;
  private readonly silence: Int16Array;
  private readonly resamplers: [Resampler | undefined, Resampler | undefined] = [
    undefined,
    undefined,
  ];
  private isPaused = false;
  private stopping: Promise<RecordingResult> | undefined;

  private constructor(
    private readonly opts: CallRecorderOptions,
    private readonly stereo: WavFileWriter | undefined,
    private readonly mono: WavFileWriter | undefined,
  ) {
    this.frameSamples = samplesPerFrame(opts.sampleRateHz);
    this.stereoBuf = stereo ? new Int16Array(this.frameSamples * 2) : undefined;
    this.monoBuf = mono ? new Int16Array(this.frameSamples) : undefined;
    this.silence = new Int16Array(this.frameSamples);
  }

  /** Creates the file(s) and returns a recorder ready for the first tick. */
  static async start(opts: CallRecorderOptions): Promise<CallRecorder> {
    const { mode, sampleRateHz } = opts;
    if (mode !== 'stereo' && mode !== 'mono' && mode !== 'both') {
      throw new RangeError(`unknown recording mode ${String(mode)}`);
    }
    const base = { ...opts.writer, sampleRateHz };
    const stereo =
      mode === 'mono' ? undefined : await WavFileWriter.create(opts.path, { ...base, channels: 2 });
    let mono: WavFileWriter | undefined;
    try {
      if (mode !== 'stereo') {
        const monoPath = mode === 'both' ? monoRecordingPath(opts.path) : opts.path;
        mono = await WavFileWriter.create(monoPath, { ...base, channels: 1 });
      }
    } catch (err) {
      await stereo?.close().catch(() => undefined);
      throw err;
    }
    return new CallRecorder(opts, stereo, mono);
  }

  /** True between {@link pause} and {@link resume}. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** Duration recorded so far. */
  get durationMs(): number {
    return (this.stereo ?? this.mono)?.durationMs ?? 0;
  }

  /**
   * One 20 ms tick: `left` is the caller, `right` the other party; `undefined` is silence.
   * Frames at another rate are resampled (one stateful resampler per side). Calls after
   * {@link stop} are ignored: a tick racing the hang-up is not an error.
   */
  writeFrames(left: AudioFrame | undefined, right: AudioFrame | undefined): void {
    if (this.stopping) return;
    const n = this.frameSamples;
    let l: Int16Array;
    let r: Int16Array;
    if (this.isPaused) {
      if (this.opts.pauseMode === 'skip') return;
      // Paused audio is never looked at (PCI: card numbers must not reach the disk).
      l = r = this.silence;
    } else {
      l = left ? this.toRate(0, left) : this.silence;
      r = right ? this.toRate(1, right) : this.silence;
    }
    if (this.stereo && this.stereoBuf) {
      const buf = this.stereoBuf;
      for (let i = 0, j = 0; i < n; i++, j += 2) {
        buf[j] = l[i] ?? 0;
        buf[j + 1] = r[i] ?? 0;
      }
      this.stereo.write(buf);
    }
    if (this.mono && this.monoBuf) {
      const buf = this.monoBuf;
      for (let i = 0; i < n; i++) {
        const v = (l[i] ?? 0) + (r[i] ?? 0);
        buf[i] = v > 32767 ? 32767 : v < -32767 ? -32767 : v;
      }
      this.mono.write(buf);
    }
  }

  /**
   * Stops recording the conversation (e.g. while a card number is read out, for PCI DSS).
   * Ticks keep coming; what they record depends on `pauseMode`. Idempotent.
   */
  pause(): void {
    this.isPaused = true;
  }

  /** Records the conversation again after {@link pause}. */
  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    // History from before the pause must not bleed into the first resumed frame.
    for (const r of this.resamplers) r?.reset();
  }

  /** Finishes the file(s) with exact headers. Idempotent; rejects if a write failed. */
  stop(): Promise<RecordingResult> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<RecordingResult> {
    const writers = [this.stereo, this.mono].filter((w): w is WavFileWriter => w !== undefined);
    const settled = await Promise.allSettled(writers.map((w) => w.close()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const files = settled.map((s) => (s as PromiseFulfilledResult<WavWriteResult>).value);
    const main = files[0] as WavWriteResult;
    return { path: main.path, durationMs: main.durationMs, bytes: main.bytes, files };
  }

  private toRate(side: 0 | 1, frame: AudioFrame): Int16Array {
    const rateHz = this.opts.sampleRateHz;
    if (frame.sampleRateHz === rateHz) return frame.samples;
    let resampler = this.resamplers[side];
    if (resampler?.fromHz !== frame.sampleRateHz) {
      resampler = new Resampler(frame.sampleRateHz, rateHz);
      this.resamplers[side] = resampler;
    }
    return resampler.process(frame.samples);
  }
}
