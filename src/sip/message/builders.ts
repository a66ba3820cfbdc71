/**
 * Message builders and identifier generators: requests from parts, responses from a request
 * (RFC 3261 §8.2.6), and random branches, tags and Call-IDs.
 */
import { randomBytes } from 'node:crypto';
import { SipHeaders } from './headers.js';
import type { SipRequest, SipResponse, SipUri } from './types.js';
import { formatUri } from './uri.js';
import { toOf } from './accessors.js';
import { reasonPhrase } from './reason-phrases.js';

/** The RFC 3261 §8.1.1.7 magic cookie every branch we generate starts with. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** Max-Forwards put on requests that do not carry one (RFC 3261 §8.1.1.6). */
export const DEFAULT_MAX_FORWARDS = '70';

/** What createRequest needs. */
export interface CreateRequestInit {
  method: string;
  /** Request-URI, as text or parsed. */
  uri: string | SipUri;
  /** Headers in order; Max-Forwards: 70 is added when absent. */
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  /** Content-Type to set when a body is given. */
  contentType?: string;
}

/** Options of createResponse. */
export interface CreateResponseOptions {
  /** Reason phrase; defaults to reasonPhrase(status). */
  reason?: string;
  /** To tag to add when the request's To has none (never on 100 Trying). */
  toTag?: string;
  /** Extra headers appended after the copied ones. */
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  /** Content-Type to set when a body is given. */
  contentType?: string;
}

function toBuffer(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Builds a SIP/2.0 request. Content-Length is left to the serializer. */
export function createRequest(init: CreateRequestInit): SipRequest {
  const headers = SipHeaders.from(init.headers ?? []);
  if (!headers.has('Max-Forwards')) headers.append('Max-Forwards', DEFAULT_MAX_FORWARDS);
  const body = toBuffer(init.body);
  if (body.length > 0 && init.contentType) headers.set('Content-Type', init.contentType);
  return {
    kind: 'request',
    method: init.method,
    uri: typeof init.uri === 'string' ? init.uri : formatUri(init.uri),
    version: 'SIP/2.0',
    headers,
    body,
  };
}

/**
 * True when a To value carries a tag. The value is parsed when possible; for a To that does not
 * parse (a partial request being answered 400) a plain text search decides.
 */
function hasToTag(req: SipRequest, raw: string): boolean {
  try {
    return toOf(req.headers, raw).params.has('tag');
  } catch {
    return /;[ \t]*tag[ \t]*=/i.test(raw);
  }
}

/**
 * Builds a response to `req` (RFC 3261 §8.2.6.2): copies every Via line in order, From, To
 * (adding `toTag` when given, when To has no tag and the status is not 100), Call-ID and CSeq;
 * a 100 also echoes Timestamp (§8.2.6.1). Never throws on a partial request from
 * SipParseError: the copied headers are taken as received.
 */
export function createResponse(
  req: SipRequest,
  status: number,
  opts: CreateResponseOptions = {},
): SipResponse {
  const headers = new SipHeaders();
  for (const via of req.headers.getLines('Via')) headers.append('Via', via);
  const from = req.headers.get('From');
  if (from !== undefined) headers.append('From', from);
  const to = req.headers.get('To');
  if (to !== undefined) {
    const addTag = opts.toTag !== undefined && status !== 100 && !hasToTag(req, to);
    headers.append('To', addTag ? `${to};tag=${opts.toTag}` : to);
  }
  for (const name of ['Call-ID', 'CSeq']) {
    const value = req.headers.get(name);
    if (value !== undefined) headers.append(name, value);
  }
  if (status === 100) {
    const ts = req.headers.get('Timestamp');
    if (ts !== undefined) headers.append('Timestamp', ts);
  }
  for (const [name, value] of opts.headers ?? []) headers.append(name, value);
  const body = toBuffer(opts.body);
  if (body.length > 0 && opts.contentType) headers.set('Content-Type', opts.contentType);
  return {
    kind: 'response',
    status,
    reason: opts.reason ?? reasonPhrase(status),
    version: 'SIP/2.0',
    headers,
    body,
  };
}

/** A new Via branch: the magic cookie plus 96 random bits (base64url, token-safe). */
export function generateBranch(): string {
  return BRANCH_COOKIE + randomBytes(12).toString('base64url');
}

/** A new From/To tag: 64 random bits in hex (RFC 3261 §19.3 asks for at least 32). */
export function generateTag(): string {
  return randomBytes(8).toString('hex');
}

/** A new Call-ID: 128 random bits in hex, globally unique without naming the host. */
export function generateCallId(): string {
  return randomBytes(16).toString('hex');
}
