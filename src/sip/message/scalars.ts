/**
 * Checks for the single-token headers whose values the parser validates up front (RFC 4475
 * "scalar02", "ncl", "baddate"): a message with an impossible value is answered 400 rather
 * than half-processed.
 */
import { isToken, isWsp, parseDecimal } from './charsets.js';

/** Largest delta-seconds value (RFC 3261 §20.19: 0 to 2**32-1). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** Max-Forwards: 0..255 (RFC 3261 §20.22); undefined when invalid. */
export function parseMaxForwardsValue(text: string): number | undefined {
  return parseDecimal(text.trim(), 255);
}

/** Content-Length: non-negative decimal; undefined when invalid (RFC 4475 "ncl"). */
export function parseContentLengthValue(text: string): number | undefined {
  return parseDecimal(text.trim(), MAX_DELTA_SECONDS);
}

/** Expires / Min-Expires: delta-seconds up to 2**32-1; undefined when invalid. */
export function parseDeltaSeconds(text: string): number | undefined {
  return parseDecimal(text.trim(), MAX_DELTA_SECONDS);
}

/** Retry-After: `delta-seconds [comment] *(; retry-param)`; only the number is checked. */
export function isRetryAfter(text: string): boolean {
  const s = text.trim();
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (parseDecimal(s.slice(0, i), MAX_DELTA_SECONDS) === undefined) return false;
  const next = s.charCodeAt(i);
  return i === s.length || isWsp(next) || next === 0x3b || next === 0x28;
}

/**
 * Call-ID: `word ["@" word]`. Checked loosely (no blanks, controls or commas, at most one
 * `@`), because real Call-IDs carry characters such as `=` that the grammar omits; a comma
 * would mean two values folded into one line.
 */
export function isCallId(text: string): boolean {
  if (text.length === 0) return false;
  let ats = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x2c) return false;
    if (c === 0x40 && ++ats > 1) return false;
  }
  return text.charCodeAt(0) !== 0x40 && text.charCodeAt(text.length - 1) !== 0x40;
}

/**
 * RFC 1123 date as SIP requires it (RFC 3261 §20.17): `Sat, 13 Nov 2010 23:29:00 GMT`, always
 * GMT (RFC 4475 "baddate" sends EST). The pattern has no nested quantifiers, so it runs in
 * linear time.
 */
const RFC1123 =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/i;

/** True when `text` is a valid SIP Date value. */
export function isSipDate(text: string): boolean {
  return RFC1123.test(text.trim().replace(/[ \t]+/g, ' '));
}

/** Content-Type: `type "/" subtype *(; param)`; only the media type itself is checked. */
export function isMediaType(text: string): boolean {
  const semi = text.indexOf(';');
  const mediaType = (semi < 0 ? text : text.slice(0, semi)).trim();
  const slash = mediaType.indexOf('/');
  if (slash < 0) return false;
  return isToken(mediaType.slice(0, slash).trim()) && isToken(mediaType.slice(slash + 1).trim());
}
