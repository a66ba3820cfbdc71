/**
 * `GET /v1/events`: a WebSocket that streams domain events as they happen, one JSON text
 * message per event (the same {@link EventMessage} a webhook receives as its body).
 *
 * - Auth: an API key of any scope, as `Authorization: Bearer`, `X-Api-Key`, or `?key=` — the
 *   query form exists because browsers cannot set headers on a WebSocket; prefer a header
 *   elsewhere, since URLs end up in proxy logs. A missing or unknown key is answered 401 before
 *   the upgrade.
 * - Filters: `types=call.*,dtmf.received` (bus patterns, comma-separated or repeated; default
 *   every event) and `callId=…`.
 * - Once the client sees the connection open, every matching event published after that
 *   reaches it: the bus subscription is made before the upgrade is answered.
 * - Delivery is at most once, like the bus: a client that reconnects misses what happened in
 *   between (the webhook delivery log and the call records are the durable view).
 * - A ping every 30 s keeps proxies from idling the connection out and finds dead peers (no
 *   pong by the next ping: the socket is dropped). A client reading slower than events arrive
 *   is closed with 1013 (try again later) once over ~1 MB is waiting for it, rather than the
 *   server buffering without bound.
 *
 * @module
 */
import websocketPlugin from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { topicMatches, type EventBus, type Unsubscribe } from '../../store/index.js';
import { presentedKey, scopeAllows, type ApiPrincipal, type KeyVerifier } from '../auth.js';
import { toEventMessage, type EventMessage } from './event-publisher.js';

/** Path of the events socket. */
export const EVENTS_SOCKET_PATH = '/v1/events';

/** Close code for a client that cannot keep up (RFC 6455 1013, "try again later"). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** What {@link registerEventsSocket} needs from the app. */
export interface EventsSocketDeps {
  bus: EventBus;
  verify: KeyVerifier;
}

/** Tuning of {@link registerEventsSocket}; the defaults suit production. */
export interface EventsSocketOptions {
  /** Interval of pings, in ms; default 30 000. */
  pingIntervalMs?: number;
  /** Bytes waiting to be sent to one client beyond which it is closed with 1013; default 1 MiB. */
  maxBufferedBytes?: number;
}

/** What the client asked to receive. */
export interface EventFilter {
  /** Bus patterns (`call.*`); empty = every type. */
  types: string[];
  callId?: string;
}

/** Events that may arrive between subscribing and the upgrade; more means something is stuck. */
const MAX_QUEUED_BEFORE_OPEN = 1_000;

/** Parses the query's filters; throws {@link RangeError} naming the bad parameter. */
export function parseEventFilter(query: Record<string, unknown>): EventFilter {
  const types: string[] = [];
  const raw = query.types;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const value of values) {
    if (typeof value !== 'string') throw new RangeError('types: must be a string');
    for (const part of value.split(',')) {
      const pattern = part.trim();
      if (pattern === '') continue;
      const problem = patternProblem(pattern);
      if (problem !== undefined) throw new RangeError(`types: "${pattern}" ${problem}`);
      types.push(pattern);
    }
  }
  const callId = query.callId;
  if (callId !== undefined && (typeof callId !== 'string' || callId === '')) {
    throw new RangeError('callId: must be a non-empty string');
  }
  return callId === undefined ? { types } : { types, callId };
}

/** Whether `message` passes `filter`. */
export function eventMatchesFilter(message: EventMessage, filter: EventFilter): boolean {
  if (filter.callId !== undefined && message.callId !== filter.callId) return false;
  return filter.types.length === 0 || filter.types.some((p) => topicMatches(p, message.type));
}

/** Why a `types` pattern is invalid (the bus's own rules), or undefined. */
function patternProblem(pattern: string): string | undefined {
  for (const segment of pattern.split('.')) {
    if (segment === '') return 'has an empty segment';
    if (segment.includes('*') && segment !== '*') {
      return 'uses "*" inside a segment; "*" must stand alone (e.g. "call.*")';
    }
  }
  return undefined;
}

/**
 * One client: subscribed before the upgrade, attached to its socket after. Events arriving in
 * between are queued and sent on attach, so none published after the client saw "open" is lost.
 */
class EventStream {
  private socket: WebSocket | undefined;
  private readonly queued: string[] = [];
  private unsubscribe: Unsubscribe | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private alive = true;
  private ended = false;

  constructor(
    private readonly filter: EventFilter,
    private readonly options: Required<EventsSocketOptions>,
  ) {}

  async subscribe(bus: EventBus): Promise<void> {
    // One pattern: let the bus filter (on Redis, the server does). Several: one `*`
    // subscription filtered here, so an event matching two patterns is still sent once.
    const pattern = this.filter.types.length === 1 ? this.filter.types[0]! : '*';
    const unsubscribe = await bus.subscribe(pattern, (topic, message) =>
      this.onEvent(topic, message),
    );
    if (this.ended) await unsubscribe();
    else this.unsubscribe = unsubscribe;
  }

  attach(socket: WebSocket): void {
    if (this.ended) {
      socket.close(1011, 'stream ended');
      return;
    }
    this.socket = socket;
    socket.on('close', () => void this.end());
    socket.on('pong', () => {
      this.alive = true;
    });
    // Clients have nothing to say on this socket; whatever they send is ignored.
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
    this.pingTimer.unref();
    for (const text of this.queued.splice(0)) this.send(text);
  }

  /** Drops the subscription and the timer; idempotent. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.queued.length = 0;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }

  private onEvent(topic: string, raw: unknown): void {
    if (this.ended) return;
    const message = toEventMessage(raw, topic);
    if (message === undefined || !eventMatchesFilter(message, this.filter)) return;
    const text = JSON.stringify(message);
    if (this.socket === undefined) {
      if (this.queued.length >= MAX_QUEUED_BEFORE_OPEN) void this.end();
      else this.queued.push(text);
      return;
    }
    this.send(text);
  }

  private send(text: string): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      // The close frame queues behind the unsent data; should the client never read it, ws
      // destroys the socket after its close timeout. Either way nothing more is buffered.
      socket.close(CLOSE_TRY_AGAIN_LATER, 'client too slow: events were dropped');
      void this.end();
      return;
    }
    socket.send(text);
  }

  private ping(): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    if (!this.alive) {
      // No pong since the last ping: the peer is gone without a FIN (NAT timeout, lost
      // network). Without this the subscription would live until TCP gave up, hours later.
      socket.terminate();
      return;
    }
    this.alive = false;
    socket.ping();
  }
}

/** The principal for the request's key (header first, then `?key=`), or the 401 reason. */
async function authenticate(
  request: FastifyRequest,
  verify: KeyVerifier,
): Promise<ApiPrincipal | { error: string }> {
  const query = request.query as Record<string, unknown>;
  const key = presentedKey(request) ?? (typeof query.key === 'string' ? query.key : undefined);
  if (key === undefined || key === '') {
    return { error: 'an API key is required (Authorization: Bearer <key>, or ?key=<key>)' };
  }
  const principal = await verify(key);
  if (principal === undefined) return { error: 'the API key is unknown or revoked' };
  return principal;
}

/**
 * Registers `GET /v1/events` on `app`, and `@fastify/websocket` too unless the app already has
 * it. Await it before `listen()`/`ready()`: it first loads the plugins registered so far, to see
 * whether the WebSocket plugin is among them (registering it twice would make two upgrade
 * handlers fight over every socket). A plain HTTP GET (no upgrade) with a valid key is answered
 * 426 Upgrade Required.
 */
export async function registerEventsSocket(
  app: FastifyInstance,
  deps: EventsSocketDeps,
  options: EventsSocketOptions = {},
): Promise<void> {
  const settings: Required<EventsSocketOptions> = {
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
  };
  await app.after();
  if (!app.hasDecorator('websocketServer')) {
    // Clients only listen here; a small frame limit stops one from making us buffer megabytes.
    // Queued then loaded with after(): `await app.register()` straight after `await
    // app.after()` never settles (avvio), and the route below needs the plugin's onRoute hook.
    void app.register(websocketPlugin, { options: { maxPayload: 64 * 1024 } });
    await app.after();
  }
  const streams = new WeakMap<FastifyRequest, EventStream>();

  const preValidation = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const auth = await authenticate(request, deps.verify);
    if ('error' in auth) {
      await reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer')
        .send({ error: 'unauthorized', message: auth.error });
      return;
    }
    // Any valid key will do: this is a read, and read-only is the lowest rung.
    if (!scopeAllows(auth.scopes, 'read-only')) {
      await reply.code(403).send({ error: 'forbidden', message: 'the API key has no scope' });
      return;
    }
    let filter: EventFilter;
    try {
      filter = parseEventFilter(request.query as Record<string, unknown>);
    } catch (error) {
      const message = (error as Error).message;
      await reply.code(400).send({ error: 'bad_request', message });
      return;
    }
    if (!request.ws) return; // plain HTTP: the handler answers 426
    const stream = new EventStream(filter, settings);
    await stream.subscribe(deps.bus);
    streams.set(request, stream);
    // The upgrade can still fail (bad handshake, client gone): the subscription must not
    // outlive the connection. After a successful upgrade this fires when the socket closes.
    request.raw.socket.once('close', () => void stream.end());
  };

  app.route({
    method: 'GET',
    url: EVENTS_SOCKET_PATH,
    preValidation,
    handler: async (_request, reply) =>
      reply
        .code(426)
        .header('Upgrade', 'websocket')
        .send({
          error: 'upgrade_required',
          message: `${EVENTS_SOCKET_PATH} is a WebSocket: connect with ws:// or wss://`,
        }),
    wsHandler: (socket, request) => {
      const stream = streams.get(request);
      if (stream === undefined) {
        socket.close(1011, 'no subscription');
        return;
      }
      streams.delete(request);
      stream.attach(socket);
    },
  });
}
