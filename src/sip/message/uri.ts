/**
 * SIP and SIPS URIs (RFC 3261 §19.1, §25.1). Other schemes (tel:, urn:, …) are kept opaque so
 * that the UA core can still answer 416 Unsupported URI Scheme instead of 400.
 */
import { isIPv6 } from 'node:net';
import { badSyntax } from './errors.js';
import type { SipUri } from './types.js';
import {
  escapeUriHeader,
  escapeUriParam,
  escapeUser,
  isHostname,
  isScheme,
  isUriHeaderText,
  isUriParamText,
  isUserText,
  parseDecimal,
  unescape,
} from './charsets.js';

/** Host and port as read from a `hostport` production. */
export interface HostPort {
  /** Lower-cased host; IPv6 without brackets. */
  host: string;
  port?: number;
}

/**
 * Reads `host [":" port]` from `s` between `from` and `to` (exclusive), where nothing else may
 * follow. IPv6 must be bracketed: an unbracketed `2001:db8::1` reads as host `2001` with a bad
 * port and is refused, as RFC 5118 requires. Returns the reason on failure.
 */
export function parseHostPort(s: string, from: number, to: number): HostPort | string {
  let host: string;
  let i = from;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= to) return 'unterminated IPv6 reference';
    host = s.slice(i + 1, close);
    if (!isIPv6(host)) return 'invalid IPv6 address';
    i = close + 1;
  } else {
    let end = i;
    while (end < to && s.charCodeAt(end) !== 0x3a /* : */) end++;
    host = s.slice(i, end);
    if (!isHostname(host)) return host ? 'invalid host' : 'missing host';
    i = end;
  }
  const result: HostPort = { host: host.toLowerCase() };
  if (i < to) {
    if (s.charCodeAt(i) !== 0x3a) return 'invalid host';
    const port = parseDecimal(s.slice(i + 1, to), 65535);
    if (port === undefined) return 'invalid port';
    result.port = port;
  }
  return result;
}

/** True for text that may stand as an opaque URI body: no blanks, controls, `<`, `>` or `"`. */
function isOpaqueText(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return false;
  }
  return true;
}

/** Index of the first of `;` or `?` at or after `from`, or `s.length`. */
function nextDelimiter(s: string, from: number, stopAtSemicolon: boolean): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3f || (stopAtSemicolon && c === 0x3b)) return i;
  }
  return s.length;
}

function parseSipUri(scheme: string, s: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  let pos = 0;
  // The first `@` ends the userinfo: neither parameters nor headers may hold a raw `@`, while
  // the user part may hold `;`, `?` and `/` (RFC 4475 "intmeth", "semiuri").
  const at = s.indexOf('@');
  if (at >= 0) {
    const colon = s.indexOf(':');
    const userEnd = colon >= 0 && colon < at ? colon : at;
    const user = s.slice(0, userEnd);
    if (!isUserText(user)) throw badSyntax('Bad URI: invalid user part');
    uri.user = unescape(user);
    if (userEnd < at) {
      const password = s.slice(userEnd + 1, at);
      if (password && !isUserText(password)) throw badSyntax('Bad URI: invalid password');
      uri.password = unescape(password);
    }
    pos = at + 1;
  }
  // An IPv6 reference contains `:` but never `;` or `?`, so the host-port ends at either.
  const hostEnd = nextDelimiter(s, pos, true);
  const hp = parseHostPort(s, pos, hostEnd);
  if (typeof hp === 'string') throw badSyntax(`Bad URI: ${hp}`);
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  pos = hostEnd;
  while (pos < s.length && s.charCodeAt(pos) === 0x3b) {
    const end = nextDelimiter(s, pos + 1, true);
    // Search for `=` only within this parameter, so many bare flags stay linear.
    let eq = pos + 1;
    while (eq < end && s.charCodeAt(eq) !== 0x3d) eq++;
    const hasValue = eq < end;
    const name = s.slice(pos + 1, hasValue ? eq : end);
    const value = hasValue ? s.slice(eq + 1, end) : null;
    if (!isUriParamText(name, false)) throw badSyntax('Bad URI: invalid parameter');
    if (value !== null && !isUriParamText(value, true)) {
      throw badSyntax('Bad URI: invalid parameter value');
    }
    uri.params.set(unescape(name).toLowerCase(), value === null ? null : unescape(value));
    pos = end;
  }
  if (pos < s.length) {
    // Only `?` can be here: headers run to the end of the URI.
    for (const pair of s.slice(pos + 1).split('&')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      if (eq < 0 || !isUriHeaderText(name, false) || !isUriHeaderText(value, true)) {
        throw badSyntax('Bad URI: invalid header');
      }
      uri.headers.set(unescape(name), unescape(value));
    }
  }
  return uri;
}

/**
 * Parses a URI. `sip:` and `sips:` are parsed in full (user, password, host, port, parameters,
 * headers, with escapes resolved); any other well-formed scheme yields `{ scheme, opaque }`
 * with an empty host. Throws SipParseError(400) on bad syntax.
 */
export function parseUri(text: string): SipUri {
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  if (!isScheme(scheme)) throw badSyntax('Bad URI: missing or invalid scheme');
  const lower = scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest);
  if (!isOpaqueText(rest)) throw badSyntax('Bad URI: invalid characters');
  return { scheme: lower, host: '', params: new Map(), headers: new Map(), opaque: rest };
}

/** Formats a host for a URI or Via: IPv6 addresses get their brackets back. */
export function formatHost(host: string, port?: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/**
 * Formats a URI, escaping user, parameters and headers as needed. Opaque URIs are written
 * back verbatim.
 */
export function formatUri(uri: SipUri): string {
  if (uri.opaque !== undefined && uri.scheme !== 'sip' && uri.scheme !== 'sips') {
    return `${uri.scheme}:${uri.opaque}`;
  }
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    s += escapeUser(uri.user);
    if (uri.password !== undefined) s += `:${escapeUser(uri.password)}`;
    s += '@';
  }
  s += formatHost(uri.host, uri.port);
  for (const [name, value] of uri.params) {
    s += `;${escapeUriParam(name)}`;
    if (value !== null) s += `=${escapeUriParam(value)}`;
  }
  let sep = '?';
  for (const [name, value] of uri.headers) {
    s += `${sep}${escapeUriHeader(name)}=${escapeUriHeader(value)}`;
    sep = '&';
  }
  return s;
}

/** A deep copy, so cached parse results can be handed out without being mutated. */
export function cloneUri(uri: SipUri): SipUri {
  return { ...uri, params: new Map(uri.params), headers: new Map(uri.headers) };
}
