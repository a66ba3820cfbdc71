/**
 * Parser and formatter for HTTP/SIP authentication header values (RFC 7235 §2.1, RFC 3261
 * §25.1): WWW-Authenticate, Proxy-Authenticate, Authorization, Proxy-Authorization and
 * Authentication-Info. SIP carries one challenge per header line, but HTTP-style lines holding
 * several challenges are accepted too because some gateways emit them.
 */

/** One challenge or credentials value: a scheme plus its auth-params. */
export interface AuthHeaderValue {
  /** The scheme as written, e.g. 'Digest' (compare case-insensitively). */
  scheme: string;
  /** auth-params by lower-case name; quoted-string values are unquoted and unescaped. */
  params: Map<string, string>;
  /** The token68 form (e.g. Basic credentials), when the scheme used it instead of params. */
  token68?: string;
}

/** One auth-param to format. */
export interface AuthParam {
  name: string;
  value: string;
  /** True to emit a quoted-string; false for a bare token (algorithm, qop in credentials, nc …). */
  quoted: boolean;
}

/** Thrown when an authentication header value cannot be parsed. */
export class AuthHeaderParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthHeaderParseError';
  }
}

// RFC 3261 token characters; names must be tokens, so anything else ends a name.
const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/;
// A token68 (RFC 7235 §2.1) standing alone after the scheme, up to a comma or the end.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/;

function isWs(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** A small cursor over the header text. */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  skipWs(): void {
    while (isWs(this.text[this.pos])) this.pos++;
  }

  /** Skips whitespace and any number of list commas (empty list elements are legal). */
  skipSeparators(): void {
    while (isWs(this.text[this.pos]) || this.text[this.pos] === ',') this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (this.pos < this.text.length && TOKEN_CHAR.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * A parameter value: a quoted-string, or anything up to whitespace or a comma. Being lenient
   * about unquoted values matters because some devices send nonces with '/' or '=' unquoted.
   */
  value(): string {
    if (this.peek() === '"') return this.quoted();
    const start = this.pos;
    while (this.pos < this.text.length && !isWs(this.text[this.pos]) && this.peek() !== ',') {
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  quoted(): string {
    this.pos++; // opening quote
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '\\') {
        const next = this.text[this.pos + 1];
        if (next === undefined) break;
        out += next;
        this.pos += 2;
      } else if (ch === '"') {
        this.pos++;
        return out;
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw new AuthHeaderParseError('unterminated quoted-string');
  }
}

/**
 * Parses an authentication header value into its challenges or credentials. Parameter names are
 * lower-cased; the first occurrence of a repeated name wins. Throws AuthHeaderParseError on
 * malformed input (missing scheme, unterminated quotes, a parameter without a value).
 */
export function parseAuthHeader(text: string): AuthHeaderValue[] {
  const s = new Scanner(text);
  const out: AuthHeaderValue[] = [];
  let current: AuthHeaderValue | undefined;
  s.skipSeparators();
  while (!s.done) {
    const name = s.token();
    if (!name) throw new AuthHeaderParseError(`unexpected character at ${s.pos}`);
    const afterName = s.pos;
    s.skipWs();
    if (s.peek() === '=' && current) {
      s.pos++;
      s.skipWs();
      const value = s.value();
      const key = name.toLowerCase();
      if (!current.params.has(key)) current.params.set(key, value);
    } else {
      // A token not followed by '=' starts a new challenge: it is a scheme name.
      s.pos = afterName;
      current = { scheme: name, params: new Map() };
      out.push(current);
      s.skipWs();
      const m = TOKEN68.exec(text.slice(s.pos));
      if (m) {
        current.token68 = m[0];
        s.pos += m[0].length;
      }
    }
    s.skipWs();
    if (!s.done && s.peek() !== ',' && !TOKEN_CHAR.test(s.peek()!)) {
      throw new AuthHeaderParseError(`unexpected character at ${s.pos}`);
    }
    s.skipSeparators();
  }
  if (out.length === 0) throw new AuthHeaderParseError('empty authentication header');
  return out;
}

/** Returns `value` as a quoted-string, escaping backslashes and double quotes. */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Formats one challenge or credentials value: `Scheme a="x", b=y`. */
export function formatAuthHeader(scheme: string, params: readonly AuthParam[]): string {
  const list = params.map((p) => `${p.name}=${p.quoted ? quoteString(p.value) : p.value}`);
  return list.length ? `${scheme} ${list.join(', ')}` : scheme;
}
