import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Store } from '../store/index.js';
import { buildApiServer } from './api-server.js';
import { openTestApi, type TestApi } from './v1/test-api.js';

let api: TestApi;
let status: 'ok' | 'stopping' = 'ok';

beforeAll(async () => {
  const metrics = new Registry();
  new Counter({ name: 'api_test_total', help: 'x', registers: [metrics] }).inc(2);
  api = await openTestApi({
    health: () => ({ status }),
    metrics,
    registrations: async () => [
      {
        aor: 'sip:alice@example.com',
        contact: 'sip:alice@198.51.100.7:5062;transport=tcp',
        expiresAt: new Date('2030-01-01T00:00:00Z'),
        transport: 'tcp',
      },
      { aor: 'sip:bob@example.com', contact: 'sip:bob@198.51.100.8', expiresAt: new Date(0) },
    ],
  });
}, 60_000);
afterAll(() => api?.close());

/** The route table the CLI is built against: every operation, and nothing else. */
const ROUTE_TABLE = [
  'GET /v1/trunks/inbound',
  'POST /v1/trunks/inbound',
  'GET /v1/trunks/inbound/{id}',
  'PATCH /v1/trunks/inbound/{id}',
  'DELETE /v1/trunks/inbound/{id}',
  'GET /v1/trunks/outbound',
  'POST /v1/trunks/outbound',
  'GET /v1/trunks/outbound/{id}',
  'PATCH /v1/trunks/outbound/{id}',
  'DELETE /v1/trunks/outbound/{id}',
  'GET /v1/dispatch-rules',
  'POST /v1/dispatch-rules',
  'GET /v1/dispatch-rules/{id}',
  'PATCH /v1/dispatch-rules/{id}',
  'DELETE /v1/dispatch-rules/{id}',
  'GET /v1/calls',
  'GET /v1/calls/{id}',
  'GET /v1/calls/{id}/participants',
  'GET /v1/calls/{id}/turns',
  'GET /v1/calls/{id}/conversations',
  'GET /v1/conversations/{id}',
  'GET /v1/api-keys',
  'POST /v1/api-keys',
  'DELETE /v1/api-keys/{id}',
  'GET /v1/webhooks',
  'POST /v1/webhooks',
  'GET /v1/webhooks/{id}',
  'PATCH /v1/webhooks/{id}',
  'DELETE /v1/webhooks/{id}',
  'GET /v1/webhooks/{id}/deliveries',
  'GET /v1/registrations',
  'GET /docs',
  'GET /docs/openapi.json',
];

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown; 'x-required-scope'?: string }>>;
}

async function openApi(): Promise<OpenApiDoc> {
  const res = await api.app.inject({ url: '/docs/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

function operations(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('buildApiServer', () => {
  it('serves /health and /metrics without a key', async () => {
    const ok = await api.app.inject({ url: '/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok' });
    status = 'stopping';
    expect((await api.app.inject({ url: '/health' })).statusCode).toBe(503);
    status = 'ok';
    const metrics = await api.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('api_test_total 2');
  });

  it('documents exactly the route table in OpenAPI 3.1, with the scope of each route', async () => {
    const doc = await openApi();
    expect(doc.openapi).toBe('3.1.0');
    expect(operations(doc).sort()).toEqual([...ROUTE_TABLE].sort());
    expect(doc.paths['/v1/api-keys']!.post!['x-required-scope']).toBe('admin');
    expect(doc.paths['/v1/calls']!.get!['x-required-scope']).toBe('read-only');
    expect(doc.paths['/docs']!.get!.security).toBeUndefined();
    // Write-only fields appear in request bodies only.
    const text = JSON.stringify(doc);
    expect(text).toContain('passwordSet');
    expect(text).toContain('secretSet');
  });

  it('serves a self-contained HTML page at /docs without a key', async () => {
    const res = await api.app.inject({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('href="docs/openapi.json"');
    for (const op of ROUTE_TABLE) {
      const [method, path] = op.split(' ');
      expect(res.body).toContain(`<code>${path}</code>`);
      expect(res.body).toContain(`>${method}<`);
    }
    // No external assets: no scripts, no remote stylesheets, images or fonts.
    expect(res.body).not.toMatch(/<script|<link|<img|src=|url\(|https?:\/\//i);
  });

  it('lists registrations from the injected source, with ISO expiry', async () => {
    expect((await api.app.inject({ url: '/v1/registrations' })).statusCode).toBe(401);
    const res = await api.app.inject({ url: '/v1/registrations', headers: api.auth() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [
        {
          aor: 'sip:alice@example.com',
          contact: 'sip:alice@198.51.100.7:5062;transport=tcp',
          expiresAt: '2030-01-01T00:00:00.000Z',
          transport: 'tcp',
        },
        {
          aor: 'sip:bob@example.com',
          contact: 'sip:bob@198.51.100.8',
          expiresAt: '1970-01-01T00:00:00.000Z',
        },
      ],
    });
  });

  it('answers malformed requests and unknown routes in the API error shape', async () => {
    const badJson = await api.app.inject({
      method: 'POST',
      url: '/v1/trunks/inbound',
      headers: { ...api.auth(), 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ error: 'bad_request', issues: [{ field: 'body' }] });

    const poisoned = await api.app.inject({
      method: 'POST',
      url: '/v1/trunks/inbound',
      headers: { ...api.auth(), 'content-type': 'application/json' },
      payload: '{"name":"x","__proto__":{"admin":true}}',
    });
    expect(poisoned.statusCode).toBe(400);

    const wrongType = await api.app.inject({
      method: 'POST',
      url: '/v1/trunks/inbound',
      headers: { ...api.auth(), 'content-type': 'application/xml' },
      payload: '<trunk/>',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error).toBe('unsupported_media_type');

    const tooBig = await api.app.inject({
      method: 'POST',
      url: '/v1/trunks/inbound',
      headers: { ...api.auth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(tooBig.statusCode).toBe(413);

    const nowhere = await api.app.inject({ url: '/v1/nowhere', headers: api.auth() });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json()).toEqual({ error: 'not_found', message: 'no route GET /v1/nowhere' });
  });

  it('never answers 500 to odd input on any route', async () => {
    const doc = await openApi();
    const bodies: unknown[] = [
      null,
      [],
      'text',
      42,
      { name: {}, numbers: 'x', action: [], url: 7, scopes: {} },
      { name: 'x'.repeat(10_000), numbers: ['\u0000'], address: '\u0000:1' },
      { name: 'ok', id: '../../etc', calledNumber: '/(?<=a)b/', secret: '\u0000'.repeat(20) },
      { name: 'ok', action: { type: 'reject', status: 1e308 }, priority: -1e308 },
      { name: '\ud800', action: { type: 'prompt', file: '\u0000' }, url: 'http://[::1' },
    ];
    const ids = ['x', 'tri_00000000000000000000000000000000', '%00', 'a'.repeat(300), '%E2%80%8B'];
    for (const op of operations(doc)) {
      const [method, template] = op.split(' ') as [string, string];
      for (const id of ids) {
        const url = template.replace('{id}', id);
        const queries = ['', '?limit=-1&cursor=%00', '?since=0&state[]=x', '?status=%00&limit=1e9'];
        for (const query of queries) {
          const res = await api.app.inject({
            method: method as 'GET',
            url: url + query,
            headers: api.auth(),
          });
          expect(res.statusCode, `${method} ${url}${query}`).toBeLessThan(500);
        }
        if (method !== 'POST' && method !== 'PATCH') continue;
        for (const body of bodies) {
          const res = await api.app.inject({
            method: method as 'POST',
            url,
            headers: { ...api.auth(), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expect(
            res.statusCode,
            `${method} ${url} ${JSON.stringify(body)?.slice(0, 60)}`,
          ).toBeLessThan(500);
        }
      }
    }
  });
});

describe('buildApiServer routes option', () => {
  it('adds routes to the same router: same keys, same error shape, same document', async () => {
    // Only key verification touches the store here; the /v1 handlers are never called.
    const store = {
      apiKeys: {
        verify: async (key: string) =>
          key === 'sb_reader' ? { id: 'key_1', scopes: ['read-only'] } : undefined,
      },
    } as unknown as Store;
    const app = buildApiServer({
      store,
      health: () => ({ status: 'ok' }),
      metrics: new Registry(),
      routes: [
        (router) =>
          router.add({
            method: 'GET',
            url: '/v1/ping',
            summary: 'Ping',
            tag: 'test',
            scope: 'read-only',
            query: z.object({ n: z.coerce.number().int() }),
            handler: async ({ query, principal }) => ({ pong: query.n, key: principal?.keyId }),
          }),
      ],
    });
    const headers = { authorization: 'Bearer sb_reader' };
    expect((await app.inject({ url: '/v1/ping?n=1' })).statusCode).toBe(401);
    const ok = await app.inject({ url: '/v1/ping?n=1', headers });
    expect(ok.json()).toEqual({ pong: 1, key: 'key_1' });
    const bad = await app.inject({ url: '/v1/ping?n=x', headers });
    expect(bad.json().issues[0].field).toBe('query.n');
    const doc = (await app.inject({ url: '/docs/openapi.json' })).json();
    expect(doc.paths['/v1/ping'].get.summary).toBe('Ping');
    await app.close();
  });
});
