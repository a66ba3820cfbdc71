/**
 * /v1/api-keys: who may use the API. The key itself is shown once, in the answer to its
 * creation; the store keeps only its hash, and no answer ever carries the hash.
 */
import { z } from 'zod';
import type { ApiKeyRecord, Store } from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { addDeleteRoute, addListRoute } from './crud.js';
import { iso, line, list, strictObject, timestamp } from './schemas.js';

const SCOPES = ['admin', 'operator', 'agent', 'read-only'] as const;

const keyCreate = strictObject({
  name: line(200),
  scopes: list(z.enum(SCOPES, `must be one of ${SCOPES.join(', ')}`), {
    min: 1,
    max: SCOPES.length,
    what: 'scopes',
    unique: true,
  }),
});

/** An API key as answered: everything but the hash. */
export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  /** The first characters of the key, to tell keys apart. */
  prefix: z.string(),
  createdAt: timestamp,
  lastUsedAt: timestamp.optional(),
  revokedAt: timestamp.optional(),
});

const createdKey = z.object({
  /** The key: shown this once, it cannot be recovered later. */
  key: z.string(),
  apiKey: apiKeyView,
});

function keyView(k: ApiKeyRecord): z.infer<typeof apiKeyView> {
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    prefix: k.prefix,
    createdAt: iso(k.createdAt),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}

/** Registers the API key routes. */
export function registerApiKeyRoutes(router: ApiRouter, store: Store): void {
  const tag = 'api-keys';
  addListRoute(router, {
    url: '/v1/api-keys',
    summary: 'List API keys (oldest first, revoked ones included); never the key or its hash',
    tag,
    scope: 'admin',
    item: apiKeyView,
    list: () => store.apiKeys.list(),
    view: keyView,
  });
  router.add({
    method: 'POST',
    url: '/v1/api-keys',
    summary: 'Create an API key; the answer is the only time the key is shown',
    tag,
    scope: 'admin',
    body: keyCreate,
    status: 201,
    response: createdKey,
    handler: async ({ body }) => {
      const created = await store.apiKeys.create(body);
      return { key: created.key, apiKey: keyView(created.record) };
    },
  });
  addDeleteRoute(router, {
    url: '/v1/api-keys',
    summary: 'Revoke an API key (it stays listed, with revokedAt)',
    tag,
    scope: 'admin',
    remove: (id) => store.apiKeys.revoke(id),
  });
}
