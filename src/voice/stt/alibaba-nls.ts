/**
 * Alibaba Cloud Intelligent Speech Interaction (NLS) real-time transcription
 * (`SpeechTranscriber`) over its WebSocket gateway,
 * `wss://nls-gateway-cn-shanghai.aliyuncs.com/ws/v1?token=…`. Commands and events are JSON
 * text messages with a `header` (namespace, name, appkey, 32-hex `message_id` and `task_id`)
 * and a `payload`; audio is binary PCM16. The order is strict: `StartTranscription`, wait for
 * `TranscriptionStarted`, audio, `StopTranscription`, then the server's
 * `TranscriptionCompleted`. Results arrive as `TranscriptionResultChanged` (partials) and
 * `SentenceEnd` (finals with confidence and, with `enable_words`, word times in ms); a
 * `TaskFailed` carries the reason in `header.status_text`.
 *
 * Authentication: the settings take an access token. Minting tokens from an AccessKey pair
 * (the `CreateToken` API, valid ~24 h) is out of scope here; the composition root or an
 * operator refreshes `ALIBABA_NLS_TOKEN`. The recognition language is the one configured
 * for the appkey's project in the NLS console; `language` only labels the results.
 */
import { WebSocket, type RawData } from 'ws';
import { int16ToLeBytes, type AudioFrame } from '../../media/index.js';
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
import { AsyncQueue, messageText } from '../tts/cloud-tts-kit.js';
import {
  clamp01,
  isRecord,
  newId,
  onUpgradeRefused,
  positiveMs,
  requireToken,
  wsUrl,
} from './stt-kit.js';

/** Settings of {@link AlibabaNlsStt}; the names in brackets are the ones errors report. */
export interface AlibabaNlsSttSettings {
  /** Access token (`ALIBABA_NLS_TOKEN`), required. */
  token: string | undefined;
  /** Project appkey from the NLS console (`ALIBABA_NLS_APPKEY`), required. */
  appKey: string | undefined;
  /**
   * Gateway (`ALIBABA_NLS_URL`), default `wss://nls-gateway-cn-shanghai.aliyuncs.com/ws/v1`
   * (other regions and the internal VPC gateway have their own; tests point it at a fake).
   */
  url?: string;
  /** BCP 47 label of the project's language (`ALIBABA_NLS_LANGUAGE`), default `zh-CN`. */
  language?: string;
  /** Silence that ends a sentence (`ALIBABA_NLS_SENTENCE_SILENCE_MS`, 200…2000); server default. */
  maxSentenceSilenceMs?: number;
  /**
   * Longest wait for the handshake, for `TranscriptionStarted`, and for the next event once
   * the audio has ended (`ALIBABA_NLS_TIMEOUT_MS`), default 10 000.
   */
  timeoutMs?: number;
}

const DEFAULT_URL = 'wss://nls-gateway-cn-shanghai.aliyuncs.com/ws/v1';
const NAMESPACE = 'SpeechTranscriber';
/** The gateway's success status; anything else in an event header is a failure. */
const STATUS_OK = 20000000;
/** Audio goes up in 100 ms chunks: the 3200 / 1600 bytes (16 / 8 kHz) the service documents. */
const CHUNK_MS = 100;

interface Config {
  token: string;
  appKey: string;
  url: string;
  language: string;
  maxSentenceSilenceMs: number | undefined;
  timeoutMs: number;
}

/** Speech to text by Alibaba Cloud NLS real-time transcription. */
export class AlibabaNlsStt implements SpeechToText {
  readonly id = 'alibaba-nls';
  readonly kind = 'cloud' as const;
  readonly capabilities: SttCapabilities;
  private readonly config: Config;

  /** Validates the settings; throws {@link ProviderConfigError} naming the bad one. */
  constructor(settings: AlibabaNlsSttSettings) {
    const token = requireToken('ALIBABA_NLS_TOKEN', settings.token);
    const appKey = requireToken('ALIBABA_NLS_APPKEY', settings.appKey);
    const url = wsUrl('ALIBABA_NLS_URL', settings.url ?? DEFAULT_URL);
    const language = settings.language?.trim() || 'zh-CN';
    const silence = settings.maxSentenceSilenceMs;
    if (
      silence !== undefined &&
      !(Number.isInteger(silence) && silence >= 200 && silence <= 2000)
    ) {
      throw new ProviderConfigError(
        'ALIBABA_NLS_SENTENCE_SILENCE_MS',
        'must be a whole number of milliseconds from 200 to 2000',
      );
    }
    const timeoutMs = positiveMs('ALIBABA_NLS_TIMEOUT_MS', settings.timeoutMs ?? 10_000);
    this.config = {
      token,
      appKey,
      url: url.toString(),
      language,
      maxSentenceSilenceMs: silence,
      timeoutMs,
    };
    this.capabilities = {
      streaming: true,
      languages: [language],
      sampleRatesHz: [16000, 8000],
      wordTimings: true,
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    if (!this.capabilities.sampleRatesHz.includes(options.sampleRateHz)) {
      throw new RangeError(`alibaba-nls: unsupported sample rate ${options.sampleRateHz} Hz`);
    }
    return new NlsStream(this.config, options);
  }
}

/** One transcription task on one connection. */
class NlsStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly ws: WebSocket;
  private readonly taskId = newId();
  private readonly language: string;
  private readonly chunkBytes: number;
  /** Audio not yet sent: before TranscriptionStarted, and the tail of a partial chunk. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private started = false;
  private ended = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly config: Config,
    private readonly options: SttStreamOptions,
  ) {
    this.results = this.queue;
    this.language = options.language ?? config.language;
    this.chunkBytes = ((options.sampleRateHz * CHUNK_MS) / 1000) * 2;
    const url = new URL(config.url);
    url.searchParams.set('token', config.token);
    this.ws = new WebSocket(url, { handshakeTimeout: config.timeoutMs });
    this.ws.on('open', () => this.opened());
    onUpgradeRefused(this.ws, (message, retryable, status) =>
      this.fail(message, retryable, status),
    );
    this.ws.on('message', (data, isBinary) => this.received(data, isBinary));
    this.ws.on('error', (err) => this.fail(`connection failed: ${err.message}`, true));
    this.ws.on('close', (code, reason) => this.socketClosed(code, reason.toString('utf8')));
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  write(frame: AudioFrame): void {
    // After a failure (the queue closed) nothing more is sent or buffered.
    if (this.ended || this.closed || this.queue.closed) return;
    if (frame.sampleRateHz !== this.options.sampleRateHz) {
      throw new RangeError(
        `alibaba-nls: frame at ${frame.sampleRateHz} Hz on a ${this.options.sampleRateHz} Hz stream`,
      );
    }
    this.buffered.push(Buffer.from(int16ToLeBytes(frame.samples)));
    this.bufferedBytes += frame.samples.length * 2;
    if (this.started) this.sendChunks(false);
  }

  end(): void {
    if (this.ended || this.closed || this.queue.closed) return;
    this.ended = true;
    // Before TranscriptionStarted, the stop waits for it (and its timer already runs).
    if (this.started) this.stop();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cleanup();
    this.queue.close();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private opened(): void {
    if (this.closed) return;
    const payload: Record<string, unknown> = {
      format: 'pcm',
      sample_rate: this.options.sampleRateHz,
      enable_intermediate_result: true,
      enable_punctuation_prediction: true,
      enable_inverse_text_normalization: true,
      enable_words: true,
    };
    if (this.config.maxSentenceSilenceMs !== undefined) {
      payload['max_sentence_silence'] = this.config.maxSentenceSilenceMs;
    }
    this.command('StartTranscription', payload);
    this.armTimer('TranscriptionStarted');
  }

  private command(name: string, payload?: Record<string, unknown>): void {
    const header = {
      message_id: newId(),
      task_id: this.taskId,
      namespace: NAMESPACE,
      name,
      appkey: this.config.appKey,
    };
    this.ws.send(JSON.stringify(payload ? { header, payload } : { header }));
  }

  /** Sends whole 100 ms chunks; with `all`, the remainder too. */
  private sendChunks(all: boolean): void {
    if (this.bufferedBytes === 0) return;
    if (!all && this.bufferedBytes < this.chunkBytes) return;
    const data = Buffer.concat(this.buffered);
    let at = 0;
    for (; at + this.chunkBytes <= data.length; at += this.chunkBytes) {
      this.ws.send(data.subarray(at, at + this.chunkBytes));
    }
    if (all && at < data.length) {
      this.ws.send(data.subarray(at));
      at = data.length;
    }
    const rest = data.subarray(at);
    this.buffered = rest.length ? [Buffer.from(rest)] : [];
    this.bufferedBytes = rest.length;
  }

  private stop(): void {
    this.sendChunks(true);
    this.command('StopTranscription');
    this.armTimer('an answer after the audio ended');
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.closed || this.queue.closed) return;
    if (isBinary) return; // events are text messages
    let message: unknown;
    try {
      message = JSON.parse(messageText(data));
    } catch {
      this.fail('sent a message that is not JSON', true);
      return;
    }
    const header = isRecord(message) ? message['header'] : undefined;
    if (!isRecord(message) || !isRecord(header) || typeof header['name'] !== 'string') {
      this.fail('sent an event without header.name', true);
      return;
    }
    const payload = isRecord(message['payload']) ? message['payload'] : {};
    const name = header['name'];
    if (
      name === 'TaskFailed' ||
      (typeof header['status'] === 'number' && header['status'] !== STATUS_OK)
    ) {
      const status = typeof header['status'] === 'number' ? header['status'] : undefined;
      this.fail(
        `task failed: ${String(header['status_text'] ?? header['status_message'] ?? 'unknown')}`,
        // 4xxxxxxx statuses are the client's (token, appkey, parameters); 5xxxxxxx the server's.
        status !== undefined && status >= 50000000,
        status,
      );
      return;
    }
    if (this.ended) this.armTimer('an answer after the audio ended');
    switch (name) {
      case 'TranscriptionStarted':
        this.started = true;
        clearTimeout(this.timer);
        if (this.ended) this.stop();
        else this.sendChunks(false);
        return;
      case 'TranscriptionResultChanged':
        this.sentence('partial', payload);
        return;
      case 'SentenceEnd':
        this.sentence('final', payload);
        return;
      case 'TranscriptionCompleted':
        this.queue.close();
        this.cleanup();
        this.ws.close(1000);
        return;
      default:
        // SentenceBegin and anything newer: nothing the results carry.
        return;
    }
  }

  private sentence(type: SttResult['type'], payload: Record<string, unknown>): void {
    const text = typeof payload['result'] === 'string' ? payload['result'].trim() : '';
    if (!text) return;
    const result: SttResult = { type, text, language: this.language };
    if (type === 'final' && typeof payload['confidence'] === 'number') {
      result.confidence = clamp01(payload['confidence']);
    }
    if (type === 'final' && Array.isArray(payload['words'])) {
      const words: WordTiming[] = [];
      for (const w of payload['words'] as unknown[]) {
        if (!isRecord(w) || typeof w['text'] !== 'string') continue;
        if (typeof w['startTime'] !== 'number' || typeof w['endTime'] !== 'number') continue;
        words.push({ word: w['text'], startMs: w['startTime'], endMs: w['endTime'] });
      }
      if (words.length > 0) result.words = words;
    }
    this.queue.push(result);
  }

  private socketClosed(code: number, reason: string): void {
    this.cleanup();
    if (this.closed || this.queue.closed) return;
    this.fail(
      `closed the connection${this.ended ? '' : ' before the audio ended'}: ${code}${reason ? ` ${reason}` : ''}`,
      code !== 1008,
    );
  }

  private armTimer(waitingFor: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fail(`no ${waitingFor} within ${this.config.timeoutMs} ms`, true);
    }, this.config.timeoutMs);
    this.timer.unref();
  }

  private fail(message: string, retryable: boolean, status?: number): void {
    if (this.closed || this.queue.closed) return;
    this.queue.fail(new ProviderError('alibaba-nls', message, retryable, status));
    this.cleanup();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private cleanup(): void {
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
