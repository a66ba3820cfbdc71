/**
 * Semantic checks run once per parsed message: mandatory headers present, single-valued
 * headers single, scalar values in range, addresses well-formed (RFC 3261 §8.1.1, §20;
 * RFC 4475 §3.1.2). The parse results are memoized, so later accessor calls cost nothing.
 */
import { describe } from './errors.js';
import { splitHeaderList } from './headers.js';
import type { SipHeaders } from './headers.js';
import type { SipMessage } from './types.js';
import { contactsOf, cseqOf, fromOf, requestUriOf, toOf, viasOf } from './accessors.js';
import { parseVia } from './via.js';
import {
  isCallId,
  isMediaType,
  isRetryAfter,
  isSipDate,
  parseDeltaSeconds,
  parseMaxForwardsValue,
} from './scalars.js';

/** Raw lines of the headers the parser checks, collected during its single pass. */
export interface KeyLines {
  via: string[];
  from: string[];
  to: string[];
  callId: string[];
  cseq: string[];
  maxForwards: string[];
  contentLength: string[];
  contentType: string[];
  expires: string[];
  minExpires: string[];
  date: string[];
  contact: string[];
  retryAfter: string[];
}

/** A fresh, empty KeyLines. */
export function emptyKeyLines(): KeyLines {
  return {
    via: [],
    from: [],
    to: [],
    callId: [],
    cseq: [],
    maxForwards: [],
    contentLength: [],
    contentType: [],
    expires: [],
    minExpires: [],
    date: [],
    contact: [],
    retryAfter: [],
  };
}

/**
 * Files a header line under its KeyLines slot when it is one of the checked headers.
 * `name` is canonical, so an exact switch suffices.
 */
export function collectKeyLine(k: KeyLines, name: string, value: string): void {
  switch (name) {
    case 'Via':
      k.via.push(value);
      break;
    case 'From':
      k.from.push(value);
      break;
    case 'To':
      k.to.push(value);
      break;
    case 'Call-ID':
      k.callId.push(value);
      break;
    case 'CSeq':
      k.cseq.push(value);
      break;
    case 'Max-Forwards':
      k.maxForwards.push(value);
      break;
    case 'Content-Length':
      k.contentLength.push(value);
      break;
    case 'Content-Type':
      k.contentType.push(value);
      break;
    case 'Expires':
      k.expires.push(value);
      break;
    case 'Min-Expires':
      k.minExpires.push(value);
      break;
    case 'Date':
      k.date.push(value);
      break;
    case 'Contact':
      k.contact.push(value);
      break;
    case 'Retry-After':
      k.retryAfter.push(value);
      break;
  }
}

/** Missing or duplicated, for a header that must appear exactly once. */
function once(name: string, lines: readonly string[]): string | undefined {
  if (lines.length === 0) return `Missing header: ${name}`;
  if (lines.length > 1) return `Duplicate header: ${name}`;
  return undefined;
}

/** Duplicated, for an optional single-valued header. */
function atMostOnce(name: string, lines: readonly string[]): string | undefined {
  return lines.length > 1 ? `Duplicate header: ${name}` : undefined;
}

/** Runs `parse` and turns a SipParseError into `Bad <name>: <detail>`. */
function attempt(name: string, parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (err) {
    // Nested reasons that already name this header are not wrapped twice.
    const detail = describe(err);
    return detail.startsWith(`bad ${name}:`) ? `B${detail.slice(1)}` : `Bad ${name}: ${detail}`;
  }
}

/** Checks of the optional single-token headers; returns the first problem. */
function checkScalars(k: KeyLines): string | undefined {
  const mf = k.maxForwards[0];
  const cl = k.contentLength[0];
  const ct = k.contentType[0];
  const ex = k.expires[0];
  const mx = k.minExpires[0];
  const dt = k.date[0];
  return (
    atMostOnce('Max-Forwards', k.maxForwards) ??
    (mf !== undefined && parseMaxForwardsValue(mf) === undefined
      ? 'Bad Max-Forwards'
      : undefined) ??
    atMostOnce('Content-Length', k.contentLength) ??
    (cl !== undefined && parseDeltaSeconds(cl) === undefined ? 'Bad Content-Length' : undefined) ??
    atMostOnce('Content-Type', k.contentType) ??
    (ct !== undefined && !isMediaType(ct) ? 'Bad Content-Type' : undefined) ??
    atMostOnce('Expires', k.expires) ??
    (ex !== undefined && parseDeltaSeconds(ex) === undefined ? 'Bad Expires' : undefined) ??
    atMostOnce('Min-Expires', k.minExpires) ??
    (mx !== undefined && parseDeltaSeconds(mx) === undefined ? 'Bad Min-Expires' : undefined) ??
    atMostOnce('Date', k.date) ??
    (dt !== undefined && !isSipDate(dt) ? 'Bad Date' : undefined) ??
    (k.retryAfter.some((v) => !isRetryAfter(v)) ? 'Bad Retry-After' : undefined)
  );
}

/**
 * Validates a parsed message; returns the reason of the first problem found, or undefined.
 * For requests the CSeq method must equal the request method (RFC 4475 "mismatch01/02").
 */
export function validateMessage(msg: SipMessage, k: KeyLines): string | undefined {
  const h = msg.headers;
  const from = k.from[0];
  const to = k.to[0];
  const callId = k.callId[0];
  const cseq = k.cseq[0];
  const problem =
    (k.via.length === 0 ? 'Missing header: Via' : undefined) ??
    attempt('Via', () => viasOf(h, k.via)) ??
    once('From', k.from) ??
    (from === undefined ? undefined : attempt('From', () => fromOf(h, from))) ??
    once('To', k.to) ??
    (to === undefined ? undefined : attempt('To', () => toOf(h, to))) ??
    once('Call-ID', k.callId) ??
    (callId !== undefined && !isCallId(callId) ? 'Bad Call-ID' : undefined) ??
    once('CSeq', k.cseq) ??
    (cseq === undefined ? undefined : attempt('CSeq', () => cseqOf(h, cseq))) ??
    checkScalars(k) ??
    attempt('Contact', () => contactsOf(h, k.contact));
  if (problem !== undefined || msg.kind !== 'request' || cseq === undefined) return problem;
  return cseqOf(h, cseq).method === msg.method
    ? undefined
    : 'Bad CSeq: method does not match request';
}

/**
 * Checks a Request-URI: any absolute URI, but a SIP or SIPS one must not carry headers
 * (RFC 3261 §19.1.1 table 1; RFC 4475 "escruri").
 */
export function validateRequestUri(headers: SipHeaders, uri: string): string | undefined {
  const problem = attempt('Request-URI', () => requestUriOf(headers, uri));
  if (problem !== undefined) return problem;
  const parsed = requestUriOf(headers, uri);
  return parsed.headers.size > 0 ? 'Bad Request-URI: headers not allowed' : undefined;
}

/**
 * True when a response can be built for a bad request: the top Via is readable (the
 * response has to be routed) and From, To, Call-ID and CSeq are present and non-empty (the
 * response echoes them as received, so a malformed value does not prevent answering).
 */
export function isAnswerable(k: KeyLines): boolean {
  const top = k.via[0];
  if (top === undefined || !k.from[0] || !k.to[0] || !k.callId[0] || !k.cseq[0]) return false;
  const first = splitHeaderList(top)[0];
  if (first === undefined) return false;
  try {
    parseVia(first);
    return true;
  } catch {
    return false;
  }
}
