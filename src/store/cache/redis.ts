/**
 * Redis-backed cache and event bus (ioredis), for running several Switchboard nodes against
 * one Redis. Everything this module writes — keys and pub/sub channels — starts with a key
 * prefix, so several deployments (or parallel test runs) can share one Redis.
 *
 * Connections are opened explicitly by `connect()` and fail fast: a bad `REDIS_URL` rejects
 * within `connectTimeoutMs` with "cannot reach Redis at redis://…: <reason>" instead of
 * retrying forever in the background. Once connected, a dropped connection is retried with a
 * capped backoff (Redis restarts should not kill a call center), commands issued meanwhile
 * wait for at most a few attempts, and subscriptions are restored on reconnect; messages
 * published while the subscriber was away are lost (pub/sub is at-most-once).
 *
 * @module
 */
import { Redis } from 'ioredis';
import { assertTtlMs, encodeJson, reportToConsole, runHandler } from './codec.js';
import {
  assertValidPattern,
  assertValidTopic,
  patternToRedisGlob,
  topicMatches,
} from './topic-pattern.js';
import type {
  Cache,
  CacheCounterOptions,
  CacheSetIfAbsentOptions,
  CacheSetOptions,
  ErrorReporter,
  EventBus,
  EventHandler,
  Unsubscribe,
} from './types.js';

/** Options shared by {@link RedisCache} and {@link RedisEventBus}. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /**
   * Prepended to every key and channel, e.g. `switchboard:` (the default) or
   * `switchboard:staging:`. Deployments sharing a Redis must use different prefixes.
   */
  keyPrefix?: string;
  /**
   * Longest wait for the initial connection (TCP, TLS, AUTH, ready check), in ms. Default
   * 5000: long enough for a remote Redis, short enough that start-up fails visibly.
   */
  connectTimeoutMs?: number;
  /** Receives connection errors after start-up and handler errors; default: `console.error`. */
  onError?: ErrorReporter;
}

/** The default {@link RedisConnectionOptions.keyPrefix}. */
export const DEFAULT_KEY_PREFIX = 'switchboard:';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * INCRBY plus "set the expiry if there is none", atomically. `PEXPIRE … NX` would do the same
 * but needs Redis 7; the script works on any Redis with Lua (2.6+). ARGV[2] = '0': no TTL.
 */
const COUNTER_SCRIPT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '0' and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
`;

/** The command `defineCommand` adds for {@link COUNTER_SCRIPT} (EVALSHA, EVAL on a cache miss). */
type WithCounterCommand = Redis & {
  switchboardCount(key: string, delta: number, ttlMs: number): Promise<number>;
};

/**
 * A {@link Cache} on Redis: values are JSON strings under `keyPrefix + key`, TTLs are Redis
 * PX expiries, counters are INCRBY (so `get` of a counter returns its number). Call
 * {@link RedisCache.connect} before use.
 */
export class RedisCache implements Cache {
  /** The prefix every key is stored under. */
  readonly keyPrefix: string;
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private readonly client: WithCounterCommand;
  private closing: Promise<void> | undefined;

  constructor(options: RedisConnectionOptions) {
    this.url = options.url;
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = createClient(options, 'cache', this.connectTimeoutMs);
    client.defineCommand('switchboardCount', { numberOfKeys: 1, lua: COUNTER_SCRIPT });
    this.client = client as WithCounterCommand;
  }

  /**
   * Opens the connection. Rejects with "cannot reach Redis at …: <reason>" (password
   * redacted) when Redis does not answer within `connectTimeoutMs`; nothing keeps retrying.
   */
  async connect(): Promise<void> {
    this.assertOpen();
    await connectClient(this.client, this.url, this.connectTimeoutMs);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.assertOpen();
    const text = await this.client.get(this.keyPrefix + key);
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  async set(key: string, value: unknown, options: CacheSetOptions = {}): Promise<void> {
    this.assertOpen();
    const json = encodeJson(value, 'cache value');
    if (options.ttlMs === undefined) {
      // A plain SET also drops any previous expiry, which is the contract.
      await this.client.set(this.keyPrefix + key, json);
    } else {
      assertTtlMs(options.ttlMs);
      await this.client.set(this.keyPrefix + key, json, 'PX', options.ttlMs);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    return (await this.client.del(this.keyPrefix + key)) > 0;
  }

  async incr(key: string, options: CacheCounterOptions = {}): Promise<number> {
    return this.count(key, 1, options);
  }

  async decr(key: string, options: CacheCounterOptions = {}): Promise<number> {
    return this.count(key, -1, options);
  }

  async setIfAbsent(
    key: string,
    value: unknown,
    options: CacheSetIfAbsentOptions,
  ): Promise<boolean> {
    this.assertOpen();
    const json = encodeJson(value, 'cache value');
    const ttlMs = options?.ttlMs;
    assertTtlMs(ttlMs);
    const reply = await this.client.set(this.keyPrefix + key, json, 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async close(): Promise<void> {
    this.closing ??= closeClient(this.client);
    return this.closing;
  }

  private async count(key: string, delta: number, options: CacheCounterOptions): Promise<number> {
    this.assertOpen();
    if (options.ttlMs !== undefined) assertTtlMs(options.ttlMs);
    return this.client.switchboardCount(this.keyPrefix + key, delta, options.ttlMs ?? 0);
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('RedisCache is closed');
  }
}

interface Subscription {
  pattern: string;
  handler: EventHandler;
  active: boolean;
}

/** Subscriptions sharing one PSUBSCRIBE glob, and the promise of that PSUBSCRIBE. */
interface GlobSubscriptions {
  subscriptions: Set<Subscription>;
  ready: Promise<unknown>;
}

/**
 * An {@link EventBus} on Redis pub/sub: `publish` is PUBLISH on `keyPrefix + topic`,
 * `subscribe` is PSUBSCRIBE, so every bus on the same Redis and prefix — in any process —
 * receives every matching message, its own included. Uses two connections because a Redis
 * connection in subscriber mode cannot publish. Call {@link RedisEventBus.connect} before use.
 */
export class RedisEventBus implements EventBus {
  /** The prefix every channel is published under. */
  readonly keyPrefix: string;
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly onError: ErrorReporter;
  private readonly globs = new Map<string, GlobSubscriptions>();
  private closing: Promise<void> | undefined;

  constructor(options: RedisConnectionOptions) {
    this.url = options.url;
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.onError = options.onError ?? reportToConsole;
    this.publisher = createClient(options, 'bus publisher', this.connectTimeoutMs);
    this.subscriber = createClient(options, 'bus subscriber', this.connectTimeoutMs);
    this.subscriber.on('pmessage', (glob: string, channel: string, json: string) =>
      this.dispatch(glob, channel, json),
    );
  }

  /** Opens both connections; see {@link RedisCache.connect} for the failure behaviour. */
  async connect(): Promise<void> {
    this.assertOpen();
    const results = await Promise.allSettled([
      connectClient(this.publisher, this.url, this.connectTimeoutMs),
      connectClient(this.subscriber, this.url, this.connectTimeoutMs),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      // Half a bus is no bus: drop the connection that did open.
      this.publisher.disconnect();
      this.subscriber.disconnect();
      throw failed.reason;
    }
  }

  async publish(topic: string, message: unknown): Promise<void> {
    this.assertOpen();
    assertValidTopic(topic);
    await this.publisher.publish(this.keyPrefix + topic, encodeJson(message, 'event bus message'));
  }

  async subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    this.assertOpen();
    assertValidPattern(pattern);
    const glob = patternToRedisGlob(this.keyPrefix, pattern);
    let entry = this.globs.get(glob);
    if (entry === undefined) {
      // One PSUBSCRIBE per distinct glob; later subscribers wait for the same reply.
      entry = { subscriptions: new Set(), ready: this.subscriber.psubscribe(glob) };
      this.globs.set(glob, entry);
    }
    const subscription: Subscription = { pattern, handler, active: true };
    entry.subscriptions.add(subscription);
    const owner = entry;
    try {
      await owner.ready;
    } catch (error) {
      subscription.active = false;
      owner.subscriptions.delete(subscription);
      if (this.globs.get(glob) === owner) this.globs.delete(glob);
      throw error;
    }
    return async () => {
      if (!subscription.active) return;
      subscription.active = false;
      owner.subscriptions.delete(subscription);
      if (owner.subscriptions.size > 0 || this.globs.get(glob) !== owner) return;
      this.globs.delete(glob);
      // Commands on one connection run in order, so a PSUBSCRIBE issued after this one
      // (a new subscriber for the same glob) still wins.
      if (this.closing === undefined) await this.subscriber.punsubscribe(glob);
    };
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      for (const entry of this.globs.values()) {
        for (const subscription of entry.subscriptions) subscription.active = false;
      }
      this.globs.clear();
      await Promise.all([closeClient(this.publisher), closeClient(this.subscriber)]);
    })();
    return this.closing;
  }

  private dispatch(glob: string, channel: string, json: string): void {
    const entry = this.globs.get(glob);
    if (entry === undefined || !channel.startsWith(this.keyPrefix)) return;
    const topic = channel.slice(this.keyPrefix.length);
    // Redis's `*` crosses dots; the exact segment rules are applied here.
    for (const subscription of [...entry.subscriptions]) {
      if (subscription.active && topicMatches(subscription.pattern, topic)) {
        runHandler(subscription.handler, topic, json, this.onError);
      }
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('RedisEventBus is closed');
  }
}

/**
 * `url` with its password replaced by `***`, for error messages and logs. Unparseable input
 * is returned as is (it cannot be a valid URL with credentials we could find anyway).
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function createClient(
  options: RedisConnectionOptions,
  role: string,
  connectTimeoutMs: number,
): Redis {
  const { url } = options;
  if (!/^rediss?:\/\//i.test(url)) {
    throw new Error(
      `invalid Redis URL "${redactRedisUrl(url)}": expected redis://[user:password@]host[:port][/db] or rediss://…`,
    );
  }
  let everReady = false;
  let reportedSinceReady = false;
  const onError = options.onError ?? reportToConsole;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    // Before the first successful connection, never retry: connect() reports the failure
    // and start-up stops. Afterwards, retry forever with a capped backoff.
    retryStrategy: (attempt) => (everReady ? Math.min(attempt * 200, 2_000) : null),
    // A command during an outage fails after ~3 reconnect attempts (a few seconds) rather
    // than the default 20: callers would rather degrade than hang a call.
    maxRetriesPerRequest: 3,
    // Shows in CLIENT LIST; Redis refuses names with spaces (and ioredis then drops it silently).
    connectionName: `switchboard-${role.replace(/ /g, '-')}`,
  });
  client.on('ready', () => {
    everReady = true;
    reportedSinceReady = false;
  });
  client.on('error', (error: unknown) => {
    // Errors before the first connection belong to connect(), which rejects with them.
    // During an outage ioredis emits one per reconnect attempt: report the first only.
    if (!everReady || reportedSinceReady) return;
    reportedSinceReady = true;
    onError(error, { source: `redis ${role} connection` });
  });
  return client;
}

async function connectClient(client: Redis, url: string, timeoutMs: number): Promise<void> {
  // connect() itself rejects with a bare "Connection is closed."; the real cause (ECONNREFUSED,
  // ENOTFOUND, WRONGPASS, …) arrives as an 'error' event, so keep the last one.
  let lastError: unknown;
  const remember = (error: unknown): void => {
    lastError = error;
  };
  client.on('error', remember);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectTimeout(timeoutMs)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (error) {
    client.disconnect();
    let reason: string;
    if (error instanceof ConnectTimeout) {
      reason = error.message;
      if (lastError !== undefined) reason += ` (last error: ${describeError(lastError)})`;
    } else {
      reason = describeError(lastError ?? error);
    }
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${reason}`, {
      cause: lastError ?? error,
    });
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}

class ConnectTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

function describeError(error: unknown): string {
  // Node reports "localhost" refusing on both ::1 and 127.0.0.1 as an AggregateError with an
  // empty message; the useful text is in its parts.
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(describeError))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error.message !== '') return error.message;
    if (code !== undefined) return code;
  }
  return String(error);
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      // QUIT lets in-flight replies arrive; fall back to a hard close if it fails.
      await client.quit();
      return;
    } catch {
      // fall through
    }
  }
  client.disconnect();
}
