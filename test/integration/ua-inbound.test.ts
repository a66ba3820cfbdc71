/**
 * Inbound calls at the user agent, driven by a raw UDP peer so every message is exact: answer
 * and 2xx retransmission until ACK (RFC 3261 §13.3.1.4), BYE when no ACK comes in 64*T1,
 * CANCEL, early BYE, and the core's answers to stray in-dialog requests (481, 500).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResponse, getCSeq, type SipResponse } from '../../src/sip/message/index.js';
import type { SipCall } from '../../src/sip/ua/index.js';
import {
  isRequest,
  isResponse,
  rawOffer,
  RawUdpPeer,
  rawRequest,
  toTagOf,
} from './helpers/raw-peer.js';
import { media, nextCall, startStack, within, type UaStack } from './helpers/ua-stack.js';

const T1 = 20;

let server: UaStack;
let peer: RawUdpPeer;
let seq = 0;

beforeEach(async () => {
  server = await startStack({ t1Ms: T1 });
  peer = await RawUdpPeer.open(server.port('udp'));
});

afterEach(async () => {
  peer.close();
  await server.stop();
});

interface Answered {
  call: SipCall;
  ok: SipResponse;
  callId: string;
  fromTag: string;
  toTag: string;
}

/** Sends an INVITE with an offer and answers it; the 200 is not ACKed yet. */
async function answeredCall(extraHeaders: string[] = []): Promise<Answered> {
  const callId = `inbound-${++seq}@test`;
  const fromTag = `ft${seq}`;
  const arrival = nextCall(server.ua);
  peer.send(
    rawRequest({
      method: 'INVITE',
      peer,
      callId,
      fromTag,
      cseq: 1,
      headers: extraHeaders,
      body: rawOffer(),
    }),
  );
  const call = await arrival;
  expect(call.direction).toBe('inbound');
  expect(call.state).toBe('ringing');
  expect(call.answer({ media: media() })).toBe(true);
  const ok = await peer.next(isResponse(200, 'INVITE'), '200 to INVITE');
  return { call, ok, callId, fromTag, toTag: toTagOf(ok) };
}

function ack(a: Answered, cseq = 1): void {
  peer.send(
    rawRequest({ method: 'ACK', peer, callId: a.callId, fromTag: a.fromTag, toTag: a.toTag, cseq }),
  );
}

describe('inbound INVITE', () => {
  it('answers with an SDP answer, a To tag and a Contact', async () => {
    const a = await answeredCall();
    expect(a.toTag).not.toBe('');
    expect(a.ok.headers.get('Content-Type')).toBe('application/sdp');
    expect(a.ok.body.toString()).toMatch(/^m=audio 40000 /m);
    expect(a.ok.headers.get('Contact')).toMatch(/^<sip:switchboard@127\.0\.0\.1:\d+>$/);
    expect(a.call.state).toBe('answered');
    expect(a.call.media?.remotePort).toBe(41_000);
    ack(a);
    await a.call.answered;
  });

  it('stops retransmitting the 200 once the ACK arrives', async () => {
    const a = await answeredCall();
    // Let at least one retransmission happen so the ACK demonstrably stops a running loop.
    await expect.poll(() => peer.count(isResponse(200, 'INVITE'))).toBeGreaterThanOrEqual(2);
    ack(a);
    // Wait for an in-dialog OPTIONS round trip: the ACK was processed before it.
    peer.send(
      rawRequest({
        method: 'OPTIONS',
        peer,
        callId: a.callId,
        fromTag: a.fromTag,
        toTag: a.toTag,
        cseq: 2,
      }),
    );
    await peer.next(isResponse(200, 'OPTIONS'), '200 to in-dialog OPTIONS');
    const seen = peer.count(isResponse(200, 'INVITE'));
    // Several T1 periods (and T2) pass: a live loop would have sent more by then.
    await new Promise((r) => setTimeout(r, T1 * 20));
    expect(peer.count(isResponse(200, 'INVITE'))).toBe(seen);
    expect(a.call.state).toBe('answered');
  });

  it('sends BYE and ends with no-ack when no ACK comes within 64*T1', async () => {
    const a = await answeredCall();
    const end = await within(a.call.ended, 'call end without ACK');
    expect(end).toMatchObject({ reason: 'no-ack', by: 'system' });
    const bye = await peer.next(isRequest('BYE'), 'BYE after the missing ACK');
    expect(toTagOf(bye)).toBe(a.fromTag);
    expect(bye.headers.get('Call-ID')).toBe(a.callId);
    expect(peer.count(isResponse(200, 'INVITE'))).toBeGreaterThan(3);
    expect(server.ua.calls()).toHaveLength(0);
  });

  it('a hangup right after answering waits for the ACK before its BYE (RFC 3261 §15)', async () => {
    const a = await answeredCall();
    const hangup = a.call.hangup();
    // The 200 keeps being retransmitted and no BYE overtakes it while the ACK is missing.
    await expect
      .poll(() => peer.count(isResponse(200, 'INVITE')), { timeout: 5000 })
      .toBeGreaterThan(2);
    expect(peer.count(isRequest('BYE'))).toBe(0);
    expect(a.call.state).toBe('answered');
    ack(a);
    const bye = await peer.next(isRequest('BYE'), 'BYE after the ACK');
    expect(bye.headers.get('Call-ID')).toBe(a.callId);
    peer.send(createResponse(bye, 200));
    await within(hangup, 'hangup');
    expect((await a.call.ended).reason).toBe('local-bye');
  });

  it('answers a PRACK that crossed the 2xx with 200, not 481 (RFC 3262 §3)', async () => {
    const callId = `prack-cross-${++seq}`;
    const arrival = nextCall(server.ua);
    peer.send(
      rawRequest({
        method: 'INVITE',
        peer,
        callId,
        fromTag: 'pc',
        cseq: 1,
        headers: ['Require: 100rel', 'Supported: 100rel'],
        body: rawOffer(),
      }),
    );
    const call = await arrival;
    call.ring();
    const ringing = await peer.next(isResponse(180), 'reliable 180');
    const rseq = ringing.headers.get('RSeq');
    call.answer({ media: media() });
    const ok = await peer.next(isResponse(200, 'INVITE'), '200');
    peer.send(
      rawRequest({
        method: 'PRACK',
        peer,
        callId,
        fromTag: 'pc',
        toTag: toTagOf(ok),
        cseq: 2,
        headers: [`RAck: ${rseq} 1 INVITE`],
      }),
    );
    await peer.next(isResponse(200, 'PRACK'), '200 to the late PRACK');
    peer.send(
      rawRequest({ method: 'ACK', peer, callId, fromTag: 'pc', toTag: toTagOf(ok), cseq: 1 }),
    );
    await call.hangup();
  });

  it('answers the ACK late offer: 200 carries an offer, the ACK the answer', async () => {
    const callId = `late-offer-${++seq}`;
    const arrival = nextCall(server.ua);
    peer.send(rawRequest({ method: 'INVITE', peer, callId, fromTag: 'lo', cseq: 7 }));
    const call = await arrival;
    call.answer({ media: media(40_002) });
    const ok = await peer.next(isResponse(200, 'INVITE'), '200 with offer');
    expect(ok.body.toString()).toMatch(/^m=audio 40002 /m);
    expect(call.media).toBeUndefined();
    const answer = rawOffer();
    peer.send(
      rawRequest({
        method: 'ACK',
        peer,
        callId,
        fromTag: 'lo',
        toTag: toTagOf(ok),
        cseq: 7,
        body: answer,
      }),
    );
    await expect.poll(() => call.media?.remotePort).toBe(41_000);
  });

  it('ends cancelled with 487 when the caller cancels before the answer', async () => {
    const callId = `cancel-${++seq}`;
    const branch = `z9hG4bK-cancel-${seq}`;
    const arrival = nextCall(server.ua);
    const invite = { peer, callId, fromTag: 'c1', cseq: 1, branch, body: rawOffer() };
    peer.send(rawRequest({ method: 'INVITE', ...invite }));
    const call = await arrival;
    call.ring();
    await peer.next(isResponse(180), '180');
    peer.send(rawRequest({ ...invite, method: 'CANCEL', body: undefined }));
    const end = await within(call.ended, 'cancelled call end');
    expect(end).toMatchObject({ reason: 'cancelled', status: 487, by: 'remote' });
    await peer.next(isResponse(200, 'CANCEL'), '200 to CANCEL');
    await peer.next(isResponse(487, 'INVITE'), '487 to INVITE');
    expect(call.answer({ media: media() })).toBe(false);
  });

  it('rejects with 480 when nobody listens for calls', async () => {
    const callId = `nolistener-${++seq}`;
    peer.send(rawRequest({ method: 'INVITE', peer, callId, fromTag: 'n', cseq: 1 }));
    const res = await peer.next(isResponse(480), '480');
    expect(res.headers.get('Warning')).toMatch(/^399 /);
    expect(toTagOf(res)).not.toBe('');
  });

  it('treats a BYE in the early dialog as the end: 200 to BYE, 487 to INVITE', async () => {
    const callId = `early-bye-${++seq}`;
    const arrival = nextCall(server.ua);
    peer.send(rawRequest({ method: 'INVITE', peer, callId, fromTag: 'eb', cseq: 1 }));
    const call = await arrival;
    call.ring();
    const ringing = await peer.next(isResponse(180), '180');
    peer.send(
      rawRequest({ method: 'BYE', peer, callId, fromTag: 'eb', toTag: toTagOf(ringing), cseq: 2 }),
    );
    await peer.next(isResponse(200, 'BYE'), '200 to BYE');
    await peer.next(isResponse(487, 'INVITE'), '487 to INVITE');
    expect((await call.ended).reason).toBe('remote-bye');
  });

  it('answers a second INVITE in the early dialog with 500 and Retry-After (RFC 3261 §14.2)', async () => {
    const callId = `early-reinvite-${++seq}`;
    const arrival = nextCall(server.ua);
    peer.send(rawRequest({ method: 'INVITE', peer, callId, fromTag: 'er', cseq: 1 }));
    const call = await arrival;
    call.ring();
    const ringing = await peer.next(isResponse(180), '180');
    peer.send(
      rawRequest({
        method: 'INVITE',
        peer,
        callId,
        fromTag: 'er',
        toTag: toTagOf(ringing),
        cseq: 2,
      }),
    );
    const refused = await peer.next(isResponse(500, 'INVITE'), '500 to the second INVITE');
    expect(refused.headers.get('Retry-After')).toMatch(/^\d$/);
    expect(call.state).toBe('ringing');
    await call.hangup();
  });
});

describe('requests inside an inbound call', () => {
  it('INFO gets 200 and an info event with the body', async () => {
    const a = await answeredCall();
    ack(a);
    const info = within(
      new Promise<{ contentType?: string; body: Buffer }>((r) => a.call.once('info', r)),
      'info event',
    );
    peer.send(
      rawRequest({
        method: 'INFO',
        peer,
        callId: a.callId,
        fromTag: a.fromTag,
        toTag: a.toTag,
        cseq: 2,
        contentType: 'application/dtmf-relay',
        body: 'Signal=5\r\nDuration=160\r\n',
      }),
    );
    await peer.next(isResponse(200, 'INFO'), '200 to INFO');
    const got = await info;
    expect(got.contentType).toBe('application/dtmf-relay');
    expect(got.body.toString()).toContain('Signal=5');
  });

  it('BYE from the peer ends the call with remote-bye', async () => {
    const a = await answeredCall();
    ack(a);
    peer.send(
      rawRequest({
        method: 'BYE',
        peer,
        callId: a.callId,
        fromTag: a.fromTag,
        toTag: a.toTag,
        cseq: 2,
      }),
    );
    await peer.next(isResponse(200, 'BYE'), '200 to BYE');
    expect(await a.call.ended).toMatchObject({ reason: 'remote-bye', by: 'remote' });
    expect(server.ua.calls()).toHaveLength(0);
  });

  it('a CSeq going backwards gets 500, and the dialog keeps working', async () => {
    const a = await answeredCall();
    ack(a);
    const inDialog = { peer, callId: a.callId, fromTag: a.fromTag, toTag: a.toTag };
    peer.send(rawRequest({ method: 'OPTIONS', ...inDialog, cseq: 5 }));
    await peer.next(isResponse(200, 'OPTIONS'), '200 to OPTIONS');
    peer.send(rawRequest({ method: 'INFO', ...inDialog, cseq: 4 }));
    const res = await peer.next(isResponse(500, 'INFO'), '500 to INFO');
    expect(getCSeq(res).seq).toBe(4);
    peer.send(rawRequest({ method: 'INFO', ...inDialog, cseq: 6 }));
    await peer.next(isResponse(200, 'INFO'), '200 to later INFO');
  });

  it('an in-dialog request for an unknown dialog gets 481', async () => {
    for (const method of ['BYE', 'INVITE', 'INFO']) {
      peer.send(
        rawRequest({
          method,
          peer,
          callId: `ghost-${method}`,
          fromTag: 'g',
          toTag: 'nope',
          cseq: 3,
        }),
      );
      await peer.next(isResponse(481, method), `481 to ${method}`);
    }
  });

  it('a BYE outside any dialog gets 481', async () => {
    peer.send(rawRequest({ method: 'BYE', peer, callId: 'no-dialog', fromTag: 'x', cseq: 1 }));
    const res = await peer.next(isResponse(481, 'BYE'), '481 to BYE');
    // §8.2.6.2: every final response carries a To tag, even outside a dialog.
    expect(toTagOf(res)).not.toBe('');
  });

  it('requests after the call ended get 481', async () => {
    const a = await answeredCall();
    ack(a);
    await a.call.hangup();
    await peer.next(isRequest('BYE'), 'our BYE');
    peer.send(
      rawRequest({
        method: 'INFO',
        peer,
        callId: a.callId,
        fromTag: a.fromTag,
        toTag: a.toTag,
        cseq: 9,
      }),
    );
    await peer.next(isResponse(481, 'INFO'), '481 after the end');
  });
});
