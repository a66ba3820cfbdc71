import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpTool, validateHttpToolDefinition, type HttpToolDefinition } from './http-tool.js';
import type { ToolContext } from './tool.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[];
/** What the customer's endpoint answers; `undefined` never answers. */
let answer: { status: number; body: string } | undefined;

beforeEach(async () => {
  seen = [];
  answer = { status: 200, body: '{}' };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (!answer) return;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  vi.useRealTimers();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const context: ToolContext = {
  conversationId: 'c',
  language: 'en-US',
  actions: {
    updateClaim: async () => ({ accepted: {}, rejected: {}, missing: [] }),
    transferToHuman: async () => undefined,
    endCall: async () => undefined,
    sendDtmf: async () => undefined,
  },
};

function policyLookup(extra: Partial<HttpToolDefinition> = {}): HttpToolDefinition {
  return {
    name: 'get_policy',
    description: 'Looks up a policy by number.',
    method: 'GET',
    url: `${base}/policies/{policy}`,
    parameters: {
      policy: { type: 'string', required: true, description: 'Policy number' },
      include: { type: 'string', enum: ['coverage', 'payments'] },
    },
    headers: { authorization: 'Bearer crm-token' },
    ...extra,
  };
}

describe('validateHttpToolDefinition', () => {
  it('accepts a complete definition', () => {
    const result = validateHttpToolDefinition(policyLookup());
    expect(result).toEqual({ ok: true, value: policyLookup() });
  });

  it('names every problem by its path', () => {
    const result = validateHttpToolDefinition({
      name: 'get policy',
      method: 'PUT',
      url: 'ftp://crm/{policy}/{customer}',
      parameters: {
        policy: { type: 'date' },
        count: { type: 'number', enum: ['1'] },
        'bad-name': { type: 'string' },
      },
      timeoutMs: 10,
      resultPath: 'data..x',
      colour: 'blue',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(
      [
        'colour',
        'description',
        'method',
        'name',
        'parameters.bad-name',
        'parameters.count.enum',
        'parameters.policy.type',
        'resultPath',
        'timeoutMs',
        'url',
        'url',
      ].sort(),
    );
    expect(problems.find((p) => p.path === 'description')!.message).toBe('is required');
    expect(problems.map((p) => p.message)).toContain('placeholder {customer} names no parameter');
    expect(problems.find((p) => p.path === 'parameters.policy.type')!.message).toMatch(/string/);
  });

  it('refuses built-in names, placeholders in the host and non-objects', () => {
    const builtIn = validateHttpToolDefinition(policyLookup({ name: 'end_call' }));
    expect(builtIn).toMatchObject({ ok: false, problems: [{ path: 'name' }] });
    const host = validateHttpToolDefinition(
      policyLookup({ url: 'https://{policy}.example.com/x' }),
    );
    expect(host).toMatchObject({
      ok: false,
      problems: [{ path: 'url', message: 'placeholders are not allowed in the host' }],
    });
    expect(validateHttpToolDefinition([])).toMatchObject({ ok: false, problems: [{ path: '' }] });
  });
});

describe('httpTool', () => {
  it('describes its parameters as JSON schema and validates the model arguments', () => {
    const tool = httpTool(policyLookup());
    expect(tool.parameters).toEqual({
      type: 'object',
      properties: {
        policy: { type: 'string', description: 'Policy number' },
        include: { type: 'string', enum: ['coverage', 'payments'] },
      },
      required: ['policy'],
      additionalProperties: false,
    });
    expect(tool.validate({ include: 'claims', extra: 1 })).toEqual({
      ok: false,
      problems: [
        { path: 'extra', message: 'unknown key' },
        { path: 'policy', message: 'is required' },
        { path: 'include', message: 'must be one of coverage, payments' },
      ],
    });
    expect(tool.validate({ policy: 12 })).toMatchObject({
      ok: false,
      problems: [{ path: 'policy', message: 'must be a string' }],
    });
  });

  it('GETs the URL with encoded placeholders, other arguments in the query and the headers', async () => {
    answer = { status: 200, body: JSON.stringify({ data: { policy: { status: 'active' } } }) };
    const tool = httpTool(policyLookup({ resultPath: 'data.policy' }));
    const result = await tool.run({ policy: 'P 12/3', include: 'coverage' }, context);
    expect(result).toEqual({ status: 'active' });
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/policies/P%2012%2F3?include=coverage');
    expect(seen[0]!.headers.authorization).toBe('Bearer crm-token');
  });

  it('POSTs the arguments not in the URL as JSON', async () => {
    answer = { status: 201, body: JSON.stringify({ ticket: 'T-9' }) };
    const tool = httpTool({
      name: 'open_ticket',
      description: 'Opens a ticket.',
      method: 'POST',
      url: `${base}/customers/{customer}/tickets`,
      parameters: {
        customer: { type: 'string', required: true },
        urgent: { type: 'boolean' },
        amount: { type: 'number' },
      },
    });
    expect(await tool.run({ customer: 'c-1', urgent: true, amount: 120.5 }, context)).toEqual({
      ticket: 'T-9',
    });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/customers/c-1/tickets');
    expect(JSON.parse(seen[0]!.body)).toEqual({ urgent: true, amount: 120.5 });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('returns errors to the model: non-2xx, not JSON, missing result path', async () => {
    const tool = httpTool(policyLookup({ resultPath: 'data.policy' }));
    answer = { status: 404, body: '{"message":"no such policy"}' };
    expect(await tool.run({ policy: 'X' }, context)).toEqual({
      error: 'the lookup failed: HTTP 404',
      detail: '{"message":"no such policy"}',
    });
    answer = { status: 200, body: '<html>login</html>' };
    expect(await tool.run({ policy: 'X' }, context)).toEqual({
      error: 'the lookup answered with something that is not JSON',
    });
    answer = { status: 200, body: '{"data":{}}' };
    expect(await tool.run({ policy: 'X' }, context)).toEqual({
      error: 'the answer has no data.policy',
    });
  });

  it('gives up after timeoutMs with an error for the model', async () => {
    answer = undefined;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = httpTool(policyLookup({ timeoutMs: 2000 })).run({ policy: 'X' }, context);
    await vi.waitFor(() => expect(seen).toHaveLength(1), { interval: 1 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await pending).toEqual({ error: 'the lookup did not answer within 2000 ms' });
  });

  it('reports a refused connection as an error result', async () => {
    const tool = httpTool(policyLookup());
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = (await tool.run({ policy: 'X' }, context)) as { error: string };
    expect(result.error).toMatch(/^the lookup failed: .*ECONNREFUSED/);
    // afterEach closes again: give it a live server.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('truncates a huge answer', async () => {
    answer = { status: 200, body: JSON.stringify({ items: 'x'.repeat(20_000) }) };
    const result = (await httpTool(policyLookup()).run({ policy: 'X' }, context)) as {
      truncated: boolean;
      result: string;
    };
    expect(result.truncated).toBe(true);
    expect(result.result).toHaveLength(8000);
  });
});
