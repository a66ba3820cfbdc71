/**
 * An ordered, case-insensitive SIP header collection (RFC 3261 §7.3). Values are kept as raw
 * strings in arrival order so that a message can be forwarded or re-serialized intact;
 * typed accessors in the parser module interpret them on demand.
 */

/** Compact header forms (RFC 3261 §7.3.3 and later RFCs) mapped to their full names. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  r: 'Refer-To',
  b: 'Referred-By',
  o: 'Event',
  u: 'Allow-Events',
  x: 'Session-Expires',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

/** Canonical spellings for well-known headers, keyed by lower-case name. */
const CANONICAL: ReadonlyMap<string, string> = new Map(
  [
    'Accept',
    'Accept-Encoding',
    'Accept-Language',
    'Alert-Info',
    'Allow',
    'Allow-Events',
    'Authentication-Info',
    'Authorization',
    'Call-ID',
    'Call-Info',
    'Contact',
    'Content-Disposition',
    'Content-Encoding',
    'Content-Language',
    'Content-Length',
    'Content-Type',
    'CSeq',
    'Date',
    'Error-Info',
    'Event',
    'Expires',
    'From',
    'In-Reply-To',
    'Max-Forwards',
    'Min-Expires',
    'Min-SE',
    'MIME-Version',
    'Organization',
    'Priority',
    'Proxy-Authenticate',
    'Proxy-Authorization',
    'Proxy-Require',
    'RAck',
    'Record-Route',
    'Refer-To',
    'Referred-By',
    'Replaces',
    'Reply-To',
    'Require',
    'Retry-After',
    'Route',
    'RSeq',
    'Server',
    'Session-Expires',
    'Subject',
    'Subscription-State',
    'Supported',
    'Timestamp',
    'To',
    'Unsupported',
    'User-Agent',
    'Via',
    'Warning',
    'WWW-Authenticate',
  ].map((n) => [n.toLowerCase(), n]),
);

/** The canonical spellings themselves, for the fast path of canonicalHeaderName. */
const CANONICAL_NAMES: ReadonlySet<string> = new Set(CANONICAL.values());

/**
 * Headers whose values may not be split on commas: their grammar contains commas that are not
 * list separators (RFC 3261 §7.3.1 lists the authentication headers; Date has one too).
 */
const NOT_A_LIST: ReadonlySet<string> = new Set([
  'www-authenticate',
  'authorization',
  'proxy-authenticate',
  'proxy-authorization',
  'authentication-info',
  'date',
  'subject',
  'user-agent',
  'server',
  'organization',
  'call-id',
  'cseq',
  'content-length',
  'content-type',
  'max-forwards',
  'expires',
  'min-expires',
  'retry-after',
  'timestamp',
  'rseq',
  'rack',
  'session-expires',
  'min-se',
  'replaces',
  'refer-to',
  'referred-by',
  'event',
  'subscription-state',
]);

/** Returns the canonical full name of a header, expanding compact forms. */
export function canonicalHeaderName(name: string): string {
  // Fast path: names already canonical (every lookup by a constant, every stored name) skip
  // the lower-casing allocation.
  if (name.length > 1 && CANONICAL_NAMES.has(name)) return name;
  const lower = name.toLowerCase();
  const full = name.length === 1 ? COMPACT_FORMS[lower] : undefined;
  if (full) return full;
  return CANONICAL.get(lower) ?? name;
}

/**
 * Index of the next comma at or after `from` that separates list elements — one outside
 * quoted strings and angle brackets — or -1 when there is none.
 */
export function nextListComma(value: string, from = 0): number {
  let depthAngle = 0;
  let inQuote = false;
  for (let i = from; i < value.length; i++) {
    const ch = value[i];
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuote = false;
    } else if (ch === '"') inQuote = true;
    else if (ch === '<') depthAngle++;
    else if (ch === '>') depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === ',' && depthAngle === 0) return i;
  }
  return -1;
}

/**
 * Splits a header value on top-level commas, ignoring commas inside quoted strings and angle
 * brackets. Empty elements are dropped.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const comma = nextListComma(value, start);
    const part = value.slice(start, comma < 0 ? undefined : comma).trim();
    if (part) out.push(part);
    if (comma < 0) return out;
    start = comma + 1;
  }
}

/**
 * Compares a stored name with a looked-up one. Stored names are canonical, so the exact
 * comparison settles nearly every lookup without allocating a lower-cased copy; the
 * case-insensitive fallback only runs for unknown headers spelt differently.
 */
function sameName(stored: string, canon: string, lower: string): boolean {
  return stored === canon || (stored.length === lower.length && stored.toLowerCase() === lower);
}

/** One header line as stored: canonical name plus raw value. */
export interface HeaderField {
  name: string;
  value: string;
}

/** Ordered, case-insensitive header collection. */
export class SipHeaders {
  private readonly fields: HeaderField[] = [];

  /** Builds a collection from [name, value] pairs, in order. */
  static from(entries: Iterable<readonly [string, string]>): SipHeaders {
    const h = new SipHeaders();
    for (const [n, v] of entries) h.append(n, v);
    return h;
  }

  /** Appends a header line (no splitting, no merging). */
  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Inserts a header line before all others of any name (used for Via and Record-Route). */
  prepend(name: string, value: string): this {
    this.fields.unshift({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Replaces every line of this header with one line holding `value`. */
  set(name: string, value: string): this {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    const idx = this.fields.findIndex((f) => sameName(f.name, canon, lower));
    this.delete(canon);
    const field = { name: canon, value };
    if (idx < 0) this.fields.push(field);
    else this.fields.splice(Math.min(idx, this.fields.length), 0, field);
    return this;
  }

  /**
   * Replaces the value of the `index`-th line (0-based, counting only lines of this header) in
   * place: the line keeps its position and its name, and every other line is untouched. This
   * matters beyond order: parsed values are cached per SipHeaders object and keyed by raw text
   * (see accessors.ts), so editing in place invalidates only what was parsed from this line,
   * where rebuilding the collection would throw every cached parse away.
   * Throws RangeError when there is no such line.
   */
  replaceLine(name: string, index: number, value: string): this {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    let seen = 0;
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      if (!sameName(f.name, canon, lower)) continue;
      if (seen === index) {
        // A fresh field object: ones already handed out by entries() keep their old value.
        this.fields[i] = { name: f.name, value };
        return this;
      }
      seen++;
    }
    throw new RangeError(`no ${canon} header line at index ${index}`);
  }

  /** Removes every line of this header. */
  delete(name: string): this {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if (sameName(this.fields[i]!.name, canon, lower)) this.fields.splice(i, 1);
    }
    return this;
  }

  /** True when at least one line of this header exists. */
  has(name: string): boolean {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    return this.fields.some((f) => sameName(f.name, canon, lower));
  }

  /** The first raw line of this header (not split on commas). */
  get(name: string): string | undefined {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    for (const f of this.fields) if (sameName(f.name, canon, lower)) return f.value;
    return undefined;
  }

  /** Every raw line of this header, in order, without splitting. */
  getLines(name: string): string[] {
    const canon = canonicalHeaderName(name);
    const lower = canon.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (sameName(f.name, canon, lower)) out.push(f.value);
    return out;
  }

  /**
   * Every value of this header: lines in order, each split on top-level commas unless the
   * header's grammar forbids it (authentication headers, Date, …).
   */
  getAll(name: string): string[] {
    const lines = this.getLines(name);
    if (NOT_A_LIST.has(canonicalHeaderName(name).toLowerCase())) return lines;
    return lines.flatMap(splitHeaderList);
  }

  /** Number of header lines stored. */
  get size(): number {
    return this.fields.length;
  }

  /** Header lines in order. */
  entries(): IterableIterator<HeaderField> {
    return this.fields.values();
  }

  /** A deep copy. */
  clone(): SipHeaders {
    const h = new SipHeaders();
    for (const f of this.fields) h.fields.push({ ...f });
    return h;
  }
}
