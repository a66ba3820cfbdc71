/**
 * Outgoing webhooks. The dispatcher listens to every event on the bus; for each subscription
 * that wants the event it queues a delivery in the store and POSTs it at once. Failures that may
 * pass (5xx, 408, 429, network errors, timeouts) are retried with exponential backoff by a poll
 * loop that reads due deliveries from the store — so a retry survives a restart, and the
 * delivery log the API serves is the same rows the worker acts on.
 *
 * Delivery is at least once: a receiver can see one delivery twice (a response lost after the
 * receiver acted on it, or a process stopped mid-request), and should de-duplicate on the
 * `Switchboard-Delivery` header or the event id. Order is not guaranteed across events.
 *
 * @module
 */
import {
  ConflictError,
  NotFoundError,
  topicMatches,
  type EventBus,
  type Unsubscribe,
  type WebhookDeliveryRecord,
  type WebhookRecord,
  type WebhookRepository,
} from '../../store/index.js';
import {
  isRetryableStatus,
  MAX_DELIVERY_ATTEMPTS,
  nextRetryDelayMs,
} from '../webhooks/retry-schedule.js';
import { SIGNATURE_HEADER, signWebhook } from '../webhooks/signature.js';
import { toEventMessage, type EventMessage } from './event-publisher.js';

/** `User-Agent` of every delivery, so receivers and their firewalls can tell us apart. */
export const WEBHOOK_USER_AGENT = 'Switchboard-Webhooks/0.1';
/** Header naming the event type of a delivery. */
export const EVENT_HEADER = 'Switchboard-Event';
/** Header carrying the delivery id (`whd_…`), the same on every retry: the de-duplication key. */
export const DELIVERY_HEADER = 'Switchboard-Delivery';

/** How one attempt ended, for metrics: sent, to be tried again, or given up on. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/** The timer functions the poll loop uses; injectable so tests drive it by hand. */
export interface DispatcherTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Where an error the dispatcher could not hand to a caller happened. */
export interface DispatcherErrorContext {
  source: 'dispatch' | 'retry-loop' | 'attempt';
  eventId?: string;
  deliveryId?: string;
}

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** The store's webhook repository (`store.webhooks`). */
  webhooks: WebhookRepository;
  /** The bus events are published on. */
  bus: EventBus;
  /** HTTP client; default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Clock in epoch ms; default `Date.now`. Drives signatures, backoff and what is due. */
  now?: () => number;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Timers of the poll loop; default Node's, unref'd so the loop never keeps a process alive. */
  timers?: DispatcherTimers;
  /** Longest wait for a receiver's response, in ms; default 10 000. */
  timeoutMs?: number;
  /** How often due retries are looked for, in ms; default 5 000. */
  pollIntervalMs?: number;
  /** Due deliveries taken per poll; default 100. */
  batchSize?: number;
  /** Requests in flight at once during a poll; default 10. */
  concurrency?: number;
  /** Attempts in all before a delivery fails; default {@link MAX_DELIVERY_ATTEMPTS}. */
  maxAttempts?: number;
  /**
   * Called after every attempt with its outcome — the hook for the
   * `switchboard_webhook_deliveries_total{outcome}` counter. Must not throw.
   */
  onResult?: (outcome: DeliveryOutcome, delivery: WebhookDeliveryRecord) => void;
  /** Store and bus errors that have no caller to reject; default `console.error`. */
  onError?: (error: unknown, context: DispatcherErrorContext) => void;
}

/** What one HTTP attempt came to, before it is written to the delivery. */
interface AttemptResult {
  ok: boolean;
  retryable: boolean;
  status?: number;
  error?: string;
}

/** Longest `lastError` kept: enough for a reason, not a whole error page. */
const MAX_ERROR_LENGTH = 500;

/**
 * How long after its first attempt starts a new delivery waits before the poll loop may take
 * it, beyond the request timeout. The first attempt runs straight from the event; the poll loop
 * must not also send it while that attempt is still in flight. Should this process die before
 * recording the attempt, the poll loop of the next one takes the delivery once the lease ends.
 */
const FIRST_ATTEMPT_LEASE_MARGIN_MS = 30_000;

const defaultTimers: DispatcherTimers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

/**
 * Delivers domain events to webhook subscriptions: signed POSTs, retried with backoff, every
 * attempt recorded on the delivery in the store.
 *
 * Run one dispatcher per store: it does not claim due deliveries, so two dispatchers polling
 * one PostgreSQL would both retry the same delivery. (Several nodes sharing a Redis bus are
 * safe for first attempts: each queues the delivery, the store's unique (webhook, event) key
 * lets only one succeed, and only that one sends.)
 */
export class WebhookDispatcher {
  private readonly webhooks: WebhookRepository;
  private readonly bus: EventBus;
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timers: DispatcherTimers;
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly onResult:
    ((outcome: DeliveryOutcome, d: WebhookDeliveryRecord) => void) | undefined;
  private readonly onError: (error: unknown, context: DispatcherErrorContext) => void;

  /** Deliveries being attempted right now, so no path sends one twice at the same time. */
  private readonly inFlight = new Set<string>();
  /** Work started from the bus or the timer, awaited by {@link idle} and {@link stop}. */
  private readonly work = new Set<Promise<unknown>>();
  /** Polls run one after another: each reads the store after the previous one wrote it. */
  private pollChain: Promise<unknown> = Promise.resolve();
  private polling = false;
  /** Aborted by {@link stop}, so shutdown does not wait for a slow receiver. */
  private stopController = new AbortController();
  private unsubscribe: Unsubscribe | undefined;
  private timer: unknown;
  private running = false;

  constructor(options: WebhookDispatcherOptions) {
    this.webhooks = options.webhooks;
    this.bus = options.bus;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? defaultTimers;
    this.timeoutMs = positive(options.timeoutMs ?? 10_000, 'timeoutMs');
    this.pollIntervalMs = positive(options.pollIntervalMs ?? 5_000, 'pollIntervalMs');
    this.batchSize = positive(options.batchSize ?? 100, 'batchSize');
    this.concurrency = positive(options.concurrency ?? 10, 'concurrency');
    this.maxAttempts = positive(options.maxAttempts ?? MAX_DELIVERY_ATTEMPTS, 'maxAttempts');
    this.onResult = options.onResult;
    this.onError =
      options.onError ??
      ((error, context) => console.error(`[switchboard webhooks] ${context.source}:`, error));
  }

  /**
   * Subscribes to every event on the bus and starts the retry loop. Resolves once the
   * subscription is active. Idempotent while running.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    try {
      this.unsubscribe = await this.bus.subscribe('*', (topic, message) => {
        const event = toEventMessage(message, topic);
        if (event !== undefined) this.track(this.dispatch(event));
      });
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.timer = this.timers.setInterval(() => this.tick(), this.pollIntervalMs);
  }

  /**
   * Unsubscribes, stops the loop and waits for attempts under way. Requests still waiting for
   * a receiver are aborted and left as they were in the store (pending), so the next start
   * sends them again. Idempotent.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.timer = undefined;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    this.stopController.abort();
    await unsubscribe?.().catch((error: unknown) => this.onError(error, { source: 'dispatch' }));
    await this.idle();
  }

  /** Resolves once no dispatch or poll started so far is still running. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /**
   * Queues `event` (a bus message) for every enabled webhook whose filter matches its type and
   * makes the first attempt of each. Resolves to the deliveries as recorded after that attempt.
   * The bus handler calls this; it is public for callers that hold an event outside the bus.
   */
  async dispatch(event: unknown): Promise<WebhookDeliveryRecord[]> {
    const message = toEventMessage(event);
    if (message === undefined) return [];
    try {
      const hooks = (await this.webhooks.list()).filter(
        (hook) => hook.enabled && wants(hook, message.type),
      );
      if (hooks.length === 0) return [];
      const payload = serialiseEventMessage(message);
      // allSettled: one webhook's store error must neither hide the others' results nor leave
      // their attempts running unawaited (idle() and stop() wait on this promise).
      const results = await Promise.allSettled(
        hooks.map((hook) => this.queueAndSend(hook, message, payload)),
      );
      const deliveries: WebhookDeliveryRecord[] = [];
      for (const result of results) {
        if (result.status === 'rejected') {
          this.onError(result.reason, { source: 'dispatch', eventId: message.id });
        } else if (result.value !== undefined) deliveries.push(result.value);
      }
      return deliveries;
    } catch (error) {
      this.onError(error, { source: 'dispatch', eventId: message.id });
      return [];
    }
  }

  /**
   * Attempts the pending deliveries that are due now (one batch of up to `batchSize`), and
   * resolves to how many it took up. The poll loop calls it every `pollIntervalMs`; tests
   * call it directly after moving the clock. Calls queue behind each other.
   */
  runDue(): Promise<number> {
    const run = this.pollChain.then(() => this.pollOnce());
    this.pollChain = run.catch(() => undefined);
    return run;
  }

  private tick(): void {
    // A poll slower than the interval (a batch of hanging receivers) must not pile up more.
    if (this.polling) return;
    this.polling = true;
    this.track(
      this.runDue()
        .catch((error: unknown) => this.onError(error, { source: 'retry-loop' }))
        .finally(() => {
          this.polling = false;
        }),
    );
  }

  private async pollOnce(): Promise<number> {
    const due = (await this.webhooks.dueDeliveries(new Date(this.now()), this.batchSize)).filter(
      (d) => !this.inFlight.has(d.id),
    );
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length) {
        const candidate = due[next++]!;
        try {
          // Claim it first: another server on the same database may have read it too.
          const delivery = candidate.nextAttemptAt
            ? await this.webhooks.claimDelivery(
                candidate.id,
                candidate.nextAttemptAt,
                new Date(this.now() + this.timeoutMs + FIRST_ATTEMPT_LEASE_MARGIN_MS),
              )
            : undefined;
          if (!delivery) continue;
          await this.attempt(delivery);
        } catch (error) {
          this.onError(error, { source: 'attempt', deliveryId: candidate.id });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, due.length) }, worker));
    return due.length;
  }

  private async queueAndSend(
    hook: WebhookRecord,
    message: EventMessage,
    payload: string,
  ): Promise<WebhookDeliveryRecord | undefined> {
    let delivery: WebhookDeliveryRecord;
    try {
      delivery = await this.webhooks.createDelivery({
        webhookId: hook.id,
        eventId: message.id,
        eventType: message.type,
        payload,
        nextAttemptAt: new Date(this.now() + this.timeoutMs + FIRST_ATTEMPT_LEASE_MARGIN_MS),
      });
    } catch (error) {
      // Conflict: another node (sharing a Redis bus) or a replay queued this event already and
      // sends it. NotFound: the webhook was deleted since it was listed.
      if (error instanceof ConflictError || error instanceof NotFoundError) return undefined;
      throw error;
    }
    return this.attempt(delivery, hook);
  }

  /** One attempt: POST, then record the outcome. Undefined when it was not made. */
  private async attempt(
    delivery: WebhookDeliveryRecord,
    known?: WebhookRecord,
  ): Promise<WebhookDeliveryRecord | undefined> {
    if (this.inFlight.has(delivery.id)) return undefined;
    this.inFlight.add(delivery.id);
    try {
      // Retries read the subscription afresh: its URL or secret may have changed since.
      const hook = known ?? (await this.webhooks.get(delivery.webhookId));
      // Deleting a webhook deletes its deliveries; nothing left to record.
      if (hook === undefined) return undefined;
      if (!hook.enabled) {
        return this.record(delivery, 'failed', {
          lastError: 'not sent: the webhook is disabled',
          nextAttemptAt: null,
        });
      }
      const result = await this.post(hook, delivery);
      if (result === undefined) return undefined; // aborted by stop(): left pending for later
      const attempts = delivery.attempts + 1;
      const patch = {
        attempts,
        lastStatus: result.status ?? null,
        lastError: result.error ?? null,
      };
      if (result.ok) {
        return this.record(delivery, 'delivered', { ...patch, nextAttemptAt: null });
      }
      const delay = result.retryable
        ? nextRetryDelayMs(attempts, this.random, this.maxAttempts)
        : undefined;
      if (delay === undefined) {
        return this.record(delivery, 'failed', { ...patch, nextAttemptAt: null });
      }
      return this.record(delivery, 'retry', {
        ...patch,
        nextAttemptAt: new Date(this.now() + delay),
      });
    } finally {
      this.inFlight.delete(delivery.id);
    }
  }

  private async record(
    delivery: WebhookDeliveryRecord,
    outcome: DeliveryOutcome,
    patch: {
      attempts?: number;
      lastStatus?: number | null;
      lastError?: string | null;
      nextAttemptAt: Date | null;
    },
  ): Promise<WebhookDeliveryRecord | undefined> {
    const status = outcome === 'retry' ? 'pending' : outcome;
    let updated: WebhookDeliveryRecord;
    try {
      updated = await this.webhooks.updateDelivery(delivery.id, { ...patch, status });
    } catch (error) {
      // The webhook (and with it the delivery) was deleted during the request.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    try {
      this.onResult?.(outcome, updated);
    } catch (error) {
      // A faulty metrics hook must not turn a recorded delivery into a failed dispatch.
      this.onError(error, { source: 'attempt', deliveryId: delivery.id });
    }
    return updated;
  }

  /** Sends one delivery; undefined when {@link stop} aborted it. */
  private async post(
    hook: WebhookRecord,
    delivery: WebhookDeliveryRecord,
  ): Promise<AttemptResult | undefined> {
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return { ok: false, retryable: false, error: 'invalid webhook URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { ok: false, retryable: false, error: `unsupported URL scheme ${url.protocol}` };
    }
    const body = delivery.payload;
    // Signed at send time, not at queue time: receivers refuse old timestamps, and a retry an
    // hour later must still pass their replay check.
    const signature = signWebhook(hook.secret, body, Math.floor(this.now() / 1000));
    const stopSignal = this.stopController.signal;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': WEBHOOK_USER_AGENT,
          [EVENT_HEADER]: delivery.eventType,
          [DELIVERY_HEADER]: delivery.id,
          [SIGNATURE_HEADER]: signature,
        },
        body,
        // A redirect is not followed: it would re-send the signed body to a host nobody
        // subscribed (and turn a 301/302 POST into a GET). The subscription's URL should change.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), stopSignal]),
      });
    } catch (error) {
      if (stopSignal.aborted) return undefined;
      return { ok: false, retryable: true, error: describeFetchError(error, this.timeoutMs) };
    }
    // The body is not used; cancelling it frees the connection without reading a large reply.
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300) return { ok: true, retryable: false, status };
    const reason = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location');
      return {
        ok: false,
        retryable: false,
        status,
        error: truncate(
          `${reason}: redirects are not followed${location ? ` (to ${location})` : ''}`,
        ),
      };
    }
    return { ok: false, retryable: isRetryableStatus(status), status, error: truncate(reason) };
  }

  private track(promise: Promise<unknown>): void {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise));
  }
}

/**
 * The exact body a delivery POSTs: the event message as JSON. Kept on the delivery so every
 * retry sends the same bytes the signature was computed over.
 */
export function serialiseEventMessage(message: EventMessage): string {
  return JSON.stringify(message);
}

/** Whether a subscription's event filter takes `type`: empty means every event. */
function wants(hook: WebhookRecord, type: string): boolean {
  return hook.events.length === 0 || hook.events.some((pattern) => topicMatches(pattern, type));
}

/** A reason for the delivery log: what failed, never the request (its headers hold the signature). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `timed out after ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    // undici reports every network failure as "fetch failed" with the real reason as cause.
    const cause = error.cause;
    const detail =
      cause instanceof Error
        ? cause.message || (cause as NodeJS.ErrnoException).code || cause.name
        : undefined;
    return truncate(detail ? `${error.message}: ${detail}` : error.message);
  }
  return truncate(String(error));
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number (got ${value})`);
  }
  return value;
}
