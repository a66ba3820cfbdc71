import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  MemoryEventBus,
  openStore,
  type Store,
  type WebhookDeliveryRecord,
} from '../../store/index.js';
import { verifyWebhookSignature } from '../webhooks/signature.js';
import { EVENT_TYPES, publishEvent } from './event-publisher.js';
import {
  WEBHOOK_USER_AGENT,
  WebhookDispatcher,
  type DeliveryOutcome,
  type DispatcherTimers,
  type WebhookDispatcherOptions,
} from './webhook-dispatcher.js';

/** One request the receiver got, with its signature checked against the hook's secret. */
interface Received {
  name: string;
  headers: IncomingHttpHeaders;
  body: string;
  signatureProblem: string | undefined;
}

/** What the receiver answers: a status, or never (to exercise the timeout). */
type Answer = number | 'hang';

/** A real HTTP receiver on 127.0.0.1; each hook name gets a script of answers, then 200s. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly secrets = new Map<string, string>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly nowS: () => number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = (req.url ?? '/').split('/').pop() ?? '';
        const body = Buffer.concat(chunks).toString('utf8');
        const header = req.headers['switchboard-signature'];
        this.requests.push({
          name,
          headers: req.headers,
          body,
          signatureProblem: verifyWebhookSignature(
            this.secrets.get(name) ?? '',
            body,
            typeof header === 'string' ? header : undefined,
            { nowS: this.nowS() },
          ),
        });
        const answer = this.scripts.get(name)?.shift() ?? 200;
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.statusCode = answer;
        if (answer >= 300 && answer < 400) res.setHeader('Location', 'https://elsewhere.test/');
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.port}/hooks/${name}`;
  }

  secret(name: string, secret: string): void {
    this.secrets.set(name, secret);
  }

  script(name: string, answers: Answer[]): void {
    this.scripts.set(name, [...answers]);
  }

  received(name: string): Received[] {
    return this.requests.filter((r) => r.name === name);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Timers that never fire on their own: a test fires the poll loop with `fire()`. */
class ManualTimers implements DispatcherTimers {
  callbacks = new Map<number, () => void>();
  private next = 1;
  setInterval(callback: () => void): unknown {
    const id = this.next++;
    this.callbacks.set(id, callback);
    return id;
  }
  clearInterval(handle: unknown): void {
    this.callbacks.delete(handle as number);
  }
  fire(): void {
    for (const callback of this.callbacks.values()) callback();
  }
}

let store: Store;
let dataDir: string;
let receiver: Receiver;
let clockMs = Date.now();
const clock = {
  now: () => clockMs,
  advance(ms: number) {
    clockMs += ms;
  },
};
const running: WebhookDispatcher[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-webhooks-'));
  // PGlite's first open runs initdb and the migrations: a few seconds.
  store = await openStore({ dataDir });
  receiver = new Receiver(() => Math.floor(clock.now() / 1000));
  await receiver.start();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  // Every dispatcher sends to every enabled webhook in the store: leave none behind.
  for (const hook of await store.webhooks.list()) await store.webhooks.delete(hook.id);
  receiver.requests.length = 0;
});

interface Harness {
  bus: MemoryEventBus;
  dispatcher: WebhookDispatcher;
  outcomes: DeliveryOutcome[];
  timers: ManualTimers;
}

/** A started dispatcher on a fresh bus, with the test clock, fixed jitter and manual timers. */
async function harness(options: Partial<WebhookDispatcherOptions> = {}): Promise<Harness> {
  const bus = options.bus instanceof MemoryEventBus ? options.bus : new MemoryEventBus();
  const outcomes: DeliveryOutcome[] = [];
  const timers = new ManualTimers();
  const dispatcher = new WebhookDispatcher({
    webhooks: store.webhooks,
    bus,
    now: clock.now,
    // 0.5 cancels the ±20 % jitter: delays are exactly 10 s, 20 s, 40 s, …
    random: () => 0.5,
    timers,
    onResult: (outcome) => outcomes.push(outcome),
    ...options,
  });
  await dispatcher.start();
  running.push(dispatcher);
  return { bus, dispatcher, outcomes, timers };
}

async function hook(name: string, events: string[] = [], enabled = true) {
  const secret = `whsec_test_${name}`;
  receiver.secret(name, secret);
  return store.webhooks.create({ url: receiver.url(name), events, secret, enabled });
}

async function deliveriesOf(webhookId: string): Promise<WebhookDeliveryRecord[]> {
  return store.webhooks.listDeliveries({ webhookId });
}

async function only(webhookId: string): Promise<WebhookDeliveryRecord> {
  const list = await deliveriesOf(webhookId);
  expect(list).toHaveLength(1);
  return list[0]!;
}

/** Publishes one event and waits until the dispatcher has made its first attempts. */
async function emit(h: Harness, type: string, callId = 'call_1') {
  // The memory bus runs handlers in microtasks queued before publish resolves, so once this
  // await returns the dispatcher has the event; idle() then waits for its attempts.
  const event = await publishEvent(h.bus, { type, callId, data: { n: 1 } });
  await h.dispatcher.idle();
  return event;
}

describe('WebhookDispatcher', () => {
  it('POSTs a signed event and records it delivered on the first try', async () => {
    const h = await harness();
    const wh = await hook('first');
    const event = await emit(h, EVENT_TYPES.CALL_ANSWERED);

    const [request, ...more] = receiver.received('first');
    expect(more).toEqual([]);
    expect(request!.signatureProblem).toBeUndefined();
    const delivery = await only(wh.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(request!.headers['switchboard-event']).toBe('call.answered');
    expect(request!.headers['switchboard-delivery']).toBe(delivery.id);
    expect(JSON.parse(request!.body)).toEqual({
      id: event.id,
      type: 'call.answered',
      occurredAt: event.occurredAt.toISOString(),
      callId: 'call_1',
      data: { n: 1 },
    });
    expect(request!.body).toBe(delivery.payload);
    expect(delivery).toMatchObject({
      eventId: event.id,
      eventType: 'call.answered',
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
    });
    expect(delivery.lastError).toBeUndefined();
    expect(delivery.nextAttemptAt).toBeUndefined();
    expect(h.outcomes).toEqual(['delivered']);
  });

  it('retries a 500 with backoff until the receiver accepts, sending the same bytes', async () => {
    const h = await harness();
    const wh = await hook('flaky');
    receiver.script('flaky', [500, 500]);
    await emit(h, EVENT_TYPES.CALL_ENDED);

    let delivery = await only(wh.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'HTTP 500 Internal Server Error',
    });
    expect(delivery.nextAttemptAt?.getTime()).toBe(clock.now() + 10_000);

    // Not yet due: nothing is sent.
    clock.advance(9_999);
    expect(await h.dispatcher.runDue()).toBe(0);
    clock.advance(1);
    expect(await h.dispatcher.runDue()).toBe(1);
    delivery = await only(wh.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, lastStatus: 500 });
    expect(delivery.nextAttemptAt?.getTime()).toBe(clock.now() + 20_000);

    clock.advance(20_000);
    expect(await h.dispatcher.runDue()).toBe(1);
    delivery = await only(wh.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    expect(delivery.lastError).toBeUndefined();
    expect(delivery.nextAttemptAt).toBeUndefined();

    const requests = receiver.received('flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['switchboard-delivery'])).size).toBe(1);
    // Each attempt is signed when sent, so a late retry still passes the replay window.
    expect(requests.every((r) => r.signatureProblem === undefined)).toBe(true);
    expect(h.outcomes).toEqual(['retry', 'retry', 'delivered']);
  });

  it('fails at once on a non-retryable status (410) or a redirect', async () => {
    const h = await harness();
    const gone = await hook('gone');
    const moved = await hook('moved');
    receiver.script('gone', [410]);
    receiver.script('moved', [302]);
    await emit(h, EVENT_TYPES.DTMF_RECEIVED);

    expect(await only(gone.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatus: 410,
      lastError: 'HTTP 410 Gone',
    });
    const redirected = await only(moved.id);
    expect(redirected).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 302 });
    expect(redirected.lastError).toMatch(/redirects are not followed.*elsewhere\.test/);
    expect(h.outcomes).toEqual(['failed', 'failed']);

    clock.advance(24 * 3_600_000);
    expect(await h.dispatcher.runDue()).toBe(0);
    expect(receiver.requests).toHaveLength(2);
  });

  it('gives up after the last attempt, with the backoff doubling up to it', async () => {
    const h = await harness();
    const wh = await hook('down');
    receiver.script('down', Array<Answer>(20).fill(503));
    await emit(h, EVENT_TYPES.CALL_RINGING);

    const delays: number[] = [];
    for (;;) {
      const delivery = await only(wh.id);
      if (delivery.status !== 'pending') break;
      delays.push(delivery.nextAttemptAt!.getTime() - clock.now());
      clock.advance(delays.at(-1)!);
      expect(await h.dispatcher.runDue()).toBe(1);
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640].map((s) => s * 1000));
    expect(await only(wh.id)).toMatchObject({ status: 'failed', attempts: 8, lastStatus: 503 });
    expect(receiver.received('down')).toHaveLength(8);
    expect(h.outcomes).toEqual([...Array<DeliveryOutcome>(7).fill('retry'), 'failed']);
  });

  it('retries a timeout and a refused connection, naming the reason', async () => {
    const h = await harness({ timeoutMs: 200 });
    const slow = await hook('slow');
    receiver.script('slow', ['hang']);
    // A port nobody listens on: bind one, then free it.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await store.webhooks.create({ url: `http://127.0.0.1:${port}/x` });

    await emit(h, EVENT_TYPES.PARTICIPANT_JOINED);

    const timedOut = await only(slow.id);
    expect(timedOut).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'timed out after 200 ms',
    });
    expect(timedOut.lastStatus).toBeUndefined();
    const unreachable = await only(refused.id);
    expect(unreachable).toMatchObject({ status: 'pending', attempts: 1 });
    expect(unreachable.lastError).toMatch(/ECONNREFUSED/);
    expect(unreachable.lastError).not.toContain(refused.secret);
    expect(h.outcomes).toEqual(['retry', 'retry']);
  });

  it('sends an event only to enabled webhooks whose filter matches it', async () => {
    const h = await harness();
    const calls = await hook('calls', ['call.*']);
    const dtmf = await hook('dtmf', ['dtmf.received']);
    const all = await hook('all');
    const off = await hook('off', [], false);

    await emit(h, EVENT_TYPES.CALL_ANSWERED);
    await emit(h, EVENT_TYPES.DTMF_RECEIVED);
    await emit(h, EVENT_TYPES.TRUNK_REJECTED);
    // Event-shaped, but not published on its own type: another room's internal traffic.
    await h.bus.publish('calls.sync', {
      id: 'evt_internal',
      type: 'call.answered',
      occurredAt: new Date().toISOString(),
      data: {},
    });
    await h.dispatcher.idle();

    const types = async (id: string) => (await deliveriesOf(id)).map((d) => d.eventType).sort();
    expect(await types(calls.id)).toEqual(['call.answered']);
    expect(await types(dtmf.id)).toEqual(['dtmf.received']);
    expect(await types(all.id)).toEqual(['call.answered', 'dtmf.received', 'trunk.rejected']);
    expect(await types(off.id)).toEqual([]);
    expect(receiver.received('off')).toEqual([]);
  });

  it('marks a queued retry failed when its webhook was disabled meanwhile', async () => {
    const h = await harness();
    const wh = await hook('paused');
    receiver.script('paused', [500]);
    await emit(h, EVENT_TYPES.CALL_ENDED);
    await store.webhooks.update(wh.id, { enabled: false });
    clock.advance(10_000);
    expect(await h.dispatcher.runDue()).toBe(1);
    expect(await only(wh.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'not sent: the webhook is disabled',
    });
    expect(receiver.received('paused')).toHaveLength(1);
  });

  it('leaves retries in the store for a new dispatcher after a restart', async () => {
    const first = await harness();
    const wh = await hook('restart');
    receiver.script('restart', [503]);
    await emit(first, EVENT_TYPES.CALL_ANSWERED);
    await first.dispatcher.stop();
    expect(await only(wh.id)).toMatchObject({ status: 'pending', attempts: 1 });

    // A delivery queued by a process that died before its first attempt.
    const orphan = await store.webhooks.createDelivery({
      webhookId: wh.id,
      eventId: 'evt_orphan',
      eventType: 'call.ended',
      payload: '{"id":"evt_orphan"}',
      nextAttemptAt: new Date(clock.now()),
    });

    clock.advance(10_000);
    const second = await harness();
    // The poll loop's timer, not a direct runDue() call, picks both up.
    second.timers.fire();
    await second.dispatcher.idle();
    const byEvent = new Map((await deliveriesOf(wh.id)).map((d) => [d.eventId, d]));
    expect(byEvent.get('evt_orphan')).toMatchObject({
      id: orphan.id,
      status: 'delivered',
      attempts: 1,
    });
    expect([...byEvent.values()].every((d) => d.status === 'delivered')).toBe(true);
    expect(receiver.received('restart')).toHaveLength(3);
    expect(second.outcomes.sort()).toEqual(['delivered', 'delivered']);
  });

  it('aborts a hanging request on stop and leaves the delivery pending', async () => {
    const h = await harness();
    const wh = await hook('stuck');
    receiver.script('stuck', ['hang']);
    await publishEvent(h.bus, { type: EVENT_TYPES.CALL_ANSWERED, data: {} });
    await vi.waitFor(() => expect(receiver.received('stuck')).toHaveLength(1));
    // The default 10 s timeout would hold stop() that long; the abort frees it at once.
    const started = Date.now();
    await h.dispatcher.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    const delivery = await only(wh.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.outcomes).toEqual([]);
    // Published after stop: nobody is listening any more.
    await emit(h, EVENT_TYPES.CALL_ENDED);
    expect(await deliveriesOf(wh.id)).toHaveLength(1);
  });

  it('does not queue one event twice for one webhook (a second node on a shared bus)', async () => {
    const bus = new MemoryEventBus();
    const a = await harness({ bus });
    const b = await harness({ bus });
    const wh = await hook('shared');
    await publishEvent(bus, { type: EVENT_TYPES.DISPATCH_MATCHED, data: {} });
    await Promise.all([a.dispatcher.idle(), b.dispatcher.idle()]);
    expect(await only(wh.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(receiver.received('shared')).toHaveLength(1);
  });

  it('attempts a due retry once when two servers poll the same database', async () => {
    const a = await harness();
    const b = await harness();
    const wh = await hook('polled');
    await store.webhooks.createDelivery({
      webhookId: wh.id,
      eventId: 'evt_polled',
      eventType: 'call.ended',
      payload: '{"id":"evt_polled"}',
      nextAttemptAt: new Date(clock.now()),
    });
    // Both read the same due row; the claim lets only one of them send it.
    const taken = await Promise.all([a.dispatcher.runDue(), b.dispatcher.runDue()]);
    expect(taken.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(1);
    expect(receiver.received('polled')).toHaveLength(1);
    expect(await only(wh.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
