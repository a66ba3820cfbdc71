/**
 * The callers of the voice-turn benchmark: fake legs on the real media clock. Each leg is a
 * {@link ClockParticipant} that, every 20 ms tick, takes the next 20 ms of its caller's script
 * (receive phase) and pulls the frame to send from its output queue, as the RTP stream's send
 * phase does, then emits `tick` with both — which is all a voice session listens to.
 *
 * A caller's script: a short spoken sentence (one of the synthesised speech fixtures), then line
 * noise long enough for the bot's answer to play out, again and again. Each caller starts at a
 * random point of its first pause and every pause has a random length, so turns do not line up
 * across calls.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import {
  FRAME_MS,
  openAudioFile,
  samplesPerFrame,
  type AudioFrame,
} from '../../src/media/index.js';
import type { ClockParticipant } from '../../src/media/index.js';
import { FakeLeg } from '../../test/fixtures/fake-leg.js';
import type { TickTimes } from './fakes.js';

/** A spoken sentence cut into 20 ms frames at the legs' rate. */
export interface SpeechClip {
  text: string;
  frames: Int16Array[];
}

/** The speech fixtures and what is said in each (test/fixtures/speech/README.md). */
export const SPEECH_FIXTURES: ReadonlyArray<{ file: string; text: string }> = [
  { file: 'hello-world.wav', text: 'hello world' },
  { file: 'weather.wav', text: 'what is the weather like today' },
  { file: 'transfer.wav', text: 'i would like to speak to an agent' },
  { file: 'interrupt.wav', text: 'stop please stop' },
];

/** Loads the fixtures as 20 ms frames at `rateHz` (the last one padded with silence). */
export async function loadClips(fixtureDir: string, rateHz: number): Promise<SpeechClip[]> {
  const per = samplesPerFrame(rateHz);
  const clips: SpeechClip[] = [];
  for (const { file, text } of SPEECH_FIXTURES) {
    const clip = await openAudioFile(path.join(fixtureDir, file), rateHz);
    const frames: Int16Array[] = [];
    for (let at = 0; at < clip.samples.length; at += per) {
      const frame = new Int16Array(per);
      frame.set(clip.samples.subarray(at, Math.min(at + per, clip.samples.length)));
      frames.push(frame);
    }
    clips.push({ text, frames });
  }
  return clips;
}

/**
 * One second of line noise, frame by frame: uniform white noise at about −70 dBFS (RMS ≈ 10),
 * below Silero's energy gate (RMS 33) and the energy detector's silence level (RMS 100), as a
 * quiet phone line is.
 */
export function noiseFrames(rateHz: number, random: () => number): Int16Array[] {
  const per = samplesPerFrame(rateHz);
  return Array.from({ length: 1000 / FRAME_MS }, () =>
    Int16Array.from({ length: per }, () => Math.round((random() * 2 - 1) * 17)),
  );
}

/** Timing of a caller's script. */
export interface ScriptTiming {
  /** Shortest pause after a sentence: the VAD's 500 ms, the answer, and a margin. */
  minPauseMs: number;
  /** Random extra pause, uniform in [0, this). */
  pauseJitterMs: number;
}

/** What a caller says, tick by tick. */
export class CallerScript {
  /** Text of the sentence being (or last) spoken: what the instant STT "recognises". */
  text = '';
  /** Sentences finished so far. */
  utterancesDone = 0;
  private clip: SpeechClip | undefined;
  private clipIndex: number;
  private pos = 0;
  private pauseLeft: number;
  private noisePos: number;

  constructor(
    private readonly clips: readonly SpeechClip[],
    private readonly noise: readonly Int16Array[],
    private readonly timing: ScriptTiming,
    private readonly random: () => number,
  ) {
    this.clipIndex = Math.floor(random() * clips.length);
    this.noisePos = Math.floor(random() * noise.length);
    // Start somewhere in a first pause, so callers are spread over a whole cycle.
    this.pauseLeft = Math.floor(random() * this.pauseFrames());
  }

  /** The samples of the next 20 ms. */
  next(): Int16Array {
    if (this.clip) {
      const frame = this.clip.frames[this.pos++]!;
      if (this.pos >= this.clip.frames.length) {
        this.clip = undefined;
        this.utterancesDone++;
        this.pauseLeft = this.pauseFrames();
      }
      return frame;
    }
    if (this.pauseLeft > 0) {
      this.pauseLeft--;
      this.noisePos = (this.noisePos + 1) % this.noise.length;
      return this.noise[this.noisePos]!;
    }
    this.clip = this.clips[this.clipIndex]!;
    this.clipIndex = (this.clipIndex + 1) % this.clips.length;
    this.text = this.clip.text;
    this.pos = 0;
    return this.next();
  }

  private pauseFrames(): number {
    const ms = this.timing.minPauseMs + this.random() * this.timing.pauseJitterMs;
    return Math.round(ms / FRAME_MS);
  }
}

/**
 * The first participant of the clock: numbers the ticks, notes when each ran and how late
 * against its due time (lateness is the clock's, shared by every call).
 */
export class TickLog implements ClockParticipant, TickTimes {
  /** Media time of the current tick's frames. */
  mediaMs = 0;
  private index = -1;
  private readonly times = new Float64Array(512);
  /** Called with each tick's lateness in ms (actual − due). */
  onLateness: ((ms: number) => void) | undefined;

  receive(dueMs: number): void {
    const now = performance.now();
    this.index++;
    this.mediaMs = this.index * FRAME_MS;
    this.times[this.index % this.times.length] = now;
    this.onLateness?.(now - dueMs);
  }

  tickAt(mediaMs: number): number | undefined {
    const index = Math.round(mediaMs / FRAME_MS);
    if (index > this.index || this.index - index >= this.times.length || index < 0) {
      return undefined;
    }
    return this.times[index % this.times.length];
  }
}

/** A call leg whose caller follows a {@link CallerScript}; see the module comment. */
export class ScriptedLeg extends FakeLeg implements ClockParticipant {
  private said: AudioFrame | undefined;
  /** Frames sent to the caller (the bot's audio on the wire). */
  framesSent = 0;

  constructor(
    id: string,
    sampleRateHz: number,
    readonly caller: CallerScript,
    private readonly ticks: TickLog,
  ) {
    super(id, sampleRateHz);
  }

  receive(): void {
    this.said = {
      samples: this.caller.next(),
      sampleRateHz: this.sampleRateHz,
      timestampMs: this.ticks.mediaMs,
    };
  }

  send(): void {
    const said = this.said;
    if (!said) return;
    const sent = this.output.next(said.timestampMs);
    if (sent) this.framesSent++;
    this.emit('tick', said, sent);
  }
}
