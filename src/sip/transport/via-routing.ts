/**
 * The Via handling a transport owes: stamping `received`/`rport` on incoming requests
 * (RFC 3261 §18.2.1, RFC 3581 §4) and choosing where a response goes when the connection the
 * request came on is gone, or for UDP (RFC 3261 §18.2.2, RFC 3581 §4).
 */
import { formatVia, getVias, nextListComma, parseVia, SipHeaders } from '../message/index.js';
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
 * Adds `received` and fills `rport` on the top Via of a request that arrived from `source`.
 *
 * `received` goes in when the sent-by host differs from the source address (RFC 3261
 * §18.2.1) and also whenever the client asked for `rport`, which RFC 3581 §4 requires even
 * when they match. An empty `rport` gets the source port. Only the first value of the first
 * Via line is rewritten; any further values on that line and later lines stay byte-identical.
 * Throws SipParseError when the top Via cannot be parsed.
 */
export function stampReceived(req: SipRequest, source: TransportEndpoint): void {
  let done = false;
  const entries: Array<[string, string]> = [];
  for (const field of req.headers.entries()) {
    if (done || field.name.toLowerCase() !== 'via') {
      entries.push([field.name, field.value]);
      continue;
    }
    done = true;
    const end = firstElementEnd(field.value);
    const top = parseVia(field.value.slice(0, end).trim());
    if (!stampVia(top, source)) return;
    entries.push([field.name, formatVia(top) + field.value.slice(end)]);
  }
  // Rebuilt rather than edited in place: SipHeaders only offers whole-header replacement, and
  // the Via lines must keep their positions and split.
  if (done) req.headers = SipHeaders.from(entries);
}

/** Applies received/rport to a parsed Via; returns whether anything changed. */
function stampVia(
  via: { host: string; params: Map<string, string | null> },
  source: TransportEndpoint,
): boolean {
  let changed = false;
  const rport = via.params.get('rport');
  const wantsRport = via.params.has('rport');
  if (wantsRport && (rport === null || rport === '')) {
    via.params.set('rport', String(source.port));
    changed = true;
  }
  if (via.host.toLowerCase() !== source.host.toLowerCase() || wantsRport) {
    if (via.params.get('received') !== source.host) {
      via.params.set('received', source.host);
      changed = true;
    }
  }
  return changed;
}

/**
 * Where a response goes when it cannot (or, for UDP, need not) reuse the request's connection,
 * from the response's top Via and the request's source:
 * - UDP: the `received` address (else the source address, which is what `received` would
 *   have said) and the `rport` value, else the sent-by port, else 5060; `maddr` wins when
 *   present (RFC 3261 §18.2.2).
 * - Reliable transports: `received` (else sent-by) host and the sent-by port or the protocol's
 *   default port (RFC 3261 §18.2.2); the connection id is dropped so a new one is opened.
 * Throws when the response carries no Via.
 */
export function responseDestination(
  res: SipResponse,
  requestSource: TransportEndpoint,
): TransportEndpoint {
  const via = getVias(res)[0];
  if (!via) throw new Error('response has no Via header');
  const protocol = requestSource.protocol;
  const received = nonEmpty(via.params.get('received'));
  if (protocol === 'udp') {
    const maddr = nonEmpty(via.params.get('maddr'));
    if (maddr) return { protocol, host: maddr, port: via.port ?? defaultPort(protocol) };
    const rport = via.params.get('rport');
    const rportNumber = rport ? Number(rport) : NaN;
    let port = via.port ?? defaultPort(protocol);
    if (Number.isInteger(rportNumber) && rportNumber > 0 && rportNumber < 65536) {
      port = rportNumber;
    } else if (via.params.has('rport')) {
      // An rport left empty (the message was not stamped on arrival): the source port is
      // exactly what it would have been filled with.
      port = requestSource.port;
    }
    return { protocol, host: received ?? requestSource.host, port };
  }
  return {
    protocol,
    host: received ?? via.host,
    port: via.port ?? defaultPort(protocol),
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}
