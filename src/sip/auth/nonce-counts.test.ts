import { describe, expect, it } from 'vitest';
import { NonceCountTracker } from './nonce-counts.js';

describe('NonceCountTracker', () => {
  it('accepts increasing counts and flags replays', () => {
    const t = new NonceCountTracker(10, 1000);
    expect(t.offer('n', 0, 1, 0)).toBe('ok');
    expect(t.offer('n', 0, 1, 0)).toBe('replay');
    expect(t.offer('n', 0, 3, 0)).toBe('ok');
    expect(t.offer('n', 0, 2, 0)).toBe('replay');
    expect(t.offer('m', 0, 1, 0)).toBe('ok');
  });

  it('forgets expired nonces', () => {
    const t = new NonceCountTracker(10, 1000);
    t.offer('a', 0, 1, 0);
    t.offer('b', 500, 1, 500);
    expect(t.size).toBe(2);
    t.offer('c', 1200, 1, 1200);
    expect(t.size).toBe(2);
  });

  it('stays bounded and refuses untracked nonces older than an evicted one', () => {
    const t = new NonceCountTracker(2, 10_000);
    t.offer('a', 10, 1, 100);
    t.offer('b', 20, 1, 100);
    t.offer('c', 30, 1, 100); // evicts a (issued at 10)
    expect(t.size).toBe(2);
    expect(t.offer('a', 10, 2, 100)).toBe('forgotten');
    expect(t.offer('old', 5, 1, 100)).toBe('forgotten');
    expect(t.offer('b', 20, 2, 100)).toBe('ok');
    expect(t.offer('new', 40, 1, 100)).toBe('ok');
  });
});
