/**
 * The echo guard of barge-in: the bot's own voice coming back down the line must not count as
 * the caller interrupting. It remembers how loud the last ~300 ms of sent audio were (line
 * echo returns within that) and asks caller speech during playback to be at least a share of
 * that level.
 */

/** Frames of sent audio remembered: 15 × 20 ms. */
const WINDOW_FRAMES = 15;

/** See the module comment. */
export class EchoGuard {
  private readonly sent: number[] = [];

  /** `ratio`: the share of the recent sent level speech must reach (0.3 ≈ −10 dB). */
  constructor(private readonly ratio: number) {}

  /** Notes the level of the frame sent this tick (0 when nothing was sent). */
  noteSent(level: number): void {
    this.sent.push(level);
    if (this.sent.length > WINDOW_FRAMES) this.sent.shift();
  }

  /** The level caller audio must reach now to count as speech rather than echo. */
  threshold(): number {
    return this.ratio * Math.max(0, ...this.sent);
  }

  /** Whether speech whose loudest frame had `level` is likely the bot's own echo. */
  isEcho(level: number): boolean {
    return level < this.threshold();
  }
}
