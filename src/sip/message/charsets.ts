/**
 * Character classes and small scanning helpers shared by the URI, header and message parsers.
 * Lookup tables keep every check a single array read, so the parsers stay linear and free of
 * backtracking regular expressions.
 */

/** Builds a 128-entry membership table from ranges of alphanumerics plus extra characters. */
function table(extra: string, alnum = true): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
}

/** RFC 3261 §25.1 `token`. */
const TOKEN = table("-.!%*_+`'~");
/** `unreserved` (alphanum / mark), the base of every URI component. */
const MARK = "-_.!~*'()";
/**
 * Characters of the URI user and password parts. The grammar's sets (user-unreserved plus
 * `:`-less password characters) are widened with `#`, `[`, `]`, `{`, `}`, `|`, `^` and the
 * back-quote, because real telephones put `#` and friends in dial strings; only what would
 * break framing or delimiting (space, `<`, `>`, `"`, `@`, `:`) is refused.
 */
const USER = table(MARK + '&=+$,;?/#[]{}|^`');
/** What the formatter leaves unescaped in a user part: exactly RFC 3261's set, nothing wider. */
const USER_STRICT = table(MARK + '&=+$,;?/');
/** `paramchar` of URI parameters: param-unreserved / unreserved (escapes handled apart). */
const URI_PARAM = table(MARK + '[]/:&+$');
/** `hnv-unreserved` / unreserved of URI headers (`?name=value&...`). */
const URI_HEADER = table(MARK + '[]/?:+$');
/** Host names and IPv4 addresses; `_` tolerated because some deployments use it. */
const HOSTNAME = table('-._');
/** Header-parameter values: token plus what a `host` value (IPv6, port-less) may hold. */
const PARAM_VALUE = table("-.!%*_+`'~[]:");
/** `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`. */
const SCHEME = table('+-.');

/** True for a space or horizontal tab (folding has already turned line breaks into spaces). */
export function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function allIn(t: Uint8Array, s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
  }
  return true;
}

/** True when `s` is a non-empty RFC 3261 token. */
export function isToken(s: string): boolean {
  return allIn(TOKEN, s, 0, s.length);
}

/** True when the character code belongs to a token. */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** True when the character code may appear in a header-parameter value. */
export function isParamValueChar(code: number): boolean {
  return code < 128 && PARAM_VALUE[code] === 1;
}

/** True when `s` is a syntactically valid URI scheme. */
export function isScheme(s: string): boolean {
  const c = s.charCodeAt(0);
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return alpha && allIn(SCHEME, s, 0, s.length);
}

/** True when `s` is a host name or IPv4 address in the loose sense RFC 3261 §25.1 allows. */
export function isHostname(s: string): boolean {
  return allIn(HOSTNAME, s, 0, s.length);
}

function isHex(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66)
  );
}

/**
 * Checks a URI component: every character is in `t` or is a well-formed `%xx` escape.
 * Characters beyond ASCII are accepted (UTF-8 in user parts is common in practice).
 */
function escapedIn(t: Uint8Array, s: string, allowEmpty: boolean): boolean {
  if (s.length === 0) return allowEmpty;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c < 128 && t[c] !== 1) {
      return false;
    }
  }
  return true;
}

/** True when `s` is a valid (escaped) URI user or password part. */
export function isUserText(s: string): boolean {
  return escapedIn(USER, s, false);
}

/** True when `s` is a valid (escaped) URI parameter name or value. */
export function isUriParamText(s: string, allowEmpty: boolean): boolean {
  return escapedIn(URI_PARAM, s, allowEmpty);
}

/** True when `s` is a valid (escaped) URI header name or value. */
export function isUriHeaderText(s: string, allowEmpty: boolean): boolean {
  return escapedIn(URI_HEADER, s, allowEmpty);
}

/**
 * Resolves `%xx` escapes. The escaped bytes are read as UTF-8, so `%C3%A9` becomes `é`;
 * callers validate the escapes first, so a stray `%` is simply kept.
 */
export function unescape(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Non-ASCII text: re-encode the code point (surrogate pairs stay together).
      const cp = s.codePointAt(i) ?? c;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes every character outside `t` (UTF-8 bytes for non-ASCII), the inverse of unescape. */
function escapeWith(t: Uint8Array, s: string): string {
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) plain = false;
  }
  if (plain) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out +=
      b < 128 && t[b] === 1
        ? String.fromCharCode(b)
        : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Escapes a user or password part for a URI. */
export function escapeUser(s: string): string {
  return escapeWith(USER_STRICT, s);
}

/** Escapes a URI parameter name or value. */
export function escapeUriParam(s: string): string {
  return escapeWith(URI_PARAM, s);
}

/** Escapes a URI header name or value. */
export function escapeUriHeader(s: string): string {
  return escapeWith(URI_HEADER, s);
}

/**
 * Parses `1*DIGIT` no larger than `max`. Leading zeros are allowed (RFC 4475 "wsinv" sends
 * `0068`); anything else, including a sign, returns undefined. Long digit strings are
 * rejected before conversion so no precision is lost near the limit.
 */
export function parseDecimal(s: string, max: number): number | undefined {
  const len = s.length;
  if (len === 0) return undefined;
  let i = 0;
  while (i < len - 1 && s.charCodeAt(i) === 0x30) i++;
  if (len - i > 16) return undefined;
  let n = 0;
  for (let j = i; j < len; j++) {
    const c = s.charCodeAt(j) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= max ? n : undefined;
}
