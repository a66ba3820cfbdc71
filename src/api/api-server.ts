/**
 * The HTTP API server: /health and /metrics (public), the /v1 API (API key with a scope) and
 * its documentation at /docs (public), on one Fastify instance that the app makes listen.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Store } from '../store/index.js';
import type { KeyVerifier } from './auth.js';
import { addOperationalRoutes, type HttpServerOptions } from './http-server.js';
import { ApiRouter } from './route-kit.js';
import { registerDocs, registerV1Routes, type V1Deps } from './v1/index.js';

/** Dependencies of {@link buildApiServer}. */
export interface ApiServerOptions extends HttpServerOptions, V1Deps {
  /**
   * Where handler failures (500s) are logged. Request logging stays off: URLs carry call ids
   * and query strings, and the access log belongs to the reverse proxy.
   */
  logger?: FastifyBaseLogger;
  /**
   * More routes on the same router (and so the same keys, error format and OpenAPI document),
   * e.g. call control or the events socket; run after the /v1 routes, before the docs.
   */
  routes?: ReadonlyArray<(router: ApiRouter, app: FastifyInstance) => void>;
}

/** A {@link KeyVerifier} over the store's hashed API keys (verifying stamps `lastUsedAt`). */
export function storeKeyVerifier(store: Pick<Store, 'apiKeys'>): KeyVerifier {
  return async (key) => {
    const record = await store.apiKeys.verify(key);
    return record ? { keyId: record.id, scopes: record.scopes } : undefined;
  };
}

const ERROR_NAMES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Builds the API server, not yet listening. Fastify's own refusals (malformed JSON, a body too
 * large, an unsupported content type, an unknown route) are answered in the API's error shape
 * with their 4xx status; anything else that escapes a handler is a logged 500 without details.
 */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const app: FastifyInstance = options.logger
    ? Fastify({
        loggerInstance: options.logger,
        logController: new LogController({ disableRequestLogging: true }),
      })
    : Fastify({ logger: false });
  addOperationalRoutes(app, options);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({
        error: ERROR_NAMES[status] ?? 'client_error',
        message: error.message,
        ...(status === 400 ? { issues: [{ field: 'body', message: error.message }] } : {}),
      });
    }
    request.log.error({ err: error }, 'API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );

  const router = new ApiRouter(app, storeKeyVerifier(options.store));
  registerV1Routes(router, options);
  for (const add of options.routes ?? []) add(router, app);
  registerDocs(router);
  return app;
}
