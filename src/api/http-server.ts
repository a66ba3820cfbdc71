/**
 * The HTTP server. For now it serves /health and /metrics; the REST API under /v1 joins it
 * later. Routes are registered on a Fastify instance so they can be tested with inject().
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

/** Builds the Fastify app with its routes, not yet listening. */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health', async (_req, reply) => {
    const report = options.health();
    // Load balancers take anything but 200 as "take me out of rotation".
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await options.metrics.metrics();
    return reply.type(options.metrics.contentType).send(body);
  });
  return app;
}
