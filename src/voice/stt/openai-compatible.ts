/**
 * Speech to text by an OpenAI-compatible transcription endpoint:
 * `POST {baseUrl}/v1/audio/transcriptions` with a multipart form (`file` as WAV, `model`,
 * `language`, `response_format`). The same API is served by OpenAI itself and by self-hosted
 * Whisper servers (faster-whisper-server / speaches, whisper.cpp's server started with
 * `--inference-path /v1/audio/transcriptions`), so one adapter covers them all.
 *
 * The endpoint is not streaming: the audio of a stream is buffered until
 * {@link SttStream.end} and sent as one file, which gives one final result (no partials).
 * That fits a turn-based session that already cuts utterances with its own VAD.
 */
import { encodeWav, type AudioFrame } from '../../media/index.js';
import {
  ProviderConfigError,
  ProviderError,
  type SpeechToText,
  type SttCapabilities,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
  type WordTiming,
} from '../providers/types.js';
import { AsyncQueue } from '../tts/cloud-tts-kit.js';
import { clamp01, isRecord, positiveMs, requireText } from './stt-kit.js';

/** The response formats the adapter reads. */
export type OpenAiTranscriptionFormat = 'verbose_json' | 'json';

/** Settings of {@link OpenAiCompatibleStt}; the names in brackets are the ones errors report. */
export interface OpenAiCompatibleSttSettings {
  /**
   * Bearer key (`OPENAI_API_KEY`): required for api.openai.com, optional for a self-hosted
   * server (sent when given).
   */
  apiKey?: string;
  /**
   * Server (`OPENAI_STT_BASE_URL`), default `https://api.openai.com`; a trailing `/v1` is
   * accepted (the OpenAI SDK's convention) and not doubled.
   */
  baseUrl?: string;
  /** Model (`OPENAI_STT_MODEL`), default `whisper-1`; e.g. `Systran/faster-whisper-small`. */
  model?: string;
  /** BCP 47 language (`OPENAI_STT_LANGUAGE`); unset, the server detects it. */
  language?: string;
  /**
   * `verbose_json` (default: segments and word timings, Whisper models) or `json` (text
   * only; what `gpt-4o-transcribe` models accept) (`OPENAI_STT_RESPONSE_FORMAT`).
   */
  responseFormat?: OpenAiTranscriptionFormat;
  /** Longest wait for the answer after the audio ended (`OPENAI_STT_TIMEOUT_MS`), default 30 000. */
  timeoutMs?: number;
  /** Longest utterance buffered (`OPENAI_STT_MAX_AUDIO_MS`), default 600 000 (OpenAI's 25 MB). */
  maxAudioMs?: number;
  /** Provider id for logs and configuration, default `openai`; e.g. `faster-whisper`. */
  id?: string;
}

/** Languages Whisper models recognise (ISO 639-1; the common subset). */
const WHISPER_LANGUAGES = [
  'en',
  'zh',
  'de',
  'es',
  'ru',
  'ko',
  'fr',
  'ja',
  'pt',
  'tr',
  'pl',
  'ca',
  'nl',
  'ar',
  'sv',
  'it',
  'id',
  'hi',
  'fi',
  'vi',
  'he',
  'uk',
  'el',
  'ms',
  'cs',
  'ro',
  'da',
  'hu',
  'ta',
  'no',
  'th',
  'ur',
  'hr',
  'bg',
  'lt',
  'yue',
];

const DEFAULT_URL = 'https://api.openai.com';

interface Config {
  id: string;
  apiKey: string | undefined;
  endpoint: string;
  model: string;
  language: string | undefined;
  responseFormat: OpenAiTranscriptionFormat;
  timeoutMs: number;
  maxAudioMs: number;
}

/** Speech to text by an OpenAI-compatible `/v1/audio/transcriptions` endpoint. */
export class OpenAiCompatibleStt implements SpeechToText {
  readonly id: string;
  readonly kind: 'cloud' | 'self-hosted';
  readonly capabilities: SttCapabilities;
  private readonly config: Config;

  /** Validates the settings; throws {@link ProviderConfigError} naming the bad one. */
  constructor(settings: OpenAiCompatibleSttSettings) {
    const base = httpBase('OPENAI_STT_BASE_URL', settings.baseUrl ?? DEFAULT_URL);
    const isOpenAi = base.hostname === 'api.openai.com';
    const apiKey = settings.apiKey?.trim() || undefined;
    if (isOpenAi && apiKey === undefined) {
      throw new ProviderConfigError('OPENAI_API_KEY', 'is required for api.openai.com');
    }
    if (apiKey !== undefined && /\s/.test(apiKey)) {
      throw new ProviderConfigError('OPENAI_API_KEY', 'must not contain whitespace');
    }
    const format = settings.responseFormat ?? 'verbose_json';
    if (format !== 'verbose_json' && format !== 'json') {
      throw new ProviderConfigError(
        'OPENAI_STT_RESPONSE_FORMAT',
        `must be verbose_json or json, not ${String(format)}`,
      );
    }
    const id = settings.id ?? 'openai';
    if (!/^[a-z0-9-]+$/.test(id)) {
      throw new ProviderConfigError('OPENAI_STT_ID', 'must be lowercase letters, digits and -');
    }
    const language = settings.language?.trim() || undefined;
    const path = base.pathname.replace(/\/+$/, '');
    this.config = {
      id,
      apiKey,
      endpoint: `${base.origin}${path.endsWith('/v1') ? path : `${path}/v1`}/audio/transcriptions`,
      model: requireText('OPENAI_STT_MODEL', settings.model ?? 'whisper-1'),
      language,
      responseFormat: format,
      timeoutMs: positiveMs('OPENAI_STT_TIMEOUT_MS', settings.timeoutMs ?? 30_000),
      maxAudioMs: positiveMs('OPENAI_STT_MAX_AUDIO_MS', settings.maxAudioMs ?? 600_000),
    };
    this.id = id;
    this.kind = isOpenAi ? 'cloud' : 'self-hosted';
    this.capabilities = {
      streaming: false,
      languages: language
        ? [language, ...WHISPER_LANGUAGES.filter((l) => l !== language)]
        : WHISPER_LANGUAGES,
      sampleRatesHz: [16000, 8000, 48000],
      // Word timings come with verbose_json and timestamp_granularities[]=word.
      wordTimings: format === 'verbose_json',
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    if (!this.capabilities.sampleRatesHz.includes(options.sampleRateHz)) {
      throw new RangeError(`${this.id}: unsupported sample rate ${options.sampleRateHz} Hz`);
    }
    return new TranscriptionStream(this.config, options);
  }
}

/** One utterance: buffered frames, one request at the end. */
class TranscriptionStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly chunks: Int16Array[] = [];
  private samples = 0;
  private ended = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly config: Config,
    private readonly options: SttStreamOptions,
  ) {
    this.results = this.queue;
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  write(frame: AudioFrame): void {
    // After a failure (the queue closed) nothing more is sent or buffered.
    if (this.ended || this.closed || this.queue.closed) return;
    if (frame.sampleRateHz !== this.options.sampleRateHz) {
      throw new RangeError(
        `${this.config.id}: frame at ${frame.sampleRateHz} Hz on a ${this.options.sampleRateHz} Hz stream`,
      );
    }
    if (
      ((this.samples + frame.samples.length) * 1000) / frame.sampleRateHz >
      this.config.maxAudioMs
    ) {
      this.fail(`utterance longer than ${this.config.maxAudioMs} ms`, false);
      return;
    }
    // A copy: the producer may reuse the frame's buffer.
    this.chunks.push(frame.samples.slice());
    this.samples += frame.samples.length;
  }

  end(): void {
    if (this.ended || this.closed || this.queue.closed) return;
    this.ended = true;
    if (this.samples === 0) {
      this.finish();
      return;
    }
    void this.transcribe();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.finish();
  }

  private async transcribe(): Promise<void> {
    const audio = new Int16Array(this.samples);
    let at = 0;
    for (const chunk of this.chunks.splice(0)) {
      audio.set(chunk, at);
      at += chunk.length;
    }
    const wav = encodeWav(audio, this.options.sampleRateHz);
    const language = this.options.language ?? this.config.language;
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'audio.wav');
    form.append('model', this.config.model);
    // The API wants ISO 639-1 ("en"), not BCP 47 ("en-US").
    if (language) form.append('language', language.split('-')[0]!.toLowerCase());
    form.append('response_format', this.config.responseFormat);
    if (this.config.responseFormat === 'verbose_json') {
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
    }
    // Whisper reads the prompt as preceding text, which favours its words and spellings.
    if (this.options.phrases?.length) form.append('prompt', this.options.phrases.join(', '));

    const timer = setTimeout(() => this.abort.abort('timeout'), this.config.timeoutMs);
    let status = 0;
    let body: string;
    try {
      const response = await fetch(this.config.endpoint, {
        method: 'POST',
        headers: this.config.apiKey ? { Authorization: `Bearer ${this.config.apiKey}` } : {},
        body: form,
        signal: this.abort.signal,
      });
      status = response.status;
      body = await response.text();
    } catch (err) {
      if (this.closed) return;
      if (this.abort.signal.reason === 'timeout') {
        this.fail(`no answer within ${this.config.timeoutMs} ms after the audio ended`, true);
      } else {
        this.fail(`request failed: ${(err as Error).message}`, true);
      }
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) return;
    if (status < 200 || status > 299) {
      this.fail(
        `answered HTTP ${status}: ${errorMessage(body)}`,
        status === 429 || status >= 500,
        status,
      );
      return;
    }
    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      this.fail('answered with malformed JSON', true, status);
      return;
    }
    if (!isRecord(answer) || typeof answer['text'] !== 'string') {
      this.fail('answered without a text field', true, status);
      return;
    }
    const text = answer['text'].trim();
    if (text !== '') {
      const result: SttResult = { type: 'final', text };
      // OpenAI names the detected language ("english"); self-hosted servers give a code.
      const detected = answer['language'];
      if (language) result.language = language;
      else if (typeof detected === 'string' && /^[a-z]{2,3}$/.test(detected)) {
        result.language = detected;
      }
      const words = wordsOf(answer);
      if (words.length > 0) result.words = words;
      this.queue.push(result);
    }
    this.finish();
  }

  private fail(message: string, retryable: boolean, status?: number): void {
    if (this.closed) return;
    this.queue.fail(new ProviderError(this.config.id, message, retryable, status));
    this.cleanup();
  }

  private finish(): void {
    this.queue.close();
    this.cleanup();
  }

  private cleanup(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** Words from `words` (OpenAI) or `segments[].words` (some self-hosted servers), seconds → ms. */
function wordsOf(answer: Record<string, unknown>): WordTiming[] {
  const lists: unknown[] = [];
  if (Array.isArray(answer['words'])) lists.push(...(answer['words'] as unknown[]));
  else if (Array.isArray(answer['segments'])) {
    for (const s of answer['segments'] as unknown[]) {
      if (isRecord(s) && Array.isArray(s['words'])) lists.push(...(s['words'] as unknown[]));
    }
  }
  const words: WordTiming[] = [];
  for (const w of lists) {
    if (!isRecord(w) || typeof w['word'] !== 'string') continue;
    if (typeof w['start'] !== 'number' || typeof w['end'] !== 'number') continue;
    const word: WordTiming = {
      word: w['word'].trim(),
      startMs: Math.round(w['start'] * 1000),
      endMs: Math.round(Math.max(w['start'], w['end']) * 1000),
    };
    // faster-whisper gives a per-word probability; OpenAI does not.
    if (typeof w['probability'] === 'number') word.confidence = clamp01(w['probability']);
    words.push(word);
  }
  return words;
}

/** The message of an OpenAI-style error body, or the body's start. */
function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) {
      const error = parsed['error'];
      if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
      if (typeof error === 'string') return error;
      if (typeof parsed['detail'] === 'string') return parsed['detail'];
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}

/** An http:// or https:// base URL setting, or a {@link ProviderConfigError} naming it. */
function httpBase(setting: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderConfigError(setting, `is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderConfigError(setting, `must be an http:// or https:// URL, not ${value}`);
  }
  return url;
}
