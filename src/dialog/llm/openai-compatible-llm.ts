/**
 * A language model behind the OpenAI chat-completions API, streamed (`stream: true`, SSE).
 * The same wire format is served by OpenAI, Azure OpenAI (another path and key header),
 * DeepSeek, Alibaba's DashScope in compatible mode (Qwen), Ollama and vLLM, so one adapter
 * covers them all; {@link LLM_PRESETS} holds their base URLs.
 *
 * Tool calls arrive as deltas keyed by `index`: the first carries the id and name, later ones
 * fragments of the JSON arguments. They are accumulated and handed out whole, once the model
 * has finished, so the caller never sees half an argument string.
 */
import {
  ProviderConfigError,
  ProviderError,
  type ChatMessage,
  type LanguageModel,
  type LanguageModelChunk,
} from '../../voice/index.js';
import { readSse, SseTimeoutError } from './sse-reader.js';

/** Settings of {@link OpenAiCompatibleLlm}; errors name the `SWITCHBOARD_LLM_*` variables. */
export interface OpenAiCompatibleLlmOptions {
  /** Provider id for logs and configuration, default `openai-compatible`. */
  id?: string;
  /** Base URL including `/v1` (`SWITCHBOARD_LLM_BASE_URL`); Azure: the resource URL. */
  baseUrl: string;
  /** Bearer key, or Azure's `api-key` (`SWITCHBOARD_LLM_API_KEY`). */
  apiKey?: string;
  /** Model name, or Azure's deployment name (`SWITCHBOARD_LLM_MODEL`). */
  model: string;
  /** Set for Azure OpenAI: the deployment path and `api-version` query are used. */
  azure?: { apiVersion: string };
  /** Extra request headers (a gateway's own key, an organisation header). */
  headers?: Record<string, string>;
  /** Longest wait for the answer to start, default 10 000. */
  timeoutMs?: number;
  /** Longest gap between two pieces of the streamed answer, default 15 000. */
  stallMs?: number;
  /** Sampling temperature sent when the call does not give one. */
  temperature?: number;
  /**
   * Answer length limit, sent as `max_tokens`: every compatible server reads it, but OpenAI's
   * reasoning models (o1, o3) refuse it, so leave it unset for those.
   */
  maxTokens?: number;
}

/** What the model adapter can do, for the agent deciding how to use it. */
export interface LanguageModelCapabilities {
  /** Text arrives piece by piece. */
  streaming: boolean;
  /** Accepts function tools and answers with tool calls. */
  tools: boolean;
}

/** A tool as the model is told about it; plain `{ name, description, parameters }` also works. */
export interface OpenAiFunctionTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

interface ResolvedOptions {
  url: string;
  headers: Record<string, string>;
  model: string;
  timeoutMs: number;
  stallMs: number;
  temperature: number | undefined;
  maxTokens: number | undefined;
}

/** A streamed OpenAI-compatible chat model. */
export class OpenAiCompatibleLlm implements LanguageModel {
  readonly id: string;
  readonly kind: 'cloud' | 'self-hosted';
  readonly capabilities: LanguageModelCapabilities = { streaming: true, tools: true };
  /** The model (or Azure deployment) asked, for start-up reports. */
  readonly model: string;
  private readonly resolved: ResolvedOptions;

  /** Checks the settings; throws {@link ProviderConfigError} naming the bad one. */
  constructor(options: OpenAiCompatibleLlmOptions) {
    const id = options.id ?? 'openai-compatible';
    if (!/^[a-z0-9-]+$/.test(id)) {
      throw new ProviderConfigError(
        'SWITCHBOARD_LLM',
        'id must be lowercase letters, digits and -',
      );
    }
    const model = options.model?.trim();
    if (!model) throw new ProviderConfigError('SWITCHBOARD_LLM_MODEL', 'is required');
    if (!options.baseUrl?.trim()) {
      throw new ProviderConfigError('SWITCHBOARD_LLM_BASE_URL', 'is required');
    }
    const base = httpUrl('SWITCHBOARD_LLM_BASE_URL', options.baseUrl.trim());
    const apiKey = options.apiKey?.trim() || undefined;
    if (apiKey !== undefined && /\s/.test(apiKey)) {
      throw new ProviderConfigError('SWITCHBOARD_LLM_API_KEY', 'must not contain whitespace');
    }
    const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...options.headers,
    };
    let url: string;
    if (options.azure) {
      const version = options.azure.apiVersion?.trim();
      if (!version) throw new ProviderConfigError('SWITCHBOARD_LLM_API_VERSION', 'is required');
      if (!apiKey)
        throw new ProviderConfigError('SWITCHBOARD_LLM_API_KEY', 'is required for Azure');
      url =
        `${root}/openai/deployments/${encodeURIComponent(model)}/chat/completions` +
        `?api-version=${encodeURIComponent(version)}`;
      headers['api-key'] = apiKey;
    } else {
      if (base.hostname === 'api.openai.com' && !apiKey) {
        throw new ProviderConfigError('SWITCHBOARD_LLM_API_KEY', 'is required for api.openai.com');
      }
      url = `${root}/chat/completions`;
      if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
    }
    this.id = id;
    this.model = model;
    this.kind = isLocalHost(base.hostname) ? 'self-hosted' : 'cloud';
    this.resolved = {
      url,
      headers,
      model,
      timeoutMs: positiveMs('timeoutMs', options.timeoutMs ?? 10_000),
      stallMs: positiveMs('stallMs', options.stallMs ?? 15_000),
      temperature: options.temperature,
      maxTokens: options.maxTokens,
    };
  }

  /**
   * Streams one answer: text pieces, then every tool call whole, then `done`. Aborting the
   * signal ends the iteration quietly (barge-in is not a failure); anything else that goes
   * wrong throws a {@link ProviderError}.
   */
  async *stream(
    messages: ChatMessage[],
    options: { signal?: AbortSignal; tools?: unknown[]; temperature?: number } = {},
  ): AsyncIterable<LanguageModelChunk> {
    const r = this.resolved;
    const body: Record<string, unknown> = {
      model: r.model,
      messages: messages.map(toWireMessage),
      stream: true,
    };
    const tools = (options.tools ?? []).map(toWireTool);
    if (tools.length > 0) body['tools'] = tools;
    const temperature = options.temperature ?? r.temperature;
    if (temperature !== undefined) body['temperature'] = temperature;
    if (r.maxTokens !== undefined) body['max_tokens'] = r.maxTokens;

    const controller = new AbortController();
    const outer = options.signal;
    const onAbort = (): void => controller.abort('aborted');
    if (outer?.aborted) return;
    outer?.addEventListener('abort', onAbort, { once: true });
    const aborted = (): boolean => outer?.aborted === true;
    try {
      const response = await this.post(body, controller, aborted);
      if (!response) return;
      if (!response.ok) throw await httpError(this.id, response);
      if (!response.body) throw new ProviderError(this.id, 'answered without a body', true);
      const toolCalls = new Map<number, { id: string; name: string; arguments: string }>();
      let finishReason: string | undefined;
      let finished = false;
      const events = readSse(response.body, {
        firstByteMs: r.timeoutMs,
        stallMs: r.stallMs,
        onTimeout: () => controller.abort('timeout'),
      });
      try {
        for await (const event of events) {
          if (event.data === '[DONE]') {
            finished = true;
            break;
          }
          const chunk = parseChunk(this.id, event.data);
          for (const choice of chunk.choices) {
            if (typeof choice.delta?.content === 'string' && choice.delta.content !== '') {
              yield { type: 'text', text: choice.delta.content };
            }
            for (const call of choice.delta?.tool_calls ?? []) {
              const index = typeof call.index === 'number' ? call.index : toolCalls.size;
              const entry = toolCalls.get(index) ?? { id: '', name: '', arguments: '' };
              if (call.id) entry.id = call.id;
              // OpenAI sends the name once; some servers repeat it in every delta (vLLM,
              // NIM) and a few split it (Gemini's compatible API): append only what is new.
              const name = call.function?.name;
              if (name && name !== entry.name) entry.name += name;
              if (call.function?.arguments) entry.arguments += call.function.arguments;
              toolCalls.set(index, entry);
            }
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        }
      } catch (error) {
        if (aborted()) return;
        if (error instanceof SseTimeoutError) {
          throw new ProviderError(this.id, error.message, true);
        }
        throw asProviderError(this.id, error, 'answer stream broke');
      }
      if (aborted()) return;
      // Some servers skip [DONE]; a finish reason proves the answer is complete anyway.
      if (!finished && finishReason === undefined) {
        throw new ProviderError(this.id, 'answer stream ended before the model finished', true);
      }
      const ordered = [...toolCalls.entries()].sort((a, b) => a[0] - b[0]);
      for (const [index, call] of ordered) {
        if (!call.name) {
          throw new ProviderError(this.id, `tool call ${index} arrived without a name`, true);
        }
        yield {
          type: 'tool-call',
          id: call.id || `call_${index}`,
          name: call.name,
          arguments: call.arguments,
        };
      }
      yield { type: 'done', finishReason: finishReason ?? 'stop' };
    } finally {
      outer?.removeEventListener('abort', onAbort);
      // Releases the connection when the consumer stopped early.
      controller.abort('finished');
    }
  }

  /** Sends the request; undefined when the caller aborted before the answer started. */
  private async post(
    body: Record<string, unknown>,
    controller: AbortController,
    aborted: () => boolean,
  ): Promise<Response | undefined> {
    const r = this.resolved;
    const timer = setTimeout(() => controller.abort('timeout'), r.timeoutMs);
    try {
      return await fetch(r.url, {
        method: 'POST',
        headers: r.headers,
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (error) {
      if (aborted()) return undefined;
      if (controller.signal.reason === 'timeout') {
        throw new ProviderError(this.id, `no answer within ${r.timeoutMs} ms`, true);
      }
      throw asProviderError(this.id, error, 'request failed');
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---- wire format ------------------------------------------------------------------------

interface WireChunk {
  choices: Array<{
    delta?: {
      content?: string | null;
      tool_calls?: Array<{
        index?: number;
        id?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason?: string | null;
  }>;
}

function toWireMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') {
    return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
  }
  if (message.role === 'assistant' && message.toolCalls && message.toolCalls.length > 0) {
    return {
      role: 'assistant',
      // OpenAI wants null, not "", when the model only called tools.
      content: message.content === '' ? null : message.content,
      tool_calls: message.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  }
  return { role: message.role, content: message.content };
}

function toWireTool(tool: unknown): OpenAiFunctionTool {
  if (isRecord(tool) && tool['type'] === 'function' && isRecord(tool['function'])) {
    return tool as unknown as OpenAiFunctionTool;
  }
  if (isRecord(tool) && typeof tool['name'] === 'string') {
    return {
      type: 'function',
      function: {
        name: tool['name'],
        description: typeof tool['description'] === 'string' ? tool['description'] : '',
        parameters: isRecord(tool['parameters'])
          ? tool['parameters']
          : { type: 'object', properties: {} },
      },
    };
  }
  throw new TypeError('a tool must be { name, description, parameters } or an OpenAI function');
}

function parseChunk(provider: string, data: string): WireChunk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new ProviderError(provider, `malformed stream event: ${data.slice(0, 120)}`, true);
  }
  if (!isRecord(parsed)) throw new ProviderError(provider, 'stream event is not an object', true);
  // Servers report failures that happen mid-answer as an event with an error object.
  if (parsed['error'] !== undefined) {
    throw new ProviderError(provider, `failed mid-answer: ${messageOf(parsed)}`, true);
  }
  // Azure's first event holds only content-filter results and no choices.
  const choices = Array.isArray(parsed['choices']) ? parsed['choices'] : [];
  return { choices: choices.filter(isRecord) as WireChunk['choices'] };
}

// ---- errors and settings ----------------------------------------------------------------

async function httpError(provider: string, response: Response): Promise<ProviderError> {
  let text = '';
  try {
    text = (await response.text()).slice(0, 2000);
  } catch {
    // the body broke too: the status alone has to do
  }
  let detail = text.slice(0, 200);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) detail = messageOf(parsed) || detail;
  } catch {
    // not JSON: keep the raw start
  }
  const status = response.status;
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  return new ProviderError(
    provider,
    `answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
    retryable,
    status,
  );
}

function messageOf(body: Record<string, unknown>): string {
  const error = body['error'];
  if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
  if (typeof error === 'string') return error;
  if (typeof body['message'] === 'string') return body['message'];
  return '';
}

function asProviderError(provider: string, error: unknown, what: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
  // Network failures (refused, reset, DNS) may pass on a second try.
  return new ProviderError(provider, `${what}: ${detail}`, true);
}

function httpUrl(setting: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderConfigError(setting, `is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderConfigError(setting, `must be an http:// or https:// URL, not ${value}`);
  }
  return url;
}

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ProviderConfigError(`SWITCHBOARD_LLM (${name})`, 'must be a positive number of ms');
  }
  return value;
}

function isLocalHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\./.test(hostname) ||
    /^10\./.test(hostname) ||
    /^192\.168\./.test(hostname) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(hostname) ||
    hostname.endsWith('.local') ||
    hostname.endsWith('.internal')
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
