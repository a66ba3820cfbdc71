/**
 * SIP over WebSocket (RFC 7118) for WS and WSS: the `sip` subprotocol is required, and each
 * WebSocket message carries exactly one SIP message, so no stream framing is needed.
 */
import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { listenOn } from './listen.js';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TransportEndpoint } from '../message/index.js';
import { CONNECT_TIMEOUT_MS } from './stream-transport.js';
import {
  isBlank,
  normalizeAddress,
  type Connection,
  type HandlerSettings,
  type ListenOptions,
  type SecureListenOptions,
  type TransportSink,
} from './types.js';

/** The WebSocket subprotocol for SIP (RFC 7118 §4.1). */
export const SIP_SUBPROTOCOL = 'sip';

const PING = Buffer.from('\r\n\r\n', 'latin1');
const PONG = Buffer.from('\r\n', 'latin1');

/** Whether a frame is exactly the CRLFCRLF keep-alive ping; the length test settles most. */
export function isPing(frame: Buffer): boolean {
  return frame.length === PING.length && frame.equals(PING);
}

/** Flattens the shapes `ws` hands out into one Buffer. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Whether the client offered the `sip` subprotocol in its handshake. */
function offersSip(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return false;
  return header.split(',').some((p) => p.trim().toLowerCase() === SIP_SUBPROTOCOL);
}

/** A WebSocket connection carrying one SIP message per WebSocket message. */
class WsConnection implements Connection {
  constructor(
    readonly id: string,
    readonly protocol: 'ws' | 'wss',
    readonly remote: { host: string; port: number },
    readonly local: TransportEndpoint,
    private readonly ws: WebSocket,
  ) {}

  write(data: Buffer): Promise<void> {
    if (!this.isOpen()) return Promise.reject(new Error(`connection ${this.id} is closed`));
    // Text frames when possible: browser SIP stacks handle text best, and RFC 7118 §5.1
    // allows either; bodies that are not UTF-8 must go in binary frames.
    const binary = !isUtf8(data);
    return new Promise((resolve, reject) => {
      this.ws.send(data, { binary }, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    // terminate() rather than a closing handshake, which could hold stop() for 30 s.
    this.ws.terminate();
  }

  isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

/** The WS or WSS side of a transport layer: HTTP(S) server (optional) and connections. */
export class WsTransport {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private bound: TransportEndpoint | undefined;
  /** Raw HTTP sockets, so stop() can end requests that never upgraded. */
  private readonly rawSockets = new Set<Socket>();
  /** Every WebSocket until it closes, with its close promise. */
  private readonly sockets = new Map<WebSocket, Promise<void>>();

  /** Creates the handler; nothing listens until `start`. */
  constructor(
    private readonly protocol: 'ws' | 'wss',
    private readonly sink: TransportSink,
    private readonly settings: HandlerSettings,
  ) {}

  /** Starts listening; resolves with the actual address and port. */
  async start(options: ListenOptions | SecureListenOptions): Promise<TransportEndpoint> {
    // Plain HTTP requests get 426: this port only speaks WebSocket.
    const refuse = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
    };
    let server: Server;
    if (this.protocol === 'wss') {
      if (!('cert' in options)) throw new Error('WSS transport needs cert and key');
      server = createHttpsServer({ cert: options.cert, key: options.key }, refuse);
      server.on('tlsClientError', (err: Error) => this.sink.error(err, 'wss handshake'));
    } else {
      server = createServer(refuse);
    }
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.settings.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    server.on('connection', (socket: Socket) => {
      this.rawSockets.add(socket);
      socket.once('close', () => this.rawSockets.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(wss, req, socket, head),
    );
    this.bound = await listenOn(server, options, this.protocol, this.sink);
    this.server = server;
    this.wss = wss;
    return this.bound;
  }

  /** The bound address, once listening. */
  get local(): TransportEndpoint | undefined {
    return this.bound;
  }

  /** Opens an outbound WebSocket offering the `sip` subprotocol. */
  connect(host: string, port: number): Promise<Connection> {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const ws = new WebSocket(`${this.protocol}://${hostPart}:${port}`, SIP_SUBPROTOCOL, {
      maxPayload: this.settings.maxMessageBytes,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      ca: this.settings.tlsClient.ca,
      rejectUnauthorized: this.settings.tlsClient.rejectUnauthorized ?? true,
    });
    this.track(ws);
    let local: TransportEndpoint = { protocol: this.protocol, host: '', port: 0 };
    ws.once('upgrade', (res: IncomingMessage) => {
      local = {
        protocol: this.protocol,
        host: normalizeAddress(res.socket.localAddress),
        port: res.socket.localPort ?? 0,
      };
    });
    return new Promise<Connection>((resolve, reject) => {
      const fail = (err: Error): void => {
        ws.terminate();
        reject(err);
      };
      ws.on('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(this.adopt(ws, { host, port }, local));
      });
    });
  }

  /** Closes the server and every connection; resolves once everything is closed. */
  async stop(): Promise<void> {
    const server = this.server;
    const wss = this.wss;
    this.server = undefined;
    this.wss = undefined;
    this.bound = undefined;
    const closes = [...this.sockets.entries()].map(([ws, closed]) => {
      ws.terminate();
      return closed;
    });
    for (const socket of this.rawSockets) socket.destroy();
    const serverClosed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const wssClosed = wss
      ? new Promise<void>((resolve) => wss.close(() => resolve()))
      : Promise.resolve();
    await Promise.all([serverClosed, wssClosed, ...closes]);
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // RFC 7118 §4.1: a SIP WebSocket server only accepts clients speaking the sip subprotocol.
    if (!offersSip(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const remote = {
        host: normalizeAddress(req.socket.remoteAddress),
        port: req.socket.remotePort ?? 0,
      };
      const local: TransportEndpoint = {
        protocol: this.protocol,
        host: normalizeAddress(req.socket.localAddress),
        port: req.socket.localPort ?? 0,
      };
      this.track(ws);
      this.adopt(ws, remote, local);
    });
  }

  private track(ws: WebSocket): void {
    this.sockets.set(
      ws,
      new Promise<void>((resolve) =>
        ws.once('close', () => {
          this.sockets.delete(ws);
          resolve();
        }),
      ),
    );
  }

  /** Wires an open WebSocket: messages, keep-alives, size errors and close reporting. */
  private adopt(
    ws: WebSocket,
    remote: { host: string; port: number },
    local: TransportEndpoint,
  ): Connection {
    const id = this.sink.connectionId(this.protocol, remote.host, remote.port);
    const conn = new WsConnection(id, this.protocol, remote, local, ws);
    const source: TransportEndpoint = { ...remote, protocol: this.protocol, connectionId: id };
    ws.on('message', (data: RawData) => this.receive(conn, source, ws, data));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws enforces maxPayload itself and then closes with 1009; report it like a stream would.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.sink.drop('message-too-large', source);
      } else {
        this.sink.error(err, `connection ${id}`);
      }
    });
    ws.once('close', () => this.sink.closed(conn));
    this.sink.opened(conn);
    return conn;
  }

  /** Handles one WebSocket message. Never throws. */
  private receive(
    conn: WsConnection,
    source: TransportEndpoint,
    ws: WebSocket,
    data: RawData,
  ): void {
    try {
      this.sink.activity(conn);
      const buffer = toBuffer(data);
      // Browser stacks (SIP.js) reuse the RFC 5626 CRLF keep-alive over WebSocket. Compared
      // in bytes, and only for 4-byte frames, so ordinary messages are never decoded here.
      if (isPing(buffer)) {
        if (conn.isOpen()) ws.send(PONG, { binary: false });
        return;
      }
      if (isBlank(buffer)) return;
      this.sink.message(buffer, source, conn.local);
    } catch (err) {
      this.sink.error(err instanceof Error ? err : new Error(String(err)), `receive ${conn.id}`);
    }
  }
}
