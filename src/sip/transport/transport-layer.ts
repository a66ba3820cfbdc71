/**
 * The SIP transport layer (RFC 3261 §18): owns every socket, turns bytes into parsed messages
 * for the transaction layer, and routes outgoing requests and responses, reusing connections.
 */
import { networkInterfaces } from 'node:os';
import { parseMessage, serializeMessage, SipParseError } from '../message/index.js';
import type {
  SipMessage,
  SipResponse,
  SipUri,
  TransportEndpoint,
  TransportProtocol,
} from '../message/index.js';
import { ConnectionTable, DEFAULT_IDLE_TIMEOUT_MS, remoteKey } from './connection-table.js';
import { isReliableProtocol, resolveUri } from './resolve.js';
import { StreamTransport } from './stream-transport.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './stream-framer.js';
import type {
  Connection,
  ConnectionProtocol,
  HandlerSettings,
  TransportOptions,
  TransportSink,
} from './types.js';
import { UdpTransport } from './udp-transport.js';
import { responseDestination, stampReceived } from './via-routing.js';
import { WsTransport } from './ws-transport.js';

/** Receives every message the transport delivers. */
export type MessageHandler = (msg: SipMessage) => void;

/** Receives input that could not be turned into a message. */
export type DropHandler = (
  reason: string,
  source: TransportEndpoint,
  err?: SipParseError,
  raw?: Buffer,
) => void;

/** Receives socket-level errors and exceptions thrown by handlers. */
export type ErrorHandler = (err: Error, context: string) => void;

/** Counters exposed by {@link TransportLayer.stats}. */
export interface TransportStats {
  /** Messages parsed and delivered to `onMessage`. */
  received: number;
  /** Messages handed to a socket. */
  sent: number;
  /** Dropped input by reason ('parse-error', 'message-too-large', …). */
  dropped: Record<string, number>;
  /** Connections currently open. */
  connections: number;
}

type StreamHandler = StreamTransport | WsTransport;

/** The first non-internal IPv4 address, for endpoints bound to the wildcard address. */
function guessLocalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}

/** Every SIP socket of the process: UDP, TCP, TLS, WS and WSS. */
export class TransportLayer {
  private readonly maxMessageBytes: number;
  private readonly publicHost: string | undefined;
  private readonly table: ConnectionTable;
  private readonly udp: UdpTransport;
  private readonly streams: Record<ConnectionProtocol, StreamHandler>;
  private readonly pendingConnects = new Map<string, Promise<Connection>>();
  private readonly messageHandlers: MessageHandler[] = [];
  private readonly dropHandlers: DropHandler[] = [];
  private readonly errorHandlers: ErrorHandler[] = [];
  private readonly counters = { received: 0, sent: 0, dropped: {} as Record<string, number> };
  private running = false;
  private connectionSeq = 0;

  /** Configures the layer; nothing is bound until {@link start}. */
  constructor(private readonly options: TransportOptions) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.publicHost = options.publicHost;
    this.table = new ConnectionTable(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    const settings: HandlerSettings = {
      maxMessageBytes: this.maxMessageBytes,
      tlsClient: options.tlsClient ?? {},
    };
    const sink = this.createSink();
    this.udp = new UdpTransport(sink, settings);
    // Stream handlers exist even when not listening: outbound connections need no server.
    this.streams = {
      tcp: new StreamTransport('tcp', sink, settings),
      tls: new StreamTransport('tls', sink, settings),
      ws: new WsTransport('ws', sink, settings),
      wss: new WsTransport('wss', sink, settings),
    };
  }

  /** Binds every configured transport. On failure, whatever was bound is closed again. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const o = this.options;
      if (o.udp) await this.udp.start(o.udp);
      if (o.tcp) await this.streams.tcp.start(o.tcp);
      if (o.tls) await this.streams.tls.start(o.tls);
      if (o.ws) await this.streams.ws.start(o.ws);
      if (o.wss) await this.streams.wss.start(o.wss);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Closes every server and connection; resolves when all sockets are closed. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([this.udp.stop(), ...Object.values(this.streams).map((s) => s.stop())]);
    this.table.clear();
    this.pendingConnects.clear();
  }

  /**
   * The listening endpoints with their actual ports. The host is `publicHost` when
   * configured, else the bound address (a wildcard bind reports a local interface address).
   */
  endpoints(): TransportEndpoint[] {
    const bound = [
      this.udp.local,
      this.streams.tcp.local,
      this.streams.tls.local,
      this.streams.ws.local,
      this.streams.wss.local,
    ];
    return bound
      .filter((e): e is TransportEndpoint => e !== undefined)
      .map((e) => ({ protocol: e.protocol, host: this.advertisedHost(e.host), port: e.port }));
  }

  /** The listening endpoint of one protocol, if configured and started. */
  endpoint(protocol: TransportProtocol): TransportEndpoint | undefined {
    return this.endpoints().find((e) => e.protocol === protocol);
  }

  /** Whether a protocol is reliable (everything but UDP), so retransmissions are not needed. */
  isReliable(protocol: TransportProtocol): boolean {
    return isReliableProtocol(protocol);
  }

  /** Resolves a SIP URI to a destination (transport param, default ports, dns.lookup). */
  resolve(uri: SipUri): Promise<TransportEndpoint> {
    return resolveUri(uri);
  }

  /**
   * Sends a message. UDP sends one datagram; stream protocols reuse the connection named by
   * `dest.connectionId`, else one open to dest's address, else open a new one. Rejects when
   * the serialized message exceeds `maxMessageBytes` or the socket fails.
   */
  async send(msg: SipMessage, dest: TransportEndpoint): Promise<void> {
    await this.sendBytes(this.serialize(msg), dest);
  }

  /**
   * Sends a response where RFC 3261 §18.2.2 and RFC 3581 §4 say: on a reliable transport the
   * connection the request came on while it is open, else a new connection to the request's
   * source host; on UDP to the source host and, with rport, the source port (else the sent-by
   * port). The host never comes from the Via, which the sender controls (see
   * responseDestination).
   */
  async sendResponse(res: SipResponse, requestSource: TransportEndpoint): Promise<void> {
    const data = this.serialize(res);
    if (isReliableProtocol(requestSource.protocol) && requestSource.connectionId) {
      const conn = this.table.get(requestSource.connectionId);
      if (conn) {
        await this.writeTo(conn, data);
        return;
      }
    }
    await this.sendBytes(data, responseDestination(res, requestSource));
  }

  /** Subscribes to delivered messages; returns an unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    return subscribe(this.messageHandlers, handler);
  }

  /** Subscribes to dropped input; returns an unsubscribe function. */
  onDrop(handler: DropHandler): () => void {
    return subscribe(this.dropHandlers, handler);
  }

  /**
   * Subscribes to socket errors and handler exceptions; returns an unsubscribe function.
   * Without a subscriber, handler exceptions become process warnings so they are not lost.
   */
  onError(handler: ErrorHandler): () => void {
    return subscribe(this.errorHandlers, handler);
  }

  /**
   * Feeds bytes through exactly the path a received datagram takes (parse, stamp
   * received/rport, deliver or drop). For fuzzing, replaying captures and tools that receive
   * SIP by other means.
   */
  inject(data: Buffer, source: TransportEndpoint, local?: TransportEndpoint): void {
    this.deliver(data, source, local ?? this.endpoint(source.protocol) ?? source);
  }

  /** Traffic counters and the number of open connections. */
  stats(): TransportStats {
    return {
      received: this.counters.received,
      sent: this.counters.sent,
      dropped: { ...this.counters.dropped },
      connections: this.table.size,
    };
  }

  private advertisedHost(bound: string): string {
    if (this.publicHost) return this.publicHost;
    return bound === '0.0.0.0' ? guessLocalAddress() : bound;
  }

  private serialize(msg: SipMessage): Buffer {
    const data = serializeMessage(msg);
    if (data.length > this.maxMessageBytes) {
      throw new Error(
        `message of ${data.length} bytes exceeds maxMessageBytes (${this.maxMessageBytes})`,
      );
    }
    return data;
  }

  private async sendBytes(data: Buffer, dest: TransportEndpoint): Promise<void> {
    if (!this.running) throw new Error('transport layer is not running');
    if (dest.protocol === 'udp') {
      await this.udp.send(data, dest.host, dest.port);
      this.counters.sent++;
      return;
    }
    await this.writeTo(await this.connectionFor(dest), data);
  }

  private async writeTo(conn: Connection, data: Buffer): Promise<void> {
    this.table.touch(conn);
    await conn.write(data);
    this.counters.sent++;
  }

  /** Finds or opens the connection for a stream destination, sharing concurrent opens. */
  private async connectionFor(dest: TransportEndpoint): Promise<Connection> {
    const protocol = dest.protocol as ConnectionProtocol;
    if (dest.connectionId) {
      const named = this.table.get(dest.connectionId);
      if (named && named.protocol === protocol) return named;
    }
    const existing = this.table.find(protocol, dest.host, dest.port);
    if (existing) return existing;
    const key = remoteKey(protocol, dest.host, dest.port);
    let pending = this.pendingConnects.get(key);
    if (!pending) {
      pending = this.streams[protocol].connect(dest.host, dest.port);
      this.pendingConnects.set(key, pending);
      const forget = (): void => {
        if (this.pendingConnects.get(key) === pending) this.pendingConnects.delete(key);
      };
      pending.then(forget, forget);
    }
    const conn = await pending;
    if (!this.running) {
      conn.close();
      throw new Error('transport layer stopped while connecting');
    }
    return conn;
  }

  /** Parses, stamps and delivers one inbound message; every failure becomes a drop. */
  private deliver(data: Buffer, source: TransportEndpoint, local: TransportEndpoint): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(data);
      if (msg.kind === 'request') stampReceived(msg, source);
    } catch (err) {
      const parseError = err instanceof SipParseError ? err : undefined;
      if (!parseError) this.reportError(toError(err), 'parse');
      this.drop('parse-error', source, parseError, data);
      return;
    }
    msg.source = source;
    msg.local = local;
    this.counters.received++;
    for (const handler of [...this.messageHandlers]) {
      try {
        handler(msg);
      } catch (err) {
        this.reportError(toError(err), 'onMessage handler', true);
      }
    }
  }

  private drop(reason: string, source: TransportEndpoint, err?: SipParseError, raw?: Buffer): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
    for (const handler of [...this.dropHandlers]) {
      try {
        handler(reason, source, err, raw);
      } catch (handlerErr) {
        this.reportError(toError(handlerErr), 'onDrop handler', true);
      }
    }
  }

  private reportError(err: Error, context: string, fromHandler = false): void {
    if (this.errorHandlers.length === 0) {
      if (fromHandler) process.emitWarning(err, { code: 'SIP_TRANSPORT_HANDLER', detail: context });
      return;
    }
    for (const handler of [...this.errorHandlers]) {
      try {
        handler(err, context);
      } catch {
        // An error handler that throws has nowhere left to report to.
      }
    }
  }

  /** The callbacks the per-protocol handlers report through. */
  private createSink(): TransportSink {
    return {
      message: (data, source, local) => this.deliver(data, source, local),
      drop: (reason, source, raw) => this.drop(reason, source, undefined, raw),
      opened: (conn) => {
        // A connection completing after stop() must not outlive it.
        if (this.running) this.table.add(conn);
        else conn.close();
      },
      closed: (conn) => this.table.remove(conn),
      activity: (conn) => this.table.touch(conn),
      error: (err, context) => this.reportError(err, context),
      connectionId: (protocol, host, port) => `${protocol}:${host}:${port}#${++this.connectionSeq}`,
    };
  }
}

function subscribe<T>(list: T[], handler: T): () => void {
  list.push(handler);
  return () => {
    const i = list.indexOf(handler);
    if (i >= 0) list.splice(i, 1);
  };
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
