/**
 * Typed accessors over a message's raw headers. Parsed values are memoized per header
 * collection (a WeakMap, so nothing outlives its message) and keyed by the raw text they came
 * from: a header changed after parsing is simply parsed again. Callers get copies, so
 * mutating a result cannot corrupt the cache.
 */
import { badSyntax, describe } from './errors.js';
import { splitHeaderList } from './headers.js';
import type { SipHeaders } from './headers.js';
import type { CSeq, NameAddr, SipMessage, SipRequest, SipUri, Via } from './types.js';
import { cloneNameAddr, parseNameAddr } from './name-addr.js';
import { cloneUri, parseUri } from './uri.js';
import { cloneVia, parseCSeq, parseVia } from './via.js';
import { parseMaxForwardsValue } from './scalars.js';

interface Memo<T> {
  raw: string;
  value: T;
}

interface ListMemo<T> {
  lines: readonly string[];
  value: T[];
}

/** Via values parsed line by line, so editing one line (stamping) reparses only that line. */
interface ViaMemo extends ListMemo<Via> {
  perLine: ReadonlyArray<readonly Via[]>;
}

interface MessageMemo {
  vias?: ViaMemo;
  from?: Memo<NameAddr>;
  to?: Memo<NameAddr>;
  cseq?: Memo<CSeq>;
  contacts?: ListMemo<NameAddr | '*'>;
  requestUri?: Memo<SipUri>;
}

const memos = new WeakMap<SipHeaders, MessageMemo>();

function memoFor(headers: SipHeaders): MessageMemo {
  let m = memos.get(headers);
  if (!m) {
    m = {};
    memos.set(headers, m);
  }
  return m;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function required(msg: SipMessage, name: string): string {
  const raw = msg.headers.get(name);
  if (raw === undefined) throw badSyntax(`Missing header: ${name}`);
  return raw;
}

/** Parses the given Via lines (or reuses the memo) without copying; for the parser's checks. */
export function viasOf(headers: SipHeaders, lines: readonly string[]): readonly Via[] {
  const m = memoFor(headers);
  const old = m.vias;
  if (old && sameLines(old.lines, lines)) return old.value;
  // Lines whose text is unchanged at the same position keep their parse: the transport
  // rewrites only the top Via line of every request it receives (received/rport).
  const perLine = lines.map((line, i) => {
    const kept = old?.lines[i] === line ? old.perLine[i] : undefined;
    return kept ?? splitHeaderList(line).map(parseVia);
  });
  const value = perLine.flat();
  m.vias = { lines, value, perLine };
  return value;
}

function nameAddrOf(headers: SipHeaders, key: 'from' | 'to', raw: string): NameAddr {
  const m = memoFor(headers);
  const hit = m[key];
  if (hit && hit.raw === raw) return hit.value;
  const value = parseNameAddr(raw);
  m[key] = { raw, value };
  return value;
}

/** From as a name-addr, memoized; shared object, for internal use. */
export function fromOf(headers: SipHeaders, raw: string): NameAddr {
  return nameAddrOf(headers, 'from', raw);
}

/** To as a name-addr, memoized; shared object, for internal use. */
export function toOf(headers: SipHeaders, raw: string): NameAddr {
  return nameAddrOf(headers, 'to', raw);
}

/** CSeq, memoized; shared object, for internal use. */
export function cseqOf(headers: SipHeaders, raw: string): CSeq {
  const m = memoFor(headers);
  if (m.cseq && m.cseq.raw === raw) return m.cseq.value;
  const value = parseCSeq(raw);
  m.cseq = { raw, value };
  return value;
}

/** Contact values (`*` kept as the string '*'), memoized; shared objects, for internal use. */
export function contactsOf(
  headers: SipHeaders,
  lines: readonly string[],
): ReadonlyArray<NameAddr | '*'> {
  const m = memoFor(headers);
  if (m.contacts && sameLines(m.contacts.lines, lines)) return m.contacts.value;
  const value = lines
    .flatMap(splitHeaderList)
    .map((v): NameAddr | '*' => (v === '*' ? '*' : parseNameAddr(v)));
  m.contacts = { lines, value };
  return value;
}

/** The Request-URI parsed, memoized; shared object, for internal use. */
export function requestUriOf(headers: SipHeaders, raw: string): SipUri {
  const m = memoFor(headers);
  if (m.requestUri && m.requestUri.raw === raw) return m.requestUri.value;
  const value = parseUri(raw);
  m.requestUri = { raw, value };
  return value;
}

/**
 * Every Via value across all Via lines, top first. Returns [] when there is none; throws
 * SipParseError(400) when one is malformed.
 */
export function getVias(msg: SipMessage): Via[] {
  return viasOf(msg.headers, msg.headers.getLines('Via')).map(cloneVia);
}

/** The From header. Throws SipParseError(400) when missing or malformed. */
export function getFrom(msg: SipMessage): NameAddr {
  return cloneNameAddr(fromOf(msg.headers, required(msg, 'From')));
}

/** The To header. Throws SipParseError(400) when missing or malformed. */
export function getTo(msg: SipMessage): NameAddr {
  return cloneNameAddr(toOf(msg.headers, required(msg, 'To')));
}

/** The Call-ID, trimmed. Throws SipParseError(400) when missing or empty. */
export function getCallId(msg: SipMessage): string {
  const id = required(msg, 'Call-ID').trim();
  if (!id) throw badSyntax('Bad Call-ID: empty');
  return id;
}

/** The CSeq header. Throws SipParseError(400) when missing or malformed. */
export function getCSeq(msg: SipMessage): CSeq {
  return { ...cseqOf(msg.headers, required(msg, 'CSeq')) };
}

/**
 * Every Contact value across all Contact lines, in order; the wildcard of a REGISTER
 * (`Contact: *`) is returned as '*'. Returns [] when there is none.
 */
export function getContacts(msg: SipMessage): Array<NameAddr | '*'> {
  return contactsOf(msg.headers, msg.headers.getLines('Contact')).map((c) =>
    c === '*' ? c : cloneNameAddr(c),
  );
}

/** Max-Forwards, or undefined when absent. Throws SipParseError(400) when not 0..255. */
export function getMaxForwards(msg: SipMessage): number | undefined {
  const raw = msg.headers.get('Max-Forwards');
  if (raw === undefined) return undefined;
  const n = parseMaxForwardsValue(raw);
  if (n === undefined) throw badSyntax('Bad Max-Forwards');
  return n;
}

/** The Request-URI parsed. Throws SipParseError(400) when malformed. */
export function getRequestUri(req: SipRequest): SipUri {
  try {
    return cloneUri(requestUriOf(req.headers, req.uri));
  } catch (err) {
    throw badSyntax(`Bad Request-URI: ${describe(err)}`);
  }
}
