import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createResponse } from '../message/index.js';
import type { SipRequest } from '../message/index.js';
import type { TransportLayer } from '../transport/index.js';
import { TransactionLayer } from './transaction-layer.js';
import type { TransactionClock } from './timers.js';
import {
  FakeTransport,
  UDP_PEER,
  flushMicrotasks,
  makeRequest,
  makeResponse,
} from './test-support.js';
import type { ServerTransaction, TransactionTransport } from './types.js';

describe('TransactionLayer', () => {
  let transport: FakeTransport;
  let layer: TransactionLayer;
  let requests: Array<{ req: SipRequest; tx: ServerTransaction }>;
  let acks: SipRequest[];

  /** The server transaction the TU got for the last new request. */
  function lastTx(): ServerTransaction {
    const got = requests.at(-1);
    if (!got) throw new Error('no request reached the TU');
    return got.tx;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    transport = new FakeTransport();
    layer = new TransactionLayer(transport);
    requests = [];
    acks = [];
    layer.onRequest((req, tx) => requests.push({ req, tx }));
    layer.onAck((ack) => acks.push(ack));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('CANCEL (§9.2)', () => {
    it('answers 200 with the INVITE To tag, fires onCancel, and lets the TU send 487', () => {
      const invite = makeRequest({ method: 'INVITE' });
      layer.receive(invite);
      const tx = lastTx();
      const onCancel = vi.fn();
      tx.onCancel(onCancel);
      tx.respond(createResponse(invite, 180, { toTag: 'uas1' }));

      const cancel = makeRequest({ method: 'CANCEL' });
      layer.receive(cancel);
      expect(requests).toHaveLength(1);
      expect(transport.statuses()).toEqual([100, 180, 200]);
      const ok = transport.responses.at(-1)?.res;
      expect(ok?.headers.get('CSeq')).toBe('1 CANCEL');
      expect(ok?.headers.get('To')).toContain('tag=uas1');
      expect(onCancel).toHaveBeenCalledExactlyOnceWith(cancel);
      expect(tx.cancelled).toBe(true);

      // A retransmitted CANCEL is answered by its own transaction, the TU is not told again.
      layer.receive(makeRequest({ method: 'CANCEL' }));
      expect(transport.statuses()).toEqual([100, 180, 200, 200]);
      expect(onCancel).toHaveBeenCalledOnce();

      tx.respond(createResponse(invite, 487, { toTag: 'uas1' }));
      layer.receive(makeRequest({ method: 'ACK', toTag: 'uas1' }));
      expect(tx.state).toBe('confirmed');
      expect(acks).toHaveLength(0);
    });

    it('calls an onCancel registered after the CANCEL arrived', () => {
      layer.receive(makeRequest({ method: 'INVITE' }));
      const tx = lastTx();
      layer.receive(makeRequest({ method: 'CANCEL' }));
      const late = vi.fn();
      tx.onCancel(late);
      expect(late).toHaveBeenCalledOnce();
    });

    it('answers 200 but does not cancel once a final response was sent', () => {
      const invite = makeRequest({ method: 'INVITE' });
      layer.receive(invite);
      const tx = lastTx();
      const onCancel = vi.fn();
      tx.onCancel(onCancel);
      tx.respond(createResponse(invite, 200, { toTag: 'uas1' }));
      layer.receive(makeRequest({ method: 'CANCEL' }));
      expect(transport.statuses()).toEqual([100, 200, 200]);
      expect(onCancel).not.toHaveBeenCalled();
      expect(tx.cancelled).toBe(false);
    });

    it('answers 481 to a CANCEL that matches no INVITE', () => {
      layer.receive(makeRequest({ method: 'INVITE', branch: 'z9hG4bKa' }));
      layer.receive(makeRequest({ method: 'CANCEL', branch: 'z9hG4bKb' }));
      // Same branch, other sent-by: a different transaction (§17.2.3).
      layer.receive(makeRequest({ method: 'CANCEL', branch: 'z9hG4bKa', viaHost: '198.51.100.7' }));
      expect(transport.statuses()).toEqual([100, 481, 481]);
      expect(transport.responses[1]?.res.headers.get('To')).toContain('tag=');
      expect(requests).toHaveLength(1);
    });
  });

  describe('matching (§17.2.3)', () => {
    it('treats the same branch from another sent-by, or with another method, as new', () => {
      layer.receive(makeRequest({ method: 'INVITE', branch: 'z9hG4bKsame' }));
      layer.receive(makeRequest({ method: 'INVITE', branch: 'z9hG4bKsame', viaPort: 5070 }));
      layer.receive(makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKsame' }));
      expect(requests).toHaveLength(3);
    });

    it('falls back to RFC 2543 matching for branches without the magic cookie', () => {
      const invite = makeRequest({ method: 'INVITE', branch: '' });
      layer.receive(invite);
      const tx = lastTx();
      layer.receive(makeRequest({ method: 'INVITE', branch: '' }));
      expect(requests).toHaveLength(1);
      expect(transport.statuses()).toEqual([100, 100]);

      // A different Call-ID, CSeq, From tag or Request-URI makes another transaction.
      layer.receive(makeRequest({ method: 'INVITE', branch: '', callId: 'other' }));
      layer.receive(makeRequest({ method: 'INVITE', branch: '', cseq: 2 }));
      layer.receive(makeRequest({ method: 'INVITE', branch: '', fromTag: 'f2' }));
      layer.receive(makeRequest({ method: 'INVITE', branch: '', uri: 'sip:carol@example.com' }));
      layer.receive(makeRequest({ method: 'INVITE', branch: '', toTag: 'early' }));
      expect(requests).toHaveLength(6);

      // The ACK matches by the To tag of the response that was sent.
      tx.respond(createResponse(invite, 404, { toTag: 'uas9' }));
      layer.receive(makeRequest({ method: 'ACK', branch: '', toTag: 'wrong' }));
      expect(acks).toHaveLength(1);
      expect(tx.state).toBe('completed');
      layer.receive(makeRequest({ method: 'ACK', branch: '', toTag: 'uas9' }));
      expect(tx.state).toBe('confirmed');
      expect(acks).toHaveLength(1);
    });

    it('matches a CANCEL to an RFC 2543 INVITE', () => {
      layer.receive(makeRequest({ method: 'INVITE', branch: '' }));
      const onCancel = vi.fn();
      lastTx().onCancel(onCancel);
      layer.receive(makeRequest({ method: 'CANCEL', branch: '' }));
      expect(onCancel).toHaveBeenCalledOnce();
      expect(transport.statuses()).toEqual([100, 200]);
    });

    it('hands ACKs for 2xx and unmatched responses to the TU', () => {
      const stray = vi.fn();
      layer.onStrayResponse(stray);
      layer.receive(makeRequest({ method: 'ACK', toTag: 'x', branch: 'z9hG4bKnew' }));
      expect(acks).toHaveLength(1);
      const res = makeResponse(makeRequest({ method: 'INVITE', branch: 'z9hG4bKnone' }), 200, 't');
      layer.receive(res);
      expect(stray).toHaveBeenCalledExactlyOnceWith(res);
      // A response matching a branch but not the CSeq method is stray too (§17.1.3).
      const req = makeRequest({ method: 'INVITE', branch: 'z9hG4bKc' });
      layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
      layer.receive(makeResponse(makeRequest({ method: 'CANCEL', branch: 'z9hG4bKc' }), 200, 't'));
      expect(stray).toHaveBeenCalledTimes(2);
    });
  });

  describe('TU errors', () => {
    it('answers 500 when a request handler throws, and reports the error', () => {
      const errors: Error[] = [];
      const failing = new TransactionLayer(transport);
      failing.onError((err) => errors.push(err));
      failing.onRequest(() => {
        throw new Error('boom');
      });
      failing.receive(makeRequest({ method: 'OPTIONS' }));
      expect(transport.statuses()).toEqual([500]);
      expect(errors.map((e) => e.message)).toEqual(['boom']);
    });

    it('answers 501 when nobody handles requests', () => {
      const bare = new TransactionLayer(transport);
      bare.receive(makeRequest({ method: 'MESSAGE' }));
      expect(transport.statuses()).toEqual([501]);
    });

    it('keeps the state machine going when a TU callback throws', () => {
      const errors: Error[] = [];
      layer.onError((err) => errors.push(err));
      const req = makeRequest({ method: 'INVITE' });
      const tx = layer.sendRequest(req, UDP_PEER, {
        onFinal: () => {
          throw new Error('tu bug');
        },
      });
      layer.receive(makeResponse(req, 486, 'x'));
      expect(errors).toHaveLength(1);
      expect(transport.sentMethods()).toEqual(['INVITE', 'ACK']);
      expect(tx.state).toBe('completed');
    });
  });

  describe('sendRequest', () => {
    it('sends an ACK without a transaction', async () => {
      const onTransportError = vi.fn();
      transport.fail = new Error('down');
      const ack = makeRequest({ method: 'ACK', toTag: 't', branch: 'z9hG4bKack' });
      const handle = layer.sendRequest(ack, UDP_PEER, { onFinal: vi.fn(), onTransportError });
      expect(handle.state).toBe('terminated');
      expect(layer.activeCount()).toBe(0);
      await flushMicrotasks();
      expect(onTransportError).toHaveBeenCalledOnce();
      expect(transport.sentMethods()).toEqual(['ACK']);
    });

    it('refuses a second live transaction with the same branch and method', () => {
      const req = makeRequest({ method: 'OPTIONS' });
      layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() });
      expect(() => layer.sendRequest(req, UDP_PEER, { onFinal: vi.fn() })).toThrow();
    });
  });

  describe('shutdown', () => {
    it('resolves at once when idle and sets draining', async () => {
      await layer.shutdown();
      expect(layer.draining).toBe(true);
    });

    it('answers new requests 503 while draining but still serves in-dialog ones', async () => {
      const invite = makeRequest({ method: 'INVITE', branch: 'z9hG4bKlive' });
      layer.receive(invite);
      const live = lastTx();
      let done = false;
      const finished = layer.shutdown().then(() => {
        done = true;
      });

      layer.receive(makeRequest({ method: 'INVITE', branch: 'z9hG4bKnew' }));
      const rejected = transport.responses.at(-1)?.res;
      expect(rejected?.status).toBe(503);
      expect(rejected?.headers.get('Retry-After')).toBe('30');
      expect(layer.activeCount()).toBe(1);

      const bye = makeRequest({ method: 'BYE', branch: 'z9hG4bKbye', toTag: 'd', cseq: 2 });
      layer.receive(bye);
      expect(requests.map(({ req }) => req.method)).toEqual(['INVITE', 'BYE']);
      expect(layer.draining).toBe(true);

      lastTx().respond(createResponse(bye, 200));
      live.respond(createResponse(invite, 200, { toTag: 'd' }));
      await flushMicrotasks();
      expect(done).toBe(false);
      // Timer J (BYE) and Timer L (INVITE) both end at 64*T1.
      await vi.advanceTimersByTimeAsync(32_000);
      await finished;
      expect(layer.activeCount()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('ends transactions that only linger once nothing awaits a final response', async () => {
      const req = makeRequest({ method: 'OPTIONS' });
      layer.receive(req);
      lastTx().respond(createResponse(req, 200, { toTag: 't' }));
      expect(layer.activeCount()).toBe(1);
      const finished = layer.shutdown();
      await vi.advanceTimersByTimeAsync(100);
      await finished;
      expect(layer.activeCount()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('gives up after the configured bound and clears every timer', async () => {
      const bounded = new TransactionLayer(transport, { shutdownTimeoutMs: 1000 });
      bounded.onRequest(() => {
        // Never answers: the transaction would live forever.
      });
      bounded.receive(makeRequest({ method: 'INVITE' }));
      bounded.sendRequest(makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKout' }), UDP_PEER, {
        onFinal: vi.fn(),
      });
      expect(bounded.activeCount()).toBe(2);
      const finished = bounded.shutdown();
      await vi.advanceTimersByTimeAsync(1000);
      await finished;
      expect(bounded.activeCount()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('runs on an injected clock', () => {
    vi.useRealTimers();
    const pending: Array<{ at: number; run: () => void; live: boolean }> = [];
    let now = 0;
    const clock: TransactionClock = {
      schedule(run, ms) {
        const entry = { at: now + ms, run, live: true };
        pending.push(entry);
        return () => {
          entry.live = false;
        };
      },
    };
    const advance = (ms: number): void => {
      const until = now + ms;
      for (;;) {
        const next = pending.filter((e) => e.live && e.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        next.live = false;
        now = next.at;
        next.run();
      }
      now = until;
    };
    const manual = new TransactionLayer(transport, { clock });
    const onTimeout = vi.fn();
    manual.sendRequest(makeRequest({ method: 'OPTIONS' }), UDP_PEER, {
      onFinal: vi.fn(),
      onTimeout,
    });
    advance(31_999);
    expect(onTimeout).not.toHaveBeenCalled();
    advance(1);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(transport.sentMethods()).toHaveLength(11);
    expect(pending.filter((e) => e.live)).toHaveLength(0);
  });

  it('accepts the real TransportLayer as its transport', () => {
    // Checked by tsc: the layer depends on the interface, the transport satisfies it.
    expectTypeOf<TransportLayer>().toExtend<TransactionTransport>();
  });
});
