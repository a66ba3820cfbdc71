import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../store/index.js';
import type { KeyVerifier } from './auth.js';
import { ApiRouter, BadRequestError } from './route-kit.js';

const verify: KeyVerifier = async (key) =>
  key === 'sb_admin' ? { keyId: 'k1', scopes: ['admin'] } : undefined;
const auth = { authorization: 'Bearer sb_admin' };

function build() {
  const app = Fastify();
  const router = new ApiRouter(app, verify);
  const trunk = z.object({
    name: z.string().min(1),
    numbers: z.array(z.string().regex(/^\+?\d+$/, 'digits only')).default([]),
    maxConcurrentCalls: z.number().int().min(0).default(0),
  });
  router.add({
    method: 'POST',
    url: '/v1/trunks',
    summary: 'Create a trunk',
    tag: 'trunks',
    scope: 'admin',
    body: trunk,
    status: 201,
    response: trunk,
    handler: async ({ body }) => {
      if (body.name === 'taken') throw new ConflictError('numbers', 'number +1 is on trunk t1');
      if (body.name === 'cross') throw new BadRequestError([{ field: 'numbers', message: 'x' }]);
      return body;
    },
  });
  router.add({
    method: 'GET',
    url: '/v1/trunks/:id',
    summary: 'Get a trunk',
    tag: 'trunks',
    scope: 'read-only',
    params: z.object({ id: z.string().min(3) }),
    query: z.object({ verbose: z.enum(['true', 'false']).optional() }),
    handler: async ({ params }) => {
      throw new NotFoundError('inbound trunk', params.id);
    },
  });
  router.add({
    method: 'GET',
    url: '/v1/boom',
    summary: 'Fails',
    tag: 'test',
    scope: 'public',
    handler: async () => {
      throw new Error('secret internals');
    },
  });
  return { app, router };
}

describe('ApiRouter', () => {
  it('validates bodies and names the field and the reason in a 400', async () => {
    const { app } = build();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: auth,
      payload: { name: '', numbers: ['+86abc'] },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'name',
      'numbers.0',
    ]);
    expect(body.message).toMatch(/numbers\.0: digits only/);
  });

  it('applies defaults, answers 201, and maps store errors to 404 and 409', async () => {
    const { app } = build();
    const created = await app.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: auth,
      payload: { name: 't' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ name: 't', numbers: [], maxConcurrentCalls: 0 });
    const conflict = await app.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: auth,
      payload: { name: 'taken' },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().field).toBe('numbers');
    const cross = await app.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: auth,
      payload: { name: 'cross' },
    });
    expect(cross.statusCode).toBe(400);
    const missing = await app.inject({ url: '/v1/trunks/tr_123', headers: auth });
    expect(missing.statusCode).toBe(404);
    const badParam = await app.inject({ url: '/v1/trunks/x', headers: auth });
    expect(badParam.statusCode).toBe(400);
    expect(badParam.json().issues[0].field).toBe('params.id');
  });

  it('needs a key on non-public routes and hides internals of a 500', async () => {
    const { app } = build();
    expect((await app.inject({ url: '/v1/trunks/tr_123' })).statusCode).toBe(401);
    const boom = await app.inject({ url: '/v1/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toMatch(/secret/);
  });

  it('describes every route in an OpenAPI 3.1 document', () => {
    const { router } = build();
    const doc = router.document({ title: 'Switchboard', version: '1' }) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { parameters?: unknown[]; requestBody?: unknown; security?: unknown }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/v1/boom', '/v1/trunks', '/v1/trunks/{id}']);
    expect(doc.paths['/v1/trunks']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/v1/trunks/{id}']!.get!.parameters).toHaveLength(2);
    expect(doc.paths['/v1/boom']!.get!.security).toBeUndefined();
  });
});
