/**
 * Test support for the voice session: providers that do what a script says, on the (fake)
 * clock, so a session can be driven frame by frame and every decision predicted.
 *
 * - {@link ScriptedStt}: each stream takes the next scripted utterance; partials come out at
 *   their scripted times, the final when the session ends the stream.
 * - {@link ScriptedTts}: a loud tone, a fixed number of frames per word (per character for
 *   Chinese), remembering what it was asked to say and which frame belongs to which word.
 * - {@link ScriptedResponder}: replies whole, streamed, late or never, recording each call.
 * - {@link TickDriver}: plays the media clock: one `tick` per 20 ms with what the caller said
 *   and what the leg sent, the fake timers advanced between ticks.
 *
 * Test-only: nothing outside `*.test.ts` files imports this module.
 */
import type { Leg } from '../../channels/index.js';
import { samplesPerFrame, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type ChatMessage,
  type SpeechToText,
  type SttCapabilities,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import { VoiceSession, type VoiceSessionOptions } from '../session/voice-session.js';
import type {
  Responder,
  ResponderAction,
  ResponderContext,
  TurnTrace,
  UserTurn,
} from '../session/types.js';
import { EnergyVad } from '../vad/energy-vad.js';

/** Amplitude of the scripted tones: RMS about 5 700, far above the energy VAD's speech level. */
export const TONE_AMPLITUDE = 8000;

/** A 20 ms sine frame at `rateHz` (440 Hz, {@link TONE_AMPLITUDE} unless told). */
export function toneFrame(rateHz: number, timestampMs = 0, amplitude = TONE_AMPLITUDE): AudioFrame {
  const n = samplesPerFrame(rateHz);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rateHz));
  }
  return { samples, sampleRateHz: rateHz, timestampMs };
}

/** A 20 ms frame of digital silence. */
export function silentFrame(rateHz: number, timestampMs = 0): AudioFrame {
  return { samples: new Int16Array(samplesPerFrame(rateHz)), sampleRateHz: rateHz, timestampMs };
}

/** `frame` with every sample multiplied by `gain` (line echo of what was sent). */
export function scaledFrame(frame: AudioFrame, gain: number, timestampMs: number): AudioFrame {
  return {
    samples: Int16Array.from(frame.samples, (s) => Math.round(s * gain)),
    sampleRateHz: frame.sampleRateHz,
    timestampMs,
  };
}

/** Root mean square of a frame (0 for none). */
export function level(frame: AudioFrame | undefined): number {
  if (!frame) return 0;
  let sum = 0;
  for (const s of frame.samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, frame.samples.length));
}

/** Waits `ms` on the (possibly fake) clock; resolves early when `signal` fires. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A minimal async queue: push values, then end; iterate once. */
class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

// ---- speech to text ----------------------------------------------------------------------------

/** One scripted utterance: what the recogniser "hears" in one stream. */
export interface SttScriptEntry {
  /** The final, given when the stream is ended ('' for nothing recognised). */
  final: string;
  /** Partials, each `atMs` after the stream was opened (while it is still open). */
  partials?: Array<{ atMs: number; text: string }>;
  /** A final given this long after the stream was opened, before it ends (streaming finals). */
  earlyFinalAtMs?: number;
  /** Delay of the final after end() (default 0). */
  finalDelayMs?: number;
}

/** What a scripted stream saw. */
export interface ScriptedSttStreamRecord {
  options: SttStreamOptions;
  entry: SttScriptEntry;
  framesWritten: number;
  ended: boolean;
  closed: boolean;
}

/** See the module comment. Streams beyond the script recognise ''. */
export class ScriptedStt implements SpeechToText {
  readonly id = 'scripted-stt';
  readonly kind = 'embedded' as const;
  readonly capabilities: SttCapabilities;
  readonly streams: ScriptedSttStreamRecord[] = [];
  private readonly script: SttScriptEntry[];

  constructor(script: Array<string | SttScriptEntry> = [], sampleRatesHz = [8000, 16000]) {
    this.script = script.map((e) => (typeof e === 'string' ? { final: e } : e));
    this.capabilities = {
      streaming: true,
      languages: ['en-US', 'zh-CN'],
      sampleRatesHz,
      wordTimings: false,
      grammars: false,
    };
  }

  /** Adds utterances to the script. */
  push(...entries: Array<string | SttScriptEntry>): void {
    this.script.push(...entries.map((e) => (typeof e === 'string' ? { final: e } : e)));
  }

  stream(options: SttStreamOptions): SttStream {
    const entry = this.script.shift() ?? { final: '' };
    const record: ScriptedSttStreamRecord = {
      options,
      entry,
      framesWritten: 0,
      ended: false,
      closed: false,
    };
    this.streams.push(record);
    const results = new AsyncQueue<SttResult>();
    const timers: NodeJS.Timeout[] = [];
    let finalGiven = false;
    const giveFinal = (): void => {
      if (finalGiven) return;
      finalGiven = true;
      results.push({ type: 'final', text: entry.final, confidence: 0.9 });
    };
    for (const p of entry.partials ?? []) {
      timers.push(setTimeout(() => results.push({ type: 'partial', text: p.text }), p.atMs));
    }
    if (entry.earlyFinalAtMs !== undefined)
      timers.push(setTimeout(giveFinal, entry.earlyFinalAtMs));
    return {
      write: () => {
        record.framesWritten++;
      },
      end: () => {
        if (record.ended) return;
        record.ended = true;
        for (const t of timers) clearTimeout(t);
        const finish = (): void => {
          giveFinal();
          results.end();
        };
        if (entry.finalDelayMs) setTimeout(finish, entry.finalDelayMs);
        else finish();
      },
      results,
      close: () => {
        record.closed = true;
        for (const t of timers) clearTimeout(t);
        results.end();
      },
    };
  }
}

// ---- text to speech ----------------------------------------------------------------------------

/** The units heard-text is counted in: characters for Chinese, words otherwise. */
export function speechUnits(text: string): string[] {
  return /\p{Script=Han}/u.test(text) ? [...text] : text.split(/\s+/).filter((w) => w !== '');
}

/** Settings of a {@link ScriptedTts}. */
export interface ScriptedTtsOptions {
  /** Frames per word (per character for Chinese); default 5 (100 ms). */
  framesPerWord?: number;
  /** Latency before each text's first frame, on the clock (default 0). */
  latencyMs?: number;
  /** Texts for which synthesis throws a ProviderError (after `failAfterFrames` frames). */
  failWhen?: (text: string) => boolean;
  failAfterFrames?: number;
}

/** Where a synthesised frame came from. */
export interface FrameOrigin {
  text: string;
  /** Index of the word (or character) the frame belongs to. */
  unit: number;
}

/** See the module comment. */
export class ScriptedTts implements TextToSpeech {
  readonly id = 'scripted-tts';
  readonly kind = 'embedded' as const;
  readonly capabilities: TtsCapabilities = {
    streamingInput: false,
    streamingOutput: true,
    languages: ['en-US', 'zh-CN'],
    voices: ['tone'],
    sampleRatesHz: [8000, 16000],
    ssml: false,
  };
  /** Every text asked for, in order. */
  readonly texts: string[] = [];
  readonly calls: TtsOptions[] = [];
  private readonly origins = new WeakMap<Int16Array, FrameOrigin>();
  readonly framesPerWord: number;

  constructor(private readonly options: ScriptedTtsOptions = {}) {
    this.framesPerWord = options.framesPerWord ?? 5;
  }

  /** The text and word a frame sent by the leg was synthesised for. */
  origin(frame: AudioFrame | undefined): FrameOrigin | undefined {
    return frame ? this.origins.get(frame.samples) : undefined;
  }

  async *synthesize(
    input: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncIterable<AudioFrame> {
    let text = '';
    if (typeof input === 'string') text = input;
    else for await (const chunk of input) text += chunk;
    this.texts.push(text);
    this.calls.push(options);
    if (this.options.latencyMs) await sleep(this.options.latencyMs, options.signal);
    const fails = this.options.failWhen?.(text) ?? false;
    const units = speechUnits(text);
    let ts = 0;
    for (let unit = 0; unit < units.length; unit++) {
      for (let i = 0; i < this.framesPerWord; i++) {
        if (fails && ts / 20 >= (this.options.failAfterFrames ?? 0)) {
          throw new ProviderError(this.id, 'synthesis failed (scripted)');
        }
        if (options.signal?.aborted) return;
        const frame = toneFrame(options.sampleRateHz, ts);
        this.origins.set(frame.samples, { text, unit });
        ts += 20;
        yield frame;
      }
    }
    if (fails) throw new ProviderError(this.id, 'synthesis failed (scripted)');
  }
}

// ---- responder ---------------------------------------------------------------------------------

/** One scripted reply. */
export type ScriptedReply =
  | string
  | {
      /** Whole text, resolved after `delayMs`. */
      text?: string;
      /** Streamed chunks, `chunkDelayMs` apart (the first after `delayMs`). */
      chunks?: string[];
      chunkDelayMs?: number;
      delayMs?: number;
      /** Never answers, and ignores the abort signal (the worst responder). */
      never?: boolean;
      action?: ResponderAction;
    };

/** A recorded call of the responder. */
export interface ResponderCall {
  turn: UserTurn;
  history: ChatMessage[];
  signal: AbortSignal;
}

/** See the module comment. Turns beyond the script are answered 'Okay.'. */
export class ScriptedResponder implements Responder {
  readonly calls: ResponderCall[] = [];

  constructor(
    private readonly replies: ScriptedReply[] = [],
    private readonly greetingText?: string,
  ) {}

  greeting(): string | undefined {
    return this.greetingText;
  }

  respond(
    turn: UserTurn,
    context: ResponderContext,
  ): AsyncIterable<string> | Promise<string | { text: string; action?: ResponderAction }> {
    this.calls.push({ turn, history: [...context.history], signal: context.signal });
    const reply = this.replies.shift() ?? 'Okay.';
    if (typeof reply === 'string') return Promise.resolve(reply);
    if (reply.never) return new Promise(() => undefined);
    const { signal } = context;
    if (reply.chunks) {
      const chunks = reply.chunks;
      return (async function* () {
        if (reply.delayMs) await sleep(reply.delayMs, signal);
        for (const [i, chunk] of chunks.entries()) {
          if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs, signal);
          if (signal.aborted) return;
          yield chunk;
        }
      })();
    }
    return sleep(reply.delayMs ?? 0).then(() => ({
      text: reply.text ?? '',
      ...(reply.action ? { action: reply.action } : {}),
    }));
  }
}

// ---- the media clock ---------------------------------------------------------------------------

/** What the caller says in one tick: speech, silence, or a frame made from what was sent. */
export type Said = 'speech' | 'silence' | ((sent: AudioFrame | undefined, t: number) => AudioFrame);

/** One tick as the driver saw it. */
export interface TickRecord {
  t: number;
  sent: AudioFrame | undefined;
}

/** See the module comment. */
export class TickDriver {
  /** Media time of the next tick. */
  t = 0;
  readonly ticks: TickRecord[] = [];

  constructor(
    private readonly leg: Leg,
    /** Advances the fake clock (vi.advanceTimersByTimeAsync), settling async work. */
    private readonly advance: (ms: number) => Promise<unknown>,
  ) {}

  /** What the leg sent in the last tick. */
  get last(): AudioFrame | undefined {
    return this.ticks.at(-1)?.sent;
  }

  /** One 20 ms tick: takes what the leg sends, reports both, advances the clock. */
  async tick(said: Said = 'silence'): Promise<AudioFrame | undefined> {
    const rate = this.leg.sampleRateHz;
    const t = this.t;
    const sent = this.leg.output.next(t);
    const frame =
      said === 'speech'
        ? toneFrame(rate, t)
        : said === 'silence'
          ? silentFrame(rate, t)
          : said(sent, t);
    this.ticks.push({ t, sent });
    this.leg.emit('tick', frame, sent);
    this.t += 20;
    await this.advance(20);
    return sent;
  }

  /** `ms` of ticks with the same `said`; returns what was sent. */
  async run(ms: number, said: Said = 'silence'): Promise<Array<AudioFrame | undefined>> {
    const sent: Array<AudioFrame | undefined> = [];
    for (let i = 0; i < ms / 20; i++) sent.push(await this.tick(said));
    return sent;
  }

  /**
   * Ticks with `said` until `done` is true (checked after each tick); returns the time spent,
   * or throws after `maxMs`.
   */
  async until(done: () => boolean, maxMs: number, said: Said = 'silence'): Promise<number> {
    const from = this.t;
    while (!done()) {
      if (this.t - from >= maxMs) throw new Error(`condition not met within ${maxMs} ms`);
      await this.tick(said);
    }
    return this.t - from;
  }
}

// ---- a session on scripted providers -----------------------------------------------------------

/** The bundled English apology prompt (played when synthesis fails). */
export const APOLOGY_FILE = new URL('../../../assets/prompts/apology.wav', import.meta.url)
  .pathname;

/** A started session with its scripted providers and what it reported. */
export interface ScriptedSession {
  session: VoiceSession;
  leg: Leg;
  stt: ScriptedStt;
  tts: ScriptedTts;
  responder: ScriptedResponder;
  driver: TickDriver;
  turns: TurnTrace[];
  notices: Array<{ type: string; detail?: string }>;
  actions: ResponderAction[];
  /** Settles with the session's end. */
  finished: Promise<{ reason: string }>;
  /** The end reason once the session has ended. */
  endedWith: () => string | undefined;
}

/** Builds a session on `leg` (at most the given providers scripted) and starts it. */
export function startScriptedSession(
  leg: Leg,
  advance: (ms: number) => Promise<unknown>,
  options: Partial<Omit<VoiceSessionOptions, 'stt' | 'tts' | 'responder' | 'leg'>> & {
    stt?: ScriptedStt;
    tts?: ScriptedTts;
    responder?: ScriptedResponder;
  } = {},
): ScriptedSession {
  const stt = options.stt ?? new ScriptedStt();
  const tts = options.tts ?? new ScriptedTts();
  const responder = options.responder ?? new ScriptedResponder();
  const session = new VoiceSession({
    vad: new EnergyVad(),
    apologyFile: APOLOGY_FILE,
    ...options,
    leg,
    stt,
    tts,
    responder,
  });
  const turns: TurnTrace[] = [];
  const notices: Array<{ type: string; detail?: string }> = [];
  const actions: ResponderAction[] = [];
  let endedWith: string | undefined;
  session.on('turn', (t) => turns.push(t));
  session.on('notice', (n) => notices.push(n));
  session.on('action', (a) => actions.push(a));
  session.on('ended', (e) => (endedWith = e.reason));
  const finished = session.start();
  return {
    session,
    leg,
    stt,
    tts,
    responder,
    driver: new TickDriver(leg, advance),
    turns,
    notices,
    actions,
    finished,
    endedWith: () => endedWith,
  };
}
