/**
 * Deepgram live streaming speech to text over its WebSocket API (`/v1/listen`): raw PCM16
 * goes up as binary messages, `Results` messages come back with interim (`is_final: false`)
 * and final transcripts, word timings in seconds and a confidence. `KeepAlive` holds the
 * connection while no audio flows (Deepgram drops it after 10 s of nothing); `CloseStream`
 * asks the server to flush its last results and close, which is how {@link SttStream.end}
 * finishes. Vendor JSON stays in this file; the rest of Switchboard sees {@link SttResult}s.
 */
import { WebSocket, type RawData } from 'ws';
import { int16ToLeBytes, type AudioFrame } from '../../media/index.js';
import {
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
  onUpgradeRefused,
  positiveMs,
  requireText,
  requireToken,
  wsUrl,
} from './stt-kit.js';

/** Settings of {@link DeepgramStt}; the names in brackets are the ones errors report. */
export interface DeepgramSttSettings {
  /** API key (`DEEPGRAM_API_KEY`), required. */
  apiKey: string | undefined;
  /** Server (`DEEPGRAM_URL`), default `wss://api.deepgram.com`; tests point it at a fake. */
  baseUrl?: string;
  /** Model (`DEEPGRAM_MODEL`), default `nova-3`. */
  model?: string;
  /** BCP 47 language (`DEEPGRAM_LANGUAGE`), default `en-US`. */
  language?: string;
  /** Send `KeepAlive` after this long without audio (`DEEPGRAM_KEEPALIVE_MS`), default 4000. */
  keepAliveMs?: number;
  /**
   * Longest wait for the handshake, and for the server's next message once the audio has
   * ended (`DEEPGRAM_TIMEOUT_MS`), default 10 000; past it the stream fails as stalled.
   */
  timeoutMs?: number;
}

/** Languages Deepgram's streaming models take (nova-3 / nova-2; not exhaustive). */
const LANGUAGES = [
  'en-US',
  'en',
  'en-GB',
  'en-AU',
  'en-IN',
  'es',
  'es-419',
  'fr',
  'de',
  'it',
  'pt',
  'pt-BR',
  'nl',
  'ja',
  'ko',
  'zh-CN',
  'zh-TW',
  'hi',
  'ru',
  'tr',
  'sv',
  'da',
  'no',
  'pl',
  'uk',
];

const DEFAULT_URL = 'wss://api.deepgram.com';

/** Speech to text by Deepgram's live streaming API. */
export class DeepgramStt implements SpeechToText {
  readonly id = 'deepgram';
  readonly kind = 'cloud' as const;
  readonly capabilities: SttCapabilities;
  private readonly config: Required<Omit<DeepgramSttSettings, 'apiKey'>> & { apiKey: string };

  /** Validates the settings; throws a `ProviderConfigError` naming the bad one. */
  constructor(settings: DeepgramSttSettings) {
    const language = settings.language ?? 'en-US';
    this.config = {
      apiKey: requireToken('DEEPGRAM_API_KEY', settings.apiKey, { trim: false }),
      baseUrl: wsUrl('DEEPGRAM_URL', settings.baseUrl ?? DEFAULT_URL, {
        fromHttp: true,
      }).toString(),
      model: requireText('DEEPGRAM_MODEL', settings.model ?? 'nova-3'),
      language: requireText('DEEPGRAM_LANGUAGE', language),
      keepAliveMs: positiveMs('DEEPGRAM_KEEPALIVE_MS', settings.keepAliveMs ?? 4000),
      timeoutMs: positiveMs('DEEPGRAM_TIMEOUT_MS', settings.timeoutMs ?? 10_000),
    };
    this.capabilities = {
      streaming: true,
      // The configured language comes first: it is the default of a stream without one.
      languages: [language, ...LANGUAGES.filter((l) => l !== language)],
      sampleRatesHz: [16000, 8000, 48000],
      wordTimings: true,
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    if (!this.capabilities.sampleRatesHz.includes(options.sampleRateHz)) {
      throw new RangeError(`deepgram: unsupported sample rate ${options.sampleRateHz} Hz`);
    }
    return new DeepgramStream(this.config, options);
  }
}

/** One live connection. */
class DeepgramStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly ws: WebSocket;
  private readonly language: string;
  private readonly pending: Buffer[] = [];
  private ended = false;
  private closed = false;
  private lastSentMs = Date.now();
  private keepAlive: NodeJS.Timeout | undefined;
  private stall: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly config: Required<Omit<DeepgramSttSettings, 'apiKey'>> & { apiKey: string },
    private readonly options: SttStreamOptions,
  ) {
    this.results = this.queue;
    this.language = options.language ?? config.language;
    const url = new URL(`${config.baseUrl.replace(/\/+$/, '')}/v1/listen`);
    const query = url.searchParams;
    query.set('encoding', 'linear16');
    query.set('sample_rate', String(options.sampleRateHz));
    query.set('channels', '1');
    query.set('interim_results', 'true');
    query.set('punctuate', 'true');
    query.set('language', this.language);
    query.set('model', config.model);
    // Phrases are hints: nova-3 calls them key terms, older models keywords.
    for (const phrase of options.phrases ?? []) {
      query.append(config.model.startsWith('nova-3') ? 'keyterm' : 'keywords', phrase);
    }
    this.ws = new WebSocket(url, {
      headers: { Authorization: `Token ${config.apiKey}` },
      handshakeTimeout: config.timeoutMs,
    });
    this.ws.on('open', () => this.opened());
    // Deepgram refuses a bad key (401) or bad parameters (400) before the upgrade.
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
        `deepgram: frame at ${frame.sampleRateHz} Hz on a ${this.options.sampleRateHz} Hz stream`,
      );
    }
    // A copy: the frame's buffer may be reused by its producer while ws still queues it.
    const bytes = Buffer.from(int16ToLeBytes(frame.samples));
    if (this.ws.readyState === WebSocket.OPEN) this.send(bytes);
    else this.pending.push(bytes);
  }

  end(): void {
    if (this.ended || this.closed || this.queue.closed) return;
    this.ended = true;
    this.stopKeepAlive();
    if (this.ws.readyState === WebSocket.OPEN) this.sendCloseStream();
    this.armStall();
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
    for (const bytes of this.pending.splice(0)) this.send(bytes);
    if (this.ended) {
      this.sendCloseStream();
      return;
    }
    this.keepAlive = setInterval(
      () => {
        if (this.ws.readyState !== WebSocket.OPEN) return;
        if (Date.now() - this.lastSentMs < this.config.keepAliveMs) return;
        this.ws.send(JSON.stringify({ type: 'KeepAlive' }));
        this.lastSentMs = Date.now();
      },
      Math.max(10, Math.floor(this.config.keepAliveMs / 4)),
    );
    this.keepAlive.unref();
  }

  private send(bytes: Buffer): void {
    this.ws.send(bytes);
    this.lastSentMs = Date.now();
  }

  private sendCloseStream(): void {
    this.ws.send(JSON.stringify({ type: 'CloseStream' }));
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.closed || this.queue.closed) return;
    if (this.ended) this.armStall();
    if (isBinary) return; // Deepgram sends no binary messages; nothing to read in one.
    let message: unknown;
    try {
      message = JSON.parse(messageText(data));
    } catch {
      this.fail('sent a message that is not JSON', true);
      return;
    }
    if (!isRecord(message)) {
      this.fail('sent a message that is not a JSON object', true);
      return;
    }
    switch (message['type']) {
      case 'Results':
        this.result(message);
        return;
      case 'Error':
        this.fail(
          `reported an error: ${String(message['description'] ?? message['message'] ?? 'unknown')}`,
          false,
        );
        return;
      default:
        // Metadata, SpeechStarted, UtteranceEnd: nothing the results carry.
        return;
    }
  }

  private result(message: Record<string, unknown>): void {
    const channel = message['channel'];
    const alternatives = isRecord(channel) ? channel['alternatives'] : undefined;
    if (!Array.isArray(alternatives)) {
      this.fail('sent Results without channel.alternatives', true);
      return;
    }
    const best: unknown = alternatives[0];
    if (!isRecord(best) || typeof best['transcript'] !== 'string') return;
    const text = best['transcript'].trim();
    if (text === '') return; // silence: Deepgram reports empty transcripts
    const result: SttResult = {
      type: message['is_final'] === true ? 'final' : 'partial',
      text,
      language: this.language,
    };
    if (typeof best['confidence'] === 'number') result.confidence = clamp01(best['confidence']);
    if (Array.isArray(best['words'])) {
      const words: WordTiming[] = [];
      for (const w of best['words'] as unknown[]) {
        if (!isRecord(w) || typeof w['word'] !== 'string') continue;
        if (typeof w['start'] !== 'number' || typeof w['end'] !== 'number') continue;
        const word: WordTiming = {
          word: w['word'],
          startMs: Math.round(w['start'] * 1000),
          endMs: Math.round(w['end'] * 1000),
        };
        if (typeof w['confidence'] === 'number') word.confidence = clamp01(w['confidence']);
        words.push(word);
      }
      if (words.length > 0) result.words = words;
    }
    this.queue.push(result);
  }

  private socketClosed(code: number, reason: string): void {
    this.cleanup();
    if (this.closed || this.queue.closed) return;
    // After CloseStream the server flushes and closes normally: that is the end.
    if (this.ended && code === 1000) {
      this.queue.close();
      return;
    }
    this.fail(
      `closed the connection${this.ended ? '' : ' before the audio ended'}: ${code}${reason ? ` ${reason}` : ''}`,
      code !== 1008 && code !== 1003,
    );
  }

  private armStall(): void {
    clearTimeout(this.stall);
    this.stall = setTimeout(() => {
      this.fail(`no answer within ${this.config.timeoutMs} ms after the audio ended`, true);
    }, this.config.timeoutMs);
    this.stall.unref();
  }

  private fail(message: string, retryable: boolean, status?: number): void {
    if (this.closed || this.queue.closed) return;
    this.queue.fail(new ProviderError('deepgram', message, retryable, status));
    this.cleanup();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private stopKeepAlive(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  private cleanup(): void {
    this.stopKeepAlive();
    clearTimeout(this.stall);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
