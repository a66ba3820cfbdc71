import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeBusContract } from './bus.contract.js';
import { describeCacheContract } from './cache.contract.js';
import { createCacheAndBus } from './index.js';
import { MemoryCache, MemoryEventBus } from './memory.js';

describeCacheContract('memory', {
  create: async () => new MemoryCache(),
  shared: false,
  clock: 'fake',
});

describeBusContract('memory', {
  create: async (options) => new MemoryEventBus(options),
  shared: false,
});

describe('MemoryCache specifics', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 3 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(await cache.get('a')).toBe(1); // a is now the most recently used
    await cache.incr('c'); // and then c
    await cache.set('d', 4); // evicts b
    expect(cache.size).toBe(3);
    expect(cache.evictions).toBe(1);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(4);
    expect(await cache.get('d')).toBe(4);
    await cache.close();
  });

  it('sweeps expired entries nobody reads any more', async () => {
    vi.useFakeTimers();
    const cache = new MemoryCache({ sweepIntervalMs: 1_000 });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i, { ttlMs: 10 });
    await cache.set('stays', true);
    expect(cache.size).toBe(11);
    await vi.advanceTimersByTimeAsync(999);
    expect(cache.size).toBe(11); // expired, but not yet swept
    await vi.advanceTimersByTimeAsync(1);
    expect(cache.size).toBe(1);
    await cache.close();
    expect(vi.getTimerCount()).toBe(0); // close stops the sweep
  });

  it('does not keep the process alive with its sweep timer', async () => {
    const cache = new MemoryCache({ sweepIntervalMs: 1_000 });
    const timer = (cache as unknown as { sweepTimer: NodeJS.Timeout }).sweepTimer;
    expect(timer.hasRef()).toBe(false);
    await cache.close();
  });

  it('rejects a non-positive maxEntries', () => {
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('MemoryEventBus specifics', () => {
  it('never runs handlers inside publish itself, but before publish resolves to its awaiter', async () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    await bus.subscribe('*', (topic) => {
      seen.push(topic);
    });
    const publishing = bus.publish('call.answered', {});
    expect(seen).toEqual([]); // not on the publisher's stack
    await publishing;
    expect(seen).toEqual(['call.answered']);
    await bus.close();
  });

  it('reports handler errors to console.error when no onError is given', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const bus = new MemoryEventBus();
      await bus.subscribe('*', () => {
        throw new Error('boom');
      });
      await bus.publish('call.answered', {});
      await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1));
      expect(String(spy.mock.calls[0]?.[0])).toContain('call.answered');
      await bus.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('survives a throwing onError', async () => {
    const bus = new MemoryEventBus({
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    const seen: number[] = [];
    await bus.subscribe('*', () => {
      throw new Error('boom');
    });
    await bus.subscribe('*', (_topic, message) => {
      seen.push(message as number);
    });
    await bus.publish('a.b', 1);
    await bus.publish('a.b', 2);
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    await bus.close();
  });
});

describe('createCacheAndBus without a Redis URL', () => {
  it('gives in-process memory implementations that close together, idempotently', async () => {
    for (const redisUrl of [undefined, '']) {
      const made = await createCacheAndBus({ redisUrl, maxEntries: 10 });
      expect(made.kind).toBe('memory');
      expect(made.cache).toBeInstanceOf(MemoryCache);
      expect(made.bus).toBeInstanceOf(MemoryEventBus);
      await made.cache.set('k', 1);
      expect(await made.cache.get('k')).toBe(1);
      await made.close();
      await made.close();
      await expect(made.cache.get('k')).rejects.toThrow(/closed/);
      await expect(made.bus.publish('a.b', 1)).rejects.toThrow(/closed/);
    }
  });
});
