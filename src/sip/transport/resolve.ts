/**
 * Turns a SIP URI into a transport destination (a reduced RFC 3263: transport parameter and
 * default ports, host through the system resolver, no NAPTR/SRV).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { defaultPortFor, protocolFromToken } from '../message/index.js';
import type { SipUri, TransportEndpoint, TransportProtocol } from '../message/index.js';

/** The default port of each protocol (RFC 3261 §19.1.2, RFC 7118 §5.2). */
export function defaultPort(protocol: TransportProtocol): number {
  return defaultPortFor(protocol);
}

/** Whether a protocol is connection-oriented, so the transaction layer can skip retransmits. */
export function isReliableProtocol(protocol: TransportProtocol): boolean {
  return protocol !== 'udp';
}

/** Re-exported: the transport module has always published it; the definition is shared. */
export { protocolFromToken };

/**
 * Picks the protocol for a URI: the `transport` parameter, else UDP for sip: and TLS for
 * sips:. A sips: URI must be reached securely (RFC 3261 §19.1), so tcp becomes tls and ws
 * becomes wss there.
 */
export function protocolForUri(uri: SipUri): TransportProtocol {
  const secure = uri.scheme === 'sips';
  const param = uri.params.get('transport');
  if (param === undefined || param === null || param === '') return secure ? 'tls' : 'udp';
  const protocol = protocolFromToken(param);
  if (!protocol) throw new Error(`unsupported transport '${param}' in URI`);
  if (!secure) return protocol;
  if (protocol === 'tcp' || protocol === 'udp') return 'tls';
  if (protocol === 'ws') return 'wss';
  return protocol;
}

/**
 * Resolves a SIP URI to the endpoint to send to. IP literals pass through; names go through
 * `dns.lookup` restricted to IPv4 because the UDP socket is IPv4.
 */
export async function resolveUri(uri: SipUri): Promise<TransportEndpoint> {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') {
    throw new Error(`cannot route to a ${uri.scheme}: URI`);
  }
  const protocol = protocolForUri(uri);
  const port = uri.port ?? defaultPort(protocol);
  const host = isIP(uri.host) ? uri.host : (await lookup(uri.host, { family: 4 })).address;
  return { protocol, host, port };
}
