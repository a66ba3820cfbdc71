/**
 * Instant providers for the voice-turn benchmark, so that what is measured is the platform and
 * not a model: a speech recogniser that has its final ready the moment the audio ends, a
 * responder with a fixed answer, and a text-to-speech that has every frame ready at once. Each
 * one times the code it runs on the turn's critical path (it is microseconds, but it is
 * measured and subtracted rather than assumed to be zero).
 *
 * The voice activity detector is not faked: it is part of the platform. {@link TimedVad} wraps
 * the real one (Silero or the energy detector) and only observes: how far behind the media clock
 * each frame's verdict came, and when an utterance ended.
 */
import { performance } from 'node:perf_hooks';
import type { AudioFrame } from '../../src/media/index.js';
import type {
  SpeechToText,
  SttCapabilities,
  SttResult,
  SttStream,
  SttStreamOptions,
  TextToSpeech,
  TtsCapabilities,
  TtsOptions,
  VadEvent,
  VoiceActivityDetector,
} from '../../src/voice/providers/types.js';
import type { Responder } from '../../src/voice/session/types.js';

/**
 * One turn as the fakes see it: when the caller's speech ended, and the time spent inside the
 * fake providers on the turn's critical path (after that end), in ms. A new one starts at every
 * end of speech.
 */
export interface TurnTiming {
  /** Media-clock tick (performance.now(), ms) that delivered the frame that ended speech. */
  speechEndTickAt: number;
  /**
   * When the session acted on the VAD's speech-end: it calls the STT stream's `end()` right
   * after reading its own end-of-speech clock, the zero of its trace.
   */
  endOfSpeechAt: number;
  /** Inside the STT's `end()` (producing the final). */
  sttMs: number;
  /** Inside the responder's `respond()`. */
  responderMs: number;
  /** Inside the TTS's `synthesize()` until its first frame. */
  ttsMs: number;
}

/** A fresh {@link TurnTiming}. */
export function newTurnTiming(): TurnTiming {
  return { speechEndTickAt: 0, endOfSpeechAt: 0, sttMs: 0, responderMs: 0, ttsMs: 0 };
}

/** Where the clock's tick times are kept: media time of a frame → when its tick ran. */
export interface TickTimes {
  /** performance.now() of the tick that produced the frame stamped `mediaMs`, if still known. */
  tickAt(mediaMs: number): number | undefined;
}

/**
 * Observes a real detector without changing what it decides: records per-frame lag (tick →
 * verdict) and, at each speech-end, starts the session's next turn timing with the tick that
 * delivered the ending frame.
 */
export class TimedVad implements VoiceActivityDetector {
  readonly id: string;
  readonly kind = 'embedded' as const;
  /** Utterances the detector started and ended (a caller utterance should give one of each). */
  speechStarts = 0;
  speechEnds = 0;

  constructor(
    private readonly inner: VoiceActivityDetector,
    private readonly ticks: TickTimes,
    private readonly timing: { current: TurnTiming },
    /** Told, for every frame, how long after its tick the verdict came (ms). */
    private readonly onFrameLag: (ms: number) => void,
  ) {
    this.id = inner.id;
  }

  get capabilities(): VoiceActivityDetector['capabilities'] {
    return this.inner.capabilities;
  }

  get lastProbability(): number {
    return this.inner.lastProbability;
  }

  get speaking(): boolean {
    return this.inner.speaking;
  }

  process(frame: AudioFrame): VadEvent[] | Promise<VadEvent[]> {
    const result = this.inner.process(frame);
    return result instanceof Promise
      ? result.then((events) => this.observe(frame, events))
      : this.observe(frame, result);
  }

  reset(): void {
    this.inner.reset();
  }

  private observe(frame: AudioFrame, events: VadEvent[]): VadEvent[] {
    const now = performance.now();
    const tickAt = this.ticks.tickAt(frame.timestampMs);
    if (tickAt !== undefined) this.onFrameLag(now - tickAt);
    for (const event of events) {
      if (event.type === 'speech-start') this.speechStarts++;
      else {
        this.speechEnds++;
        // The session reacts to this event right after it is returned: a new turn's timing.
        this.timing.current = { ...newTurnTiming(), speechEndTickAt: tickAt ?? now };
      }
    }
    return events;
  }
}

/** What {@link InstantStt} declares: the leg's rate is always taken, so nothing is resampled. */
const STT_CAPABILITIES: SttCapabilities = {
  streaming: true,
  languages: ['en-US'],
  sampleRatesHz: [8000, 16000],
  wordTimings: false,
  grammars: false,
};

/**
 * A recogniser whose final is ready the moment the audio ends: `end()` emits the caller's
 * scripted words (the text of the clip being spoken) as a final and finishes the stream.
 */
export class InstantStt implements SpeechToText {
  readonly id = 'instant-stt';
  readonly kind = 'embedded' as const;
  readonly capabilities = STT_CAPABILITIES;
  /** Frames written into streams (audio is counted, not kept). */
  framesWritten = 0;

  constructor(
    private readonly words: () => string,
    private readonly timing: { current: TurnTiming },
  ) {}

  stream(_options: SttStreamOptions): SttStream {
    const queue: SttResult[] = [];
    let finished = false;
    let waiting: ((r: IteratorResult<SttResult>) => void) | undefined;
    const flush = (): void => {
      if (!waiting) return;
      const next = queue.shift();
      if (next) {
        const w = waiting;
        waiting = undefined;
        w({ value: next, done: false });
      } else if (finished) {
        const w = waiting;
        waiting = undefined;
        w({ value: undefined, done: true });
      }
    };
    const results: AsyncIterable<SttResult> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<SttResult>>((resolve) => {
            waiting = resolve;
            flush();
          }),
        return: () => {
          finished = true;
          queue.length = 0;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
    return {
      write: () => {
        this.framesWritten++;
      },
      end: () => {
        if (finished) return;
        const started = performance.now();
        this.timing.current.endOfSpeechAt = started;
        queue.push({ type: 'final', text: this.words(), confidence: 0.9, language: 'en-US' });
        finished = true;
        flush();
        this.timing.current.sttMs += performance.now() - started;
      },
      results,
      close: () => {
        finished = true;
        queue.length = 0;
        flush();
      },
    };
  }
}

/** A responder with one fixed answer, given whole and at once. */
export class InstantResponder implements Responder {
  constructor(
    private readonly answer: string,
    private readonly timing: { current: TurnTiming },
  ) {}

  respond(): Promise<string> {
    const started = performance.now();
    const reply = Promise.resolve(this.answer);
    this.timing.current.responderMs += performance.now() - started;
    return reply;
  }
}

const TTS_CAPABILITIES: TtsCapabilities = {
  streamingInput: false,
  streamingOutput: true,
  languages: ['en-US'],
  voices: ['tone'],
  sampleRatesHz: [8000, 16000],
  ssml: false,
};

/**
 * A synthesiser with every frame ready at once: the same pre-rendered reply audio (a tone) for
 * any text, at the leg's rate. Time until the first frame is recorded per turn.
 */
export class InstantTts implements TextToSpeech {
  readonly id = 'instant-tts';
  readonly kind = 'embedded' as const;
  readonly capabilities = TTS_CAPABILITIES;

  constructor(
    /** Pre-rendered reply audio per sample rate: one Int16Array per 20 ms frame. */
    private readonly frames: ReadonlyMap<number, readonly Int16Array[]>,
    private readonly timing: { current: TurnTiming },
  ) {}

  async *synthesize(
    text: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncIterable<AudioFrame> {
    const started = performance.now();
    if (typeof text !== 'string') for await (const _chunk of text);
    const frames = this.frames.get(options.sampleRateHz);
    if (!frames) throw new RangeError(`instant-tts: no audio at ${options.sampleRateHz} Hz`);
    let first = true;
    for (let i = 0; i < frames.length; i++) {
      if (options.signal?.aborted) return;
      if (first) {
        first = false;
        this.timing.current.ttsMs += performance.now() - started;
      }
      yield { samples: frames[i]!, sampleRateHz: options.sampleRateHz, timestampMs: i * 20 };
    }
  }
}
