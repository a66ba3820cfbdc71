/**
 * Two-party bridge: the common case of a call (caller ↔ agent, caller ↔ AI) does not need a
 * mixer. Each side hears exactly the other side's frame, so at equal rates the frame is
 * handed over as is — no sum, no copy — and only differing rates cost a resampler per
 * direction. Use {@link AudioMixer} as soon as a third party (supervisor, transfer target)
 * joins.
 */
import type { AudioFrame } from '../audio-frame.js';
import { Resampler } from '../audio/resampler.js';

/** The two sides of a bridge. */
export type BridgeSide = 'a' | 'b';

/** Connects two parties' audio; see the module comment. */
export class AudioBridge {
  private readonly frames: Record<BridgeSide, AudioFrame | undefined> = {
    a: undefined,
    b: undefined,
  };
  private readonly muted: Record<BridgeSide, boolean> = { a: false, b: false };
  /** Resampler for audio coming from a side (to the other side's rate). */
  private readonly resamplers: Record<BridgeSide, Resampler | undefined> = {
    a: undefined,
    b: undefined,
  };

  /** The side's inbound frame for this tick (kept by reference; a later put replaces it). */
  put(side: BridgeSide, frame: AudioFrame): void {
    this.frames[side] = frame;
  }

  /** Stops (or restarts) the other side hearing `side`. */
  setMuted(side: BridgeSide, muted: boolean): void {
    this.muted[side] = muted;
  }

  /**
   * What `side` hears this tick, at `targetRateHz`: the other side's frame, consumed (a second
   * take returns `undefined`). `undefined` means nothing to play (the other side sent nothing
   * or is muted). At equal rates this is the very frame the other side put: treat it as
   * read-only.
   */
  take(side: BridgeSide, targetRateHz: number): AudioFrame | undefined {
    const from: BridgeSide = side === 'a' ? 'b' : 'a';
    const frame = this.frames[from];
    this.frames[from] = undefined;
    if (!frame || this.muted[from]) return undefined;
    if (frame.sampleRateHz === targetRateHz) return frame;
    let resampler = this.resamplers[from];
    if (resampler?.fromHz !== frame.sampleRateHz || resampler.toHz !== targetRateHz) {
      resampler = new Resampler(frame.sampleRateHz, targetRateHz);
      this.resamplers[from] = resampler;
    }
    return {
      samples: resampler.process(frame.samples),
      sampleRateHz: targetRateHz,
      timestampMs: frame.timestampMs,
    };
  }
}
