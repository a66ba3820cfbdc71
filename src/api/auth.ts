/**
 * API authentication and authorisation. Every route except /health and /metrics needs a key,
 * sent as `Authorization: Bearer <key>` (or `X-Api-Key: <key>` for tools that cannot set
 * Authorization). Scopes form a ladder — read-only < agent < operator < admin — and each route
 * names the lowest rung it needs: reading needs read-only, call control needs operator,
 * configuration (trunks, rules, keys, webhooks) needs admin.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope } from '../store/index.js';

/** The rungs, lowest first. */
const LADDER: readonly ApiScope[] = ['read-only', 'agent', 'operator', 'admin'];

/** The caller a request was authenticated as. */
export interface ApiPrincipal {
  keyId: string;
  scopes: ApiScope[];
}

/** Looks a presented key up; undefined when unknown or revoked. */
export type KeyVerifier = (key: string) => Promise<ApiPrincipal | undefined>;

/** True when any of `scopes` is at or above `required` on the ladder. */
export function scopeAllows(scopes: readonly ApiScope[], required: ApiScope): boolean {
  const need = LADDER.indexOf(required);
  return scopes.some((s) => LADDER.indexOf(s) >= need);
}

/** The key a request presents, if any. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * A Fastify preHandler that admits requests whose key holds `required` (or a higher scope):
 * 401 without a valid key, 403 with a key that is too weak. The principal is put on the
 * request for handlers and audit logs.
 */
export function requireScope(verify: KeyVerifier, required: ApiScope) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = presentedKey(request);
    if (key === undefined) {
      await reply.code(401).header('WWW-Authenticate', 'Bearer').send({
        error: 'unauthorized',
        message: 'an API key is required (Authorization: Bearer <key>)',
      });
      return;
    }
    const principal = await verify(key);
    if (principal === undefined) {
      await reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer error="invalid_token"')
        .send({ error: 'unauthorized', message: 'the API key is unknown or revoked' });
      return;
    }
    if (!scopeAllows(principal.scopes, required)) {
      await reply.code(403).send({
        error: 'forbidden',
        message: `this route needs the ${required} scope or higher; the key has ${principal.scopes.join(', ')}`,
      });
      return;
    }
    (request as FastifyRequest & { principal?: ApiPrincipal }).principal = principal;
  };
}
