import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../message/index.js';
import type { SipRequest } from '../message/index.js';
import { TransactionLayer } from './transaction-layer.js';
import { FakeTransport, TCP_PEER, flushMicrotasks, makeRequest } from './test-support.js';
import type { ServerTransaction } from './types.js';

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  let transport: FakeTransport;
  let layer: TransactionLayer;
  let requests: Array<{ req: SipRequest; tx: ServerTransaction }>;
  const onAck = vi.fn();

  /** Delivers an INVITE and returns the server transaction the TU got. */
  function receiveInvite(req: SipRequest = makeRequest({ method: 'INVITE' })): ServerTransaction {
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
    onAck.mockReset();
    layer.onRequest((req, tx) => requests.push({ req, tx }));
    layer.onAck(onAck);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends 100 Trying at once, echoing Timestamp and without a To tag', () => {
    const req = makeRequest({ method: 'INVITE' });
    req.headers.append('Timestamp', '54.2');
    const tx = receiveInvite(req);
    expect(tx.state).toBe('proceeding');
    expect(transport.statuses()).toEqual([100]);
    const trying = transport.responses[0]?.res;
    expect(trying?.headers.getLines('Timestamp')).toEqual(['54.2']);
    expect(trying?.headers.get('To')).not.toContain('tag=');
    expect(transport.responses[0]?.source).toBe(req.source);
  });

  it('answers a retransmitted INVITE with the last response and does not pass it on', () => {
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    layer.receive(makeRequest({ method: 'INVITE' }));
    tx.respond(createResponse(req, 180, { toTag: 'me' }));
    layer.receive(makeRequest({ method: 'INVITE' }));
    expect(transport.statuses()).toEqual([100, 100, 180, 180]);
    expect(requests).toHaveLength(1);
  });

  it('retransmits a failure with Timer G doubling to T2 and gives up on Timer H', () => {
    const onTimeout = vi.fn();
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    tx.onTimeout(onTimeout);
    tx.respond(createResponse(req, 486, { toTag: 'me' }));
    expect(tx.state).toBe('completed');
    vi.advanceTimersByTime(31_999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(transport.responseTimes(486)).toEqual([
      0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
    ]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('confirms on the ACK, absorbs ACK and INVITE retransmissions, ends after Timer I', () => {
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    tx.respond(createResponse(req, 486, { toTag: 'me' }));
    vi.advanceTimersByTime(600);
    const ack = makeRequest({ method: 'ACK', toTag: 'me' });
    layer.receive(ack);
    expect(tx.state).toBe('confirmed');
    layer.receive(makeRequest({ method: 'ACK', toTag: 'me' }));
    layer.receive(makeRequest({ method: 'INVITE' }));
    expect(onAck).not.toHaveBeenCalled();
    expect(requests).toHaveLength(1);
    vi.advanceTimersByTime(4999);
    // Only the retransmission at 500 ms: Timer G stopped with the ACK.
    expect(transport.responseTimes(486)).toEqual([0, 500]);
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retransmit over TCP, keeps Timer H, and ends on the ACK (Timer I = 0)', () => {
    const source = TCP_PEER;
    const req = makeRequest({ method: 'INVITE', viaTransport: 'TCP', source });
    const tx = receiveInvite(req);
    tx.respond(createResponse(req, 500, { toTag: 'me' }));
    vi.advanceTimersByTime(10_000);
    expect(transport.responseTimes(500)).toEqual([0]);
    layer.receive(makeRequest({ method: 'ACK', viaTransport: 'TCP', toTag: 'me', source }));
    expect(tx.state).toBe('terminated');
    expect(vi.getTimerCount()).toBe(0);

    const lost = receiveInvite(
      makeRequest({ method: 'INVITE', viaTransport: 'TCP', branch: 'z9hG4bKother', source }),
    );
    const onTimeout = vi.fn();
    lost.onTimeout(onTimeout);
    lost.respond(createResponse(lost.request, 480, { toTag: 'me' }));
    vi.advanceTimersByTime(32_000);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('enters Accepted on a 2xx: INVITE retransmissions absorbed, TU 2xx passed, Timer L', () => {
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    const ok = createResponse(req, 200, { toTag: 'me' });
    tx.respond(ok);
    expect(tx.state).toBe('accepted');
    layer.receive(makeRequest({ method: 'INVITE' }));
    expect(requests).toHaveLength(1);
    expect(transport.statuses()).toEqual([100, 200]);
    // The TU (dialog layer) retransmits its 2xx itself (§13.3.1.4).
    tx.respond(ok);
    tx.respond(createResponse(req, 486, { toTag: 'me' }));
    expect(transport.statuses()).toEqual([100, 200, 200]);
    // The ACK for the 2xx has its own branch and goes to the TU.
    layer.receive(makeRequest({ method: 'ACK', toTag: 'me', branch: 'z9hG4bKack2xx' }));
    expect(onAck).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(31_999);
    expect(tx.state).toBe('accepted');
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(vi.getTimerCount()).toBe(0);
    // A late 2xx retransmission still goes out; nothing else does.
    tx.respond(ok);
    tx.respond(createResponse(req, 180, { toTag: 'me' }));
    expect(transport.statuses()).toEqual([100, 200, 200, 200]);
  });

  it('drops a second final response', () => {
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    tx.respond(createResponse(req, 404, { toTag: 'me' }));
    tx.respond(createResponse(req, 200, { toTag: 'me' }));
    tx.respond(createResponse(req, 180, { toTag: 'me' }));
    expect(transport.statuses()).toEqual([100, 404]);
    expect(tx.lastResponse?.status).toBe(404);
  });

  it('ends and reports a failed response send (§17.2.4)', async () => {
    const req = makeRequest({ method: 'INVITE' });
    const tx = receiveInvite(req);
    const onTransportError = vi.fn();
    tx.onTransportError(onTransportError);
    await flushMicrotasks();
    transport.fail = new Error('connection reset');
    tx.respond(createResponse(req, 486, { toTag: 'me' }));
    await flushMicrotasks();
    expect(onTransportError).toHaveBeenCalledWith(transport.fail);
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
