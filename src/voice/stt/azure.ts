/**
 * Azure AI Speech speech to text over the Speech SDK's WebSocket protocol, spoken directly
 * (no SDK): `wss://{region}.stt.speech.microsoft.com/speech/recognition/conversation/
 * cognitiveservices/v1`. Text messages are HTTP-like (headers, blank line, JSON body, with a
 * `Path` header naming the message); audio goes in binary messages that start with a 2-byte
 * big-endian header length, then the same kind of headers (`Path: audio`), then the bytes —
 * a RIFF/WAV header in the first chunk of a turn, raw PCM16 after it, and an empty body to
 * say the audio ended. The service answers `turn.start`, `speech.hypothesis` (partials),
 * `speech.phrase` (finals; `format=detailed` gives NBest with confidence and, with
 * `wordLevelTimestamps`, words), `speech.endDetected` and `turn.end`. Offsets and durations
 * are in 100-ns ticks.
 *
 * Subset implemented: one recognition turn per stream in conversation mode, phrase-list hints
 * through `speech.context`. Not implemented: the telemetry message the SDK sends after each
 * turn (the service does not require it), token (JWT) authentication, language detection.
 */
import { WebSocket, type RawData } from 'ws';
import { int16ToLeBytes, wavHeader, type AudioFrame } from '../../media/index.js';
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

/** Settings of {@link AzureStt}; the names in brackets are the ones errors report. */
export interface AzureSttSettings {
  /** Subscription key (`AZURE_SPEECH_KEY`), required. */
  apiKey: string | undefined;
  /** Region (`AZURE_SPEECH_REGION`), e.g. `westeurope`; required unless `endpoint` is set. */
  region?: string;
  /**
   * Server (`AZURE_SPEECH_ENDPOINT`) instead of the region's, e.g. a container or a test fake:
   * `ws://host:port` (the standard path is added) or a full URL with its path.
   */
  endpoint?: string;
  /** BCP 47 language (`AZURE_SPEECH_LANGUAGE`), default `en-US`. */
  language?: string;
  /**
   * Longest wait for the handshake, and for the service's next message once the audio has
   * ended (`AZURE_SPEECH_TIMEOUT_MS`), default 10 000.
   */
  timeoutMs?: number;
}

const PATH = '/speech/recognition/conversation/cognitiveservices/v1';

/** Some of the many locales Azure recognises. */
const LANGUAGES = [
  'en-US',
  'en-GB',
  'en-AU',
  'en-IN',
  'zh-CN',
  'zh-HK',
  'zh-TW',
  'de-DE',
  'fr-FR',
  'es-ES',
  'es-MX',
  'it-IT',
  'ja-JP',
  'ko-KR',
  'pt-BR',
  'pt-PT',
  'nl-NL',
  'ru-RU',
  'ar-SA',
  'hi-IN',
];

/** 100-ns ticks per millisecond. */
const TICKS_PER_MS = 10_000;
/** The service takes at most 8192 bytes of audio per message. */
const MAX_AUDIO_BODY = 8192;

interface Config {
  apiKey: string;
  url: string;
  language: string;
  timeoutMs: number;
}

/** Speech to text by Azure AI Speech. */
export class AzureStt implements SpeechToText {
  readonly id = 'azure';
  readonly kind = 'cloud' as const;
  readonly capabilities: SttCapabilities;
  private readonly config: Config;

  /** Validates the settings; throws {@link ProviderConfigError} naming the bad one. */
  constructor(settings: AzureSttSettings) {
    const apiKey = requireToken('AZURE_SPEECH_KEY', settings.apiKey);
    let url: URL;
    if (settings.endpoint) {
      url = wsUrl('AZURE_SPEECH_ENDPOINT', settings.endpoint, { fromHttp: true });
      if (url.pathname === '/' || url.pathname === '') url.pathname = PATH;
    } else {
      const region = settings.region?.trim();
      if (!region) {
        throw new ProviderConfigError(
          'AZURE_SPEECH_REGION',
          'is required (or AZURE_SPEECH_ENDPOINT)',
        );
      }
      if (!/^[a-z0-9]+$/.test(region)) {
        throw new ProviderConfigError(
          'AZURE_SPEECH_REGION',
          `must be a region name such as westeurope, not ${region}`,
        );
      }
      const suffix = region.startsWith('china') ? 'azure.cn' : 'microsoft.com';
      url = new URL(`wss://${region}.stt.speech.${suffix}${PATH}`);
    }
    const language = settings.language?.trim() || 'en-US';
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) {
      throw new ProviderConfigError('AZURE_SPEECH_LANGUAGE', `is not a BCP 47 tag: ${language}`);
    }
    const timeoutMs = positiveMs('AZURE_SPEECH_TIMEOUT_MS', settings.timeoutMs ?? 10_000);
    this.config = { apiKey, url: url.toString(), language, timeoutMs };
    this.capabilities = {
      streaming: true,
      languages: [language, ...LANGUAGES.filter((l) => l !== language)],
      sampleRatesHz: [16000, 8000],
      wordTimings: true,
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    if (!this.capabilities.sampleRatesHz.includes(options.sampleRateHz)) {
      throw new RangeError(`azure: unsupported sample rate ${options.sampleRateHz} Hz`);
    }
    return new AzureStream(this.config, options);
  }
}

/** One connection, one recognition turn. */
class AzureStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly ws: WebSocket;
  private readonly language: string;
  private readonly pending: Buffer[] = [];
  private requestId = newId();
  private wavHeaderSent = false;
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
    const url = new URL(config.url);
    url.searchParams.set('language', this.language);
    url.searchParams.set('format', 'detailed');
    url.searchParams.set('wordLevelTimestamps', 'true');
    this.ws = new WebSocket(url, {
      headers: { 'Ocp-Apim-Subscription-Key': config.apiKey, 'X-ConnectionId': newId() },
      handshakeTimeout: config.timeoutMs,
    });
    this.ws.on('open', () => this.opened());
    // A bad key is refused with 401, a bad request with 400, before the upgrade.
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
        `azure: frame at ${frame.sampleRateHz} Hz on a ${this.options.sampleRateHz} Hz stream`,
      );
    }
    const bytes = Buffer.from(int16ToLeBytes(frame.samples));
    if (this.ws.readyState === WebSocket.OPEN) this.sendAudio(bytes);
    else this.pending.push(bytes);
  }

  end(): void {
    if (this.ended || this.closed || this.queue.closed) return;
    this.ended = true;
    if (this.ws.readyState === WebSocket.OPEN) this.sendEndOfAudio();
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
    this.ws.send(
      textMessage('speech.config', undefined, {
        context: {
          system: { name: 'Switchboard', version: '1.0.0', build: 'Node.js', lang: 'TypeScript' },
          os: { platform: process.platform, name: 'Node.js', version: process.version },
          device: { manufacturer: 'Switchboard', model: 'call-center', version: '1.0.0' },
          audio: { source: { type: 'Stream', connectivity: 'Unknown' } },
        },
      }),
    );
    this.sendContext();
    for (const bytes of this.pending.splice(0)) this.sendAudio(bytes);
    if (this.ended) this.sendEndOfAudio();
  }

  /** Phrase-list hints (the SDK's PhraseListGrammar) go in the turn's speech.context. */
  private sendContext(): void {
    const phrases = this.options.phrases ?? [];
    if (phrases.length === 0) return;
    this.ws.send(
      textMessage('speech.context', this.requestId, {
        dgi: { Groups: [{ Type: 'Generic', Items: phrases.map((Text) => ({ Text })) }] },
      }),
    );
  }

  private sendAudio(pcm: Buffer): void {
    let body = pcm;
    if (!this.wavHeaderSent) {
      // The first chunk of a turn carries the RIFF header that says what the audio is.
      const header = wavHeader({
        sampleRateHz: this.options.sampleRateHz,
        channels: 1,
        bitsPerSample: 16,
        dataBytes: 0,
      });
      body = Buffer.concat([header, pcm]);
      this.wavHeaderSent = true;
    }
    for (let at = 0; at < body.length; at += MAX_AUDIO_BODY) {
      this.ws.send(audioMessage(this.requestId, body.subarray(at, at + MAX_AUDIO_BODY)));
    }
  }

  private sendEndOfAudio(): void {
    // Nothing was written: the turn still needs its header before the end marker.
    if (!this.wavHeaderSent) this.sendAudio(Buffer.alloc(0));
    this.ws.send(audioMessage(this.requestId, Buffer.alloc(0)));
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.closed || this.queue.closed) return;
    if (this.ended) this.armStall();
    if (isBinary) return; // recognition answers are text messages
    const parsed = parseTextMessage(messageText(data));
    if (!parsed) {
      this.fail('sent a message without Path header and body', true);
      return;
    }
    const { path, body } = parsed;
    switch (path) {
      case 'speech.hypothesis':
      case 'speech.fragment': {
        const json = this.json(path, body);
        if (!json) return;
        const text = typeof json['Text'] === 'string' ? json['Text'].trim() : '';
        if (text) this.queue.push({ type: 'partial', text, language: this.language });
        return;
      }
      case 'speech.phrase': {
        const json = this.json(path, body);
        if (json) this.phrase(json);
        return;
      }
      case 'turn.end':
        if (this.ended) {
          this.queue.close();
          this.cleanup();
          this.ws.close(1000);
        } else {
          // The service closed the turn on its own (e.g. a long silence): start another,
          // which needs a new request id and a new WAV header.
          this.requestId = newId();
          this.wavHeaderSent = false;
          this.sendContext();
        }
        return;
      default:
        // turn.start, speech.startDetected, speech.endDetected: nothing the results carry.
        return;
    }
  }

  private json(path: string, body: string): Record<string, unknown> | undefined {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed)) return parsed;
    } catch {
      // reported below
    }
    this.fail(`sent ${path} with a body that is not a JSON object`, true);
    return undefined;
  }

  private phrase(json: Record<string, unknown>): void {
    const status = json['RecognitionStatus'];
    if (status === 'NoMatch' || status === 'InitialSilenceTimeout' || status === 'BabbleTimeout') {
      return; // no speech recognised: no result
    }
    if (status === 'EndOfDictation') return;
    if (status !== 'Success') {
      this.fail(`recognition failed: ${String(status)}`, status === 'TooManyRequests');
      return;
    }
    const nbest = Array.isArray(json['NBest']) ? (json['NBest'] as unknown[]) : [];
    const best = isRecord(nbest[0]) ? nbest[0] : undefined;
    const display = best?.['Display'] ?? json['DisplayText'];
    const text = typeof display === 'string' ? display.trim() : '';
    if (!text) return;
    const result: SttResult = { type: 'final', text, language: this.language };
    if (typeof best?.['Confidence'] === 'number') result.confidence = clamp01(best['Confidence']);
    if (Array.isArray(best?.['Words'])) {
      const words: WordTiming[] = [];
      for (const w of best['Words'] as unknown[]) {
        if (!isRecord(w) || typeof w['Word'] !== 'string') continue;
        if (typeof w['Offset'] !== 'number' || typeof w['Duration'] !== 'number') continue;
        const startMs = Math.round(w['Offset'] / TICKS_PER_MS);
        const word: WordTiming = {
          word: w['Word'],
          startMs,
          endMs: startMs + Math.round(w['Duration'] / TICKS_PER_MS),
        };
        if (typeof w['Confidence'] === 'number') word.confidence = clamp01(w['Confidence']);
        words.push(word);
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
      code !== 1007 && code !== 1008,
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
    this.queue.fail(new ProviderError('azure', message, retryable, status));
    this.cleanup();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private cleanup(): void {
    clearTimeout(this.stall);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

// ---- the wire format ------------------------------------------------------------------------

/** The header lines every client message carries. */
function headerLines(path: string, requestId: string | undefined, contentType: string): string {
  let lines = `Path: ${path}\r\n`;
  if (requestId) lines += `X-RequestId: ${requestId}\r\n`;
  lines += `X-Timestamp: ${new Date().toISOString()}\r\nContent-Type: ${contentType}\r\n`;
  return lines;
}

/** A text message: headers, blank line, JSON body. */
function textMessage(path: string, requestId: string | undefined, body: unknown): string {
  return `${headerLines(path, requestId, 'application/json')}\r\n${JSON.stringify(body)}`;
}

/** A binary audio message: 2-byte big-endian header length, headers, audio bytes. */
function audioMessage(requestId: string, audio: Buffer): Buffer {
  const headers = Buffer.from(headerLines('audio', requestId, 'audio/x-wav'), 'ascii');
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(headers.length, 0);
  return Buffer.concat([prefix, headers, audio]);
}

/** Path and body of a service text message, or undefined when it is not one. */
function parseTextMessage(text: string): { path: string; body: string } | undefined {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  let path: string | undefined;
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'path') {
      path = line.slice(colon + 1).trim();
    }
  }
  if (!path) return undefined;
  return { path, body: split < 0 ? '' : text.slice(split + 4) };
}
