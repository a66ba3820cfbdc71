/**
 * Client (UAC) side of SIP digest authentication (RFC 3261 §22.2–22.3, RFC 7616, RFC 8760):
 * answers a 401/407 by copying the request with credentials added, CSeq incremented and a new
 * top Via branch, ready to be sent as a new client transaction.
 */
import { randomBytes } from 'node:crypto';
import {
  SipHeaders,
  formatVia,
  generateBranch,
  getCSeq,
  parseVia,
  splitHeaderList,
} from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import { formatAuthHeader, parseAuthHeader } from './auth-header.js';
import type { AuthHeaderValue, AuthParam } from './auth-header.js';
import {
  ALGORITHM_STRENGTH,
  algorithmName,
  computeDigestResponse,
  computeHa1,
  digestHash,
  resolveAlgorithm,
} from './digest.js';
import type { ResolvedAlgorithm } from './digest.js';

/** Options of a DigestClient. */
export interface DigestClientOptions {
  username: string;
  password: string;
  /** Only answer challenges for this realm; default: any realm. */
  realm?: string;
  /** Client nonce generator; injectable so tests can reproduce RFC example values. */
  cnonce?: () => string;
}

/** A challenge this client can answer, with what it needs to answer it. */
interface Candidate {
  realm: string;
  params: Map<string, string>;
  algorithm: ResolvedAlgorithm;
  qop: 'auth' | 'auth-int' | undefined;
}

// Nonce-counts are kept for this many recent nonces; older ones restart at 1, which servers
// accept because they would have expired the nonce long before.
const MAX_NONCES = 64;

/** Answers digest challenges for one set of credentials. */
export class DigestClient {
  private readonly nonceCounts = new Map<string, number>();

  constructor(private readonly options: DigestClientOptions) {}

  /**
   * Builds the authenticated retry of `req` for a 401 (Authorization) or 407
   * (Proxy-Authorization) `challengeResponse`: a copy with credentials for every challenged
   * realm (strongest algorithm offered: SHA-512-256, SHA-256, then MD5), CSeq + 1, same Call-ID
   * and tags, and a fresh top Via branch. Credentials for other realms already on the request
   * are kept (RFC 3261 §22.3). Returns undefined when the challenge cannot be met: wrong status,
   * no usable challenge, or a non-stale challenge for credentials already tried (wrong password).
   */
  authorize(req: SipRequest, challengeResponse: SipResponse): SipRequest | undefined {
    const status = challengeResponse.status;
    if (status !== 401 && status !== 407) return undefined;
    const challengeHeader = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const credentialsHeader = status === 401 ? 'Authorization' : 'Proxy-Authorization';

    const candidates = this.chooseChallenges(challengeResponse.headers.getLines(challengeHeader));
    if (candidates.length === 0) return undefined;

    const tried = triedNonces(req.headers.getLines(credentialsHeader));
    for (const c of candidates) {
      const stale = c.params.get('stale')?.toLowerCase() === 'true';
      const nonce = c.params.get('nonce') ?? '';
      const previous = tried.get(c.realm);
      // A non-stale challenge to a request that already carried our credentials for this realm
      // means they were rejected; a stale one repeating the nonce we used would loop forever.
      if (previous !== undefined && (!stale || previous === nonce)) return undefined;
      if (!stale && this.nonceCounts.has(nonce)) return undefined;
    }

    const realms = new Set(candidates.map((c) => c.realm));
    const added = candidates.map((c) => this.credentials(req, c));
    return copyRequest(req, credentialsHeader, realms, added);
  }

  /** Per realm, the strongest challenge this client can compute a response for. */
  private chooseChallenges(lines: string[]): Candidate[] {
    const best = new Map<string, Candidate>();
    for (const line of lines) {
      let values: AuthHeaderValue[];
      try {
        values = parseAuthHeader(line);
      } catch {
        continue;
      }
      for (const v of values) {
        if (v.scheme.toLowerCase() !== 'digest') continue;
        const realm = v.params.get('realm');
        if (realm === undefined || !v.params.get('nonce')) continue;
        if (this.options.realm !== undefined && realm !== this.options.realm) continue;
        const algorithm = resolveAlgorithm(v.params.get('algorithm'));
        if (!algorithm) continue;
        const qop = chooseQop(v.params.get('qop'));
        if (qop === null) continue;
        const current = best.get(realm);
        const strength = ALGORITHM_STRENGTH[algorithm.algorithm];
        if (!current || strength > ALGORITHM_STRENGTH[current.algorithm.algorithm]) {
          best.set(realm, { realm, params: v.params, algorithm, qop });
        }
      }
    }
    return [...best.values()];
  }

  /** The credentials header value answering one challenge. */
  private credentials(req: SipRequest, c: Candidate): string {
    const p = c.params;
    const nonce = p.get('nonce') ?? '';
    const alg = c.algorithm.algorithm;
    const userhash = p.get('userhash')?.toLowerCase() === 'true';
    const needsCnonce = c.qop !== undefined || c.algorithm.session;
    const cnonce = needsCnonce ? (this.options.cnonce?.() ?? randomBytes(16).toString('hex')) : '';
    const nc = c.qop !== undefined ? this.nextNonceCount(nonce) : '';
    const response = computeDigestResponse({
      algorithm: c.algorithm,
      ha1: computeHa1(alg, this.options.username, c.realm, this.options.password),
      nonce,
      method: req.method,
      uri: req.uri,
      qop: c.qop,
      nc,
      cnonce,
      body: req.body,
    });
    const username = userhash
      ? digestHash(alg, `${this.options.username}:${c.realm}`)
      : this.options.username;
    const out: AuthParam[] = [
      { name: 'username', value: username, quoted: true },
      { name: 'realm', value: c.realm, quoted: true },
      { name: 'nonce', value: nonce, quoted: true },
      { name: 'uri', value: req.uri, quoted: true },
      { name: 'response', value: response, quoted: true },
    ];
    if (p.has('algorithm')) {
      out.push({ name: 'algorithm', value: algorithmName(c.algorithm), quoted: false });
    }
    if (needsCnonce) out.push({ name: 'cnonce', value: cnonce, quoted: true });
    const opaque = p.get('opaque');
    if (opaque !== undefined) out.push({ name: 'opaque', value: opaque, quoted: true });
    if (c.qop !== undefined) {
      out.push({ name: 'qop', value: c.qop, quoted: false });
      out.push({ name: 'nc', value: nc, quoted: false });
    }
    if (userhash) out.push({ name: 'userhash', value: 'true', quoted: false });
    return formatAuthHeader('Digest', out);
  }

  /** The next nonce-count for `nonce`, as eight hex digits (RFC 2617 §3.2.2). */
  private nextNonceCount(nonce: string): string {
    const next = (this.nonceCounts.get(nonce) ?? 0) + 1;
    this.nonceCounts.delete(nonce); // re-insert so the map stays in recency order
    this.nonceCounts.set(nonce, next);
    while (this.nonceCounts.size > MAX_NONCES) {
      const oldest = this.nonceCounts.keys().next();
      if (oldest.done) break;
      this.nonceCounts.delete(oldest.value);
    }
    return next.toString(16).padStart(8, '0');
  }
}

/**
 * The qop to use: 'auth' when offered, else 'auth-int', undefined when the challenge has no qop
 * (RFC 2069 form), null when only unknown qop values are offered.
 */
function chooseQop(offer: string | undefined): 'auth' | 'auth-int' | undefined | null {
  if (offer === undefined) return undefined;
  const options = offer.split(',').map((o) => o.trim().toLowerCase());
  if (options.includes('auth')) return 'auth';
  if (options.includes('auth-int')) return 'auth-int';
  return null;
}

/** realm → nonce of the Digest credentials already on a request. */
function triedNonces(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    try {
      for (const v of parseAuthHeader(line)) {
        const realm = v.params.get('realm');
        if (v.scheme.toLowerCase() === 'digest' && realm !== undefined) {
          out.set(realm, v.params.get('nonce') ?? '');
        }
      }
    } catch {
      // Unparsable lines cannot be ours; ignore them.
    }
  }
  return out;
}

/** Realm of a credentials line, when it parses as Digest. */
function lineRealm(line: string): string | undefined {
  try {
    const first = parseAuthHeader(line)[0];
    return first?.scheme.toLowerCase() === 'digest' ? first.params.get('realm') : undefined;
  } catch {
    return undefined;
  }
}

function isAnswered(realm: string | undefined, realms: ReadonlySet<string>): boolean {
  return realm !== undefined && realms.has(realm);
}

/**
 * Copies `req` for the retry: CSeq + 1 (RFC 3261 §22.2), a new branch on the top Via (a new
 * transaction), old credentials for the answered realms replaced by `added`.
 */
function copyRequest(
  req: SipRequest,
  credentialsHeader: string,
  realms: ReadonlySet<string>,
  added: string[],
): SipRequest {
  const cseq = getCSeq(req);
  const credLower = credentialsHeader.toLowerCase();
  const headers = new SipHeaders();
  let viaDone = false;
  for (const field of req.headers.entries()) {
    const lower = field.name.toLowerCase();
    if (lower === 'via' && !viaDone) {
      viaDone = true;
      const [top, ...rest] = splitHeaderList(field.value);
      if (top === undefined) continue;
      const via = parseVia(top);
      via.params.set('branch', generateBranch());
      headers.append(field.name, [formatVia(via), ...rest].join(', '));
    } else if (lower === 'cseq') {
      headers.append(field.name, `${cseq.seq + 1} ${cseq.method}`);
    } else if (lower === credLower && isAnswered(lineRealm(field.value), realms)) {
      continue;
    } else {
      headers.append(field.name, field.value);
    }
  }
  for (const value of added) headers.append(credentialsHeader, value);
  return {
    kind: 'request',
    version: req.version,
    method: req.method,
    uri: req.uri,
    headers,
    body: Buffer.from(req.body),
  };
}
