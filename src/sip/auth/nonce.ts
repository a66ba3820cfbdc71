/**
 * Self-validating digest nonces: base64url(issuedAt | random | HMAC(secret, realm | issuedAt |
 * random)). A server checks a nonce's authenticity and age from the nonce alone, so it keeps no
 * per-challenge state and survives any number of unanswered challenges (scanners send many).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_BYTES = 8;
// Random bytes keep two nonces issued in the same millisecond distinct, which the per-nonce
// nonce-count tracking relies on (two phones must never share a nonce).
const RANDOM_BYTES = 8;
const MAC_BYTES = 16;
const TOTAL_BYTES = TS_BYTES + RANDOM_BYTES + MAC_BYTES;

/** Result of checking a nonce. */
export type NonceCheck =
  | { valid: true; issuedAt: number; expired: boolean }
  | { valid: false; reason: 'malformed' | 'bad signature' | 'from the future' };

/** Issues and checks HMAC-signed, timestamped nonces. */
export class NonceFactory {
  private readonly secret: Buffer;

  /**
   * @param secret HMAC key; share it between processes that must accept each other's nonces.
   * @param realm bound into the MAC so a nonce from one realm is useless in another.
   * @param ttlMs nonce lifetime; older nonces check as expired.
   */
  constructor(
    secret: Buffer,
    private readonly realm: string,
    private readonly ttlMs: number,
  ) {
    this.secret = Buffer.from(secret);
  }

  /** A fresh nonce stamped with `now` (milliseconds since the epoch). */
  issue(now: number): string {
    const head = Buffer.alloc(TS_BYTES + RANDOM_BYTES);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(now))), 0);
    randomBytes(RANDOM_BYTES).copy(head, TS_BYTES);
    return Buffer.concat([head, this.mac(head)]).toString('base64url');
  }

  /** Checks a nonce's signature and age at time `now`. */
  check(nonce: string, now: number): NonceCheck {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return { valid: false, reason: 'malformed' };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== TOTAL_BYTES) return { valid: false, reason: 'malformed' };
    const head = raw.subarray(0, TS_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(this.mac(head), raw.subarray(TS_BYTES + RANDOM_BYTES))) {
      return { valid: false, reason: 'bad signature' };
    }
    const issuedAt = Number(head.readBigUInt64BE(0));
    // Small clock steps between cluster nodes are tolerated; a far-future stamp is not.
    if (issuedAt > now + 60_000) return { valid: false, reason: 'from the future' };
    return { valid: true, issuedAt, expired: now - issuedAt > this.ttlMs };
  }

  private mac(head: Buffer): Buffer {
    return createHmac('sha256', this.secret)
      .update(this.realm)
      .update('\0')
      .update(head)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
