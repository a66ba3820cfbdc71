/**
 * Mutated SIP over real TCP connections: framing errors (bad or missing Content-Length,
 * oversized or truncated messages) must close or keep a connection as appropriate, never
 * crash, and leave no connection behind once the clients have gone.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { mutate, prng } from '../fixtures/sip-mutator.js';

const CONNECTIONS = 40;
const MESSAGES_PER_CONNECTION = 100;

let sb: Switchboard;
let port = 0;

function options(n: number): string {
  return [
    'OPTIONS sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-tf${n}`,
    `From: <sip:fuzz@127.0.0.1>;tag=t${n}`,
    'To: <sip:1000@127.0.0.1>',
    `Call-ID: tcp-fuzz-${n}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

beforeAll(async () => {
  const config = loadConfig({
    env: {},
    overrides: {
      sip: { host: '127.0.0.1', port: 0, domain: '127.0.0.1', maxMessageBytes: 8192 },
      http: { host: '127.0.0.1', port: 0 },
      rtp: { portMin: 45000, portMax: 45100 },
      dataDir: '/tmp/switchboard-tcp-fuzz-test',
    },
  });
  sb = await startTestSwitchboard(config, { logger: createLogger({ level: 'silent' }) });
  port = sb.sipEndpoints().find((e) => e.protocol === 'tcp')!.port;
});

afterAll(async () => {
  await sb?.stop();
});

async function session(seed: number): Promise<void> {
  const rand = prng(seed);
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('data', () => undefined);
  socket.on('error', () => undefined); // the server may close a connection it cannot frame
  await new Promise<void>((r) => socket.once('connect', () => r()));
  for (let i = 0; i < MESSAGES_PER_CONNECTION && !socket.destroyed; i++) {
    socket.write(rand() < 0.2 ? Buffer.from(options(seed * 1000 + i)) : mutate(options(i), rand));
  }
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
}

describe('SIP fuzzing over TCP', () => {
  it(`survives ${CONNECTIONS * MESSAGES_PER_CONNECTION} mutated messages on ${CONNECTIONS} connections`, async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => session(i + 1)));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    // The server still answers a clean request on a fresh connection…
    const probe = connect(port, '127.0.0.1');
    let reply = '';
    probe.on('data', (d: Buffer) => (reply += d.toString()));
    probe.write(options(999_999));
    await expect.poll(() => reply, { timeout: 5000 }).toMatch(/^SIP\/2\.0 200 OK/);
    probe.destroy();
    // …and every connection, fuzzed or not, is gone once the clients are.
    const health = async () =>
      (await (await fetch(`http://127.0.0.1:${sb.httpPort}/health`)).json()) as { status: string };
    expect((await health()).status).toBe('ok');
    await expect
      .poll(() =>
        sb.metrics.registry.getSingleMetricAsString('switchboard_sip_messages_dropped_total'),
      )
      .toMatch(/switchboard_sip_messages_dropped_total\{reason="[a-z-]+"\} \d+/);
    await expect.poll(() => sb.sipConnections(), { timeout: 5000 }).toBe(0);
  }, 120_000);
});
