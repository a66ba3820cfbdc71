/**
 * Test support: a local stand-in for the OpenAI chat-completions API on 127.0.0.1 port 0,
 * served at `/v1/chat/completions` and at Azure's
 * `/openai/deployments/{deployment}/chat/completions?api-version=…`. It is as strict as the
 * real service where adapters tend to go wrong (the key, required fields, tool messages
 * answering the calls before them) and streams the way OpenAI does: a role chunk, content
 * deltas, tool calls split into an id+name chunk and argument fragments, a finish chunk and
 * `data: [DONE]`. Answers are queued with {@link FakeOpenAi.reply}. Test-only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One queued answer. */
export type FakeOpenAiReply =
  | { text: string; chunkSize?: number }
  | {
      toolCalls: Array<{ name: string; arguments: unknown }>;
      text?: string;
      /** Repeat the function name in every argument chunk, as vLLM and NVIDIA NIM do. */
      repeatName?: boolean;
    }
  | { status: number; error: string }
  /** Sends this many chunks of `text` (default a sentence), then nothing while the socket stays open. */
  | { stallAfterChunks: number; text?: string }
  | ((body: Record<string, unknown>) => FakeOpenAiReply);

/** A request the fake received, whatever it answered. */
export interface FakeOpenAiCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, undefined when it was not JSON. */
  body: Record<string, unknown> | undefined;
  /** Status the fake answered. */
  status: number;
}

/** A running fake. */
export interface FakeOpenAi {
  /** Base URL including `/v1`, as adapters take it. */
  url: string;
  /** Root URL without `/v1`, the base URL of the Azure form. */
  rootUrl: string;
  /** The key it accepts, as a bearer token or Azure's `api-key` header. */
  apiKey: string;
  /** Bodies of the accepted requests, in order. */
  requests: Array<Record<string, unknown>>;
  /** Every request with path, headers and status. */
  calls: FakeOpenAiCall[];
  /** Queues the answers to the next requests, in order. */
  reply(...replies: FakeOpenAiReply[]): void;
  close(): Promise<void>;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
/** The request fields OpenAI accepts (the ones adapters use and their neighbours). */
const FIELDS = new Set(
  (
    'model messages stream stream_options tools tool_choice parallel_tool_calls temperature ' +
    'top_p max_tokens max_completion_tokens n stop presence_penalty frequency_penalty ' +
    'logit_bias logprobs top_logprobs response_format seed user'
  ).split(' '),
);
const FUNCTION_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_STALL_TEXT = 'Let me look that up for you right away.';

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeOpenAi(options: { apiKey?: string } = {}): Promise<FakeOpenAi> {
  const queue: FakeOpenAiReply[] = [];
  let sequence = 0;
  const fake: FakeOpenAi = {
    url: '',
    rootUrl: '',
    apiKey: options.apiKey ?? 'sk-test-fake-openai',
    requests: [],
    calls: [],
    reply: (...replies) => void queue.push(...replies),
    close: async () => undefined,
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const call: FakeOpenAiCall = {
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      body: undefined,
      status: 0,
    };
    fake.calls.push(call);
    const fail = (status: number, message: string, type: string, code: string | null): void => {
      call.status = status;
      sendError(res, status, message, type, code);
    };
    const azure = /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(url.pathname);
    if (url.pathname !== '/v1/chat/completions' && !azure) {
      return fail(
        404,
        `Unknown request URL: ${req.method} ${url.pathname}`,
        'invalid_request_error',
        'unknown_url',
      );
    }
    if (req.method !== 'POST') {
      return fail(405, 'Method not allowed', 'invalid_request_error', null);
    }
    if (azure && !url.searchParams.get('api-version')) {
      return fail(404, 'Resource not found', 'invalid_request_error', '404');
    }
    const key = azure ? req.headers['api-key'] : bearer(req.headers.authorization);
    if (key !== fake.apiKey) {
      const shown = typeof key === 'string' ? `${key.slice(0, 3)}***` : 'none';
      return fail(
        401,
        azure
          ? 'Access denied due to invalid subscription key or wrong API endpoint.'
          : `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
    if (!/^application\/json/.test(req.headers['content-type'] ?? '')) {
      return fail(400, 'Content-Type must be application/json', 'invalid_request_error', null);
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!isRecord(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return fail(
        400,
        'We could not parse the JSON body of your request.',
        'invalid_request_error',
        null,
      );
    }
    call.body = body;
    const problem = invalidBody(body, azure);
    if (problem) return fail(400, problem, 'invalid_request_error', null);

    let next = queue.shift();
    while (typeof next === 'function') next = next(body);
    if (next === undefined) {
      return fail(500, 'fake-openai: no reply queued for this request', 'server_error', null);
    }
    if ('status' in next) {
      return fail(next.status, next.error, ...errorKind(next.status));
    }
    call.status = 200;
    fake.requests.push(body);
    const id = `chatcmpl-fake${++sequence}`;
    const model = typeof body['model'] === 'string' ? body['model'] : 'deployment';
    const streaming = body['stream'] === true;
    if ('stallAfterChunks' in next) {
      const text = next.text ?? DEFAULT_STALL_TEXT;
      const chunks = textChunks(id, model, text, 4).slice(0, next.stallAfterChunks);
      openStream(res);
      for (const chunk of chunks) res.write(sse(chunk));
      return; // the socket stays open and silent
    }
    const answer =
      'toolCalls' in next ? toolAnswer(next, sequence) : { text: next.text, calls: [] };
    if (!streaming) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(id, model, answer.text, answer.calls)));
      return;
    }
    const chunks: unknown[] = [];
    if (answer.text) {
      const size = 'chunkSize' in next && next.chunkSize ? next.chunkSize : 4;
      chunks.push(...textChunks(id, model, answer.text, size));
    } else {
      chunks.push(chunkOf(id, model, { role: 'assistant', content: null }));
    }
    const repeatName = 'repeatName' in next && next.repeatName === true;
    answer.calls.forEach((c, index) => {
      chunks.push(
        chunkOf(id, model, {
          tool_calls: [
            { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } },
          ],
        }),
      );
      for (let at = 0; at < c.arguments.length; at += 8) {
        chunks.push(
          chunkOf(id, model, {
            tool_calls: [
              {
                index,
                function: {
                  ...(repeatName ? { name: c.name } : {}),
                  arguments: c.arguments.slice(at, at + 8),
                },
              },
            ],
          }),
        );
      }
    });
    chunks.push(chunkOf(id, model, {}, answer.calls.length > 0 ? 'tool_calls' : 'stop'));
    openStream(res);
    void writeSlowly(res, chunks.map(sse).concat('data: [DONE]\n\n'));
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.rootUrl = `http://127.0.0.1:${port}`;
  fake.url = `${fake.rootUrl}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

// ---- request checks ---------------------------------------------------------------------

/** Why the body would be refused by OpenAI, or undefined. */
function invalidBody(body: Record<string, unknown>, azure: boolean): string | undefined {
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) return `Unrecognized request argument supplied: ${key}`;
  }
  // Azure takes the model from the deployment in the path.
  if (!azure && (typeof body['model'] !== 'string' || body['model'] === '')) {
    return 'you must provide a model parameter';
  }
  const messages = body['messages'];
  if (!Array.isArray(messages)) return "Missing required parameter: 'messages'.";
  if (messages.length === 0)
    return "Invalid 'messages': empty array. Expected an array with minimum length 1.";
  const temperature = body['temperature'];
  if (
    temperature !== undefined &&
    (typeof temperature !== 'number' || temperature < 0 || temperature > 2)
  ) {
    return "Invalid 'temperature': must be a number between 0 and 2.";
  }
  if (body['stream'] !== undefined && typeof body['stream'] !== 'boolean') {
    return "Invalid type for 'stream': expected a boolean.";
  }
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools) || tools.length === 0)
      return "Invalid 'tools': expected a non-empty array.";
    for (const [i, tool] of tools.entries()) {
      const fn = isRecord(tool) ? tool['function'] : undefined;
      if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(fn)) {
        return `Invalid 'tools[${i}]': expected { type: 'function', function: {...} }.`;
      }
      if (typeof fn['name'] !== 'string' || !FUNCTION_NAME_RE.test(fn['name'])) {
        return `Invalid 'tools[${i}].function.name': must match ^[a-zA-Z0-9_-]{1,64}$.`;
      }
      if (fn['parameters'] !== undefined && !isRecord(fn['parameters'])) {
        return `Invalid 'tools[${i}].function.parameters': expected an object.`;
      }
    }
  }
  return invalidMessages(messages);
}

/** The message-order rules OpenAI enforces around tool calls. */
function invalidMessages(messages: unknown[]): string | undefined {
  let owed = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || typeof m['role'] !== 'string' || !ROLES.has(m['role'])) {
      return `Invalid value for 'messages[${i}].role'.`;
    }
    const role = m['role'];
    if (role !== 'tool' && owed.size > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...owed].join(', ')}`;
    }
    const content = m['content'];
    const toolCalls = m['tool_calls'];
    if (role === 'assistant' && toolCalls !== undefined) {
      if (!Array.isArray(toolCalls) || toolCalls.length === 0) {
        return `Invalid 'messages[${i}].tool_calls': expected a non-empty array.`;
      }
      owed = new Set();
      for (const [j, c] of toolCalls.entries()) {
        const fn = isRecord(c) ? c['function'] : undefined;
        if (
          !isRecord(c) ||
          typeof c['id'] !== 'string' ||
          c['type'] !== 'function' ||
          !isRecord(fn) ||
          typeof fn['name'] !== 'string' ||
          typeof fn['arguments'] !== 'string'
        ) {
          return `Invalid 'messages[${i}].tool_calls[${j}]'.`;
        }
        owed.add(c['id']);
      }
      if (content !== null && content !== undefined && typeof content !== 'string') {
        return `Invalid 'messages[${i}].content'.`;
      }
      continue;
    }
    if (typeof content !== 'string') {
      return `Invalid type for 'messages[${i}].content': expected a string.`;
    }
    if (role === 'tool') {
      const id = m['tool_call_id'];
      if (typeof id !== 'string' || !owed.delete(id)) {
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      }
    }
  }
  if (owed.size > 0) {
    return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...owed].join(', ')}`;
  }
  return undefined;
}

// ---- answers ----------------------------------------------------------------------------

interface WireCall {
  id: string;
  name: string;
  arguments: string;
}

function toolAnswer(
  reply: { toolCalls: Array<{ name: string; arguments: unknown }>; text?: string },
  sequence: number,
): { text: string | undefined; calls: WireCall[] } {
  return {
    text: reply.text,
    calls: reply.toolCalls.map((c, i) => ({
      id: `call_fake${sequence}_${i}`,
      name: c.name,
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    })),
  };
}

function chunkOf(
  id: string,
  model: string,
  delta: Record<string, unknown>,
  finish?: string,
): unknown {
  return {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish ?? null }],
  };
}

function textChunks(id: string, model: string, text: string, size: number): unknown[] {
  const chunks = [chunkOf(id, model, { role: 'assistant', content: '' })];
  const chars = [...text];
  for (let at = 0; at < chars.length; at += size) {
    chunks.push(chunkOf(id, model, { content: chars.slice(at, at + size).join('') }));
  }
  return chunks;
}

function completion(
  id: string,
  model: string,
  text: string | undefined,
  calls: WireCall[],
): unknown {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text ?? null,
    refusal: null,
  };
  if (calls.length > 0) {
    message['tool_calls'] = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

function sse(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** One event per write, yielding between them, so the client sees separate network reads. */
async function writeSlowly(res: ServerResponse, events: string[]): Promise<void> {
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!res.destroyed) res.end();
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

/** OpenAI's error `type` and `code` for a status. */
const ERROR_KINDS: Record<number, [type: string, code: string | null]> = {
  401: ['invalid_request_error', 'invalid_api_key'],
  429: ['requests', 'rate_limit_exceeded'],
};

function errorKind(status: number): [type: string, code: string | null] {
  return ERROR_KINDS[status] ?? [status >= 500 ? 'server_error' : 'invalid_request_error', null];
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? '')?.[1];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
