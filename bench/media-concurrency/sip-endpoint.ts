/**
 * The generator's SIP side: one UDP socket, client transactions with RFC 3261 retransmission
 * (Timer A/E doubling from T1, capped at T2 for non-INVITE, timeout at 64·T1), re-ACK of
 * retransmitted 2xx, and a hook for the requests the server sends (its INVITE to a registered
 * callee and BYEs in bridge mode).
 */
import dgram from 'node:dgram';
import { buildResponse, header, parseSip, topBranch, type SipMessage } from './sip.js';

/** Outcome of a client transaction. */
export type TransactionResult =
  { kind: 'final'; response: SipMessage } | { kind: 'timeout' } | { kind: 'closed' };

interface ClientTransaction {
  method: string;
  request: Buffer;
  intervalMs: number;
  retransmitTimer: NodeJS.Timeout | undefined;
  deadlineTimer: NodeJS.Timeout;
  onProvisional: ((response: SipMessage) => void) | undefined;
  resolve: (result: TransactionResult) => void;
}

/** Counters of the SIP socket. */
export interface SipEndpointStats {
  retransmissions: number;
  reAcked: number;
  strayResponses: number;
  invalid: number;
  sendErrors: number;
}

/** Settings of a {@link SipEndpoint}. */
export interface SipEndpointOptions {
  localHost: string;
  target: { host: string; port: number };
  t1Ms?: number;
}

/** One UDP socket speaking to the server. */
export class SipEndpoint {
  private socket: dgram.Socket | undefined;
  private readonly transactions = new Map<string, ClientTransaction>();
  /** ACKs of answered INVITEs by Call-ID, to re-send when the server retransmits its 2xx. */
  private readonly acks = new Map<string, Buffer>();
  private requestHandler: ((req: SipMessage) => void) | undefined;
  private readonly t1Ms: number;
  readonly stats: SipEndpointStats = {
    retransmissions: 0,
    reAcked: 0,
    strayResponses: 0,
    invalid: 0,
    sendErrors: 0,
  };
  /** Local port, once started. */
  port = 0;

  constructor(private readonly options: SipEndpointOptions) {
    this.t1Ms = options.t1Ms ?? 500;
  }

  /** Binds the socket. */
  async start(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.on('message', (data) => this.onDatagram(data));
    socket.on('error', () => {
      this.stats.sendErrors++;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.options.localHost, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.port = socket.address().port;
  }

  /** Handles requests from the server (the endpoint itself answers nothing). */
  onRequest(handler: (req: SipMessage) => void): void {
    this.requestHandler = handler;
  }

  /** Sends raw bytes to the server. */
  send(data: Buffer): void {
    this.socket?.send(data, this.options.target.port, this.options.target.host, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }

  /** Answers a request from the server. */
  respond(
    req: SipMessage,
    status: number,
    reason: string,
    toTag?: string,
    extra?: string[],
    body?: string,
  ): Buffer {
    const response = buildResponse(req, status, reason, toTag, extra, body);
    this.send(response);
    return response;
  }

  /** Remembers the ACK of an answered INVITE, so that a retransmitted 2xx gets it again. */
  rememberAck(callId: string, ack: Buffer): void {
    this.acks.set(callId, ack);
  }

  /** Forgets a call's ACK (call over). */
  forgetAck(callId: string): void {
    this.acks.delete(callId);
  }

  /**
   * Sends a request as a client transaction and resolves with its final response, a timeout
   * (64·T1 without one) or `closed`.
   */
  request(
    method: string,
    branch: string,
    data: Buffer,
    onProvisional?: (response: SipMessage) => void,
  ): Promise<TransactionResult> {
    return new Promise((resolve) => {
      const tx: ClientTransaction = {
        method,
        request: data,
        intervalMs: this.t1Ms,
        retransmitTimer: undefined,
        deadlineTimer: setTimeout(() => this.finish(branch, { kind: 'timeout' }), 64 * this.t1Ms),
        onProvisional,
        resolve,
      };
      this.transactions.set(branch, tx);
      this.send(data);
      this.armRetransmit(branch, tx);
    });
  }

  /** Ends every open transaction and closes the socket. */
  async close(): Promise<void> {
    for (const branch of [...this.transactions.keys()]) this.finish(branch, { kind: 'closed' });
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private armRetransmit(branch: string, tx: ClientTransaction): void {
    tx.retransmitTimer = setTimeout(() => {
      if (this.transactions.get(branch) !== tx) return;
      this.stats.retransmissions++;
      this.send(tx.request);
      // Timer A doubles without cap; Timer E caps at T2 = 8·T1 (4 s for T1 = 500 ms).
      tx.intervalMs =
        tx.method === 'INVITE' ? tx.intervalMs * 2 : Math.min(tx.intervalMs * 2, 8 * this.t1Ms);
      this.armRetransmit(branch, tx);
    }, tx.intervalMs);
  }

  private finish(branch: string, result: TransactionResult): void {
    const tx = this.transactions.get(branch);
    if (!tx) return;
    this.transactions.delete(branch);
    if (tx.retransmitTimer) clearTimeout(tx.retransmitTimer);
    clearTimeout(tx.deadlineTimer);
    tx.resolve(result);
  }

  private onDatagram(data: Buffer): void {
    // Keep-alive CRLFs and stray bytes are not SIP.
    if (data.length < 8) return;
    const msg = parseSip(data);
    if (!msg) {
      this.stats.invalid++;
      return;
    }
    if (msg.kind === 'request') {
      this.requestHandler?.(msg);
      return;
    }
    const branch = topBranch(msg);
    const tx = branch === undefined ? undefined : this.transactions.get(branch);
    if (!tx) {
      // A retransmitted 2xx to an INVITE whose transaction is done: the ACK got lost.
      const ack =
        msg.method === 'INVITE' && msg.status >= 200 && msg.status < 300
          ? this.acks.get(header(msg, 'call-id') ?? '')
          : undefined;
      if (ack) {
        this.stats.reAcked++;
        this.send(ack);
      } else {
        this.stats.strayResponses++;
      }
      return;
    }
    if (msg.status < 200) {
      // A provisional stops INVITE retransmissions (Timer A); non-INVITE go on at T2.
      if (tx.method === 'INVITE' && tx.retransmitTimer) {
        clearTimeout(tx.retransmitTimer);
        tx.retransmitTimer = undefined;
      }
      tx.onProvisional?.(msg);
      return;
    }
    this.finish(branch!, { kind: 'final', response: msg });
  }
}
