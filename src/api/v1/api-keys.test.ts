import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../store/index.js';
import { issueFields, useTestApi } from './test-api.js';

const api = useTestApi();
const { inject } = api;

describe('/v1/api-keys', () => {
  it('shows a new key once, never the hash, and the key works for its scope', async () => {
    const created = await inject('POST', '/v1/api-keys', {
      name: 'dashboard',
      scopes: ['read-only'],
    });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json();
    expect(key).toMatch(/^sb_/);
    expect(apiKey).toMatchObject({ name: 'dashboard', scopes: ['read-only'] });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).not.toHaveProperty('hash');
    expect(created.body).not.toContain(hashApiKey(key));

    expect((await inject('GET', '/v1/trunks/inbound', undefined, key)).statusCode).toBe(200);
    expect((await inject('POST', '/v1/trunks/inbound', { name: 'x' }, key)).statusCode).toBe(403);
    expect((await inject('GET', '/v1/api-keys', undefined, key)).statusCode).toBe(403);

    const list = await inject('GET', '/v1/api-keys');
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<Record<string, unknown>>;
    const listed = items.find((k) => k.id === apiKey.id);
    expect(listed).toMatchObject({ name: 'dashboard', prefix: apiKey.prefix });
    // Used once above, so it carries lastUsedAt; the secret and its hash never appear.
    expect(typeof listed!.lastUsedAt).toBe('string');
    for (const item of items) expect(item).not.toHaveProperty('hash');
    expect(list.body).not.toContain(key);
    expect(list.body).not.toContain(hashApiKey(key));
  });

  it('revokes a key (204); the key stops working and stays listed with revokedAt', async () => {
    const { key, apiKey } = (
      await inject('POST', '/v1/api-keys', { name: 'temp', scopes: ['operator', 'agent'] })
    ).json();
    expect((await inject('GET', '/v1/calls', undefined, key)).statusCode).toBe(200);
    const revoked = await inject('DELETE', `/v1/api-keys/${apiKey.id}`);
    expect(revoked.statusCode).toBe(204);
    expect((await inject('GET', '/v1/calls', undefined, key)).statusCode).toBe(401);
    const listed = (await inject('GET', '/v1/api-keys'))
      .json()
      .items.find((k: { id: string }) => k.id === apiKey.id);
    expect(typeof listed.revokedAt).toBe('string');
    expect((await inject('DELETE', '/v1/api-keys/key_missing')).statusCode).toBe(404);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ scopes: ['admin'] }, ['name']],
      [{ name: 'k' }, ['scopes']],
      [{ name: 'k', scopes: [] }, ['scopes']],
      [{ name: 'k', scopes: ['root'] }, ['scopes.0']],
      [{ name: 'k', scopes: ['agent', 'agent'] }, ['scopes.1']],
      [{ name: 'k', scopes: 'admin' }, ['scopes']],
      [{ name: 'k', scopes: ['admin'], key: 'sb_chosen' }, ['key']],
    ];
    for (const [payload, fields] of cases) {
      const res = await inject('POST', '/v1/api-keys', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(issueFields(res.json()), JSON.stringify(payload)).toEqual(fields);
    }
  });

  it('is admin only', async () => {
    const operator = await api.keyWith('operator');
    expect((await inject('GET', '/v1/api-keys', undefined, operator)).statusCode).toBe(403);
    const escalate = await inject(
      'POST',
      '/v1/api-keys',
      { name: 'me', scopes: ['admin'] },
      operator,
    );
    expect(escalate.statusCode).toBe(403);
    expect((await api.app.inject({ url: '/v1/api-keys' })).statusCode).toBe(401);
  });
});
