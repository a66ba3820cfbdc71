import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';

let fake: FakeOpenAi;
beforeEach(async () => {
  fake = await startFakeOpenAi({ apiKey: 'sk-right' });
});
afterEach(async () => {
  await fake.close();
});

const user = [{ role: 'user', content: 'hello' }];

function post(body: unknown, key = 'sk-right', path = '/chat/completions'): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE body, in order. */
async function events(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

describe('startFakeOpenAi', () => {
  it('refuses a wrong key with 401 and an OpenAI error object', async () => {
    fake.reply({ text: 'never' });
    const response = await post({ model: 'm', messages: user }, 'sk-wrong');
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toMatch(/Incorrect API key/);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a body without model or messages with 400', async () => {
    const noModel = await post({ messages: user });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toMatch(
      /model/,
    );
    const noMessages = await post({ model: 'm' });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: { message: string } }).error.message).toMatch(
      /messages/,
    );
  });

  it('refuses a tool message that answers no tool call, and a call left unanswered', async () => {
    const orphan = await post({
      model: 'm',
      messages: [...user, { role: 'tool', tool_call_id: 'call_1', content: '{}' }],
    });
    expect(orphan.status).toBe(400);
    const unanswered = await post({
      model: 'm',
      messages: [
        ...user,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
          ],
        },
        { role: 'user', content: 'and?' },
      ],
    });
    expect(unanswered.status).toBe(400);
    expect(((await unanswered.json()) as { error: { message: string } }).error.message).toMatch(
      /call_1/,
    );
  });

  it('answers a non-streamed request with one chat.completion', async () => {
    fake.reply({ text: 'Hi there.' });
    const response = await post({ model: 'm', messages: user });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
    };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message.content).toBe('Hi there.');
    expect(body.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams text in chunkSize pieces, a stop chunk and [DONE]', async () => {
    fake.reply({ text: 'abcdefgh', chunkSize: 3 });
    const response = await post({ model: 'm', messages: user, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await events(response);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const contents = chunks.map((c) => c.choices[0].delta.content).filter(Boolean);
    expect(contents).toEqual(['abc', 'def', 'gh']);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(fake.requests).toEqual([{ model: 'm', messages: user, stream: true }]);
  });

  it('streams a tool call as an id+name chunk followed by argument fragments', async () => {
    const args = { fields: { policyNumber: 'P-123456', incidentDate: '2024-05-01' } };
    fake.reply({ toolCalls: [{ name: 'update_claim', arguments: args }] });
    const data = await events(await post({ model: 'm', messages: user, stream: true }));
    const deltas = data
      .slice(0, -1)
      .map((d) => JSON.parse(d).choices[0])
      .filter((c) => c.delta.tool_calls);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas[0].delta.tool_calls[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'update_claim', arguments: '' },
    });
    expect(deltas.slice(1).every((c) => c.delta.tool_calls[0].id === undefined)).toBe(true);
    const joined = deltas.map((c) => c.delta.tool_calls[0].function.arguments).join('');
    expect(JSON.parse(joined)).toEqual(args);
    expect(JSON.parse(data.at(-2)!).choices[0].finish_reason).toBe('tool_calls');
  });

  it('answers queued errors with their status, and a function reply sees the body', async () => {
    fake.reply({ status: 429, error: 'Rate limit reached' }, (body) => ({
      text: `model ${String(body['model'])}`,
    }));
    const limited = await post({ model: 'm', messages: user });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toBe(
      'Rate limit reached',
    );
    const echoed = (await (await post({ model: 'gpt-x', messages: user })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(echoed.choices[0]!.message.content).toBe('model gpt-x');
  });

  it('serves the Azure path with the api-key header and requires api-version', async () => {
    fake.reply({ text: 'azure ok' });
    const path = '/openai/deployments/my-gpt/chat/completions';
    const noVersion = await fetch(`${fake.rootUrl}${path}`, {
      method: 'POST',
      headers: { 'api-key': 'sk-right', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user }),
    });
    expect(noVersion.status).toBe(404);
    const bearer = await fetch(`${fake.rootUrl}${path}?api-version=2024-10-21`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-right', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user }),
    });
    expect(bearer.status).toBe(401);
    const ok = await fetch(`${fake.rootUrl}${path}?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'api-key': 'sk-right', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: user }),
    });
    expect(ok.status).toBe(200);
    expect(fake.calls.at(-1)!.path).toBe(`${path}?api-version=2024-10-21`);
  });

  it('answers 500 when no reply was queued, and 404 on an unknown path', async () => {
    expect((await post({ model: 'm', messages: user })).status).toBe(500);
    expect((await post({ model: 'm', messages: user }, 'sk-right', '/completions')).status).toBe(
      404,
    );
  });
});
