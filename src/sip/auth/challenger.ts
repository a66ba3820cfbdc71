/**
 * Server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): issues
 * WWW-Authenticate / Proxy-Authenticate challenges and verifies Authorization /
 * Proxy-Authorization credentials. Nonces are self-validating (see nonce.ts), so the only state
 * kept is a bounded nonce-count table for replay protection.
 */
import { randomBytes } from 'node:crypto';
import { parseUri } from '../message/index.js';
import type { SipRequest, SipUri } from '../message/index.js';
import { parseAuthHeader, formatAuthHeader } from './auth-header.js';
import type { AuthHeaderValue, AuthParam } from './auth-header.js';
import { computeDigestResponse, computeHa1, digestEquals, resolveAlgorithm } from './digest.js';
import type { DigestAlgorithm } from './digest.js';
import { NonceFactory } from './nonce.js';
import { NonceCountTracker } from './nonce-counts.js';

/**
 * What a credential lookup returns: the plain password, or precomputed HA1 values
 * (H(username:realm:password)). A bare string HA1 is an MD5 one, the form most user databases
 * hold; a record gives one per algorithm.
 */
export type DigestSecret =
  { password: string } | { ha1: string | Partial<Record<DigestAlgorithm, string>> };

/** Options of a DigestChallenger. */
export interface DigestChallengerOptions {
  /** The protection realm announced in challenges and required in credentials. */
  realm: string;
  /** Finds a user's secret; undefined for an unknown user (which then simply fails auth). */
  lookup(
    username: string,
    realm: string,
  ): Promise<DigestSecret | undefined> | DigestSecret | undefined;
  /** Algorithms to offer, in offer order. Default ['SHA-256', 'MD5'] (RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /** Nonce lifetime. Default 300 000 ms. */
  nonceTtlMs?: number;
  /**
   * HMAC key for nonces. Default: random per process, so nonces do not survive a restart
   * (clients then get stale=true and retry without re-prompting). Share it across a cluster.
   */
  secret?: string | Buffer;
  /**
   * Accept MD5 responses without qop (RFC 2069 form). Default false: such responses carry no
   * nonce-count, so they can be replayed for the whole nonce lifetime.
   */
  acceptRfc2069?: boolean;
  /** Upper bound of nonces tracked for nonce-count replay checks. Default 10 000. */
  maxTrackedNonces?: number;
  /** Clock in milliseconds since the epoch; injectable for tests. Default Date.now. */
  now?: () => number;
}

/** Outcome of DigestChallenger.verify. */
export type DigestVerifyResult =
  { ok: true; username: string } | { ok: false; stale: boolean; reason: string };

const DEFAULT_ALGORITHMS: DigestAlgorithm[] = ['SHA-256', 'MD5'];
const NC_PATTERN = /^[0-9a-fA-F]{1,8}$/;

function fail(reason: string, stale = false): DigestVerifyResult {
  return { ok: false, stale, reason };
}

/** Issues digest challenges and verifies credentials for one realm. */
export class DigestChallenger {
  /** The realm this challenger protects. */
  readonly realm: string;
  private readonly algorithms: DigestAlgorithm[];
  private readonly nonces: NonceFactory;
  private readonly counts: NonceCountTracker;
  private readonly now: () => number;

  constructor(private readonly options: DigestChallengerOptions) {
    this.realm = options.realm;
    this.algorithms = options.algorithms?.length ? [...options.algorithms] : DEFAULT_ALGORITHMS;
    const ttl = options.nonceTtlMs ?? 300_000;
    const key = options.secret;
    const secret =
      key === undefined ? randomBytes(32) : typeof key === 'string' ? Buffer.from(key) : key;
    this.nonces = new NonceFactory(secret, options.realm, ttl);
    this.counts = new NonceCountTracker(options.maxTrackedNonces ?? 10_000, ttl);
    this.now = options.now ?? Date.now;
  }

  /**
   * Challenge header values, one per configured algorithm in offer order, to put in
   * WWW-Authenticate (401) or Proxy-Authenticate (407) lines. All share one fresh nonce.
   */
  challengeHeaders(opts?: { stale?: boolean }): string[] {
    const nonce = this.nonces.issue(this.now());
    return this.algorithms.map((algorithm) => {
      const params: AuthParam[] = [
        { name: 'realm', value: this.realm, quoted: true },
        { name: 'nonce', value: nonce, quoted: true },
        { name: 'algorithm', value: algorithm, quoted: false },
        { name: 'qop', value: 'auth', quoted: true },
      ];
      if (opts?.stale) params.push({ name: 'stale', value: 'TRUE', quoted: false });
      return formatAuthHeader('Digest', params);
    });
  }

  /**
   * Verifies the request's Authorization (or, with `proxy`, Proxy-Authorization) credentials
   * for this realm. `stale: true` means the credentials were right but the nonce is no longer
   * acceptable: challenge again with stale=true so the client retries without asking the user.
   */
  async verify(req: SipRequest, proxy: boolean): Promise<DigestVerifyResult> {
    const lines = req.headers.getLines(proxy ? 'Proxy-Authorization' : 'Authorization');
    if (lines.length === 0) return fail('no credentials');
    const creds = this.pickCredentials(lines);
    if (!creds) return fail('no credentials for realm');
    const p = creds.params;

    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (username === undefined || nonce === undefined || uri === undefined || !response) {
      return fail('malformed credentials');
    }
    if (p.get('userhash')?.toLowerCase() === 'true') return fail('userhash not supported');

    const resolved = resolveAlgorithm(p.get('algorithm'));
    if (!resolved || resolved.session || !this.algorithms.includes(resolved.algorithm)) {
      return fail('unsupported algorithm');
    }

    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (qop !== undefined) {
      if (qop.toLowerCase() !== 'auth') return fail('unsupported qop');
      if (nc === undefined || !NC_PATTERN.test(nc) || !cnonce) return fail('malformed credentials');
    } else if (!this.options.acceptRfc2069 || resolved.algorithm !== 'MD5') {
      return fail('qop required');
    }

    if (!uriMatches(uri, req.uri)) return fail('uri mismatch');

    const secret = await this.options.lookup(username, this.realm);
    if (!secret) return fail('unknown user');
    const ha1 = secretHa1(secret, resolved.algorithm, username, this.realm);
    if (!ha1) return fail('no credentials for algorithm');

    const expected = computeDigestResponse({
      algorithm: resolved,
      ha1,
      nonce,
      method: req.method,
      uri,
      ...(qop !== undefined ? { qop: 'auth' as const, nc, cnonce } : {}),
    });
    if (!digestEquals(expected, response)) return fail('wrong credentials');

    // The digest is right, so the client knows the password. A nonce we did not sign (e.g. one
    // from before a restart with a new secret) or an old one is therefore only stale
    // (RFC 2617 §3.2.1: stale when the nonce is invalid but the digest valid).
    const now = this.now();
    const check = this.nonces.check(nonce, now);
    if (!check.valid || check.expired) return fail('stale nonce', true);

    if (nc !== undefined) {
      const outcome = this.counts.offer(nonce, check.issuedAt, parseInt(nc, 16), now);
      if (outcome === 'replay') return fail('nonce-count replay');
      if (outcome === 'forgotten') return fail('stale nonce', true);
    }
    return { ok: true, username };
  }

  /** The first parsable Digest credentials whose realm is ours. */
  private pickCredentials(lines: string[]): AuthHeaderValue | undefined {
    for (const line of lines) {
      let values: AuthHeaderValue[];
      try {
        values = parseAuthHeader(line);
      } catch {
        continue; // one malformed line must not hide valid credentials on another
      }
      const match = values.find(
        (v) => v.scheme.toLowerCase() === 'digest' && v.params.get('realm') === this.realm,
      );
      if (match) return match;
    }
    return undefined;
  }
}

/** HA1 for `algorithm` from a looked-up secret, or undefined when the secret lacks one. */
function secretHa1(
  secret: DigestSecret,
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
): string | undefined {
  if ('password' in secret) return computeHa1(algorithm, username, realm, secret.password);
  if (typeof secret.ha1 === 'string') return algorithm === 'MD5' ? secret.ha1 : undefined;
  return secret.ha1[algorithm];
}

/**
 * True when the credentials' `uri` designates the Request-URI (RFC 2617 §3.2.2.5). Equal text
 * is the common case; otherwise the URIs are compared by their parts, because clients and
 * intermediaries may differ in host case, parameter order or escaping.
 */
export function uriMatches(credentialUri: string, requestUri: string): boolean {
  if (credentialUri === requestUri) return true;
  let a: SipUri;
  let b: SipUri;
  try {
    a = parseUri(credentialUri);
    b = parseUri(requestUri);
  } catch {
    return false;
  }
  if (a.scheme !== b.scheme) return false;
  if (a.opaque !== undefined || b.opaque !== undefined) return a.opaque === b.opaque;
  if (a.user !== b.user || a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) {
    return false;
  }
  if (a.params.size !== b.params.size) return false;
  for (const [name, value] of a.params) {
    if (!b.params.has(name)) return false;
    if ((value ?? '').toLowerCase() !== (b.params.get(name) ?? '').toLowerCase()) return false;
  }
  return true;
}
