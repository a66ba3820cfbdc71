/**
 * The composition root with every transport switched on: TLS and WebSocket listeners come up
 * from configuration (certificate and key read from PEM files), and a second SIP stack reaches
 * the test extension over each of UDP, TCP, TLS, WS and WSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { makeSelfSignedCert, type TestCertificate } from '../fixtures/self-signed-cert.js';
import {
  TransactionLayer,
  TransportLayer,
  UserAgent,
  type TransportProtocol,
} from '../../src/sip/index.js';

let dir = '';
let tlsCert: TestCertificate;
let sb: Switchboard;
let client: TransportLayer;
let ua: UserAgent;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-app-tls-'));
  tlsCert = makeSelfSignedCert();
  const config = loadConfig({
    env: {
      SWITCHBOARD_SIP_TRANSPORTS: 'udp,tcp,tls,ws,wss',
      SWITCHBOARD_SIP_TLS_CERT: tlsCert.certPath,
      SWITCHBOARD_SIP_TLS_KEY: tlsCert.keyPath,
    },
    overrides: {
      sip: { host: '127.0.0.1', port: 0, tlsPort: 0, wsPort: 0, wssPort: 0, domain: '127.0.0.1' },
      http: { host: '127.0.0.1', port: 0 },
      rtp: { portMin: 44000, portMax: 44100 },
      dataDir: join(dir, 'data'),
    },
  });
  sb = await startTestSwitchboard(config, { logger: createLogger({ level: 'silent' }) });
  // The caller trusts the test certificate; its own UDP socket is needed to send over UDP.
  client = new TransportLayer({
    udp: { host: '127.0.0.1', port: 0 },
    tlsClient: { ca: tlsCert.cert },
  });
  ua = new UserAgent({
    transport: client,
    transactions: new TransactionLayer(client, { t1Ms: 50 }),
    domain: '127.0.0.1',
  });
  await client.start();
});

afterAll(async () => {
  await client?.stop();
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
  tlsCert?.remove();
});

describe('switchboard listening on every transport', () => {
  it('reports all five endpoints', () => {
    expect(
      sb
        .sipEndpoints()
        .map((e) => e.protocol)
        .sort(),
    ).toEqual(['tcp', 'tls', 'udp', 'ws', 'wss']);
  });

  it.each(['udp', 'tcp', 'tls', 'ws', 'wss'] as TransportProtocol[])(
    'a call to the test extension over %s is answered and hung up',
    async (protocol) => {
      const ep = sb.sipEndpoints().find((e) => e.protocol === protocol)!;
      const scheme = protocol === 'tls' || protocol === 'wss' ? 'sips' : 'sip';
      const host = protocol === 'tls' || protocol === 'wss' ? 'localhost' : '127.0.0.1';
      const call = await ua.call(`${scheme}:1000@${host}:${ep.port};transport=${protocol}`, {
        media: { address: '127.0.0.1', port: 40000 },
      });
      await call.answered;
      expect(call.media?.codec.name).toBe('PCMU');
      expect(sb.ua.calls()).toHaveLength(1);
      await call.hangup();
      await expect.poll(() => sb.ua.calls().length).toBe(0);
    },
  );
});
