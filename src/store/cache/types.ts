/**
 * The cache and event-bus contracts the rest of Switchboard programs against. Two
 * implementations exist: in-process ({@link MemoryCache}, {@link MemoryEventBus}) for a single
 * node and tests, and Redis ({@link RedisCache}, {@link RedisEventBus}) for several nodes.
 * Both behave the same — the shared contract suites in this folder hold them to it — so code
 * written against one works unchanged on the other.
 *
 * Values and messages are JSON: whatever goes in is `JSON.stringify`-ed, so what comes out is
 * a fresh copy with JSON's types only. In particular a `Date` comes back as its ISO string
 * (`DomainEvent.occurredAt` arrives as `"2025-01-01T00:00:00.000Z"`, revive it with
 * `new Date(...)`), `undefined` properties disappear, and `Map`/`Set`/class instances lose
 * their identity. The memory implementations do the same round trip on purpose, so a test
 * that passes on memory cannot rely on object identity that Redis would break.
 *
 * @module
 */

/** Options of {@link Cache.set}. */
export interface CacheSetOptions {
  /** Time to live in milliseconds (a positive integer); without it the entry never expires. */
  ttlMs?: number;
}

/** Options of {@link Cache.incr} and {@link Cache.decr}. */
export interface CacheCounterOptions {
  /**
   * Expiry for the counter, applied only when it has none yet (in practice: when this call
   * creates it). That gives a fixed window starting at the first increment — what rate limits
   * want — and a leak guard for counters whose owner dies before decrementing. Later calls
   * never extend it.
   */
  ttlMs?: number;
}

/** Options of {@link Cache.setIfAbsent}: a lock or idempotency key must expire. */
export interface CacheSetIfAbsentOptions {
  /** Time to live in milliseconds (a positive integer); required so a dead owner cannot hold it forever. */
  ttlMs: number;
}

/**
 * A shared key-value cache of JSON values with expiry and atomic counters.
 *
 * Keys are plain strings chosen by the caller (convention: `room:thing:id`, e.g.
 * `calls:trunk-active:tr_1`); the Redis implementation adds its deployment prefix itself.
 * After {@link Cache.close} every operation rejects.
 */
export interface Cache {
  /** The value stored at `key`, or `undefined` when absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Stores `value` (JSON-serialisable, not `undefined`) at `key`, replacing any previous value
   * and its expiry.
   */
  set(key: string, value: unknown, options?: CacheSetOptions): Promise<void>;
  /** Removes `key`; resolves to whether it existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds one to the integer at `key` (a missing key counts as 0) and resolves to
   * the new value. Safe across concurrent callers and, on Redis, across processes. Rejects when
   * the key holds something other than an integer.
   */
  incr(key: string, options?: CacheCounterOptions): Promise<number>;
  /** Atomically subtracts one; see {@link Cache.incr}. May go below zero, as in Redis. */
  decr(key: string, options?: CacheCounterOptions): Promise<number>;
  /**
   * Stores `value` only when `key` is absent (atomic); resolves to whether it was stored. The
   * building block for locks and idempotency keys: the caller that gets `true` owns the key
   * until it expires or is deleted.
   */
  setIfAbsent(key: string, value: unknown, options: CacheSetIfAbsentOptions): Promise<boolean>;
  /** Releases connections and timers. Idempotent: later calls resolve at once. */
  close(): Promise<void>;
}

/**
 * Receives one message. `topic` is the concrete topic it was published on (`call.answered`),
 * `message` the JSON-decoded payload (a fresh copy per handler). A thrown error or rejected
 * promise is reported to the bus's `onError` and never stops delivery to other handlers.
 */
export type EventHandler = (topic: string, message: unknown) => void | Promise<void>;

/** Stops one subscription; idempotent. */
export type Unsubscribe = () => Promise<void>;

/**
 * Publish/subscribe of JSON messages on dotted topics (`call.answered`,
 * `agent.state_changed`). Every subscriber whose pattern matches gets every message — on Redis
 * that means every subscriber in every process sharing the Redis and key prefix. Delivery is
 * at-most-once and not persisted: a subscriber that is not connected when a message is
 * published never sees it (use the store for anything that must not be lost).
 *
 * Patterns, matched segment by segment on `.` (see {@link topicMatches}):
 * - `call.answered` — exactly that topic;
 * - `call.*.started` — `*` in the middle stands for exactly one segment;
 * - `call.*` — a trailing `*` stands for one or more segments (`call.answered`,
 *   `call.recording.started`, but not `call`);
 * - `*` — every topic.
 */
export interface EventBus {
  /**
   * Publishes `message` (JSON-serialisable, not `undefined`) on `topic` (non-empty, no `*`).
   * Resolves once the message is handed to the transport, not when handlers have run.
   */
  publish(topic: string, message: unknown): Promise<void>;
  /**
   * Calls `handler` for every message whose topic matches `pattern`. Resolves once the
   * subscription is active (a message published after that is delivered), to a function that
   * removes it.
   */
  subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe>;
  /** Drops every subscription and releases connections. Idempotent. */
  close(): Promise<void>;
}

/** Called with errors that have no caller to reject: a throwing handler, a lost connection. */
export type ErrorReporter = (error: unknown, context: { topic?: string; source: string }) => void;
