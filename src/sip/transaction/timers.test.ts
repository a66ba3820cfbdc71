import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_TIMER_CONFIG,
  TransactionTimers,
  nextInterval,
  resolveTimerConfig,
  systemClock,
  timeoutInterval,
} from './timers.js';

describe('timer configuration', () => {
  it('defaults to the RFC 3261 values', () => {
    expect(resolveTimerConfig()).toEqual({ t1Ms: 500, t2Ms: 4000, t4Ms: 5000, timerDMs: 32_000 });
    expect(timeoutInterval(DEFAULT_TIMER_CONFIG)).toBe(32_000);
  });

  it('applies overrides and rejects unusable values', () => {
    expect(resolveTimerConfig({ t1Ms: 100, timerDMs: 0 })).toMatchObject({
      t1Ms: 100,
      timerDMs: 0,
    });
    expect(() => resolveTimerConfig({ t1Ms: 0 })).toThrow(RangeError);
    expect(() => resolveTimerConfig({ t2Ms: -1 })).toThrow(RangeError);
    expect(() => resolveTimerConfig({ t4Ms: Number.NaN })).toThrow(RangeError);
  });

  it('doubles intervals, capped when a cap is given', () => {
    expect(nextInterval(500)).toBe(1000);
    expect(nextInterval(16_000)).toBe(32_000);
    expect(nextInterval(2000, 4000)).toBe(4000);
    expect(nextInterval(4000, 4000)).toBe(4000);
  });
});

describe('TransactionTimers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs, restarts and stops named timers on the system clock', () => {
    vi.useFakeTimers();
    const timers = new TransactionTimers(systemClock);
    const a = vi.fn();
    const b = vi.fn();
    timers.start('A', 100, a);
    timers.start('A', 200, a);
    timers.start('B', 150, b);
    expect(timers.size).toBe(2);
    vi.advanceTimersByTime(150);
    expect(b).toHaveBeenCalledOnce();
    expect(a).not.toHaveBeenCalled();
    expect(timers.isRunning('B')).toBe(false);
    vi.advanceTimersByTime(50);
    expect(a).toHaveBeenCalledOnce();
    timers.start('H', 1000, a);
    timers.stop('H');
    timers.start('G', 1000, a);
    timers.stopAll();
    expect(timers.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a callback re-arm its own timer', () => {
    vi.useFakeTimers();
    const timers = new TransactionTimers(systemClock);
    let fired = 0;
    const tick = (): void => {
      fired++;
      if (fired < 3) timers.start('E', 10, tick);
    };
    timers.start('E', 10, tick);
    vi.advanceTimersByTime(100);
    expect(fired).toBe(3);
    expect(timers.size).toBe(0);
  });
});
