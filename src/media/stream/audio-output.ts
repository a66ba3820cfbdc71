/**
 * The outbound side of a leg: what the leg will say next. Two kinds of audio meet here.
 * Queued pieces (a prompt, a TTS sentence, music on hold) play one after another, each with a
 * promise that settles when it has finished playing or was cleared (barge-in). Live frames
 * (the other party of a bridge, the echo test) are written once per tick and mixed over
 * whatever piece is playing. The transport pulls one frame per tick with {@link next}.
 */
import { samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { Resampler } from '../audio/resampler.js';

/** How a queued piece ended. */
export interface PlaybackResult {
  /** True when every frame was played; false when clear() or close() cut it short. */
  completed: boolean;
  /** Audio actually played out of this piece, in ms. */
  playedMs: number;
}

/** A queued piece of audio. */
export interface Playback {
  readonly id: number;
  /** Settles once the piece has finished playing or was cleared; never rejects. */
  readonly done: Promise<PlaybackResult>;
}

/** Frames accepted by {@link AudioOutput.play}. */
export type FrameSource = Iterable<AudioFrame> | AsyncIterable<AudioFrame>;

/** Frames an async source may get ahead of playback; bounds memory, keeps clear() instant. */
const PREFETCH_FRAMES = 25;
/** Live frames kept when the writer runs ahead of the clock; older ones are dropped. */
const MAX_LIVE_FRAMES = 5;

interface Piece {
  id: number;
  sync?: Iterator<AudioFrame>;
  buffer: AudioFrame[];
  /** Async source fully read (or sync source exhausted). */
  exhausted: boolean;
  cancelled: boolean;
  playedFrames: number;
  resolve: (result: PlaybackResult) => void;
  abort?: () => void;
  /** Wakes the async pump waiting for room in the buffer. */
  wakeProducer?: () => void;
}

/** Outbound audio queue with clear() for barge-in. */
export class AudioOutput {
  private readonly pieces: Piece[] = [];
  private live: AudioFrame[] = [];
  private nextId = 1;
  private readonly resamplers = new Map<number, Resampler>();
  private closed = false;
  /** When true, {@link next} returns silence but pieces still advance (a muted leg). */
  muted = false;
  private gain = 1;
  /** Live frames dropped because the writer got ahead of the clock. */
  liveDropped = 0;
  /** Ticks where a piece was playing but its async source had nothing ready. */
  underruns = 0;

  private rateHz: number;

  constructor(
    /** The rate frames leave at (the leg's codec rate); other rates are resampled. */
    sampleRateHz: number,
  ) {
    this.rateHz = sampleRateHz;
  }

  /** The rate frames leave at (the leg's codec rate); other rates are resampled. */
  get sampleRateHz(): number {
    return this.rateHz;
  }

  /**
   * Changes the rate frames leave at (a re-INVITE switched the leg to a codec with another
   * rate). Queued pieces and live frames keep playing, resampled to the new rate.
   */
  setSampleRate(sampleRateHz: number): void {
    if (sampleRateHz === this.rateHz) return;
    this.rateHz = sampleRateHz;
    this.resamplers.clear();
  }

  /** True while a queued piece is playing or waiting. */
  get playing(): boolean {
    return this.pieces.length > 0;
  }

  /** Sets the gain applied to everything this output plays, in dB (0 = unchanged). */
  setGainDb(gainDb: number): void {
    this.gain = Math.pow(10, gainDb / 20);
  }

  /** Queues a piece after those already queued. */
  play(source: FrameSource): Playback {
    const id = this.nextId++;
    let resolve!: (r: PlaybackResult) => void;
    const done = new Promise<PlaybackResult>((r) => (resolve = r));
    const piece: Piece = {
      id,
      buffer: [],
      exhausted: false,
      cancelled: false,
      playedFrames: 0,
      resolve,
    };
    if (this.closed) {
      resolve({ completed: false, playedMs: 0 });
      return { id, done };
    }
    if (Symbol.asyncIterator in source) this.pump(piece, source);
    else piece.sync = source[Symbol.iterator]();
    this.pieces.push(piece);
    return { id, done };
  }

  /** Writes one live frame, heard at the next tick (mixed over any playing piece). */
  write(frame: AudioFrame): void {
    if (this.closed) return;
    if (this.live.length >= MAX_LIVE_FRAMES) {
      this.live.shift();
      this.liveDropped++;
    }
    this.live.push(frame);
  }

  /**
   * Stops the playing piece at once and drops every queued one (barge-in). Their `done`
   * promises settle with `completed: false` and the time actually played.
   */
  clear(): void {
    const cut = this.pieces.splice(0);
    for (const piece of cut) this.finish(piece, false);
    this.live = [];
  }

  /** Clears and refuses further audio. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  /**
   * The frame to send this tick, at {@link sampleRateHz}, or undefined when there is nothing
   * to say (the transport then sends silence or nothing).
   */
  next(timestampMs: number): AudioFrame | undefined {
    const pieceFrame = this.takePieceFrame();
    const liveFrame = this.live.shift();
    let out: Int16Array | undefined;
    if (pieceFrame && liveFrame) {
      out = this.convert(pieceFrame).slice();
      const other = this.convert(liveFrame);
      for (let i = 0; i < out.length; i++) {
        const v = out[i]! + (other[i] ?? 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    } else if (pieceFrame) out = this.convert(pieceFrame);
    else if (liveFrame) out = this.convert(liveFrame);
    if (out === undefined) return undefined;
    if (this.muted) out = new Int16Array(out.length);
    else if (this.gain !== 1) out = scaled(out, this.gain);
    return { samples: out, sampleRateHz: this.sampleRateHz, timestampMs };
  }

  private takePieceFrame(): AudioFrame | undefined {
    while (this.pieces.length > 0) {
      const piece = this.pieces[0]!;
      let frame: AudioFrame | undefined;
      if (piece.sync) {
        const step = piece.sync.next();
        if (step.done) piece.exhausted = true;
        else frame = step.value;
      } else {
        frame = piece.buffer.shift();
        piece.wakeProducer?.();
      }
      if (frame) {
        piece.playedFrames++;
        return frame;
      }
      if (!piece.exhausted) {
        this.underruns++;
        return undefined; // an async source (TTS) is late: play nothing this tick, keep waiting
      }
      this.pieces.shift();
      this.finish(piece, true);
    }
    return undefined;
  }

  private finish(piece: Piece, completed: boolean): void {
    piece.cancelled = !completed;
    piece.abort?.();
    piece.buffer = [];
    const frameMs = 20;
    piece.resolve({ completed, playedMs: piece.playedFrames * frameMs });
  }

  private pump(piece: Piece, source: AsyncIterable<AudioFrame>): void {
    const iterator = source[Symbol.asyncIterator]();
    piece.abort = () => {
      piece.wakeProducer?.();
      void iterator.return?.()?.catch(() => undefined);
    };
    const run = async (): Promise<void> => {
      try {
        while (!piece.cancelled) {
          if (piece.buffer.length >= PREFETCH_FRAMES) {
            await new Promise<void>((r) => (piece.wakeProducer = r));
            piece.wakeProducer = undefined;
            continue;
          }
          const step = await iterator.next();
          if (step.done || piece.cancelled) break;
          piece.buffer.push(step.value);
        }
      } catch {
        // A failing source ends its piece early; what was buffered still plays.
      }
      piece.exhausted = true;
    };
    void run();
  }

  private convert(frame: AudioFrame): Int16Array {
    if (frame.sampleRateHz === this.sampleRateHz) return frame.samples;
    let resampler = this.resamplers.get(frame.sampleRateHz);
    if (!resampler) {
      resampler = new Resampler(frame.sampleRateHz, this.sampleRateHz);
      this.resamplers.set(frame.sampleRateHz, resampler);
    }
    const out = resampler.process(frame.samples);
    const want = samplesPerFrame(this.sampleRateHz);
    if (out.length === want) return out;
    const fixed = new Int16Array(want);
    fixed.set(out.subarray(0, want));
    return fixed;
  }
}

function scaled(samples: Int16Array, gain: number): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * gain);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
