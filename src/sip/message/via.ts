/**
 * Via (RFC 3261 §20.42) and CSeq (§20.16) values: the two headers the transaction layer reads
 * on every message.
 */
import { badSyntax, describe } from './errors.js';
import type { CSeq, TransportProtocol, Via } from './types.js';
import { formatHost, parseHostPort } from './uri.js';
import { formatParams, parseParams, skipWsp } from './name-addr.js';
import { isHostname, isToken, isTokenChar, isWsp, parseDecimal } from './charsets.js';

/** RFC 3261 §8.1.1.5: the CSeq sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/** Reads a token at `i`; returns its end index (equal to `i` when there is none). */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses one Via value (`SIP / 2.0 / UDP host:port;params`). Blanks are tolerated around
 * `/`, `:`, `;` and `=` (RFC 4475 "wsinv"); the transport is upper-cased; an unbracketed IPv6
 * host is refused. Throws SipParseError(400) on bad syntax.
 */
export function parseVia(text: string): Via {
  const s = text.trim();
  let i = 0;
  for (let part = 0; part < 2; part++) {
    const e = tokenEnd(s, i);
    if (e === i) throw badSyntax('Bad Via: invalid sent-protocol');
    i = skipWsp(s, e);
    if (s.charCodeAt(i) !== 0x2f /* / */) throw badSyntax('Bad Via: invalid sent-protocol');
    i = skipWsp(s, i + 1);
  }
  const tEnd = tokenEnd(s, i);
  if (tEnd === i) throw badSyntax('Bad Via: missing transport');
  const transport = s.slice(i, tEnd).toUpperCase();
  i = skipWsp(s, tEnd);
  if (i === tEnd) throw badSyntax('Bad Via: missing sent-by');
  // sent-by runs to the first `;` (or blank before it); blanks around `:` are legal (COLON).
  let end = i;
  if (s.charCodeAt(i) === 0x5b) {
    end = s.indexOf(']', i);
    if (end < 0) throw badSyntax('Bad Via: unterminated IPv6 reference');
    end++;
  } else {
    while (end < s.length && isHostname(s.charAt(end))) end++;
  }
  let hostEnd = end;
  end = skipWsp(s, end);
  if (s.charCodeAt(end) === 0x3a) {
    end = skipWsp(s, end + 1);
    while (end < s.length && s.charCodeAt(end) >= 0x30 && s.charCodeAt(end) <= 0x39) end++;
    hostEnd = end;
  }
  const sentBy = s.slice(i, hostEnd).replace(/[ \t]+/g, '');
  const hp = parseHostPort(sentBy, 0, sentBy.length);
  if (typeof hp === 'string') throw badSyntax(`Bad Via: ${hp}`);
  let params: Map<string, string | null>;
  try {
    params = parseParams(s, hostEnd);
  } catch (err) {
    throw badSyntax(`Bad Via: ${describe(err)}`);
  }
  const via: Via = { transport, host: hp.host, params };
  if (hp.port !== undefined) via.port = hp.port;
  return via;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls', 'ws', 'wss']);

/**
 * Maps a transport token ('UDP', 'TLS', 'WSS' … as in a Via or a `transport` URI parameter,
 * any case) to a protocol, or undefined for one this stack does not speak (SCTP …).
 * Lives here rather than in transport/ because the transaction layer needs it too and may
 * import only message/.
 */
export function protocolFromToken(token: string): TransportProtocol | undefined {
  const lower = token.toLowerCase();
  return PROTOCOLS.has(lower) ? (lower as TransportProtocol) : undefined;
}

/**
 * The default port for a transport token or protocol, any case: 5061 for TLS (RFC 3261
 * §19.1.2), 80 for WS and 443 for WSS (RFC 7118 §5.2), 5060 for everything else. The single
 * definition used by transport/ (routing) and transaction/ (responses to a request without a
 * transport source), so the two cannot drift apart again.
 */
export function defaultPortFor(transport: string): number {
  switch (transport.toLowerCase()) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}

/** Formats a Via value as `SIP/2.0/<transport> host[:port];params`. */
export function formatVia(via: Via): string {
  return `SIP/2.0/${via.transport} ${formatHost(via.host, via.port)}${formatParams(via.params)}`;
}

/** A deep copy, so cached parse results can be handed out without being mutated. */
export function cloneVia(via: Via): Via {
  return { ...via, params: new Map(via.params) };
}

/**
 * Parses a CSeq value: `1*DIGIT LWS method`, the number below 2**31 (RFC 4475 "scalar02").
 * Throws SipParseError(400) on bad syntax.
 */
export function parseCSeq(text: string): CSeq {
  const s = text.trim();
  let i = 0;
  while (i < s.length && !isWsp(s.charCodeAt(i))) i++;
  const digits = s.slice(0, i);
  const method = s.slice(skipWsp(s, i));
  if (!isToken(method)) throw badSyntax('Bad CSeq: invalid method');
  const seq = parseDecimal(digits, MAX_CSEQ);
  if (seq === undefined) {
    const allDigits = /^\d+$/.test(digits);
    throw badSyntax(`Bad CSeq: ${allDigits ? 'sequence number out of range' : 'invalid number'}`);
  }
  return { seq, method };
}
