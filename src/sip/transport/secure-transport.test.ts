import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getVias, SipHeaders } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/index.js';
import {
  makeSelfSignedCert,
  type TestCertificate,
} from '../../../test/fixtures/self-signed-cert.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportOptions } from './types.js';

const LOCAL = { host: '127.0.0.1', port: 0 };
let cert = '';
let key = '';

let made: TestCertificate | undefined;

beforeAll(() => {
  made = makeSelfSignedCert();
  cert = made.cert;
  key = made.key;
});

afterAll(() => {
  made?.remove();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startLayer(options: TransportOptions): Promise<TransportLayer> {
  const layer = new TransportLayer(options);
  await layer.start();
  cleanups.push(() => layer.stop());
  return layer;
}

function nextMessage(layer: TransportLayer): Promise<SipMessage> {
  return new Promise((resolve) => {
    const off = layer.onMessage((m) => {
      off();
      resolve(m);
    });
  });
}

function request(via: string): SipRequest {
  return {
    kind: 'request',
    method: 'OPTIONS',
    uri: 'sip:bob@127.0.0.1',
    version: 'SIP/2.0',
    headers: SipHeaders.from([
      ['Via', via],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.com>;tag=1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'secure-1'],
      ['CSeq', '1 OPTIONS'],
    ]),
    body: Buffer.alloc(0),
  };
}

function okFor(req: SipMessage): SipResponse {
  const headers = new SipHeaders();
  for (const v of req.headers.getLines('Via')) headers.append('Via', v);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq'])
    headers.append(name, req.headers.get(name) ?? '');
  return {
    kind: 'response',
    status: 200,
    reason: 'OK',
    version: 'SIP/2.0',
    headers,
    body: Buffer.alloc(0),
  };
}

/** Request text without Content-Length: WebSocket frames delimit messages themselves. */
const WS_REQUEST = [
  'OPTIONS sip:bob@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/WS df7jal23ls0d.invalid;rport;branch=z9hG4bKw1',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:bob@example.com>',
  'Call-ID: ws-1',
  'CSeq: 1 OPTIONS',
  '',
  '',
].join('\r\n');

async function wsClient(url: string, protocols: string[] = ['sip']): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { ca: cert });
  cleanups.push(() => {
    ws.terminate();
  });
  await once(ws, 'open');
  return ws;
}

describe('TLS', () => {
  it('carries a request and its response between two layers', async () => {
    const server = await startLayer({ tls: { ...LOCAL, cert, key } });
    const client = await startLayer({ tlsClient: { ca: cert } });
    const dest = server.endpoint('tls')!;
    expect(dest.port).toBeGreaterThan(0);
    const got = nextMessage(server);
    await client.send(request('SIP/2.0/TLS client.invalid;branch=z9hG4bKtls1'), dest);
    const req = await got;
    expect(req.source?.protocol).toBe('tls');
    expect(req.source?.connectionId).toMatch(/^tls:127\.0\.0\.1:\d+#\d+$/);
    expect(getVias(req)[0]!.params.get('received')).toBe('127.0.0.1');
    const answer = nextMessage(client);
    await server.sendResponse(okFor(req), req.source!);
    expect((await answer).kind).toBe('response');
    expect(client.stats().connections).toBe(1);
  });

  it('answers keep-alive pings', async () => {
    const server = await startLayer({ tls: { ...LOCAL, cert, key } });
    const socket = tlsConnect({ host: '127.0.0.1', port: server.endpoint('tls')!.port, ca: cert });
    cleanups.push(() => {
      socket.destroy();
    });
    await once(socket, 'secureConnect');
    socket.write('\r\n\r\n');
    const [pong] = (await once(socket, 'data')) as [Buffer];
    expect(pong.toString()).toBe('\r\n');
  });

  it('refuses a server whose certificate is not trusted', async () => {
    const server = await startLayer({ tls: { ...LOCAL, cert, key } });
    const client = await startLayer({});
    await expect(
      client.send(request('SIP/2.0/TLS c.invalid;branch=z9hG4bKtls2'), server.endpoint('tls')!),
    ).rejects.toThrow();
    expect(client.stats().connections).toBe(0);
  });
});

describe('WebSocket', () => {
  it('accepts one message per frame without Content-Length and answers on the socket', async () => {
    const server = await startLayer({ ws: LOCAL });
    const ws = await wsClient(`ws://127.0.0.1:${server.endpoint('ws')!.port}`);
    expect(ws.protocol).toBe('sip');
    const got = nextMessage(server);
    ws.send(WS_REQUEST);
    const req = await got;
    expect(req.source?.protocol).toBe('ws');
    const top = getVias(req)[0]!;
    expect(top.params.get('received')).toBe('127.0.0.1');
    expect(top.params.get('rport')).toMatch(/^\d+$/);
    const reply = once(ws, 'message');
    await server.sendResponse(okFor(req), req.source!);
    const [data, isBinary] = (await reply) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  });

  it('accepts binary frames and answers CRLF keep-alives', async () => {
    const server = await startLayer({ ws: LOCAL });
    const ws = await wsClient(`ws://127.0.0.1:${server.endpoint('ws')!.port}`);
    const pong = once(ws, 'message');
    ws.send('\r\n\r\n');
    expect(((await pong) as [Buffer])[0].toString()).toBe('\r\n');
    const got = nextMessage(server);
    ws.send(Buffer.from(WS_REQUEST), { binary: true });
    expect((await got).kind).toBe('request');
  });

  it('rejects clients that do not offer the sip subprotocol', async () => {
    const server = await startLayer({ ws: LOCAL });
    const ws = new WebSocket(`ws://127.0.0.1:${server.endpoint('ws')!.port}`, ['chat']);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(400);
    // Aborting a handshake that never completed reports an error; it is expected here.
    ws.on('error', () => undefined);
    ws.terminate();
    expect(server.stats().connections).toBe(0);
  });

  it('reports and closes on an over-size frame', async () => {
    const server = await startLayer({ ws: LOCAL, maxMessageBytes: 200 });
    const drops: string[] = [];
    server.onDrop((reason) => drops.push(reason));
    const ws = await wsClient(`ws://127.0.0.1:${server.endpoint('ws')!.port}`);
    ws.send('x'.repeat(500));
    await once(ws, 'close');
    expect(drops).toEqual(['message-too-large']);
  });

  it('connects outbound from one layer to another and reuses the connection', async () => {
    const server = await startLayer({ ws: LOCAL });
    const client = await startLayer({});
    const dest = server.endpoint('ws')!;
    const got = nextMessage(server);
    await client.send(request('SIP/2.0/WS c.invalid;branch=z9hG4bKws2'), dest);
    const req = await got;
    const answer = nextMessage(client);
    await server.sendResponse(okFor(req), req.source!);
    expect((await answer).kind).toBe('response');
    const again = nextMessage(server);
    await client.send(request('SIP/2.0/WS c.invalid;branch=z9hG4bKws3'), dest);
    expect((await again).source?.connectionId).toBe(req.source?.connectionId);
    expect(client.stats().connections).toBe(1);
    await client.stop();
    expect(client.stats().connections).toBe(0);
  });
});

describe('WSS', () => {
  it('works with a raw client and between layers', async () => {
    const server = await startLayer({ wss: { ...LOCAL, cert, key } });
    const port = server.endpoint('wss')!.port;
    const ws = await wsClient(`wss://127.0.0.1:${port}`);
    const got = nextMessage(server);
    ws.send(WS_REQUEST);
    expect((await got).source?.protocol).toBe('wss');

    const client = await startLayer({ tlsClient: { ca: cert } });
    const got2 = nextMessage(server);
    await client.send(request('SIP/2.0/WSS c.invalid;branch=z9hG4bKwss'), server.endpoint('wss')!);
    const req = await got2;
    const answer = nextMessage(client);
    await server.sendResponse(okFor(req), req.source!);
    expect((await answer).kind).toBe('response');
    expect(server.stats().connections).toBe(2);
    await server.stop();
    expect(server.stats().connections).toBe(0);
  });
});
