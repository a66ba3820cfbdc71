/** Language models for the dialog: the OpenAI-compatible adapter, presets and the tool loop. */
export {
  OpenAiCompatibleLlm,
  type LanguageModelCapabilities,
  type OpenAiCompatibleLlmOptions,
  type OpenAiFunctionTool,
} from './openai-compatible-llm.js';
export {
  DEFAULT_AZURE_API_VERSION,
  LLM_PRESETS,
  llmFromEnv,
  type LlmPresetName,
} from './llm-from-env.js';
export { runLlmTurn, type LlmTurnOptions } from './llm-turn.js';
