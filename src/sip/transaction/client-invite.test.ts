import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SipRequest } from '../message/index.js';
import { TransactionLayer } from './transaction-layer.js';
import {
  FakeTransport,
  TCP_PEER,
  UDP_PEER,
  flushMicrotasks,
  makeRequest,
  makeResponse,
} from './test-support.js';

/** The last request with `method` the fake transport saw. */
function lastSent(transport: FakeTransport, method: string): SipRequest {
  const found = transport.sent
    .map(({ msg }) => msg)
    .filter((msg): msg is SipRequest => msg.kind === 'request' && msg.method === method)
    .at(-1);
  if (!found) throw new Error(`no ${method} sent`);
  return found;
}

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  let transport: FakeTransport;
  let layer: TransactionLayer;
  const invite = (): SipRequest =>
    makeRequest({ method: 'INVITE', routes: ['<sip:proxy.example.com;lr>'] });

  beforeEach(() => {
    vi.useFakeTimers();
    transport = new FakeTransport();
    layer = new TransactionLayer(transport);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('retransmits with Timer A doubling from T1 and times out with Timer B over UDP', () => {
    const onTimeout = vi.fn();
    const tx = layer.sendRequest(invite(), UDP_PEER, { onFinal: vi.fn(), onTimeout });
    expect(tx.state).toBe('calling');
    vi.advanceTimersByTime(31_999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(transport.sendTimes('INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends once over TCP but still applies Timer B', () => {
    const onTimeout = vi.fn();
    layer.sendRequest(invite(), TCP_PEER, { onFinal: vi.fn(), onTimeout });
    vi.advanceTimersByTime(32_000);
    expect(transport.sendTimes('INVITE')).toEqual([0]);
    expect(onTimeout).toHaveBeenCalledOnce();
  });

  it('stops retransmitting and disarms Timer B on a provisional', () => {
    const onProvisional = vi.fn();
    const onTimeout = vi.fn();
    const req = invite();
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn(), onProvisional, onTimeout });
    vi.advanceTimersByTime(700);
    layer.receive(makeResponse(req, 100));
    layer.receive(makeResponse(req, 180, 'uas'));
    expect(tx.state).toBe('proceeding');
    expect(onProvisional).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(120_000);
    expect(transport.sendTimes('INVITE')).toEqual([0, 500]);
    expect(onTimeout).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ACKs a 3xx–6xx itself per §17.1.1.3 and re-ACKs retransmissions until Timer D', () => {
    const onFinal = vi.fn();
    const req = invite();
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal });
    layer.receive(makeResponse(req, 486, 'busy1'));
    expect(tx.state).toBe('completed');
    expect(onFinal).toHaveBeenCalledOnce();
    expect(onFinal.mock.calls[0]?.[0]).toMatchObject({ status: 486 });

    const ack = lastSent(transport, 'ACK');
    expect(ack.uri).toBe(req.uri);
    expect(ack.headers.getLines('Via')).toEqual(req.headers.getLines('Via'));
    expect(ack.headers.getLines('Route')).toEqual(['<sip:proxy.example.com;lr>']);
    expect(ack.headers.get('From')).toBe(req.headers.get('From'));
    expect(ack.headers.get('To')).toBe('<sip:bob@example.com>;tag=busy1');
    expect(ack.headers.get('Call-ID')).toBe(req.headers.get('Call-ID'));
    expect(ack.headers.get('CSeq')).toBe('1 ACK');
    expect(ack.headers.get('Max-Forwards')).toBe('70');
    expect(ack.body.length).toBe(0);
    expect(transport.sent.at(-1)?.dest).toBe(UDP_PEER);

    // A retransmitted final means the ACK was lost: it is re-sent, the TU is not bothered.
    layer.receive(makeResponse(req, 486, 'busy1'));
    expect(transport.sendTimes('ACK')).toHaveLength(2);
    expect(onFinal).toHaveBeenCalledOnce();
    // No INVITE retransmissions after the final.
    vi.advanceTimersByTime(31_999);
    expect(transport.sendTimes('INVITE')).toEqual([0]);
    expect(layer.activeCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends at once after ACKing a failure over TCP (Timer D = 0)', () => {
    const req = makeRequest({ method: 'INVITE', viaTransport: 'TCP' });
    const tx = layer.sendRequest(req, TCP_PEER, { onFinal: vi.fn() });
    layer.receive(makeResponse(req, 603, 'x'));
    expect(transport.sentMethods()).toEqual(['INVITE', 'ACK']);
    expect(tx.state).toBe('terminated');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the configured Timer D', () => {
    const custom = new TransactionLayer(transport, { timerDMs: 1000 });
    const req = invite();
    custom.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
    custom.receive(makeResponse(req, 404, 'x'));
    vi.advanceTimersByTime(999);
    expect(custom.activeCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(custom.activeCount()).toBe(0);
  });

  it('ends on a 2xx without ACKing it and passes later 2xx to onStrayResponse', () => {
    const onFinal = vi.fn();
    const stray = vi.fn();
    layer.onStrayResponse(stray);
    const req = invite();
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal });
    layer.receive(makeResponse(req, 180, 'uas'));
    layer.receive(makeResponse(req, 200, 'uas'));
    expect(onFinal).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(transport.sentMethods()).toEqual(['INVITE']);
    layer.receive(makeResponse(req, 200, 'uas'));
    expect(stray).toHaveBeenCalledOnce();
    expect(onFinal).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends and reports a transport error, once', async () => {
    transport.fail = new Error('no route');
    const onTransportError = vi.fn();
    const tx = layer.sendRequest(invite(), UDP_PEER, { onFinal: vi.fn(), onTransportError });
    await flushMicrotasks();
    vi.advanceTimersByTime(64_000);
    expect(onTransportError).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  describe('cancel() (§9.1)', () => {
    it('holds the CANCEL until a provisional arrives, then sends it as its own transaction', () => {
      const req = invite();
      const onCancelFinal = vi.fn();
      const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
      tx.cancel({ onFinal: onCancelFinal });
      vi.advanceTimersByTime(600);
      expect(transport.sentMethods()).toEqual(['INVITE', 'INVITE']);
      layer.receive(makeResponse(req, 180, 'uas'));
      expect(transport.sentMethods()).toEqual(['INVITE', 'INVITE', 'CANCEL']);

      const cancel = lastSent(transport, 'CANCEL');
      expect(cancel.uri).toBe(req.uri);
      expect(cancel.headers.getLines('Via')).toEqual(req.headers.getLines('Via'));
      expect(cancel.headers.getLines('Route')).toEqual(req.headers.getLines('Route'));
      expect(cancel.headers.get('To')).toBe(req.headers.get('To'));
      expect(cancel.headers.get('From')).toBe(req.headers.get('From'));
      expect(cancel.headers.get('Call-ID')).toBe(req.headers.get('Call-ID'));
      expect(cancel.headers.get('CSeq')).toBe('1 CANCEL');
      expect(layer.activeCount()).toBe(2);

      // The CANCEL is a non-INVITE transaction: Timer E retransmits it.
      vi.advanceTimersByTime(500);
      expect(transport.sendTimes('CANCEL')).toHaveLength(2);
      layer.receive(makeResponse(cancel, 200, 'uas'));
      expect(onCancelFinal).toHaveBeenCalledOnce();

      // The 487 is ACKed by the INVITE transaction and does not match the CANCEL.
      layer.receive(makeResponse(req, 487, 'uas'));
      expect(transport.sentMethods().at(-1)).toBe('ACK');
      expect(tx.state).toBe('completed');
    });

    it('sends the CANCEL at once in Proceeding and only once', () => {
      const req = invite();
      const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
      layer.receive(makeResponse(req, 183, 'uas'));
      tx.cancel();
      tx.cancel();
      expect(transport.sentMethods()).toEqual(['INVITE', 'CANCEL']);
    });

    it('never sends the CANCEL when a final arrives first', () => {
      const req = invite();
      const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
      tx.cancel();
      layer.receive(makeResponse(req, 486, 'x'));
      tx.cancel();
      vi.advanceTimersByTime(40_000);
      expect(transport.sentMethods()).not.toContain('CANCEL');
    });

    it('destroys the INVITE transaction 64*T1 after the CANCEL if no final arrives', () => {
      const req = invite();
      const onTimeout = vi.fn();
      const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn(), onTimeout });
      layer.receive(makeResponse(req, 180, 'uas'));
      tx.cancel();
      const cancel = lastSent(transport, 'CANCEL');
      layer.receive(makeResponse(cancel, 200, 'uas'));
      vi.advanceTimersByTime(31_999);
      expect(onTimeout).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(onTimeout).toHaveBeenCalledOnce();
      expect(tx.state).toBe('terminated');
      vi.advanceTimersByTime(5000);
      expect(layer.activeCount()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
