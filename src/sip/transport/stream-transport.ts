/**
 * SIP over TCP and TLS (RFC 3261 §18, §26.2): a listening server plus outbound connections,
 * each framed with {@link StreamFramer}. Both directions are read, because responses to
 * requests we send come back on the connection we opened (§18.1.2).
 */
import { createServer, connect as netConnect, isIP, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  connect as tlsConnect,
  type ConnectionOptions,
} from 'node:tls';
import { listenOn } from './listen.js';
import type { TransportEndpoint } from '../message/index.js';
import { StreamFramer } from './stream-framer.js';
import {
  normalizeAddress,
  type Connection,
  type HandlerSettings,
  type ListenOptions,
  type SecureListenOptions,
  type TransportSink,
} from './types.js';

/** How long an outbound connect (including the TLS handshake) may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The keep-alive pong (RFC 5626 §3.5.1). */
const PONG = Buffer.from('\r\n', 'latin1');

/** A TCP or TLS connection carrying framed SIP messages. */
class StreamConnection implements Connection {
  private open = true;

  constructor(
    readonly id: string,
    readonly protocol: 'tcp' | 'tls',
    readonly remote: { host: string; port: number },
    readonly local: TransportEndpoint,
    private readonly socket: Socket,
  ) {
    socket.once('close', () => {
      this.open = false;
    });
  }

  write(data: Buffer): Promise<void> {
    if (!this.isOpen()) return Promise.reject(new Error(`connection ${this.id} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.open = false;
    this.socket.destroy();
  }

  isOpen(): boolean {
    return this.open && !this.socket.destroyed && this.socket.writable;
  }
}

/** The TCP or TLS side of a transport layer: server (optional) and connections. */
export class StreamTransport {
  private server: Server | undefined;
  private bound: TransportEndpoint | undefined;
  /** Every raw socket, inbound or outbound, until it closes, with its close promise. */
  private readonly sockets = new Map<Socket, Promise<void>>();

  /** Creates the handler; nothing listens until `start`. */
  constructor(
    private readonly protocol: 'tcp' | 'tls',
    private readonly sink: TransportSink,
    private readonly settings: HandlerSettings,
  ) {}

  /** Starts listening; resolves with the actual address and port. */
  async start(options: ListenOptions | SecureListenOptions): Promise<TransportEndpoint> {
    let server: Server;
    if (this.protocol === 'tls') {
      if (!('cert' in options)) throw new Error('TLS transport needs cert and key');
      const tlsServer = createTlsServer({ cert: options.cert, key: options.key });
      tlsServer.on('secureConnection', (socket) => this.adopt(socket, false));
      tlsServer.on('tlsClientError', (err) => this.sink.error(err, 'tls handshake'));
      server = tlsServer;
    } else {
      server = createServer((socket) => this.adopt(socket, false));
    }
    // Raw sockets are tracked from the first byte so stop() can end TLS handshakes in flight.
    server.on('connection', (socket: Socket) => this.track(socket));
    this.bound = await listenOn(server, options, this.protocol, this.sink);
    this.server = server;
    return this.bound;
  }

  /** The bound address, once listening. */
  get local(): TransportEndpoint | undefined {
    return this.bound;
  }

  /** Opens an outbound connection; the sink hears about it through `opened`. */
  connect(host: string, port: number): Promise<Connection> {
    let socket: Socket;
    let ready: string;
    if (this.protocol === 'tls') {
      const options: ConnectionOptions = {
        host,
        port,
        ca: this.settings.tlsClient.ca,
        rejectUnauthorized: this.settings.tlsClient.rejectUnauthorized ?? true,
      };
      // SNI carries names only; Node warns when given an IP address.
      if (!isIP(host)) options.servername = host;
      socket = tlsConnect(options);
      ready = 'secureConnect';
    } else {
      socket = netConnect({ host, port });
      ready = 'connect';
    }
    this.track(socket);
    return new Promise<Connection>((resolve, reject) => {
      const fail = (err: Error): void => {
        socket.destroy();
        reject(err);
      };
      socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
        fail(new Error(`${this.protocol} connect to ${host}:${port} timed out`)),
      );
      socket.on('error', fail);
      socket.once(ready, () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        resolve(this.adopt(socket, true, { host, port }));
      });
    });
  }

  /** Closes the server and every connection; resolves once all sockets are closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.bound = undefined;
    const serverClosed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const closes = [...this.sockets.entries()].map(([socket, closed]) => {
      socket.destroy();
      return closed;
    });
    await Promise.all([serverClosed, ...closes]);
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.set(
      socket,
      new Promise<void>((resolve) =>
        socket.once('close', () => {
          this.sockets.delete(socket);
          resolve();
        }),
      ),
    );
  }

  /**
   * Wires a connected socket: framing, keep-alive pongs, error and close reporting. For
   * outbound connections the remote is the address we dialled, so lookups by that address
   * find the connection.
   */
  private adopt(
    socket: Socket,
    outbound: boolean,
    dialled?: { host: string; port: number },
  ): Connection {
    this.track(socket);
    const remote = dialled ?? {
      host: normalizeAddress(socket.remoteAddress),
      port: socket.remotePort ?? 0,
    };
    const local: TransportEndpoint = {
      protocol: this.protocol,
      host: normalizeAddress(socket.localAddress),
      port: socket.localPort ?? 0,
    };
    const id = this.sink.connectionId(this.protocol, remote.host, remote.port);
    const conn = new StreamConnection(id, this.protocol, remote, local, socket);
    const source: TransportEndpoint = { ...remote, protocol: this.protocol, connectionId: id };
    const framer = new StreamFramer({ maxMessageBytes: this.settings.maxMessageBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(conn, framer, source, socket, chunk));
    socket.on('error', (err) =>
      this.sink.error(err, `${outbound ? 'outbound' : 'inbound'} ${conn.id}`),
    );
    socket.once('close', () => this.sink.closed(conn));
    this.sink.opened(conn);
    return conn;
  }

  /** Feeds a chunk to the framer and acts on the result. Never throws. */
  private receive(
    conn: StreamConnection,
    framer: StreamFramer,
    source: TransportEndpoint,
    socket: Socket,
    chunk: Buffer,
  ): void {
    try {
      this.sink.activity(conn);
      for (const event of framer.push(chunk)) {
        if (event.type === 'message') {
          this.sink.message(event.data, source, conn.local);
        } else if (event.type === 'ping') {
          if (conn.isOpen()) socket.write(PONG);
        } else {
          this.sink.drop(event.reason, source, event.raw);
          conn.close();
        }
      }
    } catch (err) {
      this.sink.error(err instanceof Error ? err : new Error(String(err)), `framing ${conn.id}`);
      conn.close();
    }
  }
}
