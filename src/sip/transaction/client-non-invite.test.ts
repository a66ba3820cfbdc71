import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransactionLayer } from './transaction-layer.js';
import {
  FakeTransport,
  TCP_PEER,
  UDP_PEER,
  flushMicrotasks,
  makeRequest,
  makeResponse,
} from './test-support.js';

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  let transport: FakeTransport;
  let layer: TransactionLayer;

  beforeEach(() => {
    vi.useFakeTimers();
    transport = new FakeTransport();
    layer = new TransactionLayer(transport);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('retransmits with Timer E doubling up to T2 and times out with Timer F over UDP', () => {
    const onTimeout = vi.fn();
    const tx = layer.sendRequest(makeRequest({ method: 'OPTIONS' }), UDP_PEER, {
      onFinal: vi.fn(),
      onTimeout,
    });
    expect(tx.state).toBe('trying');
    vi.advanceTimersByTime(31_999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(transport.sendTimes('OPTIONS')).toEqual([
      0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
    ]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retransmits every T2 once a provisional arrived', () => {
    const onProvisional = vi.fn();
    const req = makeRequest({ method: 'REGISTER' });
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn(), onProvisional });
    vi.advanceTimersByTime(600);
    layer.receive(makeResponse(req, 100));
    expect(tx.state).toBe('proceeding');
    expect(onProvisional).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(10_000);
    // The pending E (armed for 1000 ms at t=500) fires at 1500, then every T2.
    expect(transport.sendTimes('REGISTER')).toEqual([0, 500, 1500, 5500, 9500]);
  });

  it('delivers the final once, absorbs retransmissions and ends after Timer K = T4', () => {
    const onFinal = vi.fn();
    const stray = vi.fn();
    layer.onStrayResponse(stray);
    const req = makeRequest({ method: 'OPTIONS' });
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal });
    layer.receive(makeResponse(req, 200, 'uas'));
    expect(tx.state).toBe('completed');
    layer.receive(makeResponse(req, 200, 'uas'));
    expect(onFinal).toHaveBeenCalledOnce();
    expect(stray).not.toHaveBeenCalled();
    vi.advanceTimersByTime(4999);
    expect(layer.activeCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // No more retransmissions were sent after the final.
    expect(transport.sendTimes('OPTIONS')).toEqual([0]);
    layer.receive(makeResponse(req, 200, 'uas'));
    expect(stray).toHaveBeenCalledOnce();
  });

  it('does not retransmit over TCP and ends at once on the final (Timer K = 0)', () => {
    const onTimeout = vi.fn();
    const req = makeRequest({ method: 'OPTIONS', viaTransport: 'TCP' });
    const first = layer.sendRequest(req, TCP_PEER, { onFinal: vi.fn(), onTimeout });
    vi.advanceTimersByTime(32_000);
    expect(transport.sendTimes('OPTIONS')).toEqual([0]);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(first.state).toBe('terminated');

    const req2 = makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKtcp2' });
    const second = layer.sendRequest(req2, TCP_PEER, { onFinal: vi.fn() });
    layer.receive(makeResponse(req2, 404, 'x'));
    expect(second.state).toBe('terminated');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours configured T1 and T2', () => {
    const custom = new TransactionLayer(transport, { t1Ms: 100, t2Ms: 300 });
    custom.sendRequest(makeRequest({ method: 'OPTIONS' }), UDP_PEER, { onFinal: vi.fn() });
    vi.advanceTimersByTime(6400);
    const times = transport.sendTimes('OPTIONS');
    expect(times.slice(0, 6)).toEqual([0, 100, 300, 600, 900, 1200]);
    expect(custom.activeCount()).toBe(0);
  });

  it('ends and reports a transport error (§17.1.4)', async () => {
    transport.fail = new Error('unreachable');
    const onTransportError = vi.fn();
    const onTimeout = vi.fn();
    const tx = layer.sendRequest(makeRequest({ method: 'OPTIONS' }), UDP_PEER, {
      onFinal: vi.fn(),
      onTransportError,
      onTimeout,
    });
    await flushMicrotasks();
    expect(onTransportError).toHaveBeenCalledWith(transport.fail);
    expect(tx.state).toBe('terminated');
    expect(layer.activeCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(64_000);
    expect(onTimeout).not.toHaveBeenCalled();
    expect(transport.sendTimes('OPTIONS')).toEqual([0]);
  });

  it('ignores cancel() for non-INVITE requests', () => {
    const req = makeRequest({ method: 'OPTIONS' });
    const tx = layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
    layer.receive(makeResponse(req, 100));
    tx.cancel();
    expect(transport.sentMethods()).toEqual(['OPTIONS']);
  });
});
