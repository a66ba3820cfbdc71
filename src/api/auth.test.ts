import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requireScope, scopeAllows, type KeyVerifier } from './auth.js';

const KEYS: Record<string, ReturnType<KeyVerifier> extends Promise<infer P> ? P : never> = {
  sb_admin: { keyId: 'k1', scopes: ['admin'] },
  sb_ops: { keyId: 'k2', scopes: ['operator'] },
  sb_ro: { keyId: 'k3', scopes: ['read-only'] },
};
const verify: KeyVerifier = async (key) => KEYS[key];

function app() {
  const server = Fastify();
  server.get('/v1/calls', { preHandler: requireScope(verify, 'read-only') }, async () => ({
    ok: 1,
  }));
  server.post('/v1/trunks', { preHandler: requireScope(verify, 'admin') }, async () => ({ ok: 2 }));
  return server;
}

describe('API auth', () => {
  it('orders the scopes as a ladder', () => {
    expect(scopeAllows(['admin'], 'operator')).toBe(true);
    expect(scopeAllows(['operator'], 'admin')).toBe(false);
    expect(scopeAllows(['agent', 'read-only'], 'agent')).toBe(true);
    expect(scopeAllows([], 'read-only')).toBe(false);
  });

  it('answers 401 without a key or with an unknown one, 403 when the scope is too low', async () => {
    const server = app();
    expect((await server.inject({ url: '/v1/calls' })).statusCode).toBe(401);
    const unknown = await server.inject({
      url: '/v1/calls',
      headers: { authorization: 'Bearer nope' },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toMatch(/unknown or revoked/);
    const weak = await server.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: { authorization: 'Bearer sb_ops' },
    });
    expect(weak.statusCode).toBe(403);
    expect(weak.json().message).toMatch(/admin/);
  });

  it('admits a strong enough key by Authorization or X-Api-Key', async () => {
    const server = app();
    const ro = await server.inject({ url: '/v1/calls', headers: { 'x-api-key': 'sb_ro' } });
    expect(ro.statusCode).toBe(200);
    const admin = await server.inject({
      method: 'POST',
      url: '/v1/trunks',
      headers: { authorization: 'bearer sb_admin' },
    });
    expect(admin.json()).toEqual({ ok: 2 });
  });
});
