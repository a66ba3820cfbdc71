/**
 * Checks every request passes before a method handler sees it (RFC 3261 §8.2.1–§8.2.3): SIP
 * version, Request-URI scheme, Max-Forwards, Require, method, body type and encoding. Each
 * failure names the problem so the reason phrase and Warning header can tell the sender.
 */
import {
  getMaxForwards,
  getRequestUri,
  SipParseError,
  type SipMessage,
  type SipRequest,
} from '../message/index.js';
import {
  ACCEPTED_BODY_TYPES,
  ALLOWED_METHODS,
  KNOWN_NOT_ALLOWED,
  SUPPORTED_OPTIONS,
} from './constants.js';

/** A request that must be refused, and how. */
export interface Refusal {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

const allowHeader: [string, string] = ['Allow', ALLOWED_METHODS.join(', ')];

/** Splits an option-tag list header (Require, Supported, Proxy-Require) into lower-case tags. */
export function optionTags(msg: SipMessage, header: string): string[] {
  return msg.headers.getAll(header).map((t) => t.trim().toLowerCase());
}

/** Returns why a request must be refused, or undefined when it may proceed. */
export function checkRequest(req: SipRequest): Refusal | undefined {
  if (req.version.toUpperCase() !== 'SIP/2.0') {
    return { status: 505, reason: `Version Not Supported: ${req.version}`, headers: [] };
  }
  let scheme: string;
  try {
    scheme = getRequestUri(req).scheme;
  } catch (err) {
    const why = err instanceof SipParseError ? err.reason : 'unreadable';
    return { status: 400, reason: `Bad Request-URI: ${why}`, headers: [] };
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    return { status: 416, reason: `Unsupported URI Scheme: ${scheme}`, headers: [] };
  }
  const isAckOrCancel = req.method === 'ACK' || req.method === 'CANCEL';
  // A UAS answers OPTIONS even at zero hops: that is how a peer probes the last hop.
  if (getMaxForwards(req) === 0 && req.method !== 'OPTIONS' && !isAckOrCancel) {
    return { status: 483, reason: 'Too Many Hops', headers: [] };
  }
  if (!isAckOrCancel) {
    const unsupported = optionTags(req, 'Require').filter(
      (t) => !(SUPPORTED_OPTIONS as readonly string[]).includes(t),
    );
    if (unsupported.length > 0) {
      return {
        status: 420,
        reason: `Bad Extension: ${unsupported.join(', ')}`,
        headers: [['Unsupported', unsupported.join(', ')]],
      };
    }
  }
  if (!(ALLOWED_METHODS as readonly string[]).includes(req.method)) {
    if ((KNOWN_NOT_ALLOWED as readonly string[]).includes(req.method)) {
      return { status: 405, reason: `Method Not Allowed: ${req.method}`, headers: [allowHeader] };
    }
    return { status: 501, reason: `Not Implemented: ${req.method}`, headers: [allowHeader] };
  }
  return checkBody(req);
}

function checkBody(req: SipRequest): Refusal | undefined {
  if (req.body.length === 0) return undefined;
  const encoding = req.headers.get('Content-Encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    return {
      status: 415,
      reason: `Unsupported Content-Encoding: ${encoding}`,
      headers: [['Accept-Encoding', 'identity']],
    };
  }
  if (!['INVITE', 'UPDATE', 'PRACK', 'ACK'].includes(req.method)) return undefined;
  const type = contentType(req);
  if (type === undefined) {
    return { status: 400, reason: 'Missing Content-Type for a body', headers: [] };
  }
  if (!(ACCEPTED_BODY_TYPES as readonly string[]).includes(type)) {
    return {
      status: 415,
      reason: `Unsupported Media Type: ${type}`,
      headers: [['Accept', 'application/sdp']],
    };
  }
  return undefined;
}

/** The lower-case media type of the body, without parameters. */
export function contentType(msg: { headers: SipRequest['headers'] }): string | undefined {
  const v = msg.headers.get('Content-Type');
  return v?.split(';')[0]?.trim().toLowerCase() || undefined;
}
