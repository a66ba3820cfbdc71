/**
 * Choosing the language model from the environment. With no `SWITCHBOARD_LLM` there is no
 * model, and agents still run: on the NLU and their script trees. A bad setting is reported
 * by the variable's name instead of stopping the server, for the same reason.
 */
import { ProviderConfigError, type LanguageModel } from '../../voice/index.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';

/** A known OpenAI-compatible service. */
export interface LlmPreset {
  /** Base URL including `/v1`; undefined when only the operator knows it (Azure). */
  baseUrl: string | undefined;
  /** The variable holding the key when `SWITCHBOARD_LLM_API_KEY` is unset. */
  apiKeyEnv?: string;
  /** The service refuses requests without a key. */
  keyRequired: boolean;
  /** Model used when `SWITCHBOARD_LLM_MODEL` is unset (cloud services only). */
  defaultModel?: string;
  /** Azure OpenAI: deployment path, `api-key` header, `api-version`. */
  azure?: boolean;
}

/** The services `SWITCHBOARD_LLM` may name; `openai-compatible` takes any base URL. */
export const LLM_PRESETS = {
  openai: {
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    keyRequired: true,
    defaultModel: 'gpt-4o-mini',
  },
  deepseek: {
    baseUrl: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    keyRequired: true,
    defaultModel: 'deepseek-chat',
  },
  // Alibaba Cloud Model Studio (DashScope) in its OpenAI-compatible mode.
  qwen: {
    baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    apiKeyEnv: 'DASHSCOPE_API_KEY',
    keyRequired: true,
    defaultModel: 'qwen-plus',
  },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', keyRequired: false },
  vllm: { baseUrl: 'http://127.0.0.1:8000/v1', keyRequired: false },
  // The base URL is the resource's, https://{resource}.openai.azure.com; the model is the
  // deployment name.
  azure: {
    baseUrl: undefined,
    apiKeyEnv: 'AZURE_OPENAI_API_KEY',
    keyRequired: true,
    azure: true,
  },
  'openai-compatible': { baseUrl: undefined, keyRequired: false },
} as const satisfies Record<string, LlmPreset>;

/** A name `SWITCHBOARD_LLM` accepts. */
export type LlmPresetName = keyof typeof LLM_PRESETS;

/** The Azure OpenAI GA API version used when `SWITCHBOARD_LLM_API_VERSION` is unset. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/**
 * Builds the language model the environment asks for. `report` holds one line per decision
 * or problem for the start-up banner (never a key); `llm` is undefined when none is set up.
 */
export function llmFromEnv(env: NodeJS.ProcessEnv): { llm?: LanguageModel; report: string[] } {
  const name = env['SWITCHBOARD_LLM']?.trim();
  if (!name) {
    return {
      report: [
        'llm: none (SWITCHBOARD_LLM unset): agents run offline on NLU and their script trees',
      ],
    };
  }
  if (!Object.hasOwn(LLM_PRESETS, name)) {
    return {
      report: [
        `llm: SWITCHBOARD_LLM=${name} is not known; use one of ${Object.keys(LLM_PRESETS).join(', ')}`,
      ],
    };
  }
  const preset: LlmPreset = LLM_PRESETS[name as LlmPresetName];
  const baseUrl = env['SWITCHBOARD_LLM_BASE_URL']?.trim() || preset.baseUrl;
  if (!baseUrl) {
    const example = preset.azure
      ? 'https://{resource}.openai.azure.com'
      : 'the server URL including /v1';
    return { report: [`llm: SWITCHBOARD_LLM_BASE_URL is required for ${name} (${example})`] };
  }
  const model = env['SWITCHBOARD_LLM_MODEL']?.trim() || preset.defaultModel;
  if (!model) {
    const what = preset.azure ? 'the deployment name' : 'the model name';
    return { report: [`llm: SWITCHBOARD_LLM_MODEL is required for ${name} (${what})`] };
  }
  const apiKey =
    env['SWITCHBOARD_LLM_API_KEY']?.trim() ||
    (preset.apiKeyEnv ? env[preset.apiKeyEnv]?.trim() : undefined) ||
    undefined;
  if (preset.keyRequired && !apiKey) {
    const also = preset.apiKeyEnv ? ` (or ${preset.apiKeyEnv})` : '';
    return { report: [`llm: SWITCHBOARD_LLM_API_KEY${also} is required for ${name}`] };
  }
  try {
    const llm = new OpenAiCompatibleLlm({
      id: name,
      baseUrl,
      model,
      ...(apiKey ? { apiKey } : {}),
      ...(preset.azure
        ? {
            azure: {
              apiVersion: env['SWITCHBOARD_LLM_API_VERSION']?.trim() || DEFAULT_AZURE_API_VERSION,
            },
          }
        : {}),
    });
    return { llm, report: [`llm: ${name}, model ${model} at ${baseUrl}`] };
  } catch (error) {
    if (error instanceof ProviderConfigError) return { report: [`llm: ${error.message}`] };
    throw error;
  }
}
