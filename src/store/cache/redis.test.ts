/**
 * The cache and bus contracts against a real Redis, plus what only Redis has: key prefixes,
 * fail-fast connection errors. Redis comes from SWITCHBOARD_TEST_REDIS_URL (default the local
 * standard port). When it is unreachable the Redis suites skip with the reason — unless
 * SWITCHBOARD_E2E=required (CI), where that is a failure, so a missing Redis can never turn
 * the run silently green. Each run writes under its own key prefix and deletes it afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBusContract } from './bus.contract.js';
import { describeCacheContract } from './cache.contract.js';
import { createCacheAndBus } from './index.js';
import { RedisCache, RedisEventBus, redactRedisUrl } from './redis.js';
import { escapeRedisGlob } from './topic-pattern.js';

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_PREFIX = `switchboard-test:${process.pid}-${randomUUID().slice(0, 8)}:`;

/** Why Redis cannot be used, or undefined when it answers a PING. */
async function redisUnavailableReason(url: string): Promise<string | undefined> {
  const probe = new RedisCache({ url, keyPrefix: RUN_PREFIX, connectTimeoutMs: 2_000 });
  try {
    await probe.connect();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await probe.close();
  }
}

const unavailable = await redisUnavailableReason(REDIS_URL);

/** `describe` that runs only with a reachable Redis; see the module comment. */
function describeWithRedis(title: string, body: () => void): void {
  if (unavailable === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.SWITCHBOARD_E2E === 'required') {
    describe(title, () => {
      it('has Redis reachable', () => {
        throw new Error(`${unavailable} (SWITCHBOARD_E2E=required)`);
      });
    });
    return;
  }
  describe.skip(
    `${title} [skipped: ${unavailable}; SWITCHBOARD_E2E=required makes this fail]`,
    body,
  );
}

/** Every key under `prefix` (SCAN, never KEYS on a shared server). */
async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(
      cursor,
      'MATCH',
      `${escapeRedisGlob(prefix)}*`,
      'COUNT',
      500,
    );
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describeWithRedis(`Redis at ${redactRedisUrl(REDIS_URL)}`, () => {
  const raw = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });

  beforeAll(async () => {
    await raw.connect();
  });

  afterAll(async () => {
    const keys = await keysUnder(raw, RUN_PREFIX);
    // DEL in batches: one call with thousands of arguments is fine for Redis, but keep it sane.
    for (let i = 0; i < keys.length; i += 500) await raw.del(...keys.slice(i, i + 500));
    const left = await keysUnder(raw, RUN_PREFIX);
    raw.disconnect();
    expect(left).toEqual([]);
  });

  const connected = async <T extends { connect(): Promise<void> }>(instance: T): Promise<T> => {
    await instance.connect();
    return instance;
  };

  describeCacheContract('redis', {
    create: () => connected(new RedisCache({ url: REDIS_URL, keyPrefix: RUN_PREFIX })),
    shared: true,
    clock: 'real',
  });

  describeBusContract('redis', {
    create: (options) =>
      connected(new RedisEventBus({ url: REDIS_URL, keyPrefix: RUN_PREFIX, ...options })),
    shared: true,
  });

  describe('Redis specifics', () => {
    it('stores JSON under prefix + key, and prefixes keep deployments apart', async () => {
      const a = await connected(new RedisCache({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}a:` }));
      const b = await connected(new RedisCache({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}b:` }));
      try {
        await a.set('shared-name', { from: 'a' }, { ttlMs: 60_000 });
        expect(await b.get('shared-name')).toBeUndefined();
        expect(await b.setIfAbsent('shared-name', { from: 'b' }, { ttlMs: 60_000 })).toBe(true);
        expect(await raw.get(`${RUN_PREFIX}a:shared-name`)).toBe('{"from":"a"}');
        expect(await raw.get(`${RUN_PREFIX}b:shared-name`)).toBe('{"from":"b"}');
        const pttl = await raw.pttl(`${RUN_PREFIX}a:shared-name`);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(60_000);
        await a.incr('n', { ttlMs: 60_000 });
        expect(await raw.get(`${RUN_PREFIX}a:n`)).toBe('1');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('keeps buses with different prefixes apart', async () => {
      const a = await connected(
        new RedisEventBus({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}a:` }),
      );
      const b = await connected(
        new RedisEventBus({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}b:` }),
      );
      try {
        const atA: string[] = [];
        await a.subscribe('*', (topic) => {
          atA.push(topic);
        });
        await b.publish('call.answered', { from: 'b' });
        await a.publish('call.ended', { from: 'a' });
        await waitFor(() => atA.length >= 1);
        // b's message went first on the same server; had it crossed over, it would be first.
        expect(atA).toEqual(['call.ended']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('createCacheAndBus connects both to Redis and closes them idempotently', async () => {
      const made = await createCacheAndBus({ redisUrl: REDIS_URL, keyPrefix: `${RUN_PREFIX}f:` });
      expect(made.kind).toBe('redis');
      expect(made.cache).toBeInstanceOf(RedisCache);
      expect(made.bus).toBeInstanceOf(RedisEventBus);
      const got: unknown[] = [];
      await made.bus.subscribe('call.*', (_topic, message) => {
        got.push(message);
      });
      await made.bus.publish('call.answered', { n: await made.cache.incr('calls') });
      await waitFor(() => got.length === 1);
      expect(got).toEqual([{ n: 1 }]);
      await made.close();
      await made.close();
      await expect(made.cache.get('calls')).rejects.toThrow(/closed/);
    });
  });
});

/** Polls `done` with a deadline (retry delay, not synchronisation). */
async function waitFor(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('condition not reached within 5000 ms');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// These need no Redis: they are about what happens when there is none.
describe('Redis connection failures', () => {
  it('fails fast with "cannot reach Redis at …" when nothing listens, and stops retrying', async () => {
    const port = await closedPort();
    const cache = new RedisCache({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 2_000 });
    await expect(cache.connect()).rejects.toThrow(
      new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    const client = (cache as unknown as { client: Redis }).client;
    expect(client.status).toBe('end'); // no reconnect loop left behind
    await cache.close();
  });

  it('never shows the password', async () => {
    const port = await closedPort();
    const bus = new RedisEventBus({
      url: `redis://app:s3cret-pw@127.0.0.1:${port}/2`,
      connectTimeoutMs: 2_000,
    });
    const error = await bus.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^cannot reach Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/2: /,
    );
    expect(error?.message).not.toContain('s3cret-pw');
    await bus.close();
    expect(redactRedisUrl('rediss://:pw@h:6380')).toBe('rediss://:***@h:6380');
    expect(redactRedisUrl('redis://h')).toBe('redis://h');
  });

  it('gives up after connectTimeoutMs when the server accepts but never answers', async () => {
    const { server, port, sockets } = await silentServer();
    try {
      const cache = new RedisCache({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 });
      await expect(cache.connect()).rejects.toThrow(
        `cannot reach Redis at redis://127.0.0.1:${port}: no answer within 300 ms`,
      );
      await cache.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects a URL that is not redis:// or rediss:// at construction', () => {
    expect(() => new RedisCache({ url: 'http://127.0.0.1:6379' })).toThrow(/invalid Redis URL/);
    expect(() => new RedisEventBus({ url: '127.0.0.1:6379' })).toThrow(/invalid Redis URL/);
  });

  it('createCacheAndBus fails start-up with the reason', async () => {
    const port = await closedPort();
    await expect(
      createCacheAndBus({ redisUrl: `redis://127.0.0.1:${port}`, connectTimeoutMs: 2_000 }),
    ).rejects.toThrow(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: /);
  });
});

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word (a wrong REDIS_URL's host). */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, port, sockets };
}
