/** Address-of-record keys and contact URI comparison for the registrar. */
import { parseUri } from '../message/index.js';
import type { SipUri } from '../message/index.js';

/**
 * The location-service key of an address-of-record: `sip:user@host` with the host lower-cased
 * and port, parameters and headers dropped (RFC 3261 §10.3 step 5). `sips:` maps to `sip:` so
 * that a user registering over TLS is found by calls addressed with either scheme. A string
 * without a scheme is taken as `sip:`. Throws the parser's error for unparsable text.
 */
export function normaliseAor(aor: SipUri | string): string {
  let uri: SipUri;
  if (typeof aor === 'string') {
    const text = aor.trim();
    uri = parseUri(/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text) ? text : `sip:${text}`);
  } else {
    uri = aor;
  }
  if (uri.opaque !== undefined) return `${uri.scheme}:${uri.opaque}`;
  const scheme = uri.scheme === 'sips' ? 'sip' : uri.scheme;
  const host = uri.host.toLowerCase();
  return uri.user !== undefined && uri.user !== ''
    ? `${scheme}:${uri.user}@${host}`
    : `${scheme}:${host}`;
}

// URI parameters that make two URIs differ when present in only one of them (§19.1.4).
const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

/**
 * URI equality per RFC 3261 §19.1.4, used to match a Contact against existing bindings: scheme,
 * user and password exact; host case-insensitive; port only equal when both absent or equal;
 * user/ttl/method/maddr/transport must agree when either side has them; other parameters must
 * agree only when both sides have them; URI headers must all agree.
 */
export function sameUri(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.opaque !== undefined || b.opaque !== undefined) return a.opaque === b.opaque;
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const name of SIGNIFICANT_PARAMS) {
    if (a.params.has(name) !== b.params.has(name)) return false;
  }
  for (const [name, value] of a.params) {
    if (!b.params.has(name)) continue;
    if ((value ?? '').toLowerCase() !== (b.params.get(name) ?? '').toLowerCase()) return false;
  }
  if (a.headers.size !== b.headers.size) return false;
  for (const [name, value] of a.headers) {
    if (b.headers.get(name) !== value) return false;
  }
  return true;
}

/** sameUri over URI text; false when either side does not parse. */
export function sameUriText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return sameUri(parseUri(a), parseUri(b));
  } catch {
    return false;
  }
}
