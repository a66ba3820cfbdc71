import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ProviderConfigError,
  ProviderError,
  type ChatMessage,
  type LanguageModelChunk,
} from '../../voice/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../testing/fake-openai.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';

let fake: FakeOpenAi;
beforeEach(async () => {
  fake = await startFakeOpenAi();
});
afterEach(async () => {
  vi.useRealTimers();
  await fake.close();
});

const hello: ChatMessage[] = [
  { role: 'system', content: 'You are a claims assistant.' },
  { role: 'user', content: 'Hello' },
];

function llm(extra: Partial<ConstructorParameters<typeof OpenAiCompatibleLlm>[0]> = {}) {
  return new OpenAiCompatibleLlm({
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    model: 'gpt-test',
    ...extra,
  });
}

async function collect(stream: AsyncIterable<LanguageModelChunk>): Promise<LanguageModelChunk[]> {
  const out: LanguageModelChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

async function failure(stream: AsyncIterable<LanguageModelChunk>): Promise<ProviderError> {
  try {
    await collect(stream);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('the stream did not fail');
}

describe('OpenAiCompatibleLlm', () => {
  it('streams text pieces in order, then done', async () => {
    const text = 'Your claim is being processed, and you will hear from us within two days.';
    fake.reply({ text, chunkSize: 5 });
    const chunks = await collect(llm().stream(hello, {}));
    const pieces = chunks.filter((c) => c.type === 'text').map((c) => c.text);
    expect(pieces.length).toBe(Math.ceil(text.length / 5));
    expect(pieces.join('')).toBe(text);
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(fake.requests[0]).toEqual({
      model: 'gpt-test',
      stream: true,
      messages: [
        { role: 'system', content: 'You are a claims assistant.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    expect(fake.calls[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('assembles a tool call split over several chunks', async () => {
    const args = { fields: { policyNumber: 'P-778899', description: 'rear-ended at a light' } };
    fake.reply({ toolCalls: [{ name: 'update_claim', arguments: args }] });
    const chunks = await collect(llm().stream(hello, {}));
    const calls = chunks.filter((c) => c.type === 'tool-call');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'update_claim', id: 'call_fake1_0' });
    expect(JSON.parse((calls[0] as { arguments: string }).arguments)).toEqual(args);
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('does not double a name the server repeats in every delta', async () => {
    fake.reply({
      toolCalls: [{ name: 'end_call', arguments: { reason: 'caller said goodbye' } }],
      repeatName: true,
    });
    const chunks = await collect(llm().stream(hello, {}));
    const calls = chunks.filter((c) => c.type === 'tool-call');
    expect(calls.map((c) => c.name)).toEqual(['end_call']);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ reason: 'caller said goodbye' });
  });

  it('hands out two tool calls of one answer in index order, after its text', async () => {
    fake.reply({
      text: 'One moment.',
      toolCalls: [
        { name: 'search_knowledge', arguments: { query: 'documents needed for a claim' } },
        { name: 'update_claim', arguments: { fields: { name: 'Ana' } } },
      ],
    });
    const chunks = await collect(llm().stream(hello, {}));
    expect(chunks.map((c) => c.type)).toEqual([
      'text',
      'text',
      'text',
      'tool-call',
      'tool-call',
      'done',
    ]);
    const calls = chunks.filter((c) => c.type === 'tool-call');
    expect(calls.map((c) => c.name)).toEqual(['search_knowledge', 'update_claim']);
    expect(JSON.parse(calls[1]!.arguments)).toEqual({ fields: { name: 'Ana' } });
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
  });

  it('sends tools, temperature, max_tokens and the tool-call history in OpenAI form', async () => {
    fake.reply({ text: 'Done.' });
    const history: ChatMessage[] = [
      ...hello,
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_a', name: 'end_call', arguments: '{"reason":"done"}' }],
      },
      { role: 'tool', toolCallId: 'call_a', content: '{"ok":true}' },
    ];
    const tool = {
      name: 'end_call',
      description: 'Ends the call.',
      parameters: { type: 'object' },
    };
    await collect(llm({ maxTokens: 200 }).stream(history, { tools: [tool], temperature: 0.2 }));
    const body = fake.requests[0]!;
    expect(body['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'end_call',
          description: 'Ends the call.',
          parameters: { type: 'object' },
        },
      },
    ]);
    expect(body['temperature']).toBe(0.2);
    expect(body['max_tokens']).toBe(200);
    expect((body['messages'] as unknown[]).slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'end_call', arguments: '{"reason":"done"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"ok":true}' },
    ]);
  });

  it('turns a refused key into a non-retryable ProviderError with the vendor message', async () => {
    fake.reply({ text: 'never' });
    const error = await failure(llm({ apiKey: 'sk-wrong' }).stream(hello, {}));
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/Incorrect API key provided/);
    expect(error.provider).toBe('openai-compatible');
  });

  it('marks 500 and 429 retryable, 400 and 404 not', async () => {
    fake.reply(
      { status: 500, error: 'The server had an error while processing your request.' },
      { status: 429, error: 'Rate limit reached' },
      { status: 400, error: 'bad request' },
    );
    const e500 = await failure(llm().stream(hello, {}));
    expect([e500.status, e500.retryable]).toEqual([500, true]);
    expect(e500.message).toMatch(/server had an error/);
    const e429 = await failure(llm().stream(hello, {}));
    expect([e429.status, e429.retryable]).toEqual([429, true]);
    const e400 = await failure(llm().stream(hello, {}));
    expect([e400.status, e400.retryable]).toEqual([400, false]);
    const e404 = await failure(llm({ baseUrl: `${fake.rootUrl}/v2` }).stream(hello, {}));
    expect([e404.status, e404.retryable]).toEqual([404, false]);
  });

  it('fails retryably when the stream stalls between chunks', async () => {
    fake.reply({ stallAfterChunks: 2 });
    const iterator = llm({ stallMs: 2_000 }).stream(hello, {})[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual({ type: 'text', text: 'Let ' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const next = iterator.next();
    const settled = next.then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_999);
    await vi.advanceTimersByTimeAsync(1);
    const error = (await settled) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/stalled: nothing for 2000 ms/);
  });

  it('fails retryably when the answer does not start within timeoutMs', async () => {
    fake.reply({ stallAfterChunks: 0 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const settled = collect(llm({ timeoutMs: 3_000 }).stream(hello, {})).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The fake's headers arrive over the real loopback; then only the timer is left.
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1), { interval: 1 });
    await vi.advanceTimersByTimeAsync(3_000);
    const error = (await settled) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/no answer within 3000 ms/);
  });

  it('fails retryably when nothing listens at the URL', async () => {
    const url = fake.url;
    await fake.close();
    fake = await startFakeOpenAi();
    const error = await failure(
      new OpenAiCompatibleLlm({ baseUrl: url, model: 'm' }).stream(hello, {}),
    );
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
  });

  it('ends quietly when aborted mid-stream', async () => {
    fake.reply({ text: 'a'.repeat(400), chunkSize: 2 });
    const controller = new AbortController();
    const chunks: LanguageModelChunk[] = [];
    for await (const chunk of llm().stream(hello, { signal: controller.signal })) {
      chunks.push(chunk);
      if (chunks.length === 3) controller.abort();
    }
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.type === 'text')).toBe(true);
  });

  it('yields nothing when the signal is already aborted', async () => {
    fake.reply({ text: 'never' });
    const chunks = await collect(llm().stream(hello, { signal: AbortSignal.abort() }));
    expect(chunks).toEqual([]);
    expect(fake.calls).toHaveLength(0);
  });

  it('uses the Azure deployment path, api-version and api-key header', async () => {
    fake.reply({ text: 'Hello from Azure.' });
    const azure = new OpenAiCompatibleLlm({
      id: 'azure',
      baseUrl: fake.rootUrl,
      apiKey: fake.apiKey,
      model: 'gpt4o-deploy',
      azure: { apiVersion: '2024-10-21' },
    });
    const chunks = await collect(azure.stream(hello, {}));
    expect(
      chunks
        .filter((c) => c.type === 'text')
        .map((c) => c.text)
        .join(''),
    ).toBe('Hello from Azure.');
    const call = fake.calls[0]!;
    expect(call.path).toBe(
      '/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21',
    );
    expect(call.headers['api-key']).toBe(fake.apiKey);
    expect(call.headers.authorization).toBeUndefined();
  });

  it('names the missing setting', () => {
    const missing = (options: ConstructorParameters<typeof OpenAiCompatibleLlm>[0]) => {
      try {
        new OpenAiCompatibleLlm(options);
      } catch (error) {
        expect(error).toBeInstanceOf(ProviderConfigError);
        return (error as ProviderConfigError).setting;
      }
      return 'no error';
    };
    expect(missing({ baseUrl: fake.url, model: '' })).toBe('SWITCHBOARD_LLM_MODEL');
    expect(missing({ baseUrl: '', model: 'm' })).toBe('SWITCHBOARD_LLM_BASE_URL');
    expect(missing({ baseUrl: 'ftp://x', model: 'm' })).toBe('SWITCHBOARD_LLM_BASE_URL');
    expect(missing({ baseUrl: 'https://api.openai.com/v1', model: 'm' })).toBe(
      'SWITCHBOARD_LLM_API_KEY',
    );
    expect(
      missing({
        baseUrl: 'https://r.openai.azure.com',
        model: 'm',
        apiKey: 'k',
        azure: { apiVersion: '' },
      }),
    ).toBe('SWITCHBOARD_LLM_API_VERSION');
  });

  it('says whether it is a cloud or a self-hosted model', () => {
    expect(llm().kind).toBe('self-hosted');
    expect(
      new OpenAiCompatibleLlm({ baseUrl: 'https://api.deepseek.com/v1', apiKey: 'k', model: 'm' })
        .kind,
    ).toBe('cloud');
  });
});
