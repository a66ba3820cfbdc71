import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../message/index.js';
import type { SipRequest } from '../message/index.js';
import { TransactionLayer } from './transaction-layer.js';
import { FakeTransport, TCP_PEER, makeRequest } from './test-support.js';
import type { ServerTransaction } from './types.js';

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  let transport: FakeTransport;
  let layer: TransactionLayer;
  let requests: Array<{ req: SipRequest; tx: ServerTransaction }>;

  /** Delivers a request and returns the server transaction the TU got. */
  function receive(req: SipRequest): ServerTransaction {
    layer.receive(req);
    const got = requests.at(-1);
    if (!got) throw new Error('no request reached the TU');
    return got.tx;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    transport = new FakeTransport();
    layer = new TransactionLayer(transport);
    requests = [];
    layer.onRequest((req, tx) => requests.push({ req, tx }));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends nothing by itself and discards retransmissions while Trying', () => {
    const tx = receive(makeRequest({ method: 'OPTIONS' }));
    expect(tx.state).toBe('trying');
    layer.receive(makeRequest({ method: 'OPTIONS' }));
    expect(transport.responses).toHaveLength(0);
    expect(requests).toHaveLength(1);
  });

  it('resends the last provisional in Proceeding and the final in Completed', () => {
    const req = makeRequest({ method: 'SUBSCRIBE' });
    const tx = receive(req);
    tx.respond(createResponse(req, 183, { toTag: 'me' }));
    expect(tx.state).toBe('proceeding');
    layer.receive(makeRequest({ method: 'SUBSCRIBE' }));
    tx.respond(createResponse(req, 200, { toTag: 'me' }));
    expect(tx.state).toBe('completed');
    layer.receive(makeRequest({ method: 'SUBSCRIBE' }));
    layer.receive(makeRequest({ method: 'SUBSCRIBE' }));
    expect(transport.statuses()).toEqual([183, 183, 200, 200, 200]);
    expect(requests).toHaveLength(1);
  });

  it('keeps Completed for Timer J = 64*T1 over UDP, then forgets the request', () => {
    const req = makeRequest({ method: 'BYE', toTag: 'me' });
    const tx = receive(req);
    tx.respond(createResponse(req, 200));
    vi.advanceTimersByTime(31_999);
    expect(layer.activeCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // A late copy is now a new request.
    layer.receive(makeRequest({ method: 'BYE', toTag: 'me' }));
    expect(requests).toHaveLength(2);
  });

  it('ends at once over TCP (Timer J = 0)', () => {
    const req = makeRequest({ method: 'OPTIONS', viaTransport: 'TCP', source: TCP_PEER });
    const tx = receive(req);
    tx.respond(createResponse(req, 200, { toTag: 'me' }));
    expect(tx.state).toBe('terminated');
    expect(transport.responses[0]?.source).toBe(TCP_PEER);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops responses after the final', () => {
    const req = makeRequest({ method: 'OPTIONS' });
    const tx = receive(req);
    tx.respond(createResponse(req, 200, { toTag: 'me' }));
    tx.respond(createResponse(req, 500, { toTag: 'me' }));
    tx.respond(createResponse(req, 100));
    expect(transport.statuses()).toEqual([200]);
  });

  it('never reports a CANCEL for a non-INVITE request', () => {
    const tx = receive(makeRequest({ method: 'OPTIONS' }));
    const onCancel = vi.fn();
    tx.onCancel(onCancel);
    layer.receive(makeRequest({ method: 'CANCEL' }));
    expect(onCancel).not.toHaveBeenCalled();
    expect(tx.cancelled).toBe(false);
    // Only INVITE server transactions are CANCEL targets here, so the CANCEL gets 481.
    expect(transport.statuses()).toEqual([481]);
  });
});
