/**
 * A scripted SIP peer on a raw UDP socket: it sends exactly the bytes a test writes and records
 * every message it receives, so tests can count retransmissions and check header values.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  getCSeq,
  parseMessage,
  serializeMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/message/index.js';
import { createOffer } from '../../../src/sip/sdp/index.js';

/** A message filter. */
export type Match = (msg: SipMessage) => boolean;

/** Matches a request by method. */
export function isRequest(method: string): (msg: SipMessage) => msg is SipRequest {
  return (msg): msg is SipRequest => msg.kind === 'request' && msg.method === method;
}

/** Matches a response by status and, optionally, the CSeq method it answers. */
export function isResponse(
  status: number,
  method?: string,
): (msg: SipMessage) => msg is SipResponse {
  return (msg): msg is SipResponse =>
    msg.kind === 'response' &&
    msg.status === status &&
    (method === undefined || getCSeq(msg).method === method);
}

/** A UDP socket speaking raw SIP to one server port. */
export class RawUdpPeer {
  /** Everything received, in order (never consumed). */
  readonly received: SipMessage[] = [];
  private readonly taken = new Set<SipMessage>();
  private readonly waiters: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    /** The server's UDP port. */
    readonly serverPort: number,
  ) {
    socket.on('message', (data) => {
      try {
        this.received.push(parseMessage(data));
      } catch {
        // A test peer only cares for what it can read; the assertions will tell the rest.
        return;
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Opens a socket on 127.0.0.1 with an ephemeral port. */
  static async open(serverPort: number): Promise<RawUdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RawUdpPeer(socket, serverPort);
  }

  /** Our port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Sends a message (text with `\n` line ends gets CRLF and a Content-Length). */
  send(msg: SipMessage | string): void {
    const data = typeof msg === 'string' ? Buffer.from(crlf(msg), 'utf8') : serializeMessage(msg);
    this.socket.send(data, this.serverPort, '127.0.0.1');
  }

  /** Waits for the first not yet taken message that matches, and takes it. */
  async next<T extends SipMessage>(
    match: ((msg: SipMessage) => msg is T) | Match,
    what: string,
    timeoutMs = 5_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => !this.taken.has(m) && match(m));
      if (found) {
        this.taken.add(found);
        return found as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** How many received messages match (taken or not). */
  count(match: Match): number {
    return this.received.filter(match).length;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.close();
  }
}

/** Turns a readable template into wire text: CRLF line ends and a correct Content-Length. */
export function crlf(text: string): string {
  const normalised = text.replace(/\r?\n/g, '\r\n');
  const split = normalised.indexOf('\r\n\r\n');
  const body = split < 0 ? '' : normalised.slice(split + 4);
  const head = split < 0 ? normalised.replace(/(\r\n)*$/, '') : normalised.slice(0, split);
  return `${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Fields of a scripted request. */
export interface RawRequest {
  method: string;
  peer: RawUdpPeer;
  callId: string;
  fromTag: string;
  toTag?: string;
  cseq: number;
  /** Defaults to a fresh branch. */
  branch?: string;
  headers?: string[];
  body?: string;
  contentType?: string;
  /** Request-URI; defaults to the server's address. */
  uri?: string;
  /** CSeq method when it differs from `method` (never, except to script errors). */
  cseqMethod?: string;
}

let branchCounter = 0;

/** A request as text, from the peer to the server. */
export function rawRequest(r: RawRequest): string {
  const branch = r.branch ?? `z9hG4bK-raw-${process.pid}-${++branchCounter}`;
  const lines = [
    `${r.method} ${r.uri ?? `sip:service@127.0.0.1:${r.peer.serverPort}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${r.peer.port};branch=${branch};rport`,
    `From: <sip:caller@127.0.0.1:${r.peer.port}>;tag=${r.fromTag}`,
    `To: <sip:service@127.0.0.1:${r.peer.serverPort}>${r.toTag ? `;tag=${r.toTag}` : ''}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.cseqMethod ?? r.method}`,
    'Max-Forwards: 70',
    `Contact: <sip:caller@127.0.0.1:${r.peer.port}>`,
    ...(r.headers ?? []),
  ];
  if (r.body !== undefined) lines.push(`Content-Type: ${r.contentType ?? 'application/sdp'}`);
  return `${lines.join('\n')}\n\n${r.body ?? ''}`;
}

/** An SDP offer from the raw peer. */
export function rawOffer(direction: 'sendrecv' | 'sendonly' = 'sendrecv'): string {
  return createOffer({ address: '127.0.0.1', port: 41_000, direction, sessionId: '1' });
}

/** The To tag of a message. */
export function toTagOf(msg: SipMessage): string {
  return /;\s*tag=([^;\s>]+)/i.exec(msg.headers.get('To') ?? '')?.[1] ?? '';
}
