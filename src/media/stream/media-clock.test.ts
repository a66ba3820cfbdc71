import { describe, expect, it, vi } from 'vitest';
import { MediaClock } from './media-clock.js';

describe('MediaClock', () => {
  it('runs receive, process and send phases in order across participants', () => {
    const clock = new MediaClock().manual();
    const order: string[] = [];
    clock.add({ receive: () => order.push('a.receive'), send: () => order.push('a.send') });
    clock.add({
      receive: () => order.push('b.receive'),
      process: () => order.push('b.process'),
      send: () => order.push('b.send'),
    });
    clock.tick(0);
    expect(order).toEqual(['a.receive', 'b.receive', 'b.process', 'a.send', 'b.send']);
  });

  it('keeps ticking the others when one participant throws', () => {
    const errors: unknown[] = [];
    const clock = new MediaClock({ onError: (e) => errors.push(e) }).manual();
    let sent = 0;
    clock.add({
      receive: () => {
        throw new Error('boom');
      },
    });
    clock.add({ send: () => sent++ });
    clock.tick(0);
    expect(sent).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('reports overload while ticks run late on average, and recovers', () => {
    vi.useFakeTimers();
    try {
      // Each tick costs `workMs` of (simulated) CPU time: more than the 20 ms period means
      // the process cannot keep up.
      let spentMs = 0;
      let workMs = 25;
      const clock = new MediaClock({ now: () => Date.now() + spentMs, overloadLatenessMs: 10 });
      clock.add({ send: () => void (spentMs += workMs) });
      vi.advanceTimersByTime(2_000);
      expect(clock.overloaded).toBe(true);
      expect(clock.averageLatenessMs).toBeGreaterThan(10);
      workMs = 1;
      vi.advanceTimersByTime(4_000);
      expect(clock.overloaded).toBe(false);
      expect(clock.averageLatenessMs).toBeLessThan(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ticks every 20 ms without drift, catches up a short stall and skips a long one', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const clock = new MediaClock({ now: () => now, maxCatchUpTicks: 3 });
      const ticks: number[] = [];
      const remove = clock.add({ send: (t) => ticks.push(t) });
      for (let i = 0; i < 5; i++) {
        now += 20;
        vi.advanceTimersByTime(20);
      }
      expect(ticks).toEqual([20, 40, 60, 80, 100]);
      // The event loop stalls for 50 ms: the two missed ticks are replayed at once.
      now += 50;
      vi.advanceTimersByTime(50);
      expect(ticks.slice(5)).toEqual([120, 140]);
      // A 200 ms stall: only 3 ticks are replayed, the rest skipped.
      now += 210;
      vi.advanceTimersByTime(210);
      expect(clock.skippedTicks).toBeGreaterThan(0);
      remove();
      expect(clock.size).toBe(0);
      const count = ticks.length;
      now += 100;
      vi.advanceTimersByTime(100);
      expect(ticks.length).toBe(count);
    } finally {
      vi.useRealTimers();
    }
  });
});
