/**
 * The voice room: provider contracts and providers (VAD, speech to text, text to speech), the
 * voice session (turns, barge-in, timeouts, traces) and the runtime that runs agents on calls.
 */
export * from './providers/types.js';
export { SileroModel, SileroVad } from './vad/silero-vad.js';
export { EnergyVad, type EnergyVadOptions } from './vad/energy-vad.js';
export { DEFAULT_VAD_OPTIONS, VadStateMachine, type ResolvedVadOptions } from './vad/vad-state.js';
export {
  PocketsphinxStt,
  pocketsphinxAvailability,
  POCKETSPHINX_PHONE_AUDIO_NOTICE,
  type PocketsphinxSttSettings,
} from './stt/pocketsphinx.js';
export { EspeakNgTts, espeakAvailability, type EspeakNgTtsOptions } from './tts/espeak-ng.js';
export { TtsCache, type TtsCacheOptions } from './tts/tts-cache.js';
export {
  VoiceSession,
  type VoiceSessionOptions,
  type VoiceSessionEvents,
} from './session/voice-session.js';
export { Speaker, sentences, heardText } from './session/speaker.js';
export { TurnDetector, type TurnDetectorOptions } from './session/turn-detector.js';
export { ListenPaths } from './session/listen-paths.js';
export * from './session/types.js';
export {
  VoiceRuntime,
  type AgentDefinition,
  type AgentCatalog,
  type AgentRunOutcome,
  type OpenedAgent,
  type VoiceAgentSettings,
  type VoiceRuntimeOptions,
} from './runtime/voice-runtime.js';
export {
  DEMO_SCRIPT,
  ScriptedResponder,
  type Script,
  type ScriptRule,
} from './runtime/scripted-responder.js';
export { DeepgramStt, type DeepgramSttSettings } from './stt/deepgram.js';
export { OpenAiCompatibleStt, type OpenAiCompatibleSttSettings } from './stt/openai-compatible.js';
export { AzureStt, type AzureSttSettings } from './stt/azure.js';
export { AlibabaNlsStt, type AlibabaNlsSttSettings } from './stt/alibaba-nls.js';
export { FunAsrStt, type FunAsrSttSettings } from './stt/funasr.js';
export { OpenAiCompatibleTts } from './tts/openai-compatible.js';
export { AzureTts } from './tts/azure.js';
export { AlibabaNlsTts } from './tts/alibaba-nls.js';
export { ElevenLabsTts } from './tts/elevenlabs.js';
export { FallbackStt, type FallbackSttSettings } from './fallback/fallback-stt.js';
export { FallbackTts, type FallbackTtsSettings } from './fallback/fallback-tts.js';
