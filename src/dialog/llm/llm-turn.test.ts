import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../voice/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../testing/fake-openai.js';
import { builtInTools, defineTool, type ToolActions, type ToolContext } from '../tools/index.js';
import { OpenAiCompatibleLlm } from './openai-compatible-llm.js';
import { runLlmTurn } from './llm-turn.js';
import { z } from 'zod';

let fake: FakeOpenAi;
let actions: ToolActions & { log: unknown[][] };
let context: ToolContext;

beforeEach(async () => {
  fake = await startFakeOpenAi();
  const log: unknown[][] = [];
  actions = {
    log,
    updateClaim: async (fields) => {
      log.push(['updateClaim', fields]);
      return { accepted: fields, rejected: {}, missing: ['incidentDate'] };
    },
    transferToHuman: async (request) => void log.push(['transferToHuman', request]),
    endCall: async (reason) => void log.push(['endCall', reason]),
    sendDtmf: async (digits) => void log.push(['sendDtmf', digits]),
  };
  context = { conversationId: 'conv-1', language: 'en-US', actions };
});
afterEach(async () => {
  await fake.close();
});

function llm(): OpenAiCompatibleLlm {
  return new OpenAiCompatibleLlm({ baseUrl: fake.url, apiKey: fake.apiKey, model: 'gpt-test' });
}

function conversation(): ChatMessage[] {
  return [
    { role: 'system', content: 'You take car insurance claims.' },
    { role: 'user', content: 'My policy number is P-123456.' },
  ];
}

async function text(stream: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of stream) out += piece;
  return out;
}

describe('runLlmTurn', () => {
  it('streams an answer without tools and appends it to the conversation', async () => {
    fake.reply({ text: 'Thank you, noted.', chunkSize: 3 });
    const messages = conversation();
    const pieces: string[] = [];
    for await (const piece of runLlmTurn({
      llm: llm(),
      messages,
      tools: builtInTools(),
      context,
    })) {
      pieces.push(piece);
    }
    expect(pieces.join('')).toBe('Thank you, noted.');
    expect(pieces.length).toBe(6);
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'Thank you, noted.' });
    const tools = fake.requests[0]!['tools'] as Array<{ function: { name: string } }>;
    expect(tools.map((t) => t.function.name)).toEqual([
      'update_claim',
      'transfer_to_human',
      'end_call',
      'send_dtmf',
      'search_knowledge',
    ]);
  });

  it('runs update_claim, gives the model the result, then streams its answer', async () => {
    fake.reply(
      {
        toolCalls: [{ name: 'update_claim', arguments: { fields: { policyNumber: 'P-123456' } } }],
      },
      { text: 'Got it. When did the accident happen?' },
    );
    const messages = conversation();
    const said = await text(
      runLlmTurn({ llm: llm(), messages, tools: builtInTools(['update_claim']), context }),
    );
    expect(said).toBe('Got it. When did the accident happen?');
    expect(actions.log).toEqual([['updateClaim', { policyNumber: 'P-123456' }]]);
    expect(messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          {
            id: 'call_fake1_0',
            name: 'update_claim',
            arguments: '{"fields":{"policyNumber":"P-123456"}}',
          },
        ],
      },
      {
        role: 'tool',
        toolCallId: 'call_fake1_0',
        content: JSON.stringify({
          accepted: { policyNumber: 'P-123456' },
          rejected: {},
          missing: ['incidentDate'],
        }),
      },
      { role: 'assistant', content: 'Got it. When did the accident happen?' },
    ]);
    // The second request carried the call and its result (the fake checks their order).
    const second = fake.requests[1]!['messages'] as Array<Record<string, unknown>>;
    expect(second.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_fake1_0' });
  });

  it('does not run a tool whose arguments fail validation and tells the model why', async () => {
    fake.reply(
      { toolCalls: [{ name: 'send_dtmf', arguments: { digits: 'one two' } }] },
      { toolCalls: [{ name: 'send_dtmf', arguments: { digits: '12#' } }] },
      { text: 'Done.' },
    );
    const messages = conversation();
    await text(runLlmTurn({ llm: llm(), messages, tools: builtInTools(), context }));
    expect(actions.log).toEqual([['sendDtmf', '12#']]);
    const firstResult = messages[3]!;
    expect(firstResult.role).toBe('tool');
    expect(JSON.parse(firstResult.content)).toEqual({
      error: 'argument digits: must be 1 to 32 of 0-9, *, #, w, W',
    });
    expect(JSON.parse(messages[5]!.content)).toEqual({ sent: 3 });
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'Done.' });
  });

  it('reports a missing argument, bad JSON and an unknown tool to the model without throwing', async () => {
    fake.reply(
      {
        toolCalls: [
          { name: 'end_call', arguments: {} },
          { name: 'update_claim', arguments: '{"fields": {' },
          { name: 'book_flight', arguments: {} },
        ],
      },
      { text: 'Sorry about that.' },
    );
    const messages = conversation();
    await text(
      runLlmTurn({
        llm: llm(),
        messages,
        tools: builtInTools(['end_call', 'update_claim']),
        context,
      }),
    );
    expect(actions.log).toEqual([]);
    const results = messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content));
    expect(results).toEqual([
      { error: 'argument reason: is required' },
      { error: 'the arguments are not valid JSON' },
      { error: 'unknown tool book_flight; available: end_call, update_claim' },
    ]);
  });

  it('runs two tool calls of one answer in order and answers both', async () => {
    fake.reply(
      {
        text: 'One moment.',
        toolCalls: [
          { name: 'update_claim', arguments: { fields: { name: 'Ana' } } },
          {
            name: 'transfer_to_human',
            arguments: { reason: 'injury reported', summary: 'Ana, P-1' },
          },
        ],
      },
      { text: 'Transferring you now.' },
    );
    const messages = conversation();
    const said = await text(runLlmTurn({ llm: llm(), messages, tools: builtInTools(), context }));
    expect(said).toBe('One moment.Transferring you now.');
    expect(actions.log).toEqual([
      ['updateClaim', { name: 'Ana' }],
      ['transferToHuman', { reason: 'injury reported', summary: 'Ana, P-1' }],
    ]);
    expect(messages[2]).toMatchObject({ role: 'assistant', content: 'One moment.' });
    expect(messages[2]!.toolCalls).toHaveLength(2);
    expect(messages.slice(3, 5).map((m) => m.toolCallId)).toEqual(['call_fake1_0', 'call_fake1_1']);
  });

  it('turns a throwing tool into an error result', async () => {
    const broken = defineTool({
      name: 'lookup',
      description: 'Looks up.',
      schema: z.strictObject({}),
      run: async () => {
        throw new Error('CRM unreachable');
      },
    });
    fake.reply({ toolCalls: [{ name: 'lookup', arguments: {} }] }, { text: 'The system is down.' });
    const messages = conversation();
    await text(runLlmTurn({ llm: llm(), messages, tools: [broken], context }));
    expect(JSON.parse(messages[3]!.content)).toEqual({ error: 'the tool failed: CRM unreachable' });
  });

  it('asks for words without tools once the rounds run out', async () => {
    const call = { toolCalls: [{ name: 'send_dtmf', arguments: { digits: '1' } }] };
    fake.reply(call, call, { text: 'I pressed it twice.' });
    const messages = conversation();
    const said = await text(
      runLlmTurn({ llm: llm(), messages, tools: builtInTools(), context, maxToolRounds: 2 }),
    );
    expect(said).toBe('I pressed it twice.');
    expect(actions.log).toEqual([
      ['sendDtmf', '1'],
      ['sendDtmf', '1'],
    ]);
    expect(fake.requests.map((r) => r['tools'] !== undefined)).toEqual([true, true, false]);
  });

  it('lets a provider error through as a ProviderError', async () => {
    fake.reply({ status: 503, error: 'overloaded' });
    const messages = conversation();
    await expect(
      text(runLlmTurn({ llm: llm(), messages, tools: builtInTools(), context })),
    ).rejects.toSatisfy((e) => e instanceof ProviderError && e.retryable && e.status === 503);
    expect(messages).toHaveLength(2);
  });

  it('stops mid-answer when aborted and appends the words streamed so far', async () => {
    fake.reply({ text: 'x'.repeat(300), chunkSize: 2 });
    const controller = new AbortController();
    const messages = conversation();
    let pieces = 0;
    for await (const _ of runLlmTurn({
      llm: llm(),
      messages,
      tools: [],
      context,
      signal: controller.signal,
    })) {
      if (++pieces === 2) controller.abort();
    }
    expect(pieces).toBe(2);
    expect(messages.slice(2)).toEqual([{ role: 'assistant', content: 'xxxx' }]);
    expect(fake.requests[0]!['tools']).toBeUndefined();
  });

  it('passes the turn signal to the tools', async () => {
    let seen: AbortSignal | undefined;
    const probe = defineTool({
      name: 'probe',
      description: 'Probes.',
      schema: z.strictObject({}),
      run: async (_args, ctx) => {
        seen = ctx.signal;
        return { ok: true };
      },
    });
    fake.reply({ toolCalls: [{ name: 'probe', arguments: {} }] }, { text: 'ok' });
    const controller = new AbortController();
    await text(
      runLlmTurn({
        llm: llm(),
        messages: conversation(),
        tools: [probe],
        context,
        signal: controller.signal,
      }),
    );
    expect(seen).toBe(controller.signal);
  });
});
