/**
 * Azure AI Speech text to speech over its REST endpoint
 * (`POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`): an SSML body, a
 * subscription key header, raw PCM16 back (`raw-16khz-16bit-mono-pcm` by default) read as it
 * streams. Plain text is sent sentence by sentence so speech starts after the first one;
 * SSML from the caller (the `speak`/`break`/`prosody`/`say-as` subset) goes in one request.
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
  requireSetting,
  synthesizeBySentence,
  urlSetting,
  type PcmChunk,
} from './cloud-tts-kit.js';
import { escapeXml } from './sentences.js';

/** Settings of {@link AzureTts}. */
export interface AzureTtsSettings {
  /** Speech resource key, sent as `Ocp-Apim-Subscription-Key`. Required. */
  apiKey: string;
  /** Region of the Speech resource, e.g. `westeurope`. Required unless `endpoint` is set. */
  region?: string;
  /** Full endpoint URL, overriding the one built from `region` (sovereign clouds, tests). */
  endpoint?: string;
  /** Voice when the call names none and its language has no default below. */
  voice?: string;
  /** Language when the call names none (default `en-US`). */
  language?: string;
  /** Rate Azure is asked for: 8000, 16000 (default), 24000 or 48000 Hz; frames are resampled. */
  vendorSampleRateHz?: number;
  /** No response or no audio bytes for this long is a stall (default 10000 ms). */
  timeoutMs?: number;
  /** Provider id in logs and configuration (default `azure`). */
  id?: string;
}

/** Output formats by rate: headerless PCM16 mono. */
const FORMATS: Record<number, string> = {
  8000: 'raw-8khz-16bit-mono-pcm',
  16000: 'raw-16khz-16bit-mono-pcm',
  24000: 'raw-24khz-16bit-mono-pcm',
  48000: 'raw-48khz-16bit-mono-pcm',
};

/**
 * A neural voice per language, used when the call gives a language but no voice. The xml:lang
 * of the SSML is the voice's locale (`yue` is spoken by a Hong Kong Cantonese voice).
 */
const DEFAULT_VOICES: Record<string, string> = {
  'en-US': 'en-US-AvaMultilingualNeural',
  'en-GB': 'en-GB-SoniaNeural',
  'en-AU': 'en-AU-NatashaNeural',
  'en-IN': 'en-IN-NeerjaNeural',
  'zh-CN': 'zh-CN-XiaoxiaoNeural',
  'zh-TW': 'zh-TW-HsiaoChenNeural',
  'zh-HK': 'zh-HK-HiuMaanNeural',
  yue: 'zh-HK-HiuMaanNeural',
  'es-ES': 'es-ES-ElviraNeural',
  'es-MX': 'es-MX-DaliaNeural',
  'fr-FR': 'fr-FR-DeniseNeural',
  'de-DE': 'de-DE-KatjaNeural',
  'it-IT': 'it-IT-ElsaNeural',
  'pt-BR': 'pt-BR-FranciscaNeural',
  'ja-JP': 'ja-JP-NanamiNeural',
  'ko-KR': 'ko-KR-SunHiNeural',
};

const SSML_NS = 'http://www.w3.org/2001/10/synthesis';

/** Locale of a voice name (`zh-HK-HiuMaanNeural` → `zh-HK`). */
function voiceLocale(voice: string): string | undefined {
  return /^([a-z]{2,3}-[A-Z]{2})-/.exec(voice)?.[1];
}

/** Speech through Azure AI Speech's REST text-to-speech endpoint. */
export class AzureTts implements TextToSpeech {
  readonly id: string;
  readonly kind = 'cloud' as const;
  readonly capabilities: TtsCapabilities;
  private readonly url: string;
  private readonly apiKey: string;
  private readonly voice: string | undefined;
  private readonly language: string;
  private readonly vendorRateHz: number;
  private readonly timeoutMs: number;

  constructor(settings: AzureTtsSettings) {
    settings ??= {} as AzureTtsSettings;
    this.apiKey = requireSetting('apiKey', settings.apiKey);
    if (settings.endpoint !== undefined) {
      this.url = urlSetting('endpoint', settings.endpoint, ['https:', 'http:']);
    } else {
      const region = requireSetting('region', settings.region);
      if (!/^[a-z0-9]+$/.test(region)) {
        throw new ProviderConfigError('region', `is not an Azure region name: ${region}`);
      }
      this.url = `https://${region}.tts.speech.microsoft.com/cognitiveservices/v1`;
    }
    const rate = settings.vendorSampleRateHz ?? 16000;
    if (!FORMATS[rate]) {
      throw new ProviderConfigError(
        'vendorSampleRateHz',
        `must be one of ${Object.keys(FORMATS).join(', ')}, got ${rate}`,
      );
    }
    this.vendorRateHz = rate;
    this.voice = settings.voice?.trim() || undefined;
    this.language = settings.language?.trim() || 'en-US';
    this.timeoutMs = positiveSetting('timeoutMs', settings.timeoutMs, 10_000);
    this.id = settings.id ?? 'azure';
    this.capabilities = {
      streamingInput: false,
      streamingOutput: true,
      languages: Object.keys(DEFAULT_VOICES),
      voices: [...new Set([...(this.voice ? [this.voice] : []), ...Object.values(DEFAULT_VOICES)])],
      sampleRatesHz: [8000, 16000, 24000, 48000],
      ssml: true,
    };
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return synthesizeBySentence(
      {
        id: this.id,
        ssml: true,
        speak: (unit, ssml, signal) => this.speak(this.ssmlFor(unit, ssml, options), signal),
      },
      text,
      options,
    );
  }

  /**
   * The request body: `<speak><voice><prosody>text</prosody></voice></speak>`, the text
   * escaped. Caller SSML keeps its markup: its `<speak>` wrapper is replaced by one with the
   * namespace and language Azure requires, and a `<voice>` is added when it has none.
   */
  ssmlFor(text: string, ssml: boolean, options: TtsOptions): string {
    const voice = options.voice?.trim() || this.defaultVoice(options.language);
    const lang = voiceLocale(voice) ?? this.localeOf(options.language ?? this.language);
    let inner = ssml ? innerOfSpeak(text) : escapeXml(text);
    const prosody: string[] = [];
    if (options.rate !== undefined && options.rate !== 1) {
      const percent = Math.round((Math.min(2, Math.max(0.5, options.rate)) - 1) * 100);
      prosody.push(`rate='${percent >= 0 ? '+' : ''}${percent}%'`);
    }
    if (options.pitch !== undefined && options.pitch !== 0) {
      const semitones = Math.round(Math.min(12, Math.max(-12, options.pitch)) * 10) / 10;
      prosody.push(`pitch='${semitones >= 0 ? '+' : ''}${semitones}st'`);
    }
    if (prosody.length > 0) inner = `<prosody ${prosody.join(' ')}>${inner}</prosody>`;
    if (!/<voice\b/.test(inner)) inner = `<voice name='${escapeXml(voice)}'>${inner}</voice>`;
    return (
      `<speak version='1.0' xmlns='${SSML_NS}' xml:lang='${escapeXml(lang)}'>` + `${inner}</speak>`
    );
  }

  private defaultVoice(language: string | undefined): string {
    if (
      this.voice &&
      (!language ||
        language === this.language ||
        voiceLocale(this.voice) === this.localeOf(language))
    ) {
      return this.voice;
    }
    if (language) {
      const voice = DEFAULT_VOICES[language] ?? DEFAULT_VOICES[this.localeOf(language)];
      if (voice) return voice;
    }
    return this.voice ?? DEFAULT_VOICES[this.language] ?? DEFAULT_VOICES['en-US']!;
  }

  private localeOf(language: string): string {
    if (language === 'yue') return 'zh-HK';
    return language;
  }

  private async *speak(ssml: string, signal: AbortSignal): AsyncGenerator<PcmChunk> {
    const request = linkedAbort(signal);
    try {
      const response = await fetchWithTimeout(
        this.id,
        this.url,
        {
          method: 'POST',
          headers: {
            'Ocp-Apim-Subscription-Key': this.apiKey,
            'Content-Type': 'application/ssml+xml',
            'X-Microsoft-OutputFormat': FORMATS[this.vendorRateHz]!,
            'User-Agent': 'switchboard',
          },
          body: ssml,
        },
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
      for await (const bytes of readBody(this.id, response, this.timeoutMs, request.signal)) {
        yield { bytes, rateHz: this.vendorRateHz };
      }
    } finally {
      request.abort();
    }
  }
}

/** The content of a `<speak>` document, or the text itself when it is a fragment. */
function innerOfSpeak(ssml: string): string {
  const text = ssml.replace(/<\?xml[^>]*\?>/, '').trim();
  const open = /^<speak\b[^>]*>/i.exec(text);
  if (!open) return text;
  const close = text.lastIndexOf('</speak>');
  return text.slice(open[0].length, close >= 0 ? close : undefined);
}
