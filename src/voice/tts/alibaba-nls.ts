/**
 * Alibaba Cloud Intelligent Speech Interaction (NLS) streaming text to speech — the
 * `FlowingSpeechSynthesizer` WebSocket protocol (CosyVoice voices). Text goes in as it is
 * produced (`RunSynthesis` per chunk), so the server starts speaking before the answer is
 * complete; audio comes back as binary PCM frames between JSON events:
 *
 * ```
 * → StartSynthesis {voice, format: pcm, sample_rate, …}   ← SynthesisStarted
 * → RunSynthesis {text} (any number)                      ← SentenceBegin, audio…, SentenceSynthesis, SentenceEnd
 * → StopSynthesis                                         ← … SynthesisCompleted   (or TaskFailed at any point)
 * ```
 *
 * Authentication is a temporary NLS token (valid about 24 hours) in the URL's `token`
 * parameter plus the project's AppKey in every message header. Minting the token needs the
 * account's AccessKey and a signed `CreateToken` call; that is left to the caller: pass the
 * token itself, or a function that returns a current one (it is called per synthesis, so it
 * can cache and refresh).
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { AudioFrame } from '../../media/index.js';
import {
  ProviderConfigError,
  ProviderError,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import {
  asProviderError,
  AsyncQueue,
  linkedAbort,
  messageBytes,
  messageText,
  openSocket,
  positiveSetting,
  requireSetting,
  urlSetting,
  Watchdog,
} from './cloud-tts-kit.js';
import { PcmFramer } from './pcm-framer.js';
import { SentenceSplitter, ssmlToPlainText, textChunks } from './sentences.js';

/** Settings of {@link AlibabaNlsTts}. */
export interface AlibabaNlsTtsSettings {
  /** The project's AppKey from the NLS console. Required. */
  appKey: string;
  /**
   * An NLS access token, or a function returning a current one (tokens expire after about
   * 24 hours; obtaining one needs the AccessKey and is the caller's job). Required.
   */
  token: string | (() => string | Promise<string>);
  /** Gateway region (default `cn-beijing`, where the streaming-text synthesizer is served). */
  region?: string;
  /** Full gateway URL, overriding the one built from `region` (internal network, tests). */
  url?: string;
  /** Voice when the call names none (default `longxiaochun`). */
  voice?: string;
  /** Rate asked of the server: 8000, 16000 (default), 22050, 24000, 44100 or 48000 Hz. */
  vendorSampleRateHz?: number;
  /** Volume 0…100 (default 50). */
  volume?: number;
  /** Connecting, or an answer owed by the server, taking longer than this is a stall (default 10000 ms). */
  timeoutMs?: number;
  /** Provider id in logs and configuration (default `alibaba-nls`). */
  id?: string;
}

const NAMESPACE = 'FlowingSpeechSynthesizer';
/** The gateway's status for success; anything else in an event header is a failure. */
const STATUS_OK = 20000000;
const RATES = [8000, 16000, 22050, 24000, 44100, 48000];
const VOICES = [
  'longxiaochun',
  'longxiaoxia',
  'longwan',
  'longcheng',
  'longhua',
  'longshu',
  'longjing',
  'longmiao',
  'loongstella',
  'loongbella',
];

/** A 32-hex-digit id, as the protocol wants for message and task ids. */
function hexId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The server's rate scale: −500…500 maps to 0.5×…2× around 0 = 1×, with different slopes on
 * each side (Alibaba's formula: (1 − 1/r) / 0.002 below 1×, (1 − 1/r) / 0.001 above).
 */
function nlsRate(factor: number): number {
  const r = Math.min(2, Math.max(0.5, factor));
  const value = r < 1 ? (1 - 1 / r) / 0.002 : (1 - 1 / r) / 0.001;
  return Math.round(Math.min(500, Math.max(-500, value)));
}

/** Streaming speech through Alibaba Cloud NLS's FlowingSpeechSynthesizer. */
export class AlibabaNlsTts implements TextToSpeech {
  readonly id: string;
  readonly kind = 'cloud' as const;
  readonly capabilities: TtsCapabilities;
  private readonly appKey: string;
  private readonly token: () => string | Promise<string>;
  private readonly url: string;
  private readonly voice: string;
  private readonly vendorRateHz: number;
  private readonly volume: number;
  private readonly timeoutMs: number;

  constructor(settings: AlibabaNlsTtsSettings) {
    settings ??= {} as AlibabaNlsTtsSettings;
    this.appKey = requireSetting('appKey', settings.appKey);
    const token = settings.token;
    if (typeof token === 'function') this.token = token;
    else {
      const value = requireSetting('token', token);
      this.token = () => value;
    }
    if (settings.url !== undefined) {
      this.url = urlSetting('url', settings.url, ['wss:', 'ws:']);
    } else {
      const region = settings.region?.trim() || 'cn-beijing';
      if (!/^[a-z]{2}-[a-z0-9-]+$/.test(region)) {
        throw new ProviderConfigError('region', `is not an Alibaba Cloud region: ${region}`);
      }
      this.url = `wss://nls-gateway-${region}.aliyuncs.com/ws/v1`;
    }
    const rate = settings.vendorSampleRateHz ?? 16000;
    if (!RATES.includes(rate)) {
      throw new ProviderConfigError(
        'vendorSampleRateHz',
        `must be one of ${RATES.join(', ')}, got ${rate}`,
      );
    }
    this.vendorRateHz = rate;
    const volume = settings.volume ?? 50;
    if (!Number.isInteger(volume) || volume < 0 || volume > 100) {
      throw new ProviderConfigError('volume', `must be an integer 0…100, got ${volume}`);
    }
    this.volume = volume;
    this.voice = settings.voice?.trim() || 'longxiaochun';
    this.timeoutMs = positiveSetting('timeoutMs', settings.timeoutMs, 10_000);
    this.id = settings.id ?? 'alibaba-nls';
    this.capabilities = {
      streamingInput: true,
      streamingOutput: true,
      languages: ['zh-CN', 'en-US'],
      voices: VOICES.includes(this.voice) ? VOICES : [this.voice, ...VOICES],
      sampleRatesHz: [8000, 16000, 24000, 48000],
      ssml: false,
    };
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return this.run(text, options);
  }

  private async *run(
    text: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncGenerator<AudioFrame> {
    const controller = linkedAbort(options.signal);
    const signal = controller.signal;
    const queue = new AsyncQueue<AudioFrame>();
    const stop = (): void => queue.close(true);
    // Already aborted (barge-in before the first word): end at once, not wait forever.
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    const task = new NlsTask(this.id, queue, new PcmFramer(options.sampleRateHz), signal, {
      timeoutMs: this.timeoutMs,
      vendorRateHz: this.vendorRateHz,
      appKey: this.appKey,
    });
    const url = this.url;
    const start = {
      voice: options.voice?.trim() || this.voice,
      format: 'pcm',
      sample_rate: this.vendorRateHz,
      volume: this.volume,
      speech_rate: options.rate === undefined ? 0 : nlsRate(options.rate),
      pitch_rate: options.pitch === undefined ? 0 : nlsRate(2 ** (options.pitch / 12)),
    };
    (async () => {
      const token = await this.token();
      if (!token) throw new ProviderConfigError('token', 'the token function returned nothing');
      await task.run(`${url}?token=${encodeURIComponent(token)}`, start, text, options.ssml);
    })().catch((error: unknown) => task.fail(error));
    try {
      yield* queue;
    } finally {
      signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }
}

/** One synthesis task over one connection. */
class NlsTask {
  private readonly taskId = hexId();
  private socket: WebSocket | undefined;
  private readonly watchdog: Watchdog;
  private textEnded = false;
  private finished = false;
  private started: (() => void) | undefined;
  private completed: (() => void) | undefined;
  private failed: ((error: unknown) => void) | undefined;

  constructor(
    private readonly provider: string,
    private readonly queue: AsyncQueue<AudioFrame>,
    private readonly framer: PcmFramer,
    private readonly signal: AbortSignal,
    private readonly config: { timeoutMs: number; vendorRateHz: number; appKey: string },
  ) {
    this.watchdog = new Watchdog(config.timeoutMs, () =>
      this.fail(new ProviderError(provider, `stalled: no answer for ${config.timeoutMs} ms`, true)),
    );
    signal.addEventListener('abort', () => this.shutDown(), { once: true });
  }

  async run(
    url: string,
    start: Record<string, unknown>,
    text: string | AsyncIterable<string>,
    ssml: boolean | undefined,
  ): Promise<void> {
    const socket = await openSocket(this.provider, url, {}, this.config.timeoutMs, this.signal);
    if (!socket || this.signal.aborted) {
      socket?.terminate();
      return;
    }
    this.socket = socket;
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('error', (error) => this.fail(asProviderError(this.provider, error, 'socket error')));
    socket.on('close', (code, reason) => {
      if (this.finished || this.signal.aborted) return;
      const why = reason.length > 0 ? ` ${reason.toString('utf8')}` : '';
      this.fail(
        new ProviderError(
          this.provider,
          `connection closed (${code}${why}) before SynthesisCompleted`,
          true,
        ),
      );
    });
    const failure = new Promise<never>((_, reject) => (this.failed = reject));
    failure.catch(() => undefined);

    const started = new Promise<void>((resolve) => (this.started = resolve));
    this.send('StartSynthesis', start);
    this.watchdog.arm();
    await Promise.race([started, failure]);
    this.watchdog.disarm();

    // Text goes out as it arrives; the deadline runs only once a whole sentence (or the end)
    // has been sent, because before that the server may rightly wait for more.
    const splitter = new SentenceSplitter();
    const input = ssml ? plainTextOf(text) : textChunks(text);
    for await (const chunk of input) {
      if (this.finished || this.signal.aborted) return;
      if (!chunk) continue;
      this.send('RunSynthesis', { text: chunk });
      if (splitter.push(chunk).length > 0) this.watchdog.arm();
    }
    if (this.finished || this.signal.aborted) return;
    const completed = new Promise<void>((resolve) => (this.completed = resolve));
    this.textEnded = true;
    this.send('StopSynthesis', {});
    this.watchdog.arm();
    await Promise.race([completed, failure]);
  }

  /** Ends the task with an error (first failure wins; after abort nothing is reported). */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.shutDown();
    if (!this.signal.aborted) {
      this.queue.fail(asProviderError(this.provider, error, 'synthesis failed'));
    }
    this.failed?.(error);
  }

  private shutDown(): void {
    this.watchdog.disarm();
    this.socket?.terminate();
  }

  private send(name: string, payload: Record<string, unknown>): void {
    const message = {
      header: {
        appkey: this.config.appKey,
        message_id: hexId(),
        task_id: this.taskId,
        namespace: NAMESPACE,
        name,
      },
      payload,
    };
    this.socket?.send(JSON.stringify(message));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.finished) return;
    this.watchdog.kick();
    if (isBinary) {
      const bytes = messageBytes(data);
      // Audio is the answer owed; until the text has ended, more may rightly take a while.
      if (!this.textEnded) this.watchdog.disarm();
      this.queue.push(...this.framer.pushBytes(bytes, this.config.vendorRateHz));
      return;
    }
    let header: { name?: unknown; status?: unknown; status_text?: unknown; task_id?: unknown };
    try {
      const message = JSON.parse(messageText(data)) as { header?: typeof header };
      if (!message || typeof message.header !== 'object' || message.header === null) {
        throw new Error('no header');
      }
      header = message.header;
      if (typeof header.name !== 'string') throw new Error('no event name');
    } catch (error) {
      this.fail(
        new ProviderError(this.provider, `malformed event: ${(error as Error).message}`, true),
      );
      return;
    }
    const status = typeof header.status === 'number' ? header.status : STATUS_OK;
    const statusText =
      (header as { status_message?: unknown }).status_message ?? header.status_text;
    if (header.name === 'TaskFailed' || status !== STATUS_OK) {
      this.fail(
        new ProviderError(
          this.provider,
          `${String(header.name)} ${status}: ${String(statusText ?? 'no reason given')}`,
          status >= 50000000,
          status,
        ),
      );
      return;
    }
    if (typeof header.task_id === 'string' && header.task_id !== this.taskId) {
      this.fail(new ProviderError(this.provider, `event for another task: ${header.task_id}`));
      return;
    }
    switch (header.name) {
      case 'SynthesisStarted':
        this.started?.();
        break;
      case 'SynthesisCompleted':
        this.finished = true;
        this.watchdog.disarm();
        this.queue.push(...this.framer.end());
        this.queue.close();
        this.socket?.close(1000);
        this.completed?.();
        break;
      default:
        // SentenceBegin / SentenceSynthesis (subtitles) / SentenceEnd / MetaInfo: progress
        // only; the audio itself comes in the binary frames.
        break;
    }
  }
}

/** SSML for a server that does not read it: collected whole, then reduced to its text. */
async function* plainTextOf(text: string | AsyncIterable<string>): AsyncGenerator<string> {
  let whole = '';
  for await (const chunk of textChunks(text)) whole += chunk;
  yield ssmlToPlainText(whole);
}
