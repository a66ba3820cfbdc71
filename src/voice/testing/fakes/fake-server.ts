/**
 * Test support (imported by `*.test.ts` and the vendor fakes only): the plumbing every fake
 * speech vendor shares — an HTTP server on 127.0.0.1 port 0 that can refuse a WebSocket
 * upgrade with a real HTTP status (as vendors do for a bad key), a list of protocol
 * violations the adapter committed, and a shutdown that also drops stalled connections.
 * Each vendor's file adds its own protocol on top.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/**
 * How a fake fails for the contract's `failing` subject: refuse the credentials, answer
 * with malformed JSON, drop the connection without a close frame, or never answer.
 */
export type FakeFailure = 'auth' | 'malformed' | 'abrupt' | 'stall';

/** An HTTP answer to a WebSocket upgrade that the fake refuses. */
export interface Refusal {
  status: number;
  body: string;
  contentType?: string;
}

/** What a WebSocket fake does with upgrades and connections. */
export interface WsFakeHandlers {
  /** Checks the upgrade request; a refusal answers it with that HTTP status instead of 101. */
  admit(req: IncomingMessage, url: URL): Refusal | undefined;
  /** Runs the vendor protocol on an admitted connection. */
  connected(ws: WebSocket, req: IncomingMessage, url: URL): void;
}

/** A running fake server. */
export interface RunningFake {
  /** `127.0.0.1:<port>`; vendor fakes prefix their scheme. */
  host: string;
  close(): Promise<void>;
}

/** Close code a fake uses when the adapter broke the protocol (RFC 6455 policy violation). */
export const VIOLATION_CLOSE_CODE = 1008;

/** Starts an HTTP server on 127.0.0.1 port 0 and tracks its sockets so close() is prompt. */
async function listen(
  server: Server,
  onClose: () => void,
): Promise<{ host: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: async () => {
      onClose();
      // Stalled connections would keep server.close() waiting forever.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts a WebSocket fake; upgrades go through `handlers.admit` first. */
export async function startWsFake(handlers: WsFakeHandlers): Promise<RunningFake> {
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('WebSocket upgrade required');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const refusal = handlers.admit(req, url);
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handlers.connected(ws, req, url));
  });
  return listen(server, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}

/** Starts a plain HTTP fake (for request/response vendors). */
export async function startHttpFake(handler: RequestListener): Promise<RunningFake> {
  return listen(createServer(handler), () => undefined);
}

/** Answers an upgrade request with an HTTP error, the way vendors refuse a bad key. */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const body = Buffer.from(refusal.body, 'utf8');
  const reason = STATUS_TEXT[refusal.status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\n` +
      `Content-Type: ${refusal.contentType ?? 'application/json'}\r\n` +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n' +
      body.toString('utf8'),
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/**
 * Records a protocol violation and closes the connection with 1008, so the adapter fails
 * (and the test with it) whenever it drifts from the vendor's protocol.
 */
export function violate(ws: WebSocket, violations: string[], message: string): void {
  violations.push(message);
  // A close reason must fit in 123 bytes.
  if (ws.readyState === ws.OPEN) ws.close(VIOLATION_CLOSE_CODE, message.slice(0, 120));
}

/** Flattens the shapes `ws` hands out into one Buffer. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Parses JSON, or undefined when the text is not JSON. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A plain object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a 32-character lowercase or uppercase hex id (UUID without dashes). */
export function isHex32(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9a-fA-F]{32}$/.test(value);
}
