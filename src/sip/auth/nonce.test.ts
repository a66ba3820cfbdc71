import { describe, expect, it } from 'vitest';
import { NonceFactory } from './nonce.js';
import { NonceCountTracker } from './nonce-counts.js';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

describe('NonceFactory', () => {
  it('issues distinct, self-validating nonces that expire after the ttl', () => {
    const f = new NonceFactory(secret, 'example.com', 1000);
    const a = f.issue(5000);
    const b = f.issue(5000);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(f.check(a, 5500)).toEqual({ valid: true, issuedAt: 5000, expired: false });
    expect(f.check(a, 6000)).toEqual({ valid: true, issuedAt: 5000, expired: false });
    expect(f.check(a, 6001)).toEqual({ valid: true, issuedAt: 5000, expired: true });
  });

  it('rejects tampered, foreign, malformed and future nonces', () => {
    const f = new NonceFactory(secret, 'example.com', 1000);
    const nonce = f.issue(5000);
    const raw = Buffer.from(nonce, 'base64url');
    raw[7] = (raw[7] ?? 0) ^ 1; // move the timestamp
    expect(f.check(raw.toString('base64url'), 5000)).toEqual({
      valid: false,
      reason: 'bad signature',
    });
    const otherRealm = new NonceFactory(secret, 'other.example', 1000);
    expect(otherRealm.check(nonce, 5000).valid).toBe(false);
    const otherSecret = new NonceFactory(Buffer.from('x'), 'example.com', 1000);
    expect(otherSecret.check(nonce, 5000).valid).toBe(false);
    expect(f.check('not a nonce!', 5000)).toEqual({ valid: false, reason: 'malformed' });
    expect(f.check('abcd', 5000)).toEqual({ valid: false, reason: 'malformed' });
    expect(f.check(f.issue(100_000), 5000)).toEqual({ valid: false, reason: 'from the future' });
  });
});

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
