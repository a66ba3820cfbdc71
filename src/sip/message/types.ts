/**
 * The SIP message model (RFC 3261 §7). Everything in src/sip speaks these types; the parser
 * builds them from bytes and the serializer turns them back into bytes.
 */
import type { SipHeaders } from './headers.js';

/** Transport protocols a SIP message can travel over. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** A parsed SIP or SIPS URI (RFC 3261 §19.1), or an opaque absolute URI for other schemes. */
export interface SipUri {
  /** Lower-case scheme: 'sip', 'sips', 'tel', or any other scheme the parser met. */
  scheme: string;
  /** Unescaped user part, when present. */
  user?: string;
  /** Unescaped password part, when present (deprecated by RFC 3261, still parsed). */
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference without brackets. Lower-cased. */
  host: string;
  /** Port, when given explicitly. */
  port?: number;
  /** URI parameters in order; names lower-cased, values unescaped; null for a bare flag. */
  params: Map<string, string | null>;
  /** URI headers (`?name=value&...`), names as written, values unescaped. */
  headers: Map<string, string>;
  /** For schemes other than sip/sips: everything after `scheme:`, verbatim. */
  opaque?: string;
}

/** A `name-addr` or `addr-spec` with header parameters, as in From, To, Contact, Route. */
export interface NameAddr {
  /** Display name without quotes and with escapes resolved, if present. */
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the address (tag, expires, q, …); names lower-cased. */
  params: Map<string, string | null>;
}

/** One Via header value (RFC 3261 §20.42). */
export interface Via {
  /** Upper-case transport token, e.g. 'UDP', 'TCP', 'TLS', 'WS', 'WSS'. */
  transport: string;
  host: string;
  port?: number;
  /** Via parameters (branch, received, rport, maddr, ttl …); names lower-cased. */
  params: Map<string, string | null>;
}

/** CSeq header value. */
export interface CSeq {
  seq: number;
  method: string;
}

/** Where a message came from or is going to, at the transport level. */
export interface TransportEndpoint {
  protocol: TransportProtocol;
  host: string;
  port: number;
  /** Identifies a connection-oriented flow so replies reuse the same connection. */
  connectionId?: string;
}

/** Fields shared by requests and responses. */
interface SipMessageBase {
  /** Protocol version as written on the start line, normally 'SIP/2.0'. */
  version: string;
  headers: SipHeaders;
  /** The body bytes exactly as received or to be sent (multipart passes through intact). */
  body: Buffer;
  /** Set on received messages: where the message came from. */
  source?: TransportEndpoint;
  /** Set on received messages: the local transport endpoint that received it. */
  local?: TransportEndpoint;
}

/** A SIP request. */
export interface SipRequest extends SipMessageBase {
  kind: 'request';
  /** Method token as written (methods are case-sensitive). */
  method: string;
  /** Request-URI as written on the request line. */
  uri: string;
}

/** A SIP response. */
export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

/** Either kind of SIP message. */
export type SipMessage = SipRequest | SipResponse;
