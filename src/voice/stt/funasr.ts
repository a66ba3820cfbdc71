/**
 * Speech to text by a self-hosted FunASR runtime server (`funasr-wss-server-2pass`, the
 * real-time "2pass" deployment) over its WebSocket protocol: a JSON first message (mode,
 * `chunk_size`, `wav_name`, `is_speaking: true`, `wav_format: pcm`, `audio_fs`, hotwords),
 * binary PCM16, then `{"is_speaking": false}`. The server answers JSON results:
 * `2pass-online` / `online` pieces while audio flows — each one the *new* text since the last,
 * so the adapter accumulates them into a partial — and `2pass-offline` / `offline` for a
 * sentence the offline model has corrected at a VAD boundary, which is a final. The result
 * with `is_final: true` answers `is_speaking: false` and ends the stream (the server does
 * not close the connection; the adapter does).
 *
 * Limits: no authentication (FunASR has none; put it behind a private network or a proxy),
 * no word timings (only timestamp models send `stamp_sents`, and their offsets depend on the
 * server build), languages are whatever models the server loaded.
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
} from '../providers/types.js';
import { AsyncQueue, messageText } from '../tts/cloud-tts-kit.js';
import { isRecord, positiveMs, wsUrl } from './stt-kit.js';

/** FunASR's recognition modes: streaming only, offline only, or both (2pass). */
export type FunAsrMode = '2pass' | 'online' | 'offline';

/** Settings of {@link FunAsrStt}; the names in brackets are the ones errors report. */
export interface FunAsrSttSettings {
  /** Server (`FUNASR_URL`), required, e.g. `wss://asr.internal:10095`. */
  url: string | undefined;
  /** Mode (`FUNASR_MODE`), default `2pass`. */
  mode?: FunAsrMode;
  /** Streaming latency in 60 ms units [look-back, chunk, look-ahead] (`FUNASR_CHUNK_SIZE`), default [5, 10, 5]. */
  chunkSize?: [number, number, number];
  /** Inverse text normalisation: digits as numerals (`FUNASR_ITN`), default true. */
  itn?: boolean;
  /** Weight given to each phrase hint (`FUNASR_HOTWORD_WEIGHT`), default 20. */
  hotwordWeight?: number;
  /** BCP 47 label of the loaded models' language (`FUNASR_LANGUAGE`), default `zh-CN`. */
  language?: string;
  /**
   * Accept a self-signed certificate on wss:// (`FUNASR_TLS_INSECURE`): the FunASR docker
   * image serves TLS with one by default. Default false.
   */
  tlsInsecure?: boolean;
  /**
   * Longest wait for the handshake, and for the server's next message once the audio has
   * ended (`FUNASR_TIMEOUT_MS`), default 10 000.
   */
  timeoutMs?: number;
}

interface Config {
  url: string;
  mode: FunAsrMode;
  chunkSize: [number, number, number];
  itn: boolean;
  hotwordWeight: number;
  language: string;
  tlsInsecure: boolean;
  timeoutMs: number;
}

/** Speech to text by a FunASR runtime server. */
export class FunAsrStt implements SpeechToText {
  readonly id = 'funasr';
  readonly kind = 'self-hosted' as const;
  readonly capabilities: SttCapabilities;
  private readonly config: Config;

  /** Validates the settings; throws {@link ProviderConfigError} naming the bad one. */
  constructor(settings: FunAsrSttSettings) {
    if (!settings.url?.trim()) throw new ProviderConfigError('FUNASR_URL', 'is required');
    const url = wsUrl('FUNASR_URL', settings.url, { trim: true });
    const mode = settings.mode ?? '2pass';
    if (!['2pass', 'online', 'offline'].includes(mode)) {
      throw new ProviderConfigError('FUNASR_MODE', `must be 2pass, online or offline, not ${mode}`);
    }
    const chunkSize = settings.chunkSize ?? [5, 10, 5];
    if (
      chunkSize.length !== 3 ||
      !chunkSize.every((n) => Number.isInteger(n) && n >= 0) ||
      chunkSize[1] === 0
    ) {
      throw new ProviderConfigError(
        'FUNASR_CHUNK_SIZE',
        'must be three whole numbers with a non-zero middle one, e.g. 5,10,5',
      );
    }
    const hotwordWeight = settings.hotwordWeight ?? 20;
    if (!Number.isInteger(hotwordWeight) || hotwordWeight <= 0) {
      throw new ProviderConfigError('FUNASR_HOTWORD_WEIGHT', 'must be a positive whole number');
    }
    const timeoutMs = positiveMs('FUNASR_TIMEOUT_MS', settings.timeoutMs ?? 10_000);
    const language = settings.language?.trim() || 'zh-CN';
    this.config = {
      url: url.toString(),
      mode,
      chunkSize,
      itn: settings.itn ?? true,
      hotwordWeight,
      language,
      tlsInsecure: settings.tlsInsecure ?? false,
      timeoutMs,
    };
    this.capabilities = {
      streaming: mode !== 'offline',
      languages: [language],
      sampleRatesHz: [16000, 8000],
      wordTimings: false,
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    if (!this.capabilities.sampleRatesHz.includes(options.sampleRateHz)) {
      throw new RangeError(`funasr: unsupported sample rate ${options.sampleRateHz} Hz`);
    }
    return new FunAsrStream(this.config, options);
  }
}

let streamCount = 0;

/** One connection, one audio stream. */
class FunAsrStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly ws: WebSocket;
  private readonly language: string;
  private readonly pending: Buffer[] = [];
  /** Online pieces since the last offline (corrected) sentence. */
  private online = '';
  private ended = false;
  private closed = false;
  private stall: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly config: Config,
    private readonly options: SttStreamOptions,
  ) {
    this.results = this.queue;
    this.language = options.language ?? config.language;
    this.ws = new WebSocket(config.url, {
      handshakeTimeout: config.timeoutMs,
      rejectUnauthorized: !config.tlsInsecure,
    });
    this.ws.on('open', () => this.opened());
    this.ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () =>
        this.fail(
          `refused the connection: HTTP ${status}`,
          status === 429 || status >= 500,
          status,
        ),
      );
    });
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
        `funasr: frame at ${frame.sampleRateHz} Hz on a ${this.options.sampleRateHz} Hz stream`,
      );
    }
    const bytes = Buffer.from(int16ToLeBytes(frame.samples));
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
    else this.pending.push(bytes);
  }

  end(): void {
    if (this.ended || this.closed || this.queue.closed) return;
    this.ended = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ is_speaking: false }));
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
    const first: Record<string, unknown> = {
      mode: this.config.mode,
      chunk_size: this.config.chunkSize,
      wav_name: `switchboard-${process.pid}-${++streamCount}`,
      is_speaking: true,
      wav_format: 'pcm',
      audio_fs: this.options.sampleRateHz,
      itn: this.config.itn,
    };
    const phrases = this.options.phrases ?? [];
    if (phrases.length > 0) {
      // The server wants the hotword map as a JSON *string*, phrase → weight.
      first['hotwords'] = JSON.stringify(
        Object.fromEntries(phrases.map((p) => [p, this.config.hotwordWeight])),
      );
    }
    this.ws.send(JSON.stringify(first));
    for (const bytes of this.pending.splice(0)) this.ws.send(bytes);
    if (this.ended) this.ws.send(JSON.stringify({ is_speaking: false }));
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.closed || this.queue.closed) return;
    if (this.ended) this.armStall();
    if (isBinary) return; // results are JSON text
    let message: unknown;
    try {
      message = JSON.parse(messageText(data));
    } catch {
      this.fail('sent a message that is not JSON', true);
      return;
    }
    if (!isRecord(message) || typeof message['text'] !== 'string') {
      this.fail('sent a result without text', true);
      return;
    }
    const text = message['text'];
    const mode = message['mode'];
    if (mode === '2pass-offline' || mode === 'offline') {
      this.online = '';
      this.emit('final', text);
    } else if (mode === '2pass-online' || mode === 'online') {
      this.online += text;
      this.emit('partial', this.online);
    }
    // is_final answers is_speaking: false. Before it, the flag is always false.
    if (message['is_final'] === true && this.ended) {
      // An online-only stream has no corrected sentence: its pieces are the final text.
      if (this.online.trim()) this.emit('final', this.online);
      this.online = '';
      this.queue.close();
      this.cleanup();
      this.ws.close(1000);
    }
  }

  private emit(type: SttResult['type'], text: string): void {
    const trimmed = text.trim();
    if (trimmed) this.queue.push({ type, text: trimmed, language: this.language });
  }

  private socketClosed(code: number, reason: string): void {
    this.cleanup();
    if (this.closed || this.queue.closed) return;
    this.fail(
      `closed the connection${this.ended ? '' : ' before the audio ended'}: ${code}${reason ? ` ${reason}` : ''}`,
      code !== 1008,
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
    this.queue.fail(new ProviderError('funasr', message, retryable, status));
    this.cleanup();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private cleanup(): void {
    clearTimeout(this.stall);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
