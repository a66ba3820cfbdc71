/**
 * Builders and a recording transport for the transaction layer's unit tests. Messages are built
 * from raw header lines (as the parser would deliver them), so the tests pin down exactly what
 * reaches the state machines.
 */
import { SipHeaders } from '../message/index.js';
import type {
  SipMessage,
  SipRequest,
  SipResponse,
  TransportEndpoint,
  TransportProtocol,
} from '../message/index.js';
import type { TransactionTransport } from './types.js';

/** A UDP endpoint of the far end. */
export const UDP_PEER: TransportEndpoint = { protocol: 'udp', host: '192.0.2.10', port: 5060 };
/** A TCP endpoint of the far end. */
export const TCP_PEER: TransportEndpoint = {
  protocol: 'tcp',
  host: '192.0.2.10',
  port: 5060,
  connectionId: 'c1',
};

/** One `send` call recorded by {@link FakeTransport}. */
export interface SentRequest {
  msg: SipMessage;
  dest: TransportEndpoint;
  /** Milliseconds since the transport was created. */
  at: number;
}

/** One `sendResponse` call recorded by {@link FakeTransport}. */
export interface SentResponse {
  res: SipResponse;
  source: TransportEndpoint;
  /** Milliseconds since the transport was created. */
  at: number;
}

/** A transport that records instead of sending; `fail` makes sends reject. */
export class FakeTransport implements TransactionTransport {
  /** Requests (and ACKs) passed to send(), in order. */
  readonly sent: SentRequest[] = [];
  /** Responses passed to sendResponse(), in order. */
  readonly responses: SentResponse[] = [];
  /** When set, every send rejects with this error. */
  fail: Error | undefined;
  /** Creation time; `at` values are relative to it (fake timers mock Date too). */
  private readonly t0 = Date.now();

  /** Records a request. */
  send(msg: SipMessage, dest: TransportEndpoint): Promise<void> {
    this.sent.push({ msg, dest, at: Date.now() - this.t0 });
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }

  /** Records a response. */
  sendResponse(res: SipResponse, source: TransportEndpoint): Promise<void> {
    this.responses.push({ res, source, at: Date.now() - this.t0 });
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }

  /** UDP is the only unreliable protocol. */
  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  /** Methods of the requests sent so far. */
  sentMethods(): string[] {
    return this.sent.map(({ msg }) => (msg.kind === 'request' ? msg.method : String(msg.status)));
  }

  /** Send times of the requests with `method`. */
  sendTimes(method: string): number[] {
    return this.sent
      .filter(({ msg }) => msg.kind === 'request' && msg.method === method)
      .map(({ at }) => at);
  }

  /** Send times of the responses with `status`. */
  responseTimes(status: number): number[] {
    return this.responses.filter(({ res }) => res.status === status).map(({ at }) => at);
  }

  /** Status codes of the responses sent so far. */
  statuses(): number[] {
    return this.responses.map(({ res }) => res.status);
  }
}

/** What {@link makeRequest} lets a test vary. */
export interface RequestInit {
  method: string;
  uri?: string;
  /** Branch of the top Via; pass '' for an RFC 2543 Via without one. */
  branch?: string;
  viaHost?: string;
  viaPort?: number;
  viaTransport?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  routes?: string[];
  extraVias?: string[];
  source?: TransportEndpoint;
}

/** Builds a request the way the parser would hand it over. */
export function makeRequest(init: RequestInit): SipRequest {
  const branch = init.branch ?? 'z9hG4bKtest1';
  const transport = init.viaTransport ?? 'UDP';
  const port = init.viaPort ?? 5060;
  const headers = new SipHeaders();
  const params = branch ? `;branch=${branch}` : '';
  headers.append('Via', `SIP/2.0/${transport} ${init.viaHost ?? '192.0.2.10'}:${port}${params}`);
  for (const via of init.extraVias ?? []) headers.append('Via', via);
  for (const route of init.routes ?? []) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', `"Alice" <sip:alice@example.com>;tag=${init.fromTag ?? 'fromtag1'}`);
  headers.append('To', `<sip:bob@example.com>${init.toTag ? `;tag=${init.toTag}` : ''}`);
  headers.append('Call-ID', init.callId ?? 'call-1@example.com');
  headers.append('CSeq', `${init.cseq ?? 1} ${init.method}`);
  return {
    kind: 'request',
    version: 'SIP/2.0',
    method: init.method,
    uri: init.uri ?? 'sip:bob@example.com',
    headers,
    body: Buffer.alloc(0),
    source: init.source ?? UDP_PEER,
  };
}

/** Builds the response a far-end UAS would send to `req`. */
export function makeResponse(req: SipRequest, status: number, toTag?: string): SipResponse {
  const headers = new SipHeaders();
  for (const via of req.headers.getLines('Via')) headers.append('Via', via);
  headers.append('From', req.headers.get('From') ?? '');
  const to = req.headers.get('To') ?? '';
  headers.append('To', toTag && !to.includes(';tag=') ? `${to};tag=${toTag}` : to);
  headers.append('Call-ID', req.headers.get('Call-ID') ?? '');
  headers.append('CSeq', req.headers.get('CSeq') ?? '');
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: 'Test',
    headers,
    body: Buffer.alloc(0),
    source: UDP_PEER,
  };
}

/** A promise that settles after pending microtasks (send rejections) have run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
