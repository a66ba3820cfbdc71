/**
 * Choosing the language model from the environment. With no `SWITCHBOARD_LLM` there is no
 * model, and agents still run: on the NLU and their script trees. A bad setting is reported
 * by the variable's name instead of stopping the server, for the same reason.
 */
import { ProviderConfigError, type LanguageModel } from '../../voice/index.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';

/**
 * Base URLs of the OpenAI-compatible services `SWITCHBOARD_LLM` may name. Azure's is empty:
 * each resource has its own, `https://{resource}.openai.azure.com`, given as
 * `SWITCHBOARD_LLM_BASE_URL`. `openai-compatible` (any server, base URL required) is accepted
 * too.
 */
export const LLM_PRESETS = {
  openai: 'https://api.openai.com/v1',
  deepseek: 'https://api.deepseek.com/v1',
  // Alibaba Cloud Model Studio (DashScope) in its OpenAI-compatible mode.
  qwen: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  azure: '',
} as const satisfies Record<string, string>;

/** A name `SWITCHBOARD_LLM` accepts. */
export type LlmPresetName = keyof typeof LLM_PRESETS | 'openai-compatible';

/** What else is known about a service besides its URL. */
interface PresetDetails {
  /** The variable holding the key when `SWITCHBOARD_LLM_API_KEY` is unset. */
  apiKeyEnv?: string;
  /** The service refuses requests without a key. */
  keyRequired: boolean;
  /** Model used when `SWITCHBOARD_LLM_MODEL` is unset (cloud services only). */
  defaultModel?: string;
  /** Azure OpenAI: deployment path, `api-key` header, `api-version`. */
  azure?: boolean;
}

const DETAILS: Record<LlmPresetName, PresetDetails> = {
  openai: { apiKeyEnv: 'OPENAI_API_KEY', keyRequired: true, defaultModel: 'gpt-4o-mini' },
  deepseek: { apiKeyEnv: 'DEEPSEEK_API_KEY', keyRequired: true, defaultModel: 'deepseek-chat' },
  qwen: { apiKeyEnv: 'DASHSCOPE_API_KEY', keyRequired: true, defaultModel: 'qwen-plus' },
  ollama: { keyRequired: false },
  vllm: { keyRequired: false },
  azure: { apiKeyEnv: 'AZURE_OPENAI_API_KEY', keyRequired: true, azure: true },
  'openai-compatible': { keyRequired: false },
};

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
  if (!Object.hasOwn(DETAILS, name)) {
    return {
      report: [
        `llm: SWITCHBOARD_LLM=${name} is not known; use one of ${Object.keys(DETAILS).join(', ')}`,
      ],
    };
  }
  const preset = DETAILS[name as LlmPresetName];
  const presetUrl = name in LLM_PRESETS ? LLM_PRESETS[name as keyof typeof LLM_PRESETS] : '';
  const baseUrl = env['SWITCHBOARD_LLM_BASE_URL']?.trim() || presetUrl;
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
