import websocketPlugin from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  MemoryEventBus,
  type EventBus,
  type EventHandler,
  type Unsubscribe,
} from '../../store/index.js';
import type { KeyVerifier } from '../auth.js';
import { EVENT_TYPES, publishEvent, type EventMessage } from './event-publisher.js';
import {
  CLOSE_TRY_AGAIN_LATER,
  parseEventFilter,
  registerEventsSocket,
  type EventsSocketOptions,
} from './events-socket.js';

const verify: KeyVerifier = async (key) =>
  key === 'sb_ro' ? { keyId: 'k_ro', scopes: ['read-only'] } : undefined;

/** The memory bus, counting live subscriptions so a test can see them cleaned up. */
class CountingBus implements EventBus {
  active = 0;
  constructor(private readonly inner = new MemoryEventBus()) {}
  publish(topic: string, message: unknown): Promise<void> {
    return this.inner.publish(topic, message);
  }
  async subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    const unsubscribe = await this.inner.subscribe(pattern, handler);
    this.active++;
    let done = false;
    return async () => {
      if (!done) this.active--;
      done = true;
      await unsubscribe();
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const apps: FastifyInstance[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const app of apps.splice(0)) await app.close();
});

async function server(options: EventsSocketOptions = {}, preRegistered = false) {
  const bus = new CountingBus();
  const app = Fastify();
  apps.push(app);
  if (preRegistered) await app.register(websocketPlugin);
  await registerEventsSocket(app, { bus, verify }, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, bus, base: `ws://127.0.0.1:${port}/v1/events` };
}

/** A client whose messages are queued as they arrive, so none is missed between awaits. */
class Client {
  readonly messages: EventMessage[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    clients.push(this.ws);
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as EventMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** The next message not yet taken. */
  async next(): Promise<EventMessage> {
    while (this.messages.length === 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.messages.shift()!;
  }
}

/** Connects and resolves to the HTTP status the server answered instead of upgrading. */
function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('open', () => reject(new Error('upgraded although it should not have')));
    ws.on('error', () => undefined);
  });
}

async function open(url: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client(url, headers);
  await client.opened();
  return client;
}

describe('GET /v1/events', () => {
  it('answers 401 before the upgrade without a key or with an unknown one', async () => {
    const { base, bus } = await server();
    expect(await refusedStatus(base)).toBe(401);
    expect(await refusedStatus(`${base}?key=nope`)).toBe(401);
    expect(await refusedStatus(base, { authorization: 'Bearer nope' })).toBe(401);
    expect(bus.active).toBe(0);
  });

  it('answers 400 for a malformed filter and 426 to plain HTTP', async () => {
    const { app, base } = await server();
    expect(await refusedStatus(`${base}?types=call.ans*`, { 'x-api-key': 'sb_ro' })).toBe(400);
    const plain = await app.inject({ url: '/v1/events', headers: { 'x-api-key': 'sb_ro' } });
    expect(plain.statusCode).toBe(426);
    expect(plain.headers.upgrade).toBe('websocket');
    expect((await app.inject({ url: '/v1/events' })).statusCode).toBe(401);
  });

  it('streams the matching types only, as JSON messages', async () => {
    const { base, bus } = await server();
    const client = await open(`${base}?types=call.*`, { authorization: 'Bearer sb_ro' });
    await publishEvent(bus, { type: EVENT_TYPES.DTMF_RECEIVED, callId: 'call_1' });
    const answered = await publishEvent(bus, {
      type: EVENT_TYPES.CALL_ANSWERED,
      callId: 'call_1',
      data: { trunkId: 'tri_1' },
    });
    // Events reach a socket in publish order: the first message being call.answered shows
    // dtmf.received was never sent.
    expect(await client.next()).toEqual({
      id: answered.id,
      type: 'call.answered',
      occurredAt: answered.occurredAt.toISOString(),
      callId: 'call_1',
      data: { trunkId: 'tri_1' },
    });
  });

  it('accepts the key in the query and filters by callId and several patterns', async () => {
    const { base, bus } = await server();
    const client = await open(`${base}?key=sb_ro&types=dtmf.received,call.*&callId=call_a`);
    await publishEvent(bus, { type: EVENT_TYPES.CALL_ANSWERED, callId: 'call_b' });
    await publishEvent(bus, { type: EVENT_TYPES.PARTICIPANT_JOINED, callId: 'call_a' });
    await publishEvent(bus, { type: EVENT_TYPES.DTMF_RECEIVED, callId: 'call_a' });
    await publishEvent(bus, { type: EVENT_TYPES.CALL_ENDED, callId: 'call_a' });
    expect((await client.next()).type).toBe('dtmf.received');
    expect(await client.next()).toMatchObject({ type: 'call.ended', callId: 'call_a' });
  });

  it('delivers every event to an unfiltered client, starting from the moment it opened', async () => {
    const { base, bus } = await server();
    const client = await open(base, { 'x-api-key': 'sb_ro' });
    // No wait between open and publish: the subscription was made before the upgrade.
    for (const type of Object.values(EVENT_TYPES)) await publishEvent(bus, { type });
    const types: string[] = [];
    for (let i = 0; i < Object.values(EVENT_TYPES).length; i++) {
      types.push((await client.next()).type);
    }
    expect(types).toEqual(Object.values(EVENT_TYPES));
  });

  it('drops the bus subscription when the client disconnects', async () => {
    const { base, bus } = await server();
    const a = await open(base, { 'x-api-key': 'sb_ro' });
    await open(`${base}?types=call.*`, { 'x-api-key': 'sb_ro' });
    expect(bus.active).toBe(2);
    a.ws.close();
    await a.closed;
    await vi.waitFor(() => expect(bus.active).toBe(1));
  });

  it('pings the client, and drops one that stops answering', async () => {
    const { base, bus } = await server({ pingIntervalMs: 20 });
    const client = await open(base, { 'x-api-key': 'sb_ro' });
    await new Promise<void>((resolve) => client.ws.once('ping', () => resolve()));
    // Stop reading: no more pongs go back, as with a peer that vanished without a FIN.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await vi.waitFor(() => expect(bus.active).toBe(0));
  });

  it('closes a client that reads too slowly with 1013 instead of buffering', async () => {
    const { base, bus } = await server({ maxBufferedBytes: 64 * 1024 });
    const client = await open(base, { 'x-api-key': 'sb_ro' });
    const big = 'x'.repeat(128 * 1024);
    // All published before the client can read anything (one synchronous run of microtasks),
    // far more than the socket buffers can take.
    for (let i = 0; i < 200; i++) {
      await publishEvent(bus, { type: EVENT_TYPES.DTMF_RECEIVED, data: { big } });
    }
    const { code } = await client.closed;
    expect(code).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(client.messages.length).toBeLessThan(200);
    expect(bus.active).toBe(0);
  });

  it('works on an app that registered @fastify/websocket itself', async () => {
    const { base, bus } = await server({}, true);
    const client = await open(base, { 'x-api-key': 'sb_ro' });
    await publishEvent(bus, { type: EVENT_TYPES.TRUNK_REJECTED });
    expect((await client.next()).type).toBe('trunk.rejected');
  });
});

describe('parseEventFilter', () => {
  it('splits commas and repeats, and names the bad parameter', () => {
    expect(parseEventFilter({})).toEqual({ types: [] });
    expect(parseEventFilter({ types: ['call.*, dtmf.received', 'trunk.*'], callId: 'c' })).toEqual({
      types: ['call.*', 'dtmf.received', 'trunk.*'],
      callId: 'c',
    });
    expect(() => parseEventFilter({ types: 'call..x' })).toThrow(/types: "call..x"/);
    expect(() => parseEventFilter({ callId: '' })).toThrow(/callId/);
  });
});
