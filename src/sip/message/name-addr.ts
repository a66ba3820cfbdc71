/**
 * `name-addr` / `addr-spec` values with header parameters (From, To, Contact, Route, …;
 * RFC 3261 §20.10, §25.1), plus the generic-parameter and quoted-string scanners that Via
 * shares.
 */
import { badSyntax } from './errors.js';
import type { NameAddr } from './types.js';
import { cloneUri, formatUri, parseUri } from './uri.js';
import { isParamValueChar, isTokenChar, isWsp } from './charsets.js';

/** Index of the first non-blank character at or after `i`. */
export function skipWsp(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads a quoted-string starting at the `"` at `i`, resolving backslash escapes. Returns the
 * unquoted text and the index just past the closing quote. Throws on a missing closing quote
 * (RFC 4475 "quotbal").
 */
export function readQuoted(s: string, i: number): { value: string; next: number } {
  let value = '';
  let chunk = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c /* \ */) {
      if (j + 1 >= s.length) break;
      value += s.slice(chunk, j) + s.charAt(j + 1);
      j++;
      chunk = j + 1;
    } else if (c === 0x22 /* " */) {
      return { value: value + s.slice(chunk, j), next: j + 1 };
    }
  }
  throw badSyntax('Unbalanced quotes');
}

/**
 * Parses `*( SEMI generic-param )` from `i` to the end of `s`, tolerating blanks around `;`
 * and `=` (RFC 4475 "wsinv"). Names are lower-cased; quoted values keep their quotes so the
 * parameter can be written back as received; a bare flag maps to null. Empty parameters
 * (`;;`, RFC 4475 "badinv01") are refused.
 */
export function parseParams(s: string, i: number): Map<string, string | null> {
  const params = new Map<string, string | null>();
  const end = s.length;
  i = skipWsp(s, i);
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b /* ; */) throw badSyntax('Unexpected character after address');
    i = skipWsp(s, i + 1);
    let j = i;
    while (j < end && isTokenChar(s.charCodeAt(j))) j++;
    if (j === i) throw badSyntax('Empty parameter');
    const name = s.slice(i, j).toLowerCase();
    i = skipWsp(s, j);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d /* = */) {
      i = skipWsp(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const q = readQuoted(s, i);
        value = s.slice(i, q.next);
        i = q.next;
      } else {
        j = i;
        while (j < end && isParamValueChar(s.charCodeAt(j))) j++;
        if (j === i) throw badSyntax('Empty parameter value');
        value = s.slice(i, j);
        i = j;
      }
      i = skipWsp(s, i);
    }
    params.set(name, value);
  }
  return params;
}

/** Formats parameters; values that are neither plain nor already quoted get quoted. */
export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let s = '';
  for (const [name, value] of params) {
    s += `;${name}`;
    if (value !== null) s += `=${formatParamValue(value)}`;
  }
  return s;
}

function formatParamValue(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v;
  let plain = v.length > 0;
  for (let i = 0; i < v.length && plain; i++) plain = isParamValueChar(v.charCodeAt(i));
  return plain ? v : quote(v);
}

/** Wraps text in a quoted-string, escaping `"` and `\`. */
export function quote(text: string): string {
  let out = '"';
  for (const ch of text) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return `${out}"`;
}

/**
 * Parses one `name-addr` or `addr-spec` with header parameters. Without angle brackets the
 * parameters belong to the header, not to the URI (RFC 3261 §20.10), and a URI containing
 * `?` or `,` must be bracketed (RFC 4475 "regbadct"). Blanks inside the brackets are refused
 * (RFC 4475 "badaspec"); a token display name may touch the `<` (RFC 4475 "lwsdisp").
 * Throws SipParseError(400) on bad syntax.
 */
export function parseNameAddr(text: string): NameAddr {
  const s = text.trim();
  let i = 0;
  let displayName: string | undefined;
  if (s.charCodeAt(0) === 0x22) {
    const q = readQuoted(s, 0);
    displayName = q.value;
    i = skipWsp(s, q.next);
    if (s.charCodeAt(i) !== 0x3c) throw badSyntax('Missing < after display name');
  } else {
    // A token display name ends at `<`; anything else that stops the scan means addr-spec.
    let j = 0;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (!(isTokenChar(c) || isWsp(c) || c >= 0x80)) break;
      j++;
    }
    if (s.charCodeAt(j) === 0x3c) {
      const name = s.slice(0, j).trim();
      if (name) displayName = name;
      i = j;
    } else {
      if (j < s.length && s.charCodeAt(j) !== 0x3a && s.indexOf('<', j) >= 0) {
        throw badSyntax('Bad display name');
      }
      return parseAddrSpec(s);
    }
  }
  // Here s[i] is `<`.
  const gt = s.indexOf('>', i + 1);
  if (gt < 0) throw badSyntax('Missing >');
  const uriText = s.slice(i + 1, gt);
  if (isWsp(uriText.charCodeAt(0)) || isWsp(uriText.charCodeAt(uriText.length - 1))) {
    throw badSyntax('Blank inside <>');
  }
  const na: NameAddr = { uri: parseUri(uriText), params: parseParams(s, gt + 1) };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

function parseAddrSpec(s: string): NameAddr {
  let end = 0;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === 0x3b || isWsp(c)) break;
    if (c === 0x3f || c === 0x2c) throw badSyntax('Unbracketed URI with ? or ,');
    end++;
  }
  return { uri: parseUri(s.slice(0, end)), params: parseParams(s, end) };
}

/** Formats a name-addr, always with angle brackets and a quoted display name. */
export function formatNameAddr(na: NameAddr): string {
  const name = na.displayName ? `${quote(na.displayName)} ` : '';
  return `${name}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

/** A deep copy, so cached parse results can be handed out without being mutated. */
export function cloneNameAddr(na: NameAddr): NameAddr {
  const copy: NameAddr = { uri: cloneUri(na.uri), params: new Map(na.params) };
  if (na.displayName !== undefined) copy.displayName = na.displayName;
  return copy;
}
