/**
 * Types shared by the transport layer and its per-protocol socket handlers.
 */
import type { TransportEndpoint, TransportProtocol } from '../message/index.js';

/** Where a listening transport binds. Port 0 picks a free port. */
export interface ListenOptions {
  host: string;
  port: number;
}

/** A listening TLS or WSS transport: bind address plus server certificate and key (PEM). */
export interface SecureListenOptions extends ListenOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/** How outbound TLS/WSS connections verify the peer. */
export interface TlsClientOptions {
  /** Trusted CA certificates (PEM); the system store when absent. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Whether to reject peers whose certificate does not verify. Default true. */
  rejectUnauthorized?: boolean;
}

/** Configuration of a {@link TransportLayer}; each protocol listens only when configured. */
export interface TransportOptions {
  udp?: ListenOptions;
  tcp?: ListenOptions;
  tls?: SecureListenOptions;
  ws?: ListenOptions;
  wss?: SecureListenOptions;
  /** Largest message sent or accepted, in bytes. Default 65535. */
  maxMessageBytes?: number;
  /** Connections without traffic for this long are closed. Default 10 minutes. */
  idleTimeoutMs?: number;
  /** Host reported by `endpoints()` (for Via/Contact) instead of the bound address. */
  publicHost?: string;
  /** Verification of outbound TLS and WSS connections. */
  tlsClient?: TlsClientOptions;
}

/** Stream-oriented protocols: these carry connections. */
export type ConnectionProtocol = Exclude<TransportProtocol, 'udp'>;

/** One open connection (TCP, TLS, WS or WSS), inbound or outbound. */
export interface Connection {
  /** Unique id such as `tcp:127.0.0.1:54321#3` (protocol, remote address, sequence). */
  readonly id: string;
  readonly protocol: ConnectionProtocol;
  /** The peer's address and port. */
  readonly remote: { host: string; port: number };
  /** Our side of the connection. */
  readonly local: TransportEndpoint;
  /** Writes bytes (one whole SIP message, or a keep-alive) to the peer. */
  write(data: Buffer): Promise<void>;
  /** Closes the connection at once; the owner learns it through `closed`. */
  close(): void;
  /** False once the connection is closing or closed. */
  isOpen(): boolean;
}

/**
 * What a per-protocol handler reports to the transport layer. Implementations never throw:
 * these are called from socket event handlers.
 */
export interface TransportSink {
  /** One whole message arrived (a datagram, a framed stream message or a WebSocket frame). */
  message(data: Buffer, source: TransportEndpoint, local: TransportEndpoint): void;
  /** Input that could not be delivered; `reason` is a short kebab-case category. */
  drop(reason: string, source: TransportEndpoint, raw?: Buffer): void;
  /** A connection was established (either direction). */
  opened(conn: Connection): void;
  /** A connection went away. */
  closed(conn: Connection): void;
  /** Bytes moved on a connection: resets its idle timer. */
  activity(conn: Connection): void;
  /** A socket-level error worth surfacing (resets, TLS failures …). */
  error(err: Error, context: string): void;
  /** Allocates a connection id. */
  connectionId(protocol: ConnectionProtocol, host: string, port: number): string;
}

/** Settings every handler needs. */
export interface HandlerSettings {
  maxMessageBytes: number;
  tlsClient: TlsClientOptions;
}

/** Strips the IPv4-mapped IPv6 prefix so addresses compare equal to the dotted form. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** True for input holding only line breaks and blanks: keep-alive noise, not a message. */
export function isBlank(data: Buffer): boolean {
  for (const byte of data) {
    if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x09) return false;
  }
  return true;
}
