import { Registry, Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildHttpServer, type HealthReport } from './http-server.js';

describe('http server', () => {
  it('answers /health with 200 when ok and 503 otherwise', async () => {
    let report: HealthReport = { status: 'ok', sip: ['udp:5060'] };
    const app = buildHttpServer({ health: () => report, metrics: new Registry() });
    const ok = await app.inject({ method: 'GET', url: '/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', sip: ['udp:5060'] });
    report = { status: 'stopping' };
    const stopping = await app.inject({ method: 'GET', url: '/health' });
    expect(stopping.statusCode).toBe(503);
    await app.close();
  });

  it('exposes Prometheus metrics', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_total', help: 'x', registers: [registry] }).inc(3);
    const app = buildHttpServer({ health: () => ({ status: 'ok' }), metrics: registry });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('test_total 3');
    await app.close();
  });
});
