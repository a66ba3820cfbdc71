import { describe, expect, it } from 'vitest';
import { NonceFactory } from './nonce.js';

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
