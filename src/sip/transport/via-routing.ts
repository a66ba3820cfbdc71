/**
 * The Via handling a transport owes: stamping `received`/`rport` on incoming requests
 * (RFC 3261 §18.2.1, RFC 3581 §4) and choosing where a response goes when the connection the
 * request came on is gone, or for UDP (RFC 3261 §18.2.2, RFC 3581 §4).
 */
import { formatVia, getVias, nextListComma, parseVia } from '../message/index.js';
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { defaultPort } from './resolve.js';

/**
 * Index just past the first element of a comma-separated header value, ignoring commas in
 * quoted strings and angle brackets; `value.length` when there is only one element.
 */
export function firstElementEnd(value: string): number {
  const comma = nextListComma(value);
  return comma < 0 ? value.length : comma;
}

/**
 * Stamps `received` and `rport` on the top Via of a request that arrived from `source`.
 *
 * `received` is always set to the real source address, overwriting whatever the sender put
 * there. RFC 3261 §18.2.1 requires it when the sent-by host differs from the source and RFC 3581
 * §4 whenever `rport` is present; writing it unconditionally is allowed and means a forged
 * `received` can never survive into the response's Via. Likewise a present `rport` always gets
 * the source port: a client sends it empty (RFC 3581 §3), so a value can only be forged.
 * Only the first value of the first Via line is rewritten, in place (SipHeaders.replaceLine),
 * so further values on that line and later lines stay byte-identical and the other headers'
 * cached parses survive. Throws SipParseError when the top Via cannot be parsed.
 */
export function stampReceived(req: SipRequest, source: TransportEndpoint): void {
  const line = req.headers.get('Via');
  if (line === undefined) return;
  const end = firstElementEnd(line);
  const top = parseVia(line.slice(0, end).trim());
  if (!stampVia(top, source)) return;
  req.headers.replaceLine('Via', 0, formatVia(top) + line.slice(end));
}

/** Applies received/rport to a parsed Via; returns whether anything changed. */
function stampVia(via: { params: Map<string, string | null> }, source: TransportEndpoint): boolean {
  let changed = false;
  const port = String(source.port);
  if (via.params.has('rport') && via.params.get('rport') !== port) {
    via.params.set('rport', port);
    changed = true;
  }
  if (via.params.get('received') !== source.host) {
    via.params.set('received', source.host);
    changed = true;
  }
  return changed;
}

/**
 * Where a response goes when it cannot (or, for UDP, need not) reuse the request's connection
 * (RFC 3261 §18.2.2, RFC 3581 §4). The host is always the address the request really came from:
 * the Via's `received` would name it once stamped, but a request that failed to parse is
 * answered unstamped, so its `received` (and `maddr`) is whatever the sender wrote, and trusting
 * it would let anyone aim our responses and retransmissions at a third party.
 * - UDP: the source port when the Via asked for `rport` (what stamping writes), else the sent-by
 *   port, else 5060. A `maddr` is ignored: honouring one that differs from the source is the
 *   same reflection, and one equal to it changes nothing.
 * - Reliable transports (the request's connection is gone): a new connection to the source host
 *   at the sent-by port or the protocol's default port; the connection id is dropped.
 * Throws when the response carries no Via.
 */
export function responseDestination(
  res: SipResponse,
  requestSource: TransportEndpoint,
): TransportEndpoint {
  const via = getVias(res)[0];
  if (!via) throw new Error('response has no Via header');
  const protocol = requestSource.protocol;
  const host = requestSource.host;
  if (protocol === 'udp' && via.params.has('rport')) {
    return { protocol, host, port: requestSource.port };
  }
  return { protocol, host, port: via.port ?? defaultPort(protocol) };
}
