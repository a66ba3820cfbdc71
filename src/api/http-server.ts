/**
 * The operational HTTP endpoints, /health and /metrics, which need no API key (load balancers
 * and Prometheus call them). `buildHttpServer` serves only these; `buildApiServer` adds the /v1
 * API next to them. Routes are registered on a Fastify instance so they can be tested with
 * inject().
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** What /health reports; the app supplies it so the HTTP layer knows nothing of SIP. */
export interface HealthReport {
  status: 'ok' | 'starting' | 'stopping';
  [key: string]: unknown;
}

/** Dependencies of the HTTP server. */
export interface HttpServerOptions {
  health: () => HealthReport;
  metrics: Registry;
}

/** Adds GET /health and GET /metrics to `app`. */
export function addOperationalRoutes(app: FastifyInstance, options: HttpServerOptions): void {
  app.get('/health', async (_req, reply) => {
    const report = options.health();
    // Load balancers take anything but 200 as "take me out of rotation".
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await options.metrics.metrics();
    return reply.type(options.metrics.contentType).send(body);
  });
}

/** Builds the Fastify app with /health and /metrics only, not yet listening. */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  addOperationalRoutes(app, options);
  return app;
}
