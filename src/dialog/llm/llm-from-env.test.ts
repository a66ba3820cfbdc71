import { describe, expect, it } from 'vitest';
import { LLM_PRESETS, llmFromEnv } from './llm-from-env.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';

describe('llmFromEnv', () => {
  it('has no model without SWITCHBOARD_LLM and says agents run offline', () => {
    const { llm, report } = llmFromEnv({ OPENAI_API_KEY: 'sk-x' });
    expect(llm).toBeUndefined();
    expect(report).toEqual([
      'llm: none (SWITCHBOARD_LLM unset): agents run offline on NLU and their script trees',
    ]);
  });

  it('builds a preset with its default model and the vendor key variable', () => {
    const { llm, report } = llmFromEnv({ SWITCHBOARD_LLM: 'deepseek', DEEPSEEK_API_KEY: 'sk-d' });
    expect(llm).toBeInstanceOf(OpenAiCompatibleLlm);
    expect(llm!.id).toBe('deepseek');
    expect((llm as OpenAiCompatibleLlm).model).toBe('deepseek-chat');
    expect(llm!.kind).toBe('cloud');
    expect(report).toEqual(['llm: deepseek, model deepseek-chat at https://api.deepseek.com/v1']);
    expect(report.join()).not.toContain('sk-d');
  });

  it('knows the presets base URLs', () => {
    expect(LLM_PRESETS).toEqual({
      openai: 'https://api.openai.com/v1',
      deepseek: 'https://api.deepseek.com/v1',
      qwen: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
      ollama: 'http://127.0.0.1:11434/v1',
      vllm: 'http://127.0.0.1:8000/v1',
      azure: '',
    });
  });

  it('runs a self-hosted model without a key', () => {
    const { llm } = llmFromEnv({ SWITCHBOARD_LLM: 'ollama', SWITCHBOARD_LLM_MODEL: 'qwen2.5:7b' });
    expect(llm?.kind).toBe('self-hosted');
  });

  it('names the variable that is wrong or missing', () => {
    const line = (env: NodeJS.ProcessEnv) => {
      const { llm, report } = llmFromEnv(env);
      expect(llm).toBeUndefined();
      return report[0]!;
    };
    expect(line({ SWITCHBOARD_LLM: 'gemini' })).toMatch(/SWITCHBOARD_LLM=gemini is not known/);
    expect(line({ SWITCHBOARD_LLM: 'openai' })).toMatch(
      /SWITCHBOARD_LLM_API_KEY \(or OPENAI_API_KEY\) is required/,
    );
    expect(line({ SWITCHBOARD_LLM: 'vllm' })).toMatch(/SWITCHBOARD_LLM_MODEL is required/);
    expect(line({ SWITCHBOARD_LLM: 'openai-compatible', SWITCHBOARD_LLM_MODEL: 'm' })).toMatch(
      /SWITCHBOARD_LLM_BASE_URL is required/,
    );
    expect(
      line({ SWITCHBOARD_LLM: 'azure', AZURE_OPENAI_API_KEY: 'k', SWITCHBOARD_LLM_MODEL: 'd' }),
    ).toMatch(/SWITCHBOARD_LLM_BASE_URL is required for azure \(https:\/\/\{resource\}/);
    expect(
      line({
        SWITCHBOARD_LLM: 'openai-compatible',
        SWITCHBOARD_LLM_MODEL: 'm',
        SWITCHBOARD_LLM_BASE_URL: 'localhost:8000',
      }),
    ).toMatch(/^llm: SWITCHBOARD_LLM_BASE_URL: /);
  });

  it('builds Azure with the default API version and the Azure key variable', () => {
    const { llm, report } = llmFromEnv({
      SWITCHBOARD_LLM: 'azure',
      SWITCHBOARD_LLM_BASE_URL: 'https://contoso.openai.azure.com',
      SWITCHBOARD_LLM_MODEL: 'gpt-4o-prod',
      AZURE_OPENAI_API_KEY: 'az-key',
    });
    expect(llm?.id).toBe('azure');
    expect(report[0]).toBe('llm: azure, model gpt-4o-prod at https://contoso.openai.azure.com');
  });

  it('prefers SWITCHBOARD_LLM_API_KEY over the vendor variable', () => {
    // A key with whitespace is refused by the adapter: proves which key it got.
    const { report } = llmFromEnv({
      SWITCHBOARD_LLM: 'qwen',
      SWITCHBOARD_LLM_API_KEY: 'bad key',
      DASHSCOPE_API_KEY: 'good',
    });
    expect(report[0]).toBe('llm: SWITCHBOARD_LLM_API_KEY: must not contain whitespace');
  });
});
