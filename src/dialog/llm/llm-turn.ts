/**
 * One turn of a model-driven conversation: stream the model's words, and when it calls
 * tools, check and run them, give it their results and let it go on, until it answers
 * without tools. The conversation (`messages`) grows in place with everything the model
 * will need next turn: its tool calls, their results and its final answer.
 */
import type { ChatMessage, LanguageModelChunk } from '../../voice/index.js';
import type { LanguageModel } from '../../voice/index.js';
import { argumentError, type Tool, type ToolContext } from '../tools/index.js';

/** Options of {@link runLlmTurn}. */
export interface LlmTurnOptions {
  llm: LanguageModel;
  /** The conversation so far; the turn appends to it. */
  messages: ChatMessage[];
  tools: Tool[];
  context: ToolContext;
  /** Barge-in or hang-up: the turn stops where it is. */
  signal?: AbortSignal;
  /** Rounds of tool calls before the model must answer in words, default 4. */
  maxToolRounds?: number;
  temperature?: number;
}

type ToolCall = Extract<LanguageModelChunk, { type: 'tool-call' }>;

/**
 * Streams the model's text for one turn, running the tools it calls in between. Tool
 * problems (unknown name, bad JSON, arguments that fail validation, a tool that throws) go
 * back to the model as `{ "error": … }` so it can retry or explain; a failing model throws
 * its `ProviderError` for the agent's fallback. After `maxToolRounds` rounds the model is
 * asked once more without tools, so the caller always hears an answer. When the signal
 * aborts (barge-in), the turn ends at once and the words streamed so far are appended as the
 * assistant's answer, so the agent can cut them down to what the caller actually heard.
 */
export async function* runLlmTurn(options: LlmTurnOptions): AsyncIterable<string> {
  const { llm, messages, signal } = options;
  const maxRounds = options.maxToolRounds ?? 4;
  const context: ToolContext = signal ? { ...options.context, signal } : options.context;
  const toolSpecs = options.tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: t.parameters,
  }));
  for (let round = 0; ; round++) {
    const offerTools = toolSpecs.length > 0 && round < maxRounds;
    let text = '';
    const calls: ToolCall[] = [];
    const stream = llm.stream(messages, {
      ...(signal ? { signal } : {}),
      ...(offerTools ? { tools: toolSpecs } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    });
    const stop = (): void => {
      if (text !== '') messages.push({ role: 'assistant', content: text });
    };
    for await (const chunk of stream) {
      if (signal?.aborted) return stop();
      if (chunk.type === 'text') {
        text += chunk.text;
        yield chunk.text;
      } else if (chunk.type === 'tool-call') {
        calls.push(chunk);
      }
    }
    if (signal?.aborted) return stop();
    // Calls the model makes when it was offered no tools cannot be answered; its words stand.
    if (calls.length === 0 || !offerTools) {
      messages.push({ role: 'assistant', content: text });
      return;
    }
    const results: ChatMessage[] = [];
    for (const call of calls) {
      const result = await runTool(call, options.tools, context);
      results.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result) });
    }
    // Appended together: a tool call without its result is a conversation servers refuse.
    messages.push(
      {
        role: 'assistant',
        content: text,
        toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
      },
      ...results,
    );
    if (signal?.aborted) return;
  }
}

/** Runs one call; every failure becomes the `{ error }` the model reads. */
async function runTool(call: ToolCall, tools: Tool[], context: ToolContext): Promise<unknown> {
  const log = context.logger;
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) {
    log?.warn({ tool: call.name }, 'model called an unknown tool');
    return {
      error: `unknown tool ${call.name}; available: ${tools.map((t) => t.name).join(', ')}`,
    };
  }
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    log?.warn({ tool: tool.name }, 'model sent tool arguments that are not JSON');
    return { error: 'the arguments are not valid JSON' };
  }
  const checked = tool.validate(args);
  if (!checked.ok) {
    log?.info(
      { tool: tool.name, problems: checked.problems, pii: { args } },
      'tool arguments refused',
    );
    return argumentError(checked.problems);
  }
  const started = Date.now();
  try {
    const result = await tool.run(checked.value, context);
    log?.info({ tool: tool.name, ms: Date.now() - started, pii: { args } }, 'tool ran');
    return result === undefined ? { ok: true } : result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log?.warn({ tool: tool.name, err: message, pii: { args } }, 'tool failed');
    return { error: `the tool failed: ${message}` };
  }
}
