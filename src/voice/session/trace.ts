/**
 * The latency trace of one voice turn: when each stage was reached, measured from the caller's
 * end of speech, how long the providers took, and what happened on the way.
 */
import type { Leg } from '../../channels/index.js';
import type { AudioFrame } from '../../media/index.js';
import type { TurnTrace } from './types.js';

/** Collects one turn's timings relative to the caller's end of speech. */
export class TraceBuilder {
  private readonly marks = new Map<string, number>();
  private readonly latency: Record<string, number> = {};
  private readonly events: Array<Record<string, unknown>> = [];
  private readonly startedAt: Date;

  constructor(
    readonly index: number,
    private readonly userText: string,
    private readonly speechEndAt: number,
    private readonly now: () => number,
  ) {
    this.startedAt = new Date(speechEndAt || now());
  }

  /** Notes that `stage` was reached (the first time only). */
  mark(stage: string, at = this.now()): void {
    if (this.marks.has(stage)) return;
    this.marks.set(stage, at);
    this.latency[stage] = Math.max(0, at - this.speechEndAt);
  }

  /** When `stage` was reached, if it was. */
  at(stage: string): number | undefined {
    return this.marks.get(stage);
  }

  /** Records a duration (time inside a provider). */
  set(name: string, ms: number): void {
    this.latency[name] = Math.max(0, Math.round(ms));
  }

  /** Adds an event (timeout, retry, barge-in, provider switch). */
  event(e: Record<string, unknown>): void {
    this.events.push(e);
  }

  /** The finished trace. */
  build(assistantText: string, interrupted: boolean): TurnTrace {
    return {
      index: this.index,
      userText: this.userText,
      assistantText,
      interrupted,
      latency: { ...this.latency },
      events: [...this.events],
      startedAt: this.startedAt,
      endedAt: new Date(this.now()),
    };
  }
}

/**
 * Marks `firstPacket` on `trace` at the first tick that sends a frame after the reply's first
 * audio (the leg's tick reports what it sent); returns the function that stops watching.
 */
export function watchFirstPacket(leg: Leg, trace: TraceBuilder): () => void {
  const onTick = (_said: AudioFrame, sent: AudioFrame | undefined): void => {
    if (!sent || trace.at('firstPacket') !== undefined || trace.at('ttsFirstAudio') === undefined)
      return;
    trace.mark('firstPacket');
    leg.off('tick', onTick);
  };
  leg.on('tick', onTick);
  return () => leg.off('tick', onTick);
}

/** Root mean square level of PCM16 samples. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}
