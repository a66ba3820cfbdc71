import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getVias, SipHeaders, SipParseError } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportOptions } from './types.js';

const LOCAL = { host: '127.0.0.1', port: 0 };

/** Wire text of a request with the given top Via. */
function requestText(via: string, opts: { body?: string; contentLength?: boolean } = {}): string {
  const body = opts.body ?? '';
  const lines = [
    'OPTIONS sip:bob@127.0.0.1 SIP/2.0',
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1@example.com',
    'CSeq: 1 OPTIONS',
  ];
  if (opts.contentLength !== false) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function request(via: string, callId = 'c1'): SipRequest {
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
      ['Call-ID', callId],
      ['CSeq', '1 OPTIONS'],
    ]),
    body: Buffer.alloc(0),
  };
}

/** A 200 OK echoing the request's Via lines (as the transaction layer would). */
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

/** Collects what a layer delivers and lets tests await the n-th item. */
class Inbox {
  readonly messages: SipMessage[] = [];
  readonly drops: Array<{
    reason: string;
    source: TransportEndpoint;
    err?: SipParseError;
    raw?: Buffer;
  }> = [];
  private waiters: Array<() => void> = [];

  constructor(layer: TransportLayer) {
    layer.onMessage((m) => {
      this.messages.push(m);
      this.wake();
    });
    layer.onDrop((reason, source, err, raw) => {
      this.drops.push({ reason, source, err, raw });
      this.wake();
    });
  }

  async message(n = 1): Promise<SipMessage> {
    await this.until(() => this.messages.length >= n);
    return this.messages[n - 1]!;
  }

  async drop(n = 1): Promise<Inbox['drops'][number]> {
    await this.until(() => this.drops.length >= n);
    return this.drops[n - 1]!;
  }

  private async until(ok: () => boolean): Promise<void> {
    while (!ok()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

async function waitFor(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

async function udpClient(): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return socket;
}

async function tcpClient(port: number): Promise<Socket & { received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  cleanups.push(() => {
    socket.destroy();
  });
  return Object.assign(socket, { received: () => text });
}

function nextDatagram(socket: UdpSocket): Promise<string> {
  return once(socket, 'message').then(([data]) => (data as Buffer).toString('latin1'));
}

describe('TransportLayer over UDP', () => {
  it('reports the real bound ports', async () => {
    const layer = await startLayer({ udp: LOCAL, tcp: LOCAL });
    const udp = layer.endpoint('udp');
    expect(udp?.host).toBe('127.0.0.1');
    expect(udp?.port).toBeGreaterThan(0);
    expect(layer.endpoints().map((e) => e.protocol)).toEqual(['udp', 'tcp']);
    expect(layer.endpoint('tls')).toBeUndefined();
    const advertised = await startLayer({ udp: LOCAL, publicHost: 'sip.example.com' });
    expect(advertised.endpoint('udp')?.host).toBe('sip.example.com');
  });

  it('delivers requests with source, local, received and rport filled', async () => {
    const layer = await startLayer({ udp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await udpClient();
    const port = layer.endpoint('udp')!.port;
    client.send(
      requestText('SIP/2.0/UDP client.invalid:5062;rport;branch=z9hG4bKu1'),
      port,
      '127.0.0.1',
    );
    const msg = await inbox.message();
    const clientPort = client.address().port;
    expect(msg.source).toEqual({ protocol: 'udp', host: '127.0.0.1', port: clientPort });
    expect(msg.local).toEqual({ protocol: 'udp', host: '127.0.0.1', port });
    const top = getVias(msg)[0]!;
    expect(top.params.get('received')).toBe('127.0.0.1');
    expect(top.params.get('rport')).toBe(String(clientPort));
    expect(layer.stats().received).toBe(1);
  });

  it('answers to the rport, not the sent-by port', async () => {
    const layer = await startLayer({ udp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await udpClient();
    client.send(
      requestText('SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKu2'),
      layer.endpoint('udp')!.port,
      '127.0.0.1',
    );
    const msg = await inbox.message();
    const reply = nextDatagram(client);
    await layer.sendResponse(okFor(msg), msg.source!);
    expect(await reply).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(layer.stats().sent).toBe(1);
  });

  it('answers to the sent-by port when there is no rport', async () => {
    const layer = await startLayer({ udp: LOCAL });
    const inbox = new Inbox(layer);
    const sender = await udpClient();
    const listener = await udpClient();
    const via = `SIP/2.0/UDP 127.0.0.1:${listener.address().port};branch=z9hG4bKu3`;
    sender.send(requestText(via), layer.endpoint('udp')!.port, '127.0.0.1');
    const msg = await inbox.message();
    // Always stamped, even though sent-by names the source address.
    expect(getVias(msg)[0]!.params.get('received')).toBe('127.0.0.1');
    const reply = nextDatagram(listener);
    await layer.sendResponse(okFor(msg), msg.source!);
    expect(await reply).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it('ignores a received and maddr forged by the sender', async () => {
    const layer = await startLayer({ udp: LOCAL });
    const inbox = new Inbox(layer);
    const sender = await udpClient();
    const listener = await udpClient();
    const port = listener.address().port;
    const via = `SIP/2.0/UDP 127.0.0.1:${port};received=192.0.2.1;maddr=192.0.2.2;branch=z9hG4bKu4`;
    sender.send(requestText(via), layer.endpoint('udp')!.port, '127.0.0.1');
    const msg = await inbox.message();
    expect(getVias(msg)[0]!.params.get('received')).toBe('127.0.0.1');
    const reply = nextDatagram(listener);
    await layer.sendResponse(okFor(msg), msg.source!);
    expect(await reply).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it('sends requests as datagrams with Content-Length', async () => {
    const layer = await startLayer({ udp: LOCAL });
    const peer = await udpClient();
    const got = nextDatagram(peer);
    await layer.send(request('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKs1'), {
      protocol: 'udp',
      host: '127.0.0.1',
      port: peer.address().port,
    });
    const text = await got;
    expect(text).toMatch(/^OPTIONS sip:bob@127\.0\.0\.1 SIP\/2\.0\r\n/);
    expect(text).toMatch(/Content-Length: 0\r\n/i);
  });

  it('reports unparseable and over-size datagrams and ignores CRLF keep-alives', async () => {
    const layer = await startLayer({ udp: LOCAL, maxMessageBytes: 1000 });
    const inbox = new Inbox(layer);
    const client = await udpClient();
    const port = layer.endpoint('udp')!.port;
    client.send('\r\n\r\n', port, '127.0.0.1');
    client.send('this is not SIP\r\n\r\n', port, '127.0.0.1');
    const parse = await inbox.drop();
    expect(parse.reason).toBe('parse-error');
    expect(parse.err).toBeInstanceOf(SipParseError);
    expect(parse.raw?.toString()).toBe('this is not SIP\r\n\r\n');
    expect(parse.source.port).toBe(client.address().port);
    client.send(
      requestText('SIP/2.0/UDP a;branch=z9hG4bKbig', { body: 'x'.repeat(2000) }),
      port,
      '127.0.0.1',
    );
    expect((await inbox.drop(2)).reason).toBe('message-too-large');
    expect(layer.stats().dropped).toEqual({ 'parse-error': 1, 'message-too-large': 1 });
    expect(inbox.messages).toHaveLength(0);
  });

  it('refuses to send a message over maxMessageBytes', async () => {
    const layer = await startLayer({ udp: LOCAL, maxMessageBytes: 300 });
    const big = request('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbig');
    big.body = Buffer.alloc(400, 0x61);
    await expect(layer.send(big, { protocol: 'udp', host: '127.0.0.1', port: 9 })).rejects.toThrow(
      /maxMessageBytes/,
    );
    expect(layer.stats().sent).toBe(0);
  });
});

describe('TransportLayer over TCP', () => {
  it('frames messages split byte by byte and several per chunk', async () => {
    const layer = await startLayer({ tcp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    const one = requestText('SIP/2.0/TCP client.invalid;branch=z9hG4bKt1', { body: 'hello' });
    for (const ch of one) {
      client.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    const first = await inbox.message();
    expect(first.body.toString()).toBe('hello');
    expect(first.source?.connectionId).toMatch(/^tcp:127\.0\.0\.1:\d+#\d+$/);
    client.write(`\r\n${one}${one}`);
    await inbox.message(3);
    expect(new Set(inbox.messages.map((m) => m.source?.connectionId)).size).toBe(1);
    expect(layer.stats().connections).toBe(1);
  });

  it('answers a CRLFCRLF ping with a CRLF pong and keeps the connection', async () => {
    const layer = await startLayer({ tcp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    client.write('\r\n\r\n');
    await waitFor(() => client.received() === '\r\n');
    client.write(requestText('SIP/2.0/TCP client.invalid;branch=z9hG4bKt2'));
    await inbox.message();
    expect(inbox.drops).toHaveLength(0);
  });

  it('reports a missing Content-Length and closes the connection', async () => {
    const layer = await startLayer({ tcp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    const closed = once(client, 'close');
    client.write(requestText('SIP/2.0/TCP c.invalid;branch=z9hG4bKt3', { contentLength: false }));
    const drop = await inbox.drop();
    expect(drop.reason).toBe('missing-content-length');
    expect(drop.source.connectionId).toBeDefined();
    await closed;
    await waitFor(() => layer.stats().connections === 0);
  });

  it('closes the connection on an over-size message', async () => {
    const layer = await startLayer({ tcp: LOCAL, maxMessageBytes: 500 });
    const inbox = new Inbox(layer);
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    const closed = once(client, 'close');
    client.write(requestText('SIP/2.0/TCP c.invalid;branch=z9hG4bKt4', { body: 'y'.repeat(600) }));
    expect((await inbox.drop()).reason).toBe('message-too-large');
    await closed;
    expect(layer.stats().dropped['message-too-large']).toBe(1);
  });

  it('sends a response back on the connection the request came on', async () => {
    const layer = await startLayer({ tcp: LOCAL });
    const inbox = new Inbox(layer);
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    // The sent-by port is useless on purpose: only the open connection can reach the client.
    client.write(requestText('SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKt5'));
    const msg = await inbox.message();
    await layer.sendResponse(okFor(msg), msg.source!);
    await waitFor(() => client.received().startsWith('SIP/2.0 200 OK\r\n'));
    expect(layer.stats().connections).toBe(1);
  });

  it('opens a new connection to the Via when the request connection is gone', async () => {
    const layer = await startLayer({ tcp: LOCAL });
    const inbox = new Inbox(layer);
    const server = createServer();
    const accepted: Socket[] = [];
    server.on('connection', (s: Socket) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of accepted) s.destroy();
          server.close(() => r());
        }),
    );
    const viaPort = (server.address() as { port: number }).port;
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    client.write(requestText(`SIP/2.0/TCP 127.0.0.1:${viaPort};branch=z9hG4bKt6`));
    const msg = await inbox.message();
    client.destroy();
    await waitFor(() => layer.stats().connections === 0);
    const data = new Promise<string>((resolve) => {
      server.once('connection', (s: Socket) =>
        s.once('data', (d: Buffer) => resolve(d.toString())),
      );
    });
    await layer.sendResponse(okFor(msg), msg.source!);
    expect(await data).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it('reuses one connection between two layers in both directions', async () => {
    const server = await startLayer({ tcp: LOCAL });
    const client = await startLayer({ tcp: LOCAL });
    const serverInbox = new Inbox(server);
    const clientInbox = new Inbox(client);
    const dest = server.endpoint('tcp')!;
    const via = `SIP/2.0/TCP 127.0.0.1:${client.endpoint('tcp')!.port};branch=z9hG4bKr`;
    await Promise.all([
      client.send(request(`${via}1`, 'a'), dest),
      client.send(request(`${via}2`, 'b'), dest),
    ]);
    const first = await serverInbox.message();
    const second = await serverInbox.message(2);
    expect(first.source?.connectionId).toBe(second.source?.connectionId);
    expect(client.stats().connections).toBe(1);
    expect(server.stats().connections).toBe(1);
    await server.sendResponse(okFor(first), first.source!);
    const res = await clientInbox.message();
    expect(res.kind).toBe('response');
    const conn = res.source!.connectionId!;
    await client.send(request(`${via}3`, 'c'), { ...dest, connectionId: conn });
    await serverInbox.message(3);
    expect(client.stats().connections).toBe(1);
    expect(client.stats().sent).toBe(3);
  });

  it('closes idle connections', async () => {
    const layer = await startLayer({ tcp: LOCAL, idleTimeoutMs: 100 });
    const client = await tcpClient(layer.endpoint('tcp')!.port);
    await waitFor(() => layer.stats().connections === 1);
    await once(client, 'close');
    await waitFor(() => layer.stats().connections === 0);
  });

  it('stop() closes servers and connections, and sending afterwards fails', async () => {
    const server = new TransportLayer({ tcp: LOCAL, udp: LOCAL });
    await server.start();
    const client = new TransportLayer({ tcp: LOCAL });
    await client.start();
    const dest = server.endpoint('tcp')!;
    await client.send(request('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKst'), dest);
    await waitFor(() => server.stats().connections === 1);
    await server.stop();
    expect(server.stats().connections).toBe(0);
    expect(server.endpoints()).toEqual([]);
    await waitFor(() => client.stats().connections === 0);
    await client.stop();
    await expect(client.send(request('SIP/2.0/TCP x;branch=z9hG4bKz'), dest)).rejects.toThrow(
      /not running/,
    );
    const probe = connect(dest.port, '127.0.0.1');
    const [err] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });
});
