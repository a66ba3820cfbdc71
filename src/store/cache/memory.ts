/**
 * In-process cache and event bus: the default when no Redis is configured (one node, tests,
 * `switchboard` on a laptop). They keep the exact semantics of the Redis implementations —
 * JSON round trips included — so swapping one for the other changes reach, not behaviour.
 *
 * @module
 */
import { assertTtlMs, encodeJson, reportToConsole, runHandler } from './codec.js';
import { assertValidPattern, assertValidTopic, topicMatches } from './topic-pattern.js';
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

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /**
   * Most entries kept; beyond it the least recently used entry is evicted. Keep it well above
   * the working set: an evicted counter or lock is simply gone. Default 100 000.
   */
  maxEntries?: number;
  /**
   * How often expired entries nobody reads any more are swept, in ms; `0` disables the sweep
   * (expiry is still checked on every access). Default 60 000.
   */
  sweepIntervalMs?: number;
}

interface Entry {
  /** The JSON text: stored as text so every `get` returns a fresh copy, as Redis does. */
  json: string;
  /** `Date.now()` at which the entry stops existing; absent = never. */
  expiresAt?: number;
}

const INTEGER_TEXT = /^-?\d+$/;

/**
 * A bounded in-process {@link Cache}: TTLs expire lazily on access and in a periodic sweep
 * (an unref'd timer, so it never keeps the process alive), and the least recently used entry
 * is evicted past `maxEntries`. Expiry reads `Date.now()`, so fake timers drive it in tests.
 */
export class MemoryCache implements Cache {
  // A Map iterates in insertion order; re-inserting on every access makes its first key the
  // least recently used one, which gives O(1) LRU without a linked list.
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly sweepTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private evictedCount = 0;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer (got ${options.maxEntries})`);
    }
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Entries held, including expired ones not yet swept (for metrics and tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Entries evicted so far because `maxEntries` was reached (a sign it is too small). */
  get evictions(): number {
    return this.evictedCount;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.assertOpen();
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    this.store(key, entry);
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, options: CacheSetOptions = {}): Promise<void> {
    this.assertOpen();
    const json = encodeJson(value, 'cache value');
    this.store(key, { json, expiresAt: this.expiryFor(options.ttlMs) });
  }

  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async incr(key: string, options: CacheCounterOptions = {}): Promise<number> {
    return this.add(key, 1, options);
  }

  async decr(key: string, options: CacheCounterOptions = {}): Promise<number> {
    return this.add(key, -1, options);
  }

  async setIfAbsent(
    key: string,
    value: unknown,
    options: CacheSetIfAbsentOptions,
  ): Promise<boolean> {
    this.assertOpen();
    const json = encodeJson(value, 'cache value');
    // Required: a lock nobody can release after its owner died would block forever.
    const ttlMs = options?.ttlMs;
    assertTtlMs(ttlMs);
    const expiresAt = this.expiryFor(ttlMs);
    if (this.live(key) !== undefined) return false;
    this.store(key, { json, expiresAt });
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.entries.clear();
  }

  /** Drops every expired entry now (the periodic sweep calls this). */
  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
    }
  }

  private add(key: string, delta: number, options: CacheCounterOptions): number {
    this.assertOpen();
    let expiresAt = this.expiryFor(options.ttlMs);
    const entry = this.live(key);
    let current = 0;
    if (entry !== undefined) {
      // Same rule as Redis INCRBY: only a stored integer can be counted.
      current = INTEGER_TEXT.test(entry.json) ? Number(entry.json) : Number.NaN;
      if (!Number.isSafeInteger(current)) {
        throw new Error(`cache value at "${key}" is not an integer or out of range`);
      }
      // An existing expiry wins: the window started with the first increment.
      if (entry.expiresAt !== undefined) expiresAt = entry.expiresAt;
    }
    const next = current + delta;
    if (!Number.isSafeInteger(next)) {
      throw new Error(`cache counter at "${key}" would overflow`);
    }
    this.store(key, { json: String(next), expiresAt });
    return next;
  }

  /** The entry at `key` unless it has expired (which also removes it). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** (Re)inserts as most recently used, evicting the least recently used past the bound. */
  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.evictedCount++;
    }
  }

  private expiryFor(ttlMs: number | undefined): number | undefined {
    if (ttlMs === undefined) return undefined;
    assertTtlMs(ttlMs);
    return Date.now() + ttlMs;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryCache is closed');
  }
}

/** Options of {@link MemoryEventBus}. */
export interface MemoryEventBusOptions {
  /** Receives handler errors; default: `console.error`. */
  onError?: ErrorReporter;
}

interface Subscription {
  pattern: string;
  handler: EventHandler;
  active: boolean;
}

/**
 * An in-process {@link EventBus}. Handlers run in microtasks, never inside `publish` itself:
 * a handler that publishes cannot recurse into other handlers mid-loop, and a publisher never
 * runs subscriber code on its own stack — yet delivery still happens before any timer or I/O,
 * so tests need no waiting beyond an `await`. Each handler gets its own JSON copy.
 */
export class MemoryEventBus implements EventBus {
  private readonly subscriptions = new Set<Subscription>();
  private readonly onError: ErrorReporter;
  private closed = false;

  constructor(options: MemoryEventBusOptions = {}) {
    this.onError = options.onError ?? reportToConsole;
  }

  async publish(topic: string, message: unknown): Promise<void> {
    this.assertOpen();
    assertValidTopic(topic);
    const json = encodeJson(message, 'event bus message');
    for (const subscription of this.subscriptions) {
      if (!topicMatches(subscription.pattern, topic)) continue;
      queueMicrotask(() => {
        // Unsubscribed (or closed) between publish and delivery: drop, as Redis would once
        // PUNSUBSCRIBE has been processed.
        if (subscription.active) runHandler(subscription.handler, topic, json, this.onError);
      });
    }
  }

  async subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    this.assertOpen();
    assertValidPattern(pattern);
    const subscription: Subscription = { pattern, handler, active: true };
    this.subscriptions.add(subscription);
    return async () => {
      subscription.active = false;
      this.subscriptions.delete(subscription);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.active = false;
    this.subscriptions.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventBus is closed');
  }
}
