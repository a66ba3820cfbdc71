/**
 * Requests the transaction layer builds on its own: the ACK for a 3xx–6xx answer to an INVITE
 * (RFC 3261 §17.1.1.3) and the CANCEL for a pending INVITE (§9.1). Both reuse the INVITE's
 * header lines verbatim rather than re-formatting them, so that tags, Call-ID and the top Via
 * compare equal byte for byte at the other end.
 */
import { SipHeaders, getCSeq } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';

/** Max-Forwards for the requests built here (RFC 3261 §8.1.1.6 recommends 70). */
const MAX_FORWARDS = '70';

/** Reads a header the message parser guarantees; throws when a hand-built message lacks it. */
function required(req: SipRequest, name: string): string {
  const value = req.headers.get(name);
  if (value === undefined) throw new Error(`request has no ${name} header`);
  return value;
}

/** The INVITE's top Via value only: ACK and CANCEL carry one Via (§17.1.1.3, §9.1). */
function topVia(req: SipRequest): string {
  const via = req.headers.getAll('Via')[0];
  if (via === undefined) throw new Error('request has no Via header');
  return via;
}

/** Assembles a bodiless request that shares Request-URI, Via, Route, From and Call-ID. */
function derive(invite: SipRequest, method: string, to: string): SipRequest {
  const headers = new SipHeaders();
  headers.append('Via', topVia(invite));
  // Route lines are copied so the request follows the INVITE's path (loose routing).
  for (const route of invite.headers.getLines('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', MAX_FORWARDS);
  headers.append('From', required(invite, 'From'));
  headers.append('To', to);
  headers.append('Call-ID', required(invite, 'Call-ID'));
  headers.append('CSeq', `${getCSeq(invite).seq} ${method}`);
  return {
    kind: 'request',
    version: 'SIP/2.0',
    method,
    uri: invite.uri,
    headers,
    body: Buffer.alloc(0),
  };
}

/**
 * The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From,
 * CSeq number, top Via (hence branch) and Route as the INVITE; To taken from the response so it
 * carries the tag the UAS chose.
 */
export function buildNonSuccessAck(invite: SipRequest, response: SipResponse): SipRequest {
  const to = response.headers.get('To') ?? required(invite, 'To');
  return derive(invite, 'ACK', to);
}

/**
 * The CANCEL for `invite` (RFC 3261 §9.1): same Request-URI, Call-ID, To, From and CSeq number
 * (method CANCEL), the INVITE's top Via alone (same branch, so the UAS can match it), Route
 * copied.
 */
export function buildCancel(invite: SipRequest): SipRequest {
  return derive(invite, 'CANCEL', required(invite, 'To'));
}
