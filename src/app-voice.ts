/**
 * Part of the composition root: the voice plane. It picks the speech providers named in the
 * configuration (in order: the first is used, the rest are fallbacks), checks each can be set
 * up — a missing key or engine is reported at start-up with the setting's name — and builds
 * the runtime that runs AI agents on calls. Providers are registered here explicitly, by id.
 */
import path from 'node:path';
import type { AppConfig } from './config/index.js';
import type { Logger, Metrics } from './observability/index.js';
import type { Store } from './store/index.js';
import {
  AlibabaNlsStt,
  AlibabaNlsTts,
  AzureStt,
  AzureTts,
  DeepgramStt,
  ElevenLabsTts,
  FallbackStt,
  FallbackTts,
  FunAsrStt,
  OpenAiCompatibleStt,
  OpenAiCompatibleTts,
  DEMO_SCRIPT,
  EnergyVad,
  EspeakNgTts,
  espeakAvailability,
  PocketsphinxStt,
  pocketsphinxAvailability,
  POCKETSPHINX_PHONE_AUDIO_NOTICE,
  ProviderConfigError,
  ScriptedResponder,
  SileroModel,
  TtsCache,
  VoiceRuntime,
  type AgentCatalog,
  type AgentDefinition,
  type SpeechToText,
  type TextToSpeech,
  type VoiceActivityDetector,
} from './voice/index.js';

/** What {@link buildVoicePlane} needs. */
export interface VoicePlaneDeps {
  config: AppConfig;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** The bundled apology prompt (played when synthesis fails). */
  apologyFile: string;
  /** Provider factories beyond the built-in ones (tests add fakes). */
  extraProviders?: Partial<ProviderFactories>;
  /** Agents stored as documents (the dialog plane), besides the scripted "demo" agent. */
  agents?: AgentCatalog;
}

/** Builds a provider by id from the environment; throws ProviderConfigError naming a setting. */
export interface ProviderFactories {
  stt: Record<string, () => Promise<SpeechToText>>;
  tts: Record<string, () => Promise<TextToSpeech>>;
}

/** The voice plane: the runtime (absent when no recogniser or synthesiser could be set up). */
export interface VoicePlane {
  runtime?: VoiceRuntime;
  /**
   * The speech providers for flows on calls (absent with the runtime): a synthesiser, and a
   * detector and recogniser per spoken answer.
   */
  speech?: {
    tts: TextToSpeech;
    vad: () => VoiceActivityDetector;
    stt: () => SpeechToText;
  };
  /** Lines for the start-up banner: what is used, what could not be set up and why. */
  report: string[];
  stop(): Promise<void>;
}

/** A setting from the environment, blank as absent. */
function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === '' ? undefined : value;
}

/** A numeric setting from the environment; a malformed one is reported with its name. */
function envNumber(name: string): number | undefined {
  const raw = env(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ProviderConfigError(name, `must be a number, not "${raw}"`);
  return n;
}

/**
 * Every provider by id. Embedded engines need no key; cloud and self-hosted ones read their
 * settings from the environment (docs/voice.md lists them) and refuse to start without the
 * required ones, naming the setting.
 */
function builtInFactories(): ProviderFactories {
  return {
    stt: {
      deepgram: async () =>
        new DeepgramStt({
          apiKey: env('DEEPGRAM_API_KEY'),
          baseUrl: env('DEEPGRAM_URL'),
          model: env('DEEPGRAM_MODEL'),
          language: env('DEEPGRAM_LANGUAGE'),
        }),
      openai: async () =>
        new OpenAiCompatibleStt({
          apiKey: env('OPENAI_API_KEY'),
          baseUrl: env('OPENAI_STT_BASE_URL'),
          model: env('OPENAI_STT_MODEL'),
          language: env('OPENAI_STT_LANGUAGE'),
        }),
      azure: async () =>
        new AzureStt({
          apiKey: env('AZURE_SPEECH_KEY'),
          region: env('AZURE_SPEECH_REGION'),
          endpoint: env('AZURE_SPEECH_ENDPOINT'),
          language: env('AZURE_SPEECH_LANGUAGE'),
        }),
      'alibaba-nls': async () =>
        new AlibabaNlsStt({
          token: env('ALIBABA_NLS_TOKEN'),
          appKey: env('ALIBABA_NLS_APPKEY'),
          url: env('ALIBABA_NLS_URL'),
          language: env('ALIBABA_NLS_LANGUAGE'),
        }),
      funasr: async () =>
        new FunAsrStt({ url: env('FUNASR_URL'), language: env('FUNASR_LANGUAGE') }),
      pocketsphinx: async () => {
        const check = pocketsphinxAvailability();
        if (!check.ok)
          throw new ProviderConfigError('SWITCHBOARD_STT', `pocketsphinx: ${check.reason}`);
        return new PocketsphinxStt();
      },
    },
    tts: {
      'espeak-ng': async () => {
        const check = await espeakAvailability();
        if (!check.available) {
          throw new ProviderConfigError('SWITCHBOARD_TTS', `espeak-ng: ${check.reason}`);
        }
        const tts = new EspeakNgTts();
        // Loads the pinyin converter now, not on the first Mandarin call.
        await tts.warmUp();
        return tts;
      },
      openai: async () =>
        new OpenAiCompatibleTts({
          apiKey: env('OPENAI_API_KEY'),
          baseUrl: env('OPENAI_TTS_BASE_URL'),
          model: env('OPENAI_TTS_MODEL'),
          voice: env('OPENAI_TTS_VOICE'),
        }),
      azure: async () => {
        const apiKey = env('AZURE_SPEECH_KEY');
        if (!apiKey) throw new ProviderConfigError('AZURE_SPEECH_KEY', 'is required');
        return new AzureTts({
          apiKey,
          region: env('AZURE_SPEECH_REGION'),
          endpoint: env('AZURE_TTS_ENDPOINT'),
          voice: env('AZURE_TTS_VOICE'),
        });
      },
      'alibaba-nls': async () => {
        const token = env('ALIBABA_NLS_TOKEN');
        const appKey = env('ALIBABA_NLS_APPKEY');
        if (!token) throw new ProviderConfigError('ALIBABA_NLS_TOKEN', 'is required');
        if (!appKey) throw new ProviderConfigError('ALIBABA_NLS_APPKEY', 'is required');
        return new AlibabaNlsTts({
          token,
          appKey,
          url: env('ALIBABA_NLS_TTS_URL'),
          voice: env('ALIBABA_NLS_TTS_VOICE'),
        });
      },
      elevenlabs: async () => {
        const apiKey = env('ELEVENLABS_API_KEY');
        if (!apiKey) throw new ProviderConfigError('ELEVENLABS_API_KEY', 'is required');
        return new ElevenLabsTts({
          apiKey,
          voiceId: env('ELEVENLABS_VOICE_ID'),
          model: env('ELEVENLABS_MODEL'),
          timeoutMs: envNumber('ELEVENLABS_TIMEOUT_MS'),
        });
      },
    },
  };
}

async function pick<T>(
  kind: 'stt' | 'tts',
  ids: string[],
  factories: Record<string, () => Promise<T>>,
  report: string[],
): Promise<T[]> {
  const chosen: T[] = [];
  for (const id of ids) {
    const make = factories[id];
    if (!make) {
      report.push(
        `  ${kind.toUpperCase()} ${id}: unknown provider (known: ${Object.keys(factories).join(', ')})`,
      );
      continue;
    }
    try {
      chosen.push(await make());
    } catch (err) {
      const setting =
        err instanceof ProviderConfigError ? err.setting : `SWITCHBOARD_${kind.toUpperCase()}`;
      report.push(
        `  ${kind.toUpperCase()} ${id}: not available — ${(err as Error).message} (${setting})`,
      );
    }
  }
  return chosen;
}

/** Builds the voice plane; see the module comment. */
export async function buildVoicePlane(deps: VoicePlaneDeps): Promise<VoicePlane> {
  const { config, logger } = deps;
  const report: string[] = [];
  const builtIn = builtInFactories();
  const factories: ProviderFactories = {
    stt: { ...builtIn.stt, ...deps.extraProviders?.stt },
    tts: { ...builtIn.tts, ...deps.extraProviders?.tts },
  };
  const stts = await pick('stt', config.voice.stt, factories.stt, report);
  const ttss = await pick('tts', config.voice.tts, factories.tts, report);
  let model: SileroModel | undefined;
  try {
    model = await SileroModel.load();
  } catch (err) {
    report.push(
      `  VAD silero: not available — ${(err as Error).message}; using the energy detector`,
    );
  }
  const stt = stts[0];
  const tts = ttss[0];
  if (!stt || !tts) {
    report.unshift('Voice agents: off (no speech recogniser or synthesiser could be set up)');
    return { report, stop: async () => model?.close() };
  }
  // Cached per provider, so a fallback's audio is never served as the first provider's.
  const cached = ttss.map(
    (t) =>
      new TtsCache(t, {
        memoryBytes: config.voice.ttsCacheMemoryMb * 1024 * 1024,
        diskBytes: config.voice.ttsCacheDiskMb * 1024 * 1024,
        directory: path.join(
          config.voice.ttsCacheDir ?? path.join(config.dataDir, 'tts-cache'),
          t.id,
        ),
        onDiskError: (err) => logger.warn({ err: err.message }, 'TTS cache disk error'),
      }),
  );
  const runtime = new VoiceRuntime({
    vad: (options): VoiceActivityDetector =>
      model ? model.detector(options) : new EnergyVad(options),
    // One provider is used as it is; several become a fallback chain in the configured order,
    // made per conversation so its switches land in that conversation's trace.
    providers: (onSwitch) => ({
      stt: stts.length > 1 ? new FallbackStt({ providers: stts, onSwitch }) : stt,
      tts: cached.length > 1 ? new FallbackTts({ providers: cached, onSwitch }) : cached[0]!,
    }),
    agents: withStoredAgents(
      {
        demo: {
          responder: () => new ScriptedResponder(DEMO_SCRIPT),
          language: config.voice.language,
        },
      },
      deps.agents,
    ),
    apologyFile: deps.apologyFile,
    store: deps.store,
    metrics: deps.metrics.voice,
    logger: logger.child({ room: 'voice' }),
  });
  report.unshift(
    `Voice agents: STT ${stts.map((s) => s.id).join(' → ')}, TTS ${ttss.map((t) => t.id).join(' → ')}, VAD ${model ? 'silero' : 'energy'}; agent "demo"`,
  );
  if (stt.id === 'pocketsphinx') report.push(`  note: ${POCKETSPHINX_PHONE_AUDIO_NOTICE}`);
  return {
    runtime,
    speech: {
      tts: cached.length > 1 ? new FallbackTts({ providers: cached }) : cached[0]!,
      vad: () => (model ? model.detector() : new EnergyVad()),
      stt: () => (stts.length > 1 ? new FallbackStt({ providers: stts }) : stt),
    },
    report,
    stop: async () => {
      runtime.stopAll();
      await model?.close();
    },
  };
}

/**
 * The fixed agents first (the scripted demo on 3000), then the stored ones: one catalog, so a
 * dispatch rule or a flow names either the same way.
 */
function withStoredAgents(
  fixed: Record<string, AgentDefinition>,
  stored: AgentCatalog | undefined,
): AgentCatalog {
  return {
    has: async (agentId) =>
      Object.hasOwn(fixed, agentId) || ((await stored?.has(agentId)) ?? false),
    open: async (context, leg) => {
      const agent = Object.hasOwn(fixed, context.agentId) ? fixed[context.agentId] : undefined;
      if (agent) return { ...agent, responder: agent.responder() };
      return stored?.open(context, leg);
    },
  };
}
