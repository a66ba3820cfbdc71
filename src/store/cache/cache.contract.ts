/**
 * The {@link Cache} contract, written once and run against every implementation (see
 * memory.test.ts and redis.test.ts). Time is either fake (in-process caches read
 * `Date.now()`, so vitest's fake timers move it exactly) or real (Redis keeps its own clock,
 * so expiry is awaited by polling with a deadline). Neither mode sleeps to synchronise.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from './types.js';

/** What the contract needs from an implementation. */
export interface CacheContractTarget {
  /**
   * A new cache instance. When {@link CacheContractTarget.shared} is true, instances see the
   * same data (they stand for several processes on one backend).
   */
  create(): Promise<Cache>;
  /** Whether separate instances share data (Redis) or not (memory). */
  shared: boolean;
  /** `fake`: the cache reads `Date.now()` and obeys vitest fake timers; `real`: it does not. */
  clock: 'fake' | 'real';
}

/** Longest real-time wait for a TTL to pass; generous for a loaded CI machine. */
const REAL_DEADLINE_MS = 5_000;
const POLL_INTERVAL_MS = 10;

/** Registers the cache contract suite for one implementation. */
export function describeCacheContract(name: string, target: CacheContractTarget): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    const opened: Cache[] = [];
    // Unique per test, so instances sharing one backend never see each other's keys.
    let keyPrefix = '';
    const key = (suffix: string): string => `${keyPrefix}${suffix}`;

    const open = async (): Promise<Cache> => {
      const instance = await target.create();
      opened.push(instance);
      return instance;
    };

    /**
     * Lets time pass until `done()` holds: with fake time, advance by `fakeMs` and require it;
     * with real time, poll until it holds or the deadline passes.
     */
    const elapseUntil = async (fakeMs: number, done: () => Promise<boolean>): Promise<void> => {
      if (target.clock === 'fake') {
        await vi.advanceTimersByTimeAsync(fakeMs);
        expect(await done()).toBe(true);
        return;
      }
      const deadline = performance.now() + fakeMs + REAL_DEADLINE_MS;
      while (!(await done())) {
        if (performance.now() > deadline) {
          throw new Error(`condition not reached within ${fakeMs + REAL_DEADLINE_MS} ms`);
        }
        // Retry delay between polls, not synchronisation: the condition decides.
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    };
    /** Advances fake time only (exact boundary checks make sense only there). */
    const advanceFake = async (ms: number): Promise<void> => {
      if (target.clock === 'fake') await vi.advanceTimersByTimeAsync(ms);
    };
    const gone = (k: string) => async (): Promise<boolean> => (await cache.get(k)) === undefined;

    beforeEach(async () => {
      if (target.clock === 'fake') vi.useFakeTimers();
      keyPrefix = `t-${randomUUID()}:`;
      cache = await open();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
      if (target.clock === 'fake') vi.useRealTimers();
    });

    describe('get / set / delete', () => {
      it('returns undefined for a missing key', async () => {
        expect(await cache.get(key('missing'))).toBeUndefined();
      });

      it('stores, replaces and deletes a value', async () => {
        await cache.set(key('a'), 'one');
        expect(await cache.get(key('a'))).toBe('one');
        await cache.set(key('a'), 'two');
        expect(await cache.get(key('a'))).toBe('two');
        expect(await cache.delete(key('a'))).toBe(true);
        expect(await cache.get(key('a'))).toBeUndefined();
        expect(await cache.delete(key('a'))).toBe(false);
      });

      it('keeps keys apart', async () => {
        await cache.set(key('x'), 1);
        await cache.set(key('y'), 2);
        expect(await cache.get(key('x'))).toBe(1);
        expect(await cache.get(key('y'))).toBe(2);
      });

      it('stores null as a value, distinct from absence', async () => {
        await cache.set(key('n'), null);
        expect(await cache.get(key('n'))).toBeNull();
      });

      it('refuses values without a JSON form', async () => {
        await expect(cache.set(key('u'), undefined)).rejects.toThrow(TypeError);
        await expect(cache.set(key('f'), () => 1)).rejects.toThrow(TypeError);
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(cache.set(key('c'), circular)).rejects.toThrow(TypeError);
        expect(await cache.get(key('u'))).toBeUndefined();
      });

      it('refuses TTLs that are not positive integers of milliseconds', async () => {
        await expect(cache.set(key('t'), 1, { ttlMs: 0 })).rejects.toThrow(RangeError);
        await expect(cache.set(key('t'), 1, { ttlMs: -5 })).rejects.toThrow(RangeError);
        await expect(cache.set(key('t'), 1, { ttlMs: 1.5 })).rejects.toThrow(RangeError);
        await expect(cache.incr(key('t'), { ttlMs: Number.NaN })).rejects.toThrow(RangeError);
        expect(await cache.get(key('t'))).toBeUndefined();
      });
    });

    describe('JSON round trip', () => {
      it('returns JSON types: nested data intact, Dates as ISO strings, undefined dropped', async () => {
        const occurredAt = new Date('2025-03-04T05:06:07.089Z');
        await cache.set(key('event'), {
          id: 'ev_1',
          type: 'call.answered',
          occurredAt,
          callId: undefined,
          data: { digits: ['1', '2'], count: 3, ratio: 0.5, ok: true, none: null },
          text: '你好, “quotes” \n and emoji 📞',
        });
        expect(await cache.get(key('event'))).toEqual({
          id: 'ev_1',
          type: 'call.answered',
          occurredAt: '2025-03-04T05:06:07.089Z',
          data: { digits: ['1', '2'], count: 3, ratio: 0.5, ok: true, none: null },
          text: '你好, “quotes” \n and emoji 📞',
        });
      });

      it('returns a fresh copy each time: mutating a result or the original changes nothing', async () => {
        const original = { list: [1, 2] };
        await cache.set(key('copy'), original);
        original.list.push(3);
        const first = await cache.get<{ list: number[] }>(key('copy'));
        first!.list.push(4);
        expect(await cache.get(key('copy'))).toEqual({ list: [1, 2] });
      });
    });

    describe('TTL', () => {
      it('expires an entry after ttlMs and leaves others alone', async () => {
        await cache.set(key('short'), 'v', { ttlMs: 100 });
        await cache.set(key('long'), 'v', { ttlMs: 600_000 });
        await cache.set(key('forever'), 'v');
        await advanceFake(99);
        if (target.clock === 'fake') expect(await cache.get(key('short'))).toBe('v');
        await elapseUntil(2, gone(key('short')));
        expect(await cache.get(key('long'))).toBe('v');
        expect(await cache.get(key('forever'))).toBe('v');
      });

      it('set without ttlMs removes a previous expiry', async () => {
        await cache.set(key('k'), 'first', { ttlMs: 100 });
        await cache.set(key('k'), 'second');
        // The sentinel expires no earlier than k's old TTL would have.
        await cache.set(key('sentinel'), 'v', { ttlMs: 100 });
        await elapseUntil(101, gone(key('sentinel')));
        expect(await cache.get(key('k'))).toBe('second');
      });

      it('set with a new ttlMs replaces the old one', async () => {
        await cache.set(key('k'), 'v', { ttlMs: 600_000 });
        await cache.set(key('k'), 'v', { ttlMs: 100 });
        await elapseUntil(101, gone(key('k')));
      });
    });

    describe('counters', () => {
      it('incr and decr start from 0 and return the new value', async () => {
        expect(await cache.incr(key('c'))).toBe(1);
        expect(await cache.incr(key('c'))).toBe(2);
        expect(await cache.decr(key('c'))).toBe(1);
        expect(await cache.decr(key('c'))).toBe(0);
        expect(await cache.decr(key('c'))).toBe(-1);
        expect(await cache.decr(key('fresh'))).toBe(-1);
      });

      it('a counter reads back as a number and counts on from a stored integer', async () => {
        await cache.incr(key('c'));
        expect(await cache.get(key('c'))).toBe(1);
        await cache.set(key('n'), 41);
        expect(await cache.incr(key('n'))).toBe(42);
      });

      it('refuses to count a value that is not an integer', async () => {
        await cache.set(key('s'), 'five');
        await expect(cache.incr(key('s'))).rejects.toThrow(/integer/);
        await cache.set(key('f'), 1.5);
        await expect(cache.decr(key('f'))).rejects.toThrow(/integer/);
        expect(await cache.get(key('s'))).toBe('five');
      });

      it('is atomic under 100 concurrent increments', async () => {
        const results = await Promise.all(
          Array.from({ length: 100 }, () => cache.incr(key('hot'))),
        );
        expect([...results].sort((a, b) => a - b)).toEqual(
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        expect(await cache.get(key('hot'))).toBe(100);
        const down = await Promise.all(Array.from({ length: 100 }, () => cache.decr(key('hot'))));
        expect(Math.min(...down)).toBe(0);
        expect(await cache.get(key('hot'))).toBe(0);
      });

      if (target.shared) {
        it('is atomic across instances (processes) incrementing concurrently', async () => {
          const other = await open();
          const results = await Promise.all(
            Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? cache : other).incr(key('x'))),
          );
          expect(new Set(results).size).toBe(100);
          expect(Math.max(...results)).toBe(100);
          expect(await other.get(key('x'))).toBe(100);
        });
      }

      it('ttlMs gives a new counter an expiry that later calls do not extend', async () => {
        expect(await cache.incr(key('window'), { ttlMs: 100 })).toBe(1);
        await advanceFake(60);
        expect(await cache.incr(key('window'), { ttlMs: 600_000 })).toBe(2);
        // Set after the counter with the counter's first TTL, the sentinel expires no earlier
        // than the counter — unless the second call had extended the counter's expiry.
        await cache.set(key('sentinel'), 'v', { ttlMs: 100 });
        await elapseUntil(100, gone(key('sentinel')));
        await elapseUntil(0, gone(key('window')));
        expect(await cache.incr(key('window'), { ttlMs: 100 })).toBe(1);
      });

      it('ttlMs applies to an existing counter that has no expiry yet', async () => {
        expect(await cache.incr(key('c'))).toBe(1);
        expect(await cache.decr(key('c'), { ttlMs: 100 })).toBe(0);
        await elapseUntil(101, gone(key('c')));
      });
    });

    describe('setIfAbsent', () => {
      it('stores only when absent and reports whether it did', async () => {
        expect(await cache.setIfAbsent(key('lock'), { owner: 'a' }, { ttlMs: 60_000 })).toBe(true);
        expect(await cache.setIfAbsent(key('lock'), { owner: 'b' }, { ttlMs: 60_000 })).toBe(false);
        expect(await cache.get(key('lock'))).toEqual({ owner: 'a' });
        expect(await cache.delete(key('lock'))).toBe(true);
        expect(await cache.setIfAbsent(key('lock'), { owner: 'b' }, { ttlMs: 60_000 })).toBe(true);
        expect(await cache.get(key('lock'))).toEqual({ owner: 'b' });
      });

      it('can be taken again once the ttl has passed', async () => {
        expect(await cache.setIfAbsent(key('lock'), 'a', { ttlMs: 100 })).toBe(true);
        expect(await cache.setIfAbsent(key('lock'), 'b', { ttlMs: 100 })).toBe(false);
        await elapseUntil(101, gone(key('lock')));
        expect(await cache.setIfAbsent(key('lock'), 'c', { ttlMs: 100 })).toBe(true);
      });

      it('lets exactly one of 50 concurrent callers win', async () => {
        const wins = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            cache.setIfAbsent(key('once'), i, { ttlMs: 60_000 }),
          ),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect(await cache.get(key('once'))).toBe(wins.indexOf(true));
      });

      it('requires a ttl', async () => {
        await expect(
          cache.setIfAbsent(key('lock'), 'a', {} as unknown as { ttlMs: number }),
        ).rejects.toThrow(RangeError);
        expect(await cache.get(key('lock'))).toBeUndefined();
      });

      if (target.shared) {
        it('is visible to other instances', async () => {
          const other = await open();
          expect(await cache.setIfAbsent(key('lock'), 'a', { ttlMs: 60_000 })).toBe(true);
          expect(await other.setIfAbsent(key('lock'), 'b', { ttlMs: 60_000 })).toBe(false);
          expect(await other.get(key('lock'))).toBe('a');
        });
      }
    });

    describe('close', () => {
      it('is idempotent and makes later operations reject', async () => {
        await cache.close();
        await cache.close();
        await Promise.all([cache.close(), cache.close()]);
        await expect(cache.get(key('a'))).rejects.toThrow(/closed/);
        await expect(cache.set(key('a'), 1)).rejects.toThrow(/closed/);
        await expect(cache.incr(key('a'))).rejects.toThrow(/closed/);
        await expect(cache.setIfAbsent(key('a'), 1, { ttlMs: 10 })).rejects.toThrow(/closed/);
        await expect(cache.delete(key('a'))).rejects.toThrow(/closed/);
      });
    });
  });
}
