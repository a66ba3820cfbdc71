/**
 * REFER (RFC 3515) support: reading Refer-To with an embedded Replaces (RFC 3891), and the
 * message/sipfrag NOTIFY bodies that report a transfer's progress.
 */
import { parseNameAddr, type NameAddr, type SipRequest } from '../message/index.js';

/** A parsed Replaces header (RFC 3891 §6.1). */
export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

/** Parses a Replaces header value; throws a plain Error naming the problem when malformed. */
export function parseReplaces(value: string): Replaces {
  const [callIdRaw, ...params] = value.split(';');
  const callId = callIdRaw?.trim();
  if (!callId) throw new Error('Replaces: missing Call-ID');
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (name === 'to-tag') toTag = val;
    else if (name === 'from-tag') fromTag = val;
    else if (name === 'early-only') earlyOnly = true;
  }
  if (!toTag) throw new Error('Replaces: missing to-tag');
  if (!fromTag) throw new Error('Replaces: missing from-tag');
  return { callId, toTag, fromTag, earlyOnly };
}

/** What a REFER asks for. */
export interface ReferTarget {
  /** The Refer-To address. */
  target: NameAddr;
  /** Replaces carried as a URI header of Refer-To (attended transfer), if any. */
  replaces?: Replaces;
  /** Referred-By, when given. */
  referredBy?: string;
}

/** Reads Refer-To (exactly one is required, RFC 3515 §2.4.1) and its Replaces, if any. */
export function readRefer(req: SipRequest): ReferTarget {
  const lines = req.headers.getLines('Refer-To');
  if (lines.length !== 1) throw new Error(`REFER needs exactly one Refer-To, got ${lines.length}`);
  const target = parseNameAddr(lines[0]!);
  let replaces: Replaces | undefined;
  for (const [name, value] of target.uri.headers) {
    if (name.toLowerCase() === 'replaces') replaces = parseReplaces(value);
  }
  const referredBy = req.headers.get('Referred-By');
  return { target, replaces, ...(referredBy ? { referredBy } : {}) };
}

/** A message/sipfrag body with just a status line (RFC 3515 §2.4.5). */
export function sipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

/** Reads the status code of a sipfrag NOTIFY body, or undefined when it has none. */
export function readSipfragStatus(body: Buffer): number | undefined {
  const m = /^SIP\/2\.0\s+(\d{3})/.exec(body.toString('utf8').trimStart());
  return m ? Number(m[1]) : undefined;
}
