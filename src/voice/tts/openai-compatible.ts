/**
 * Text to speech over the OpenAI speech endpoint (`POST {baseUrl}/v1/audio/speech`), which
 * OpenAI serves and many self-hosted engines copy (Kokoro-FastAPI, openedai-speech, LocalAI).
 * The answer is raw PCM16 (`pcm`, 24 kHz mono little-endian, no header) or a streamed WAV,
 * read as it arrives; text is sent sentence by sentence so the first words are heard while
 * the rest is still being written by the language model.
 */
import type { AudioFrame } from '../../media/index.js';
import {
  ProviderConfigError,
  ProviderError,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import {
  fetchWithTimeout,
  httpFailure,
  linkedAbort,
  positiveSetting,
  readBody,
  synthesizeBySentence,
  urlSetting,
  type PcmChunk,
} from './cloud-tts-kit.js';

/** Settings of {@link OpenAiCompatibleTts}. */
export interface OpenAiCompatibleTtsSettings {
  /**
   * Bearer token. Required for OpenAI itself (the default `baseUrl`); optional for a
   * self-hosted server that does not check it.
   */
  apiKey?: string;
  /** Server root, without `/v1` (default `https://api.openai.com`). */
  baseUrl?: string;
  /** Model name (default `gpt-4o-mini-tts`; `tts-1` is the lower-latency one). */
  model?: string;
  /** Voice when the call does not name one (default `alloy`). */
  voice?: string;
  /**
   * `pcm` (default): raw PCM16 at `pcmSampleRateHz`. `wav`: a WAV stream whose header gives
   * the rate — for compatible servers whose raw PCM is not 24 kHz.
   */
  format?: 'pcm' | 'wav';
  /** Rate of the server's raw `pcm` output (default 24000, OpenAI's). */
  pcmSampleRateHz?: number;
  /** Style instructions, for models that take them (`gpt-4o-mini-tts`). */
  instructions?: string;
  /** No response or no audio bytes for this long is a stall (default 10000 ms). */
  timeoutMs?: number;
  /** Provider id in logs and configuration (default `openai-compatible`). */
  id?: string;
  /** BCP 47 languages to declare (default: the common ones OpenAI's voices speak). */
  languages?: string[];
}

const OPENAI_BASE_URL = 'https://api.openai.com';
const OPENAI_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
];
/** The models follow Whisper's languages; these are the ones a call center is likely to use. */
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
  'nl-NL',
  'pl-PL',
  'ru-RU',
  'tr-TR',
  'hi-IN',
  'ar-SA',
];

/** Speech through an OpenAI-compatible `/v1/audio/speech` endpoint. */
export class OpenAiCompatibleTts implements TextToSpeech {
  readonly id: string;
  readonly kind: 'cloud' | 'self-hosted';
  readonly capabilities: TtsCapabilities;
  private readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly model: string;
  private readonly voice: string;
  private readonly format: 'pcm' | 'wav';
  private readonly pcmSampleRateHz: number;
  private readonly instructions: string | undefined;
  private readonly timeoutMs: number;

  constructor(settings: OpenAiCompatibleTtsSettings = {}) {
    const baseUrl = urlSetting('baseUrl', settings.baseUrl ?? OPENAI_BASE_URL, ['http:', 'https:']);
    const isOpenAi = new URL(baseUrl).hostname === 'api.openai.com';
    if (settings.apiKey !== undefined && typeof settings.apiKey !== 'string') {
      throw new ProviderConfigError('apiKey', 'must be a string');
    }
    const apiKey = settings.apiKey?.trim() || undefined;
    if (isOpenAi && !apiKey) {
      throw new ProviderConfigError('apiKey', 'is required for api.openai.com');
    }
    const format = settings.format ?? 'pcm';
    if (format !== 'pcm' && format !== 'wav') {
      throw new ProviderConfigError('format', `must be pcm or wav, got ${String(format)}`);
    }
    this.id = settings.id ?? 'openai-compatible';
    this.kind = isOpenAi ? 'cloud' : 'self-hosted';
    this.url = `${baseUrl.replace(/\/v1$/, '')}/v1/audio/speech`;
    this.apiKey = apiKey;
    this.model = settings.model?.trim() || 'gpt-4o-mini-tts';
    this.voice = settings.voice?.trim() || 'alloy';
    this.format = format;
    this.pcmSampleRateHz = positiveSetting('pcmSampleRateHz', settings.pcmSampleRateHz, 24000);
    this.instructions = settings.instructions?.trim() || undefined;
    this.timeoutMs = positiveSetting('timeoutMs', settings.timeoutMs, 10_000);
    this.capabilities = {
      streamingInput: false,
      streamingOutput: true,
      languages: settings.languages?.length ? [...settings.languages] : DEFAULT_LANGUAGES,
      voices: isOpenAi ? OPENAI_VOICES : [this.voice],
      sampleRatesHz: [8000, 16000, 24000, 48000],
      ssml: false,
    };
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return synthesizeBySentence(
      {
        id: this.id,
        ssml: false,
        speak: (sentence, _ssml, signal) => this.speak(sentence, options, signal),
      },
      text,
      options,
    );
  }

  /** One request: one sentence in, its PCM out as the body streams. */
  private async *speak(
    input: string,
    options: TtsOptions,
    signal: AbortSignal,
  ): AsyncGenerator<PcmChunk> {
    const body: Record<string, unknown> = {
      model: this.model,
      input,
      voice: options.voice?.trim() || this.voice,
      response_format: this.format,
    };
    if (options.rate !== undefined) body.speed = Math.min(4, Math.max(0.25, options.rate));
    if (this.instructions) body.instructions = this.instructions;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;

    const request = linkedAbort(signal);
    try {
      const response = await fetchWithTimeout(
        this.id,
        this.url,
        { method: 'POST', headers, body: JSON.stringify(body) },
        this.timeoutMs,
        request,
      );
      if (!response) return;
      if (!response.ok) throw await httpFailure(this.id, response);
      const type = response.headers.get('content-type') ?? '';
      if (!/^(audio\/|application\/octet-stream)/i.test(type)) {
        await response.body?.cancel().catch(() => undefined);
        throw new ProviderError(this.id, `expected audio, got content type "${type}"`);
      }
      const chunks = readBody(this.id, response, this.timeoutMs, request.signal);
      if (this.format === 'pcm') {
        for await (const bytes of chunks) yield { bytes, rateHz: this.pcmSampleRateHz };
        return;
      }
      const wav = new WavStreamReader(this.id);
      for await (const bytes of chunks) {
        const pcm = wav.push(bytes);
        if (pcm && pcm.length > 0) yield { bytes: pcm, rateHz: wav.rateHz };
      }
      if (!wav.started) throw new ProviderError(this.id, 'WAV stream ended before its data chunk');
    } finally {
      // Releases the connection and the listener on the caller's signal.
      request.abort();
    }
  }
}

/**
 * Reads a WAV stream as it arrives: collects the header up to the `data` chunk (checking it
 * is mono PCM16), then passes the samples through. Streaming servers write an unknown data
 * length (0 or 0xFFFFFFFF), so the data chunk is read to the end of the body.
 */
class WavStreamReader {
  private header: Uint8Array = new Uint8Array(0);
  started = false;
  rateHz = 0;

  constructor(private readonly provider: string) {}

  /** Returns the PCM bytes in `bytes`, or undefined while the header is still incomplete. */
  push(bytes: Uint8Array): Uint8Array | undefined {
    if (this.started) return bytes;
    const joined = new Uint8Array(this.header.length + bytes.length);
    joined.set(this.header);
    joined.set(bytes, this.header.length);
    this.header = joined;
    if (joined.length < 12) return undefined;
    const view = new DataView(joined.buffer, joined.byteOffset, joined.byteLength);
    const tag = (at: number): string => String.fromCharCode(...joined.subarray(at, at + 4));
    if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
      throw new ProviderError(this.provider, 'response is not a WAV stream');
    }
    let offset = 12;
    while (offset + 8 <= joined.length) {
      const id = tag(offset);
      const size = view.getUint32(offset + 4, true);
      if (id === 'data') {
        if (this.rateHz === 0) throw new ProviderError(this.provider, 'WAV data before fmt');
        this.started = true;
        this.header = new Uint8Array(0);
        return joined.subarray(offset + 8);
      }
      if (offset + 8 + size > joined.length) return undefined;
      if (id === 'fmt ') {
        const audioFormat = view.getUint16(offset + 8, true);
        const channels = view.getUint16(offset + 10, true);
        const rate = view.getUint32(offset + 12, true);
        const bits = view.getUint16(offset + 22, true);
        // 0xFFFE (WAVE_FORMAT_EXTENSIBLE) with 16-bit samples is PCM as well.
        if ((audioFormat !== 1 && audioFormat !== 0xfffe) || bits !== 16 || channels !== 1) {
          throw new ProviderError(
            this.provider,
            `WAV is not mono PCM16 (format ${audioFormat}, ${channels} channels, ${bits} bits)`,
          );
        }
        this.rateHz = rate;
      }
      offset += 8 + size + (size % 2);
    }
    return undefined;
  }
}
