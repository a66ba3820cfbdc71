/**
 * Zod building blocks shared by the /v1 resources: strict objects that name an unknown field,
 * one-line texts, ids, phone numbers, prefixes, CIDRs, SIP header names and values. Semantic
 * checks live here, in the schemas, so every route refuses bad input with a 400 naming the field
 * before anything reaches the store — and nothing the database would choke on (a NUL byte, an
 * integer beyond int4) can turn into a 500.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { normaliseNumber, validateCidr } from '../../calls/index.js';

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// Header values may hold a tab (RFC 3261 LWS) but no other control character: CR/LF would let a
// value inject headers of its own.
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const HEADER_VALUE_FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Message of an issue raised for a key the object does not know. */
export const UNKNOWN_FIELD = 'is not a known field';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The known key within two edits of a mistyped one (`nmae` → `name`), if there is one. */
function closest(key: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Wraps an object-like schema so that unknown keys are refused one by one, each with its own
 * path. Zod's `.strict()` reports them in one issue at the object's path, which for a request
 * body is the empty path — the 400 would not name the mistyped field. The unknown keys are
 * dropped before `schema` runs, so the inner strictness never reports them a second time; the
 * inner schema still documents `additionalProperties: false`.
 *
 * @param knownKeys the keys allowed for a given value (a discriminated union allows different
 *   keys per variant); undefined lets the value through untouched for `schema` to judge.
 */
export function rejectUnknownKeys<T extends z.ZodType>(
  knownKeys: (value: Record<string, unknown>) => ReadonlySet<string> | undefined,
  schema: T,
) {
  return z.preprocess((value, ctx) => {
    if (!isPlainObject(value)) return value;
    const known = knownKeys(value);
    if (!known) return value;
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (known.has(key)) kept[key] = field;
      else {
        const near = closest(key, known);
        const message = near ? `${UNKNOWN_FIELD} (did you mean ${near}?)` : UNKNOWN_FIELD;
        ctx.addIssue({ code: 'custom', path: [key], message, input: field });
      }
    }
    return kept;
  }, schema);
}

/** A strict object whose unknown keys are each named in the 400 (see {@link rejectUnknownKeys}). */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  return rejectUnknownKeys(() => known, z.strictObject(shape));
}

/** A non-empty single line of text (trimmed), at most `max` characters. */
export function line(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must be one line of text without control characters');
}

/**
 * Ids: the store's `tri_…` style, or one chosen by declarative configuration. Restricting the
 * alphabet keeps ids safe in URLs, logs and SQL text columns.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** An id, as chosen by a client or given in a path. */
export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'must be an id: letters, digits, "_", ".", ":" or "-", at most 128');

/** Path parameters of `/:id` routes. */
export const idParams = z.object({ id: idSchema });

/** An integer in `[min, max]`; the bounds keep values inside PostgreSQL's int4. */
export function integer(min: number, max: number) {
  return z
    .number()
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
}

/** Longest phone number accepted, once normalised (E.164 has 15 digits; margin for prefixes). */
const MAX_NUMBER_LENGTH = 32;

/**
 * A phone number (a DID or a caller ID), stored normalised: `+86 10 8888-6666` becomes
 * `+861088886666`. Normalising before storing matters for inbound trunks: "one number, one
 * trunk" is enforced on the stored text, so two spellings of one number must not both get in.
 */
export const phoneNumber = z
  .string()
  .max(64, 'must be at most 64 characters')
  .transform((raw, ctx) => {
    const number = normaliseNumber(raw);
    if (!/^\+?[0-9]+$/.test(number) || number.length > MAX_NUMBER_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a phone number: digits with an optional leading "+", at most ${MAX_NUMBER_LENGTH} (spaces and dashes are ignored)`,
      });
      return z.NEVER;
    }
    return number;
  });

/** A destination prefix of the toll-fraud guard: `+86`, `+1415`, `0044`. */
export const destinationPrefix = z
  .string()
  .regex(/^\+?[0-9]{1,15}$/, 'must be an optional "+" and 1–15 digits, e.g. +86 or +1415');

/** A CIDR block (`203.0.113.0/24`, `2001:db8::/32`) or a single address. */
export const cidr = z
  .string()
  .max(64, 'must be at most 64 characters')
  .superRefine((text, ctx) => {
    const reason = validateCidr(text);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: `not a CIDR: ${reason}` });
  });

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Why `text` is not `host:port` (a host name, IPv4 or `[IPv6]`, and a port), or undefined. */
export function hostPortProblem(text: string): string | undefined {
  const m = /^(\[([^\]]*)\]|[^:[\]]*):([0-9]{1,5})$/.exec(text);
  if (!m) return 'must be host:port, e.g. sip.example.com:5060 or [2001:db8::1]:5061';
  const host = m[2] ?? m[1]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return 'port must be 1–65535';
  if (m[2] !== undefined) return isIPv6(host) ? undefined : 'not a valid IPv6 address';
  if (isIPv4(host)) return undefined;
  if (/^[0-9.]+$/.test(host)) return 'not a valid IPv4 address';
  const labels = host.replace(/\.$/, '').split('.');
  if (host.length > 253 || !labels.every((l) => HOST_LABEL.test(l))) return 'not a valid host name';
  return undefined;
}

/** `host:port` of a SIP server. */
export const hostPort = z
  .string()
  .max(300, 'must be at most 300 characters')
  .superRefine((text, ctx) => {
    const problem = hostPortProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A SIP header name: an RFC 3261 token. */
export const headerName = z
  .string()
  .regex(/^[A-Za-z0-9.!%*_+`'~-]{1,64}$/, 'must be a SIP header name (letters, digits, -)');

/**
 * Headers a trunk may not add to our INVITEs: the SIP stack writes them, and a second copy
 * would break the dialog or the authentication (compact forms included).
 */
const RESERVED_HEADERS = new Set([
  'via',
  'v',
  'from',
  'f',
  'to',
  't',
  'call-id',
  'i',
  'cseq',
  'contact',
  'm',
  'max-forwards',
  'content-length',
  'l',
  'content-type',
  'c',
  'route',
  'record-route',
  'authorization',
  'proxy-authorization',
]);

/** Name of a header an outbound trunk adds (not one the SIP stack owns). */
export const extraHeaderName = headerName.refine(
  (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
  'is set by the SIP stack and cannot be overridden',
);

/** A SIP header value: one line (no CR/LF), at most 1024 characters. */
export const headerValue = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .refine((s) => !HEADER_VALUE_FORBIDDEN.test(s), 'must be one line (no CR, LF or control chars)');

/**
 * A record with at most `max` entries. A refused key is reported at its own path with the key
 * schema's reason (zod's default is a bare "Invalid key in record").
 */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  max: number,
) {
  return z
    .record(key, value, {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `key ${issue.issues[0]?.message ?? 'is invalid'}`
          : undefined,
    })
    .refine((r) => Object.keys(r).length <= max, `must have at most ${max} entries`);
}

/** Digest credentials as written by a client; the password is never returned. */
export const credentialsInput = strictObject({
  username: z
    .string()
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\s"\\\u0000-\u001f\u007f]{1,128}$/, 'must be 1–128 characters, no spaces or quotes'),
  password: z
    .string()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters'),
});

/** Credentials as answered: the password only as a flag. */
export const credentialsView = z.object({
  username: z.string(),
  passwordSet: z.literal(true),
});

/** Masks a stored password. */
export function maskCredentials(
  credentials: { username: string; password: string } | undefined,
): z.infer<typeof credentialsView> | undefined {
  return credentials ? { username: credentials.username, passwordSet: true } : undefined;
}

/** An ISO 8601 timestamp in answers. */
export const timestamp = z.iso.datetime();

/** A Date as it goes out: ISO 8601, UTC. */
export function iso(date: Date): string;
export function iso(date: Date | undefined): string | undefined;
export function iso(date: Date | undefined): string | undefined {
  return date?.toISOString();
}

/** `{ items: [...] }`, the shape of every listing. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/** A `limit` query parameter, 1–1000 (query strings are text, hence the coercion). */
export const limitQuery = z.coerce
  .number('must be a number')
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(1000, 'must be at most 1000');

/** The same fields, each optional: the body of a PATCH, or the optional part of a create. */
export function optionalFields<S extends Record<string, z.ZodType>>(
  shape: S,
): { [K in keyof S]: z.ZodOptional<S[K]> } {
  return Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [key, schema.optional()]),
  ) as { [K in keyof S]: z.ZodOptional<S[K]> };
}

/**
 * An array of `item` with `min`–`max` entries, optionally without repeats (compared after
 * parsing, so two spellings of one phone number count as a repeat). The bounds are a refinement
 * rather than zod's `.min()`/`.max()`: those also run on a string sent in place of the array
 * (both have a `length`), adding a misleading "string too long" to the "expected array" of the
 * same field. The bounds still reach the OpenAPI document through the metadata.
 */
export function list<T extends z.ZodType>(
  item: T,
  bounds: { max: number; min?: number; what: string; unique?: boolean },
) {
  const min = bounds.min ?? 0;
  return z
    .array(item)
    .superRefine((items, ctx) => {
      if (items.length < min) {
        ctx.addIssue({ code: 'custom', message: `must list at least ${min} ${bounds.what}` });
      } else if (items.length > bounds.max) {
        ctx.addIssue({ code: 'custom', message: `must list at most ${bounds.max} ${bounds.what}` });
      }
      if (!bounds.unique) return;
      const seen = new Set<unknown>();
      items.forEach((value, index) => {
        if (seen.has(value)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `${String(value)} is listed twice`,
          });
        }
        seen.add(value);
      });
    })
    .meta({
      ...(min > 0 ? { minItems: min } : {}),
      maxItems: bounds.max,
      ...(bounds.unique ? { uniqueItems: true } : {}),
    });
}
