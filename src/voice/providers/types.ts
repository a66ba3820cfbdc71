/**
 * The provider contracts of the voice pipeline: voice activity detection, speech to text, text
 * to speech, and the language-model seam the dialog engine fills. Every provider declares what
 * it can do (streaming, languages, sample rates) so the session can pick and adapt instead of
 * discovering limits mid-call. Audio crosses these seams as the media plane's 20 ms PCM16
 * frames; vendor encodings stay inside each provider's file.
 */
import type { AudioFrame } from '../../media/index.js';

/** What every provider says about itself. */
export interface ProviderInfo {
  /** Stable id used in configuration and logs, e.g. `deepgram`, `espeak-ng`. */
  readonly id: string;
  /** Runs without a network service (espeak-ng, pocketsphinx) or needs one. */
  readonly kind: 'embedded' | 'cloud' | 'self-hosted';
}

// ---- voice activity detection ----------------------------------------------------------------

/** Tuning of a voice activity detector; the defaults are seed 001's. */
export interface VadOptions {
  /** Speech probability above which a frame counts as speech (default 0.5). */
  threshold?: number;
  /** Silence that ends an utterance (default 500 ms). */
  silenceMs?: number;
  /** Speech kept before the detected start, so the first syllable is not cut (default 250 ms). */
  prefixPaddingMs?: number;
  /** Shorter bursts are noise, not speech (default 100 ms). */
  minSpeechMs?: number;
}

/** A change the detector reports. */
export type VadEvent =
  | {
      type: 'speech-start';
      /** Media time of the first speech frame (after `minSpeechMs` confirmed it). */
      atMs: number;
    }
  | {
      type: 'speech-end';
      atMs: number;
      /** How long the utterance lasted. */
      durationMs: number;
    };

/** Capabilities of a voice activity detector. */
export interface VadCapabilities {
  /** Rates it accepts natively; others are resampled by the caller. */
  sampleRatesHz: number[];
}

/** Decides, frame by frame, when someone is speaking. One instance per audio stream. */
export interface VoiceActivityDetector extends ProviderInfo {
  readonly capabilities: VadCapabilities;
  /**
   * Feeds one frame; returns the events it caused (usually none). Synchronous or nearly so: it
   * runs inside the media tick, so it must stay well under a millisecond per frame.
   */
  process(frame: AudioFrame): VadEvent[] | Promise<VadEvent[]>;
  /** Speech probability of the last frame, 0…1 (for echo guards and tracing). */
  readonly lastProbability: number;
  /** True between speech-start and speech-end. */
  readonly speaking: boolean;
  /** Forgets the state (a new turn). */
  reset(): void;
}

// ---- speech to text --------------------------------------------------------------------------

/** One recognised word with its timing, where the provider gives them. */
export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
  confidence?: number;
}

/** A recognition result. */
export interface SttResult {
  /** `partial`: may still change; `final`: this stretch of speech is done. */
  type: 'partial' | 'final';
  text: string;
  /** 0…1 when the provider says. */
  confidence?: number;
  /** BCP 47, as detected or as configured. */
  language?: string;
  words?: WordTiming[];
}

/** What a speech-to-text provider can do. */
export interface SttCapabilities {
  /** Results while audio still flows (partials and finals), or only after the end. */
  streaming: boolean;
  /** BCP 47 tags it recognises, e.g. `en-US`, `zh-CN`. */
  languages: string[];
  /** Rates it accepts; frames at others are resampled by the session. */
  sampleRatesHz: number[];
  /** Gives word timings. */
  wordTimings: boolean;
  /** Can be restricted to a grammar (a list of phrases), for menus and digits. */
  grammars: boolean;
}

/** Options of one recognition stream. */
export interface SttStreamOptions {
  /** BCP 47; default the provider's first language. */
  language?: string;
  /** Rate of the frames that will be written. */
  sampleRateHz: number;
  /** Phrases to favour (hints), or with `grammarOnly` the only phrases allowed. */
  phrases?: string[];
  grammarOnly?: boolean;
  /** Aborts the stream (call ended, provider switched). */
  signal?: AbortSignal;
}

/**
 * One recognition stream: frames go in with {@link write}, results come out of
 * {@link results}. {@link end} says the audio is complete (flush finals); the iterator then
 * finishes. A provider failure makes the iterator throw a {@link ProviderError}.
 */
export interface SttStream {
  write(frame: AudioFrame): void;
  end(): void;
  readonly results: AsyncIterable<SttResult>;
  /** Stops at once and releases the connection or engine. */
  close(): void;
}

/** Turns speech into text. */
export interface SpeechToText extends ProviderInfo {
  readonly capabilities: SttCapabilities;
  stream(options: SttStreamOptions): SttStream;
}

// ---- text to speech --------------------------------------------------------------------------

/** What a text-to-speech provider can do. */
export interface TtsCapabilities {
  /** Starts speaking before the whole text has arrived (text streamed in). */
  streamingInput: boolean;
  /** Audio comes out while it is synthesised (not only when it is finished). */
  streamingOutput: boolean;
  languages: string[];
  /** Voice names it offers (may be partial for cloud catalogues). */
  voices: string[];
  /** Rates it can produce. */
  sampleRatesHz: number[];
  /** Understands the SSML subset (`speak`, `break`, `prosody rate/pitch`, `say-as`). */
  ssml: boolean;
}

/** How to speak. */
export interface TtsOptions {
  /** BCP 47, e.g. `en-US`, `zh-CN`, `yue`. */
  language?: string;
  voice?: string;
  /** Speaking rate, 1 = normal (0.5…2). */
  rate?: number;
  /** Pitch shift in semitones (-12…12). */
  pitch?: number;
  /** The frames' rate (the leg's); the provider resamples or is resampled. */
  sampleRateHz: number;
  /** The text is SSML (the subset above). */
  ssml?: boolean;
  /** Stops synthesis at once (barge-in). */
  signal?: AbortSignal;
}

/** Turns text into speech. */
export interface TextToSpeech extends ProviderInfo {
  readonly capabilities: TtsCapabilities;
  /**
   * Speaks `text` — a whole string, or chunks as they are produced (LLM tokens) — as 20 ms
   * frames at `options.sampleRateHz`. Failures throw a {@link ProviderError} from the iterator.
   */
  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame>;
}

// ---- language model seam ---------------------------------------------------------------------

/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** For `tool` messages: the call being answered. */
  toolCallId?: string;
  /** For `assistant` messages that called tools: the calls, arguments as the model's JSON. */
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
}

/** A piece of a streamed model answer. */
export type LanguageModelChunk =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; id: string; name: string; arguments: string }
  | { type: 'done'; finishReason: string };

/** The seam the dialog engine fills (OpenAI-compatible chat providers). */
export interface LanguageModel extends ProviderInfo {
  stream(
    messages: ChatMessage[],
    options: { signal?: AbortSignal; tools?: unknown[]; temperature?: number },
  ): AsyncIterable<LanguageModelChunk>;
}

// ---- errors ------------------------------------------------------------------------------------

/**
 * A provider failed: a refused connection, an HTTP error, a malformed vendor message, a stall.
 * `retryable` says whether the same provider may work on a second try; the fallback adapter
 * switches providers either way.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: string,
    message: string,
    readonly retryable = false,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
  }
}

/**
 * A provider cannot be set up (missing key, bad URL): reported at start-up naming the
 * setting.
 */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}
