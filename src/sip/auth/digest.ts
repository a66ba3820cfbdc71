/**
 * Digest computations shared by the server (DigestChallenger) and client (DigestClient) sides:
 * RFC 2617 (MD5, qop=auth/auth-int, RFC 2069 fallback), RFC 7616 (SHA-256, SHA-512-256, -sess
 * variants, userhash) as adopted for SIP by RFC 8760.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hash algorithms understood by this module (without the `-sess` suffix). */
export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** An `algorithm` parameter resolved to its hash and whether it is a `-sess` variant. */
export interface ResolvedAlgorithm {
  algorithm: DigestAlgorithm;
  session: boolean;
}

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/**
 * Preference order when a peer offers several challenges: a higher number wins. MD5 is last
 * because it is broken, but it stays supported since many deployed phones know nothing else.
 */
export const ALGORITHM_STRENGTH: Readonly<Record<DigestAlgorithm, number>> = {
  MD5: 1,
  'SHA-256': 2,
  'SHA-512-256': 3,
};

/**
 * Resolves an `algorithm` parameter value (case-insensitive). An absent parameter means MD5
 * (RFC 2617 §3.2.1). Returns undefined for algorithms this module cannot compute.
 */
export function resolveAlgorithm(param: string | undefined): ResolvedAlgorithm | undefined {
  if (param === undefined || param === '') return { algorithm: 'MD5', session: false };
  let name = param.toUpperCase();
  const session = name.endsWith('-SESS');
  if (session) name = name.slice(0, -'-SESS'.length);
  if (name === 'MD5' || name === 'SHA-256' || name === 'SHA-512-256') {
    return { algorithm: name, session };
  }
  return undefined;
}

/** The `algorithm` parameter text for a resolved algorithm. */
export function algorithmName(resolved: ResolvedAlgorithm): string {
  return resolved.session ? `${resolved.algorithm}-sess` : resolved.algorithm;
}

/** Lower-case hex digest of `data` (strings are hashed as UTF-8). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(NODE_HASH[algorithm]).update(data).digest('hex');
}

/** H(username ":" realm ":" password): the HA1 of a non-session algorithm. */
export function computeHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  password: string,
): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** Inputs of a digest `response` computation. */
export interface DigestResponseInput {
  algorithm: ResolvedAlgorithm;
  /** H(username:realm:password) for the base algorithm (the -sess step is applied here). */
  ha1: string;
  nonce: string;
  method: string;
  /** The `uri` parameter exactly as sent. */
  uri: string;
  /** Absent for the RFC 2069 form. */
  qop?: 'auth' | 'auth-int';
  /** Eight hex digits; required with qop. */
  nc?: string;
  /** Required with qop and with -sess algorithms. */
  cnonce?: string;
  /** Message body, for qop=auth-int. */
  body?: Buffer;
}

/** Computes the `response` parameter (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const alg = input.algorithm.algorithm;
  const cnonce = input.cnonce ?? '';
  const ha1 = input.algorithm.session
    ? digestHash(alg, `${input.ha1}:${input.nonce}:${cnonce}`)
    : input.ha1;
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${digestHash(alg, input.body ?? Buffer.alloc(0))}`
      : `${input.method}:${input.uri}`;
  const ha2 = digestHash(alg, a2);
  if (!input.qop) return digestHash(alg, `${ha1}:${input.nonce}:${ha2}`);
  return digestHash(alg, `${ha1}:${input.nonce}:${input.nc ?? ''}:${cnonce}:${input.qop}:${ha2}`);
}

/**
 * Compares two hex digests without leaking, through timing, how many leading characters match.
 * Case-insensitive because RFC 7616 says LHEX but some clients send upper case.
 */
export function digestEquals(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the length.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
