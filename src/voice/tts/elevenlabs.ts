/**
 * ElevenLabs streaming text to speech over its input-streaming WebSocket
 * (`wss://api.elevenlabs.io/v1/text-to-speech/{voice_id}/stream-input`). Text goes in as the
 * language model writes it and audio comes back as base64 PCM in JSON messages:
 *
 * ```
 * → {text: ' ', voice_settings}                 (opens the stream; key in the xi-api-key header)
 * → {text: 'Good morning. ', try_trigger_generation: true, flush?: true}   (any number)
 * → {text: ''}                                  (end of input)
 * ← {audio: base64, isFinal: false, alignment}… ← {isFinal: true}
 * ```
 *
 * Chunks are sent at word boundaries (every chunk ends with a space, as the API asks) and a
 * completed sentence is flushed, so the first sentence is spoken while the model still writes
 * the second.
 */
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
  messageText,
  openSocket,
  positiveSetting,
  requireSetting,
  urlSetting,
  Watchdog,
} from './cloud-tts-kit.js';
import { PcmFramer } from './pcm-framer.js';
import { SentenceSplitter, ssmlToPlainText, textChunks } from './sentences.js';

/** Voice settings sent when the stream opens (ElevenLabs' names, camel-cased). */
export interface ElevenLabsVoiceSettings {
  /** 0…1 (default: the voice's own). */
  stability?: number;
  /** 0…1 (default: the voice's own). */
  similarityBoost?: number;
  /** 0…1, style exaggeration (models that support it). */
  style?: number;
  useSpeakerBoost?: boolean;
}

/** Settings of {@link ElevenLabsTts}. */
export interface ElevenLabsTtsSettings {
  /** API key, sent in the `xi-api-key` header. Required. */
  apiKey: string;
  /** Voice id when the call names none (default `21m00Tcm4TlvDq8ikWAM`, "Rachel"). */
  voiceId?: string;
  /** Model id (default `eleven_flash_v2_5`, the lowest-latency multilingual one). */
  model?: string;
  /** WebSocket root (default `wss://api.elevenlabs.io`). */
  baseUrl?: string;
  /** Rate asked of the server: 8000, 16000 (default), 22050, 24000 or 44100 Hz (`pcm_*`). */
  vendorSampleRateHz?: number;
  voiceSettings?: ElevenLabsVoiceSettings;
  /** Connecting, or an answer owed by the server, taking longer than this is a stall (default 10000 ms). */
  timeoutMs?: number;
  /** Provider id in logs and configuration (default `elevenlabs`). */
  id?: string;
  /** BCP 47 languages to declare (default: common ones of the multilingual models). */
  languages?: string[];
}

const RATES = [8000, 16000, 22050, 24000, 44100];
const DEFAULT_VOICE_ID = '21m00Tcm4TlvDq8ikWAM';
const DEFAULT_LANGUAGES = [
  'en-US',
  'en-GB',
  'zh-CN',
  'es-ES',
  'fr-FR',
  'de-DE',
  'it-IT',
  'pt-BR',
  'ja-JP',
  'ko-KR',
  'hi-IN',
  'ar-SA',
  'nl-NL',
  'pl-PL',
];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Input-streaming speech through ElevenLabs' WebSocket API. */
export class ElevenLabsTts implements TextToSpeech {
  readonly id: string;
  readonly kind = 'cloud' as const;
  readonly capabilities: TtsCapabilities;
  private readonly apiKey: string;
  private readonly voiceId: string;
  private readonly model: string;
  private readonly baseUrl: string;
  private readonly vendorRateHz: number;
  private readonly voiceSettings: ElevenLabsVoiceSettings;
  private readonly timeoutMs: number;

  constructor(settings: ElevenLabsTtsSettings) {
    settings ??= {} as ElevenLabsTtsSettings;
    this.apiKey = requireSetting('apiKey', settings.apiKey);
    this.baseUrl = urlSetting('baseUrl', settings.baseUrl ?? 'wss://api.elevenlabs.io', [
      'wss:',
      'ws:',
    ]);
    const rate = settings.vendorSampleRateHz ?? 16000;
    if (!RATES.includes(rate)) {
      throw new ProviderConfigError(
        'vendorSampleRateHz',
        `must be one of ${RATES.join(', ')}, got ${rate}`,
      );
    }
    this.vendorRateHz = rate;
    this.voiceId = settings.voiceId?.trim() || DEFAULT_VOICE_ID;
    this.model = settings.model?.trim() || 'eleven_flash_v2_5';
    this.voiceSettings = settings.voiceSettings ?? {};
    for (const key of ['stability', 'similarityBoost', 'style'] as const) {
      const value = this.voiceSettings[key];
      if (value !== undefined && !(value >= 0 && value <= 1)) {
        throw new ProviderConfigError(`voiceSettings.${key}`, `must be 0…1, got ${value}`);
      }
    }
    this.timeoutMs = positiveSetting('timeoutMs', settings.timeoutMs, 10_000);
    this.id = settings.id ?? 'elevenlabs';
    this.capabilities = {
      streamingInput: true,
      streamingOutput: true,
      languages: settings.languages?.length ? [...settings.languages] : DEFAULT_LANGUAGES,
      voices: [this.voiceId],
      sampleRatesHz: [8000, 16000, 24000, 48000],
      ssml: false,
    };
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return this.run(text, options);
  }

  /** The stream URL for a voice. */
  urlFor(voiceId: string): string {
    const query = new URLSearchParams({
      model_id: this.model,
      output_format: `pcm_${this.vendorRateHz}`,
    });
    return `${this.baseUrl}/v1/text-to-speech/${encodeURIComponent(voiceId)}/stream-input?${query}`;
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
    const stream = new ElevenLabsStream(this.id, queue, options.sampleRateHz, signal, {
      timeoutMs: this.timeoutMs,
      vendorRateHz: this.vendorRateHz,
    });
    const settings: Record<string, unknown> = {};
    const v = this.voiceSettings;
    if (v.stability !== undefined) settings.stability = v.stability;
    if (v.similarityBoost !== undefined) settings.similarity_boost = v.similarityBoost;
    if (v.style !== undefined) settings.style = v.style;
    if (v.useSpeakerBoost !== undefined) settings.use_speaker_boost = v.useSpeakerBoost;
    if (options.rate !== undefined) settings.speed = Math.min(1.2, Math.max(0.7, options.rate));
    const url = this.urlFor(options.voice?.trim() || this.voiceId);
    stream
      .run(url, this.apiKey, settings, options.ssml ? plainTextOf(text) : textChunks(text))
      .catch((error: unknown) => stream.fail(error));
    try {
      yield* queue;
    } finally {
      signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }
}

/** One synthesis over one connection. */
class ElevenLabsStream {
  private socket: WebSocket | undefined;
  private readonly watchdog: Watchdog;
  private readonly framer: PcmFramer;
  private textEnded = false;
  private finished = false;
  private completed: (() => void) | undefined;
  private failed: ((error: unknown) => void) | undefined;

  constructor(
    private readonly provider: string,
    private readonly queue: AsyncQueue<AudioFrame>,
    sampleRateHz: number,
    private readonly signal: AbortSignal,
    private readonly config: { timeoutMs: number; vendorRateHz: number },
  ) {
    this.framer = new PcmFramer(sampleRateHz);
    this.watchdog = new Watchdog(config.timeoutMs, () =>
      this.fail(new ProviderError(provider, `stalled: no answer for ${config.timeoutMs} ms`, true)),
    );
    signal.addEventListener('abort', () => this.shutDown(), { once: true });
  }

  async run(
    url: string,
    apiKey: string,
    voiceSettings: Record<string, unknown>,
    input: AsyncIterable<string>,
  ): Promise<void> {
    const socket = await openSocket(
      this.provider,
      url,
      { 'xi-api-key': apiKey },
      this.config.timeoutMs,
      this.signal,
    );
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
          `connection closed (${code}${why}) before the final message`,
          code !== 1008,
        ),
      );
    });
    const failure = new Promise<never>((_, reject) => (this.failed = reject));
    failure.catch(() => undefined);

    const opening: Record<string, unknown> = { text: ' ' };
    if (Object.keys(voiceSettings).length > 0) opening.voice_settings = voiceSettings;
    this.send(opening);

    // Text is sent up to its last space as it arrives (a word cut in two would be spoken as
    // two); a completed sentence is flushed so the server speaks it without waiting for its
    // buffer to fill. The deadline runs only while a flushed sentence is owed.
    const splitter = new SentenceSplitter();
    let unsent = '';
    for await (const chunk of input) {
      if (this.finished || this.signal.aborted) return;
      if (!chunk) continue;
      unsent += chunk;
      if (splitter.push(chunk).length > 0) {
        const cut = Math.max(0, unsent.length - splitter.buffered.length);
        const sentence = unsent.slice(0, cut);
        // The space after the sentence was sent with it (every chunk ends with one).
        unsent = unsent.slice(cut).replace(/^\s+/, '');
        if (sentence.trim()) {
          this.send({ text: endWithSpace(sentence), try_trigger_generation: true, flush: true });
          this.watchdog.arm();
        }
      }
      const space = lastSpace(unsent);
      if (space >= 0) {
        const words = unsent.slice(0, space + 1);
        unsent = unsent.slice(space + 1);
        if (words.trim()) this.send({ text: endWithSpace(words), try_trigger_generation: true });
      }
    }
    if (this.finished || this.signal.aborted) return;
    if (unsent.trim()) this.send({ text: endWithSpace(unsent), flush: true });
    const completed = new Promise<void>((resolve) => (this.completed = resolve));
    this.textEnded = true;
    this.send({ text: '' });
    this.watchdog.arm();
    await Promise.race([completed, failure]);
  }

  /** Ends the stream with an error (first failure wins; after abort nothing is reported). */
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

  private send(message: Record<string, unknown>): void {
    this.socket?.send(JSON.stringify(message));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.finished) return;
    this.watchdog.kick();
    let message: { audio?: unknown; isFinal?: unknown; error?: unknown; message?: unknown };
    try {
      if (isBinary) throw new Error('binary message');
      message = JSON.parse(messageText(data)) as typeof message;
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        throw new Error('not an object');
      }
      if (message.audio !== undefined && message.audio !== null) {
        if (typeof message.audio !== 'string' || !BASE64.test(message.audio)) {
          throw new Error('audio is not base64');
        }
      }
    } catch (error) {
      this.fail(
        new ProviderError(this.provider, `malformed message: ${(error as Error).message}`, true),
      );
      return;
    }
    if (message.error !== undefined || (message.message !== undefined && !message.audio)) {
      const reason = [message.error, message.message].filter((x) => x !== undefined);
      this.fail(new ProviderError(this.provider, `server error: ${reason.join(': ')}`));
      return;
    }
    if (typeof message.audio === 'string' && message.audio.length > 0) {
      if (!this.textEnded) this.watchdog.disarm();
      const bytes = Buffer.from(message.audio, 'base64');
      this.queue.push(...this.framer.pushBytes(bytes, this.config.vendorRateHz));
    }
    if (message.isFinal === true) {
      this.finished = true;
      this.watchdog.disarm();
      this.queue.push(...this.framer.end());
      this.queue.close();
      this.socket?.close(1000);
      this.completed?.();
    }
  }
}

function endWithSpace(text: string): string {
  return `${text.replace(/\s+$/, '')} `;
}

function lastSpace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/.test(text[i]!)) return i;
  return -1;
}

/** SSML for a server that does not read it: collected whole, then reduced to its text. */
async function* plainTextOf(text: string | AsyncIterable<string>): AsyncGenerator<string> {
  let whole = '';
  for await (const chunk of textChunks(text)) whole += chunk;
  yield ssmlToPlainText(whole);
}
