/**
 * Public surface of the cache and event bus: the contracts, both implementations, and
 * {@link createCacheAndBus}, which picks one from configuration.
 *
 * @module
 */
import { MemoryCache, MemoryEventBus } from './memory.js';
import { RedisCache, RedisEventBus } from './redis.js';
import type { Cache, ErrorReporter, EventBus } from './types.js';

export type {
  Cache,
  CacheCounterOptions,
  CacheSetIfAbsentOptions,
  CacheSetOptions,
  ErrorReporter,
  EventBus,
  EventHandler,
  Unsubscribe,
} from './types.js';
export { MemoryCache, MemoryEventBus } from './memory.js';
export type { MemoryCacheOptions, MemoryEventBusOptions } from './memory.js';
export { DEFAULT_KEY_PREFIX, RedisCache, RedisEventBus, redactRedisUrl } from './redis.js';
export type { RedisConnectionOptions } from './redis.js';
export { topicMatches } from './topic-pattern.js';

/** Options of {@link createCacheAndBus}. */
export interface CacheAndBusOptions {
  /** Redis to use (`redis://…`, `rediss://…`); absent or empty = in-process memory. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel; default `switchboard:`. Ignored for memory. */
  keyPrefix?: string;
  /** Longest wait for Redis at start-up, in ms; default 5000. */
  connectTimeoutMs?: number;
  /** Receives handler and (after start-up) connection errors; default `console.error`. */
  onError?: ErrorReporter;
  /** Bound of the memory cache (LRU beyond it); default 100 000. Ignored for Redis. */
  maxEntries?: number;
}

/** A connected cache and bus of the same kind, closed together. */
export interface CacheAndBus {
  cache: Cache;
  bus: EventBus;
  /** Which backend was chosen: `memory` reaches this process only, `redis` every node. */
  kind: 'memory' | 'redis';
  /** Closes bus and cache; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the cache and event bus the configuration asks for: Redis when `redisUrl` is set
 * (connected before this resolves, so an unreachable Redis fails start-up with "cannot reach
 * Redis at …"), in-process memory otherwise.
 */
export async function createCacheAndBus(options: CacheAndBusOptions = {}): Promise<CacheAndBus> {
  let cache: Cache;
  let bus: EventBus;
  let kind: CacheAndBus['kind'];
  if (options.redisUrl === undefined || options.redisUrl === '') {
    kind = 'memory';
    cache = new MemoryCache({ maxEntries: options.maxEntries });
    bus = new MemoryEventBus({ onError: options.onError });
  } else {
    kind = 'redis';
    const connection = {
      url: options.redisUrl,
      keyPrefix: options.keyPrefix,
      connectTimeoutMs: options.connectTimeoutMs,
      onError: options.onError,
    };
    const redisCache = new RedisCache(connection);
    const redisBus = new RedisEventBus(connection);
    const results = await Promise.allSettled([redisCache.connect(), redisBus.connect()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all([redisCache.close(), redisBus.close()]);
      throw failed.reason;
    }
    cache = redisCache;
    bus = redisBus;
  }
  let closing: Promise<void> | undefined;
  return {
    cache,
    bus,
    kind,
    close: () => {
      // Bus first: no handler should run against a cache that is already gone.
      closing ??= (async () => {
        try {
          await bus.close();
        } finally {
          await cache.close();
        }
      })();
      return closing;
    },
  };
}
