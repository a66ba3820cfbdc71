/**
 * The embedded text-to-speech engine: espeak-ng, run as a child process per sentence. It needs
 * no key and no network, speaks English, Mandarin and Cantonese, and synthesises about a
 * thousand times faster than real time, so it is the voice of the demo, of tests, and the last
 * fallback when a cloud voice fails.
 *
 * Text is spoken sentence by sentence: {@link SentenceSplitter} cuts the incoming text (whole,
 * or chunks as a language model streams them) at sentence ends, and each sentence is synthesised
 * by its own `espeak-ng --stdout` as soon as it is complete, while later text still arrives.
 * The next sentence's process runs while the current one is being played (one sentence of
 * look-ahead), so sentences join without a gap. Text always reaches espeak-ng on stdin, never on
 * the command line. The WAV stream on stdout (22050 Hz mono PCM16, with placeholder sizes) is
 * parsed as it arrives, resampled with the media plane's streaming {@link Resampler} and cut
 * into exact 20 ms frames (the last one padded with silence).
 *
 * Languages: English (`en-us`, `en-gb`, …), Mandarin through the `cmn-latn-pinyin` voice with
 * the text first turned into numbered pinyin by pinyin-pro (`你好` → `ni3 hao3`; espeak-ng's own
 * Han dictionary for `cmn` gets many tones wrong), and Cantonese through `yue`, which reads Han
 * characters itself.
 *
 * SSML (`options.ssml`) is passed to espeak-ng's `-m` mode after {@link sanitizeSsml} has kept
 * only `speak`, `break` (time, strength), `prosody` (rate, pitch, volume), `say-as`
 * (interpret-as, format, detail), `p` and `s`. Other elements are removed and their text kept;
 * this matters because espeak-ng's `audio` element would read local files. An SSML document is
 * synthesised as one piece (not split into sentences).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FRAME_MS, Resampler, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import {
  DEFAULT_MAX_CLAUSE_CHARS,
  loadPinyin,
  renderSsml,
  sanitizeSsml,
  SentenceSplitter,
  splitSentences,
  ssmlTokens,
  toNumberedPinyin,
} from './espeak-ng-text.js';
import { Channel, DONE, FrameAssembler, WavStreamParser } from './espeak-ng-stream.js';

export {
  sanitizeSsml,
  SentenceSplitter,
  splitSentences,
  toNumberedPinyin,
} from './espeak-ng-text.js';

const PROVIDER_ID = 'espeak-ng';
/** espeak-ng's default speed (`-s`), which `rate: 1` means. */
const DEFAULT_WORDS_PER_MINUTE = 175;
/** espeak-ng refuses slower speech; faster than ~450 wpm is unintelligible anyway. */
const MIN_WORDS_PER_MINUTE = 80;
const MAX_WORDS_PER_MINUTE = 450;
/**
 * espeak-ng's pitch (`-p`) runs 0…99 around 50. Measured on en-us: 50 → 78 Hz, 75 → 107 Hz,
 * 99 → 146 Hz, about 4.5 steps per semitone, so the range ends near ±11 semitones.
 */
const DEFAULT_PITCH = 50;
const PITCH_STEPS_PER_SEMITONE = 4.5;
/** Kept of a failing process's stderr, for the error message. */
const MAX_STDERR_CHARS = 2000;

/** Voices this adapter knows, with the way text is prepared for each. */
const VOICES = {
  'en-us': 'plain',
  'en-gb': 'plain',
  'en-gb-x-rp': 'plain',
  'en-gb-scotland': 'plain',
  'en-us-nyc': 'plain',
  'en-029': 'plain',
  'cmn-latn-pinyin': 'pinyin',
  yue: 'plain',
} as const satisfies Record<string, 'plain' | 'pinyin'>;
type VoiceName = keyof typeof VOICES;

function isVoiceName(name: string): name is VoiceName {
  return Object.hasOwn(VOICES, name);
}

/** What {@link EspeakNgTts} declares. */
export const ESPEAK_NG_CAPABILITIES: TtsCapabilities = {
  streamingInput: true,
  streamingOutput: true,
  languages: ['en-US', 'zh-CN', 'yue'],
  voices: [...Object.keys(VOICES), 'en-us+f3', 'en-us+m3', 'en-gb+f3'],
  sampleRatesHz: [8000, 16000, 48000],
  ssml: true,
};

/** Progress of one synthesis, for tracing and for tests that check ordering. */
export type EspeakNgEvent =
  /** A piece of text (sentence or SSML document) is ready; `chars` is its length. */
  | { type: 'sentence'; index: number; chars: number }
  /** Its espeak-ng process was started. */
  | { type: 'spawn'; index: number }
  /** Its first samples came out of the process. */
  | { type: 'first-audio'; index: number }
  /** Its process ended (`killed` when stopped by an abort or by the consumer leaving). */
  | { type: 'exit'; index: number; code: number | null; killed: boolean }
  /** The first 20 ms frame of the whole synthesis was handed to the consumer. */
  | { type: 'first-frame' };

/** Settings of {@link EspeakNgTts}. */
export interface EspeakNgTtsOptions {
  /** The executable; default `espeak-ng` from PATH. */
  binaryPath?: string;
  /** Clause length after which a comma cuts the text (default 150 characters). */
  maxClauseChars?: number;
  /**
   * Sentences synthesised ahead of the one being played (default 1), so output keeps flowing
   * from one sentence to the next.
   */
  lookaheadSentences?: number;
  /** Observer of every synthesis's progress (no text in the events: transcripts are PII). */
  onEvent?: (event: EspeakNgEvent) => void;
}

/** Result of {@link espeakAvailability}. */
export type EspeakAvailability =
  | {
      available: true;
      /** e.g. `1.51`. */
      version: string;
      /** Voices of {@link ESPEAK_NG_CAPABILITIES} the installed data lacks (e.g. `yue`). */
      missingVoices: string[];
    }
  | { available: false; reason: string };

/**
 * Checks that espeak-ng runs (`--version`) and which of the supported voices it has, for the
 * start-up report. Never throws.
 */
export async function espeakAvailability(binaryPath = 'espeak-ng'): Promise<EspeakAvailability> {
  const version = await runForOutput(binaryPath, ['--version']);
  if (!version.ok) return { available: false, reason: version.reason };
  const match = /text-to-speech:\s*([\w.-]+)/.exec(version.stdout);
  const voices = await runForOutput(binaryPath, ['--voices']);
  const listed = new Set(
    voices.ok
      ? voices.stdout
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/)[1]?.toLowerCase())
      : [],
  );
  const missingVoices = Object.keys(VOICES).filter((voice) => !listed.has(voice));
  return { available: true, version: match?.[1] ?? version.stdout.trim(), missingVoices };
}

function runForOutput(
  file: string,
  args: string[],
): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        reason: err.code === 'ENOENT' ? `${file} not found (install espeak-ng)` : err.message,
      }),
    );
    child.on('close', (code) =>
      resolve(
        code === 0
          ? { ok: true, stdout }
          : {
              ok: false,
              reason: `${file} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`,
            },
      ),
    );
  });
}

/** One espeak-ng process and the samples it produces. */
interface Job {
  readonly index: number;
  readonly samples: Channel<{ samples: Int16Array; rateHz: number }>;
  /** Resolves at the process's first audio or its end, whichever comes first. */
  readonly started: Promise<void>;
  kill(): void;
}

/** How one synthesis calls espeak-ng. */
interface Plan {
  voice: string;
  pinyin: boolean;
  args: string[];
}

function voiceForLanguage(language: string | undefined): VoiceName | undefined {
  const tag = (language ?? 'en-US').toLowerCase();
  if (tag === 'en-gb' || tag.startsWith('en-gb-')) return 'en-gb';
  if (tag === 'en' || tag.startsWith('en-')) return 'en-us';
  if (tag === 'yue' || tag.startsWith('yue-') || tag === 'zh-hk' || tag === 'zh-mo') return 'yue';
  if (tag === 'zh' || tag.startsWith('zh-') || tag === 'cmn' || tag.startsWith('cmn-')) {
    return 'cmn-latn-pinyin';
  }
  return undefined;
}

/**
 * espeak-ng as a {@link TextToSpeech}. One instance serves any number of concurrent
 * syntheses; each runs its own processes.
 */
export class EspeakNgTts implements TextToSpeech {
  readonly id = PROVIDER_ID;
  readonly kind = 'embedded' as const;
  readonly capabilities = ESPEAK_NG_CAPABILITIES;
  private readonly binaryPath: string;
  private readonly maxClauseChars: number;
  private readonly lookahead: number;
  private readonly onEvent: ((event: EspeakNgEvent) => void) | undefined;

  constructor(options: EspeakNgTtsOptions = {}) {
    this.binaryPath = options.binaryPath ?? 'espeak-ng';
    this.maxClauseChars = options.maxClauseChars ?? DEFAULT_MAX_CLAUSE_CHARS;
    this.lookahead = Math.max(0, options.lookaheadSentences ?? 1);
    this.onEvent = options.onEvent;
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return this.run(text, options);
  }

  /**
   * Loads the Mandarin text converter now, so the first Chinese call does not pay for it
   * (70 ms on an idle machine, several hundred on a busy one). Optional.
   */
  async warmUp(): Promise<void> {
    await loadPinyin();
  }

  /**
   * Voice and arguments for `options`. An unknown `voice` (one meant for another provider, as
   * happens behind a fallback) gives way to the language's voice instead of failing the call.
   */
  private plan(options: TtsOptions): Plan {
    const [base = '', variant] = (options.voice ?? '').toLowerCase().split('+', 2);
    let voice: string;
    let name: VoiceName;
    if (isVoiceName(base)) {
      name = base;
      voice = variant && /^[a-z0-9_-]+$/.test(variant) ? `${base}+${variant}` : base;
    } else {
      const byLanguage = voiceForLanguage(options.language);
      if (!byLanguage) {
        throw new ProviderError(PROVIDER_ID, `language ${options.language} is not supported`);
      }
      name = voice = byLanguage;
    }
    const rate = Number.isFinite(options.rate) ? options.rate! : 1;
    const wordsPerMinute = Math.round(
      Math.min(
        MAX_WORDS_PER_MINUTE,
        Math.max(MIN_WORDS_PER_MINUTE, DEFAULT_WORDS_PER_MINUTE * rate),
      ),
    );
    const semitones = Number.isFinite(options.pitch) ? options.pitch! : 0;
    const pitch = Math.round(
      Math.min(99, Math.max(0, DEFAULT_PITCH + semitones * PITCH_STEPS_PER_SEMITONE)),
    );
    // -b 1: the text is UTF-8 whatever the locale (under LANG=C espeak-ng would read Latin-1).
    const args = ['-b', '1', '--stdout', '-v', voice, '-s', String(wordsPerMinute)];
    args.push('-p', String(pitch));
    if (options.ssml) args.push('-m');
    return { voice, pinyin: VOICES[name] === 'pinyin', args };
  }

  private async *run(
    input: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncGenerator<AudioFrame> {
    const outputRateHz = options.sampleRateHz;
    const frameSamples = (outputRateHz * FRAME_MS) / 1000;
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) {
      throw new ProviderError(PROVIDER_ID, `sample rate ${outputRateHz} Hz gives no whole frame`);
    }
    const plan = this.plan(options);
    const signal = options.signal;
    if (signal?.aborted) return;

    const jobs = new Channel<Job>();
    const live = new Set<Job>();
    let stopped = false;
    let slots = 1 + this.lookahead;
    let slotFreed: (() => void) | undefined;
    let inputIterator: AsyncIterator<string> | undefined;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const job of live) job.kill();
      jobs.end();
      slotFreed?.();
      // Let a streaming source (the model's answer) clean up; it may be mid-await.
      void inputIterator?.return?.().catch(() => undefined);
    };
    signal?.addEventListener('abort', stop, { once: true });

    let index = 0;
    let previous: Job | undefined;
    const startPiece = async (text: string): Promise<void> => {
      let prepared: string;
      try {
        if (plan.pinyin) prepared = await this.preparePinyin(text, options.ssml);
        else prepared = options.ssml ? sanitizeSsml(text) : text;
      } catch (error) {
        throw new ProviderError(PROVIDER_ID, `cannot prepare text: ${(error as Error).message}`);
      }
      while (slots === 0 && !stopped) await new Promise<void>((r) => (slotFreed = r));
      // The next process waits for the previous one's first audio, and for that audio to reach
      // the consumer (spawning blocks the event loop for a moment): on a busy machine two
      // processes starting together would delay the first sound.
      if (previous) {
        await previous.started;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (stopped) return;
      slots--;
      const job = this.spawnJob(index++, prepared, plan.args);
      previous = job;
      live.add(job);
      jobs.push(job);
    };
    // Reads the text (as it arrives) and starts a process per sentence, running ahead of the
    // frame loop below by at most `lookahead` sentences. Errors, including the text source's
    // own, reach the consumer through `jobs` after the sentences before them.
    const intake = async (): Promise<void> => {
      try {
        if (typeof input === 'string') {
          const pieces = options.ssml ? [input] : splitSentences(input, this.maxClauseChars);
          for (const piece of pieces) {
            if (stopped) return;
            await startPiece(piece);
          }
        } else {
          const splitter = new SentenceSplitter(this.maxClauseChars);
          let document = '';
          inputIterator = input[Symbol.asyncIterator]();
          for (;;) {
            const chunk = await inputIterator.next();
            if (stopped) return;
            if (options.ssml) {
              // An SSML document is spoken whole: a sentence cut could split an element.
              if (!chunk.done) document += chunk.value;
              else await startPiece(document);
            } else {
              const sentences = chunk.done ? splitter.flush() : splitter.push(chunk.value);
              for (const sentence of sentences) {
                if (stopped) return;
                await startPiece(sentence);
              }
            }
            if (chunk.done) break;
          }
        }
        jobs.end();
      } catch (error) {
        jobs.fail(error);
      }
    };
    void intake();

    const frames = new FrameAssembler(outputRateHz, frameSamples);
    let resampler: Resampler | undefined;
    let firstFrame = true;
    try {
      for (;;) {
        const job = await jobs.next();
        if (stopped || job === DONE) break;
        for (;;) {
          const chunk = await job.samples.next();
          if (stopped || chunk === DONE) break;
          if (resampler?.fromHz !== chunk.rateHz) {
            // One resampler for the whole synthesis: sentences join without a filter restart.
            resampler = new Resampler(chunk.rateHz, outputRateHz);
            frames.useResampler(resampler);
          }
          for (const frame of frames.push(resampler.process(chunk.samples))) {
            if (firstFrame) this.onEvent?.({ type: 'first-frame' });
            firstFrame = false;
            yield frame;
            if (stopped) return;
          }
        }
        live.delete(job);
        slots++;
        slotFreed?.();
        slotFreed = undefined;
        if (stopped) return;
      }
      if (stopped) return;
      for (const frame of frames.finish(resampler)) yield frame;
    } finally {
      signal?.removeEventListener('abort', stop);
      stop();
    }
  }

  private async preparePinyin(text: string, ssml: boolean | undefined): Promise<string> {
    if (!ssml) return toNumberedPinyin(text);
    const tokens = ssmlTokens(text);
    const converted = await Promise.all(
      tokens.map(async (t) =>
        t.kind === 'text' ? { ...t, text: await toNumberedPinyin(t.text) } : t,
      ),
    );
    return renderSsml(converted, (t) => t);
  }

  private spawnJob(index: number, text: string, args: string[]): Job {
    const samples = new Channel<{ samples: Int16Array; rateHz: number }>();
    const onEvent = this.onEvent;
    onEvent?.({ type: 'sentence', index, chars: text.length });
    let killed = false;
    let child: ChildProcessByStdio<Writable, Readable, Readable>;
    try {
      child = spawn(this.binaryPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      samples.fail(this.spawnError(error));
      return { index, samples, started: Promise.resolve(), kill: () => undefined };
    }
    onEvent?.({ type: 'spawn', index });
    const parser = new WavStreamParser();
    let stderr = '';
    let firstAudio = true;
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      if (killed) return;
      try {
        const pcm = parser.push(chunk);
        if (pcm.length === 0) return;
        if (firstAudio) onEvent?.({ type: 'first-audio', index });
        firstAudio = false;
        started();
        samples.push({ samples: pcm, rateHz: parser.sampleRateHz! });
      } catch (error) {
        samples.fail(new ProviderError(PROVIDER_ID, (error as Error).message));
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += d;
    });
    // A process that dies before reading its text makes stdin fail with EPIPE; the exit status
    // is the error worth reporting.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      started();
      samples.fail(this.spawnError(error));
    });
    child.on('close', (code, signalName) => {
      started();
      onEvent?.({ type: 'exit', index, code, killed });
      if (killed) {
        samples.end();
      } else if (code !== 0) {
        const detail = stderr.trim().slice(0, MAX_STDERR_CHARS) || `signal ${signalName}`;
        // Killed from outside (out of memory, a restart): another try may work.
        samples.fail(
          new ProviderError(
            PROVIDER_ID,
            `exited with ${code ?? signalName}: ${detail}`,
            code === null,
          ),
        );
      } else if (!parser.headerComplete) {
        samples.fail(new ProviderError(PROVIDER_ID, 'no WAV audio on stdout'));
      } else {
        samples.end();
      }
    });
    child.stdin.end(text, 'utf8');
    return {
      index,
      samples,
      started: startedPromise,
      kill: () => {
        if (killed) return;
        killed = true;
        child.kill('SIGKILL');
        started();
        samples.end();
      },
    };
  }

  private spawnError(error: unknown): ProviderError {
    const err = error as NodeJS.ErrnoException;
    return new ProviderError(
      PROVIDER_ID,
      err.code === 'ENOENT'
        ? `${this.binaryPath} not found (install the espeak-ng package)`
        : `cannot start ${this.binaryPath}: ${err.message}`,
    );
  }
}
