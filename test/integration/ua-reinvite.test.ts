/**
 * Offer/answer inside a call (RFC 3261 §14, RFC 3311, RFC 3264): hold and unhold with
 * re-INVITE between two user agents, UPDATE with SDP, a re-INVITE without SDP (offer in the
 * 200, answer in the ACK), an unacceptable offer, and a hold that the peer refuses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResponse, getCSeq, type TransportProtocol } from '../../src/sip/message/index.js';
import { sdpDirection } from '../../src/sip/sdp/index.js';
import { rawCall } from './helpers/raw-call.js';
import { isRequest, isResponse, rawOffer, RawUdpPeer, rawRequest } from './helpers/raw-peer.js';
import {
  media,
  nextCall,
  nextEvent,
  startStack,
  within,
  type UaStack,
} from './helpers/ua-stack.js';

describe.each<TransportProtocol>(['udp', 'tcp'])(
  'hold between two user agents over %s',
  (protocol) => {
    let a: UaStack;
    let b: UaStack;

    beforeEach(async () => {
      a = await startStack();
      b = await startStack();
    });

    afterEach(async () => {
      await a.stop();
      await b.stop();
    });

    it('hold(true) and hold(false) raise hold/unhold and onHold on the other side', async () => {
      const inbound = nextCall(b.ua);
      const caller = await a.ua.call(b.uri('bob', protocol), { media: media(40_000) });
      const callee = await inbound;
      callee.answer({ media: media(40_100) });
      await within(caller.answered, 'answered');
      expect(callee.onHold).toBe(false);

      const held = nextEvent(callee, 'hold');
      expect(await within(caller.hold(true), 'hold')).toBe(true);
      await held;
      expect(callee.onHold).toBe(true);
      expect(caller.localSdp && sdpDirection(caller.localSdp)).toBe('sendonly');
      expect(callee.localSdp && sdpDirection(callee.localSdp)).toBe('recvonly');
      expect(caller.media?.remoteDirection).toBe('recvonly');

      const resumed = nextEvent(callee, 'unhold');
      expect(await within(caller.hold(false), 'unhold')).toBe(true);
      await resumed;
      expect(callee.onHold).toBe(false);
      expect(callee.localSdp && sdpDirection(callee.localSdp)).toBe('sendrecv');

      // The callee can hold the caller too: both directions use the same dialog.
      const heldBack = nextEvent(caller, 'hold');
      expect(await within(callee.hold(true), 'hold back')).toBe(true);
      await heldBack;
      expect(caller.onHold).toBe(true);
      await caller.hangup();
      expect((await within(callee.ended, 'callee end')).reason).toBe('remote-bye');
    });
  },
);

describe('offers from a raw peer', () => {
  let server: UaStack;
  let peer: RawUdpPeer;

  beforeEach(async () => {
    server = await startStack({ t1Ms: 20 });
    peer = await RawUdpPeer.open(server.port('udp'));
  });

  afterEach(async () => {
    peer.close();
    await server.stop();
  });

  it('UPDATE with a hold offer gets an SDP answer and raises hold', async () => {
    const c = await rawCall(server, peer);
    const held = nextEvent(c.call, 'hold');
    peer.send(
      rawRequest({ method: 'UPDATE', ...c.dialog, cseq: c.nextSeq(), body: rawOffer('sendonly') }),
    );
    const ok = await peer.next(isResponse(200, 'UPDATE'), '200 to UPDATE');
    expect(sdpDirection(ok.body.toString())).toBe('recvonly');
    expect(ok.headers.get('Contact')).toBeDefined();
    await held;
    expect(c.call.onHold).toBe(true);
  });

  it('a re-INVITE without SDP gets our offer in the 200 and takes the answer from the ACK', async () => {
    const c = await rawCall(server, peer);
    const seq = c.nextSeq();
    peer.send(rawRequest({ method: 'INVITE', ...c.dialog, cseq: seq }));
    const ok = await peer.next(isResponse(200, 'INVITE'), '200 with an offer');
    expect(getCSeq(ok).seq).toBe(seq);
    expect(ok.body.toString()).toMatch(/^m=audio 40000 /m);
    const held = nextEvent(c.call, 'hold');
    peer.send(rawRequest({ method: 'ACK', ...c.dialog, cseq: seq, body: rawOffer('sendonly') }));
    await held;
    expect(c.call.media?.remoteDirection).toBe('sendonly');
  });

  it('a re-INVITE with a new Contact moves the remote target', async () => {
    const c = await rawCall(server, peer);
    const seq = c.nextSeq();
    peer.send(
      rawRequest({
        method: 'INVITE',
        ...c.dialog,
        cseq: seq,
        headers: [],
        body: rawOffer(),
      }).replace(/^Contact: .*$/m, `Contact: <sip:moved@127.0.0.1:${peer.port}>`),
    );
    await peer.next(isResponse(200, 'INVITE'), '200 to re-INVITE');
    peer.send(rawRequest({ method: 'ACK', ...c.dialog, cseq: seq }));
    void c.call.info('text/plain', 'x');
    const info = await peer.next(isRequest('INFO'), 'INFO');
    expect(info.uri).toBe(`sip:moved@127.0.0.1:${peer.port}`);
    peer.send(createResponse(info, 200));
  });

  it('an offer without a common codec gets 488 and changes nothing', async () => {
    const c = await rawCall(server, peer);
    const before = c.call.media;
    const offer = rawOffer().replace(/^m=audio (\d+) RTP\/AVP .*$/m, 'm=audio $1 RTP/AVP 99');
    peer.send(rawRequest({ method: 'UPDATE', ...c.dialog, cseq: c.nextSeq(), body: offer }));
    const res = await peer.next(isResponse(488, 'UPDATE'), '488');
    expect(res.headers.get('Warning')).toMatch(/^399 /);
    expect(c.call.media).toBe(before);
    expect(c.call.state).toBe('answered');
  });

  it('a refused hold leaves the local direction as it was', async () => {
    const c = await rawCall(server, peer);
    const hold = c.call.hold(true);
    const reinvite = await peer.next(isRequest('INVITE'), 'our re-INVITE');
    expect(sdpDirection(reinvite.body.toString())).toBe('sendonly');
    peer.send(createResponse(reinvite, 488));
    expect(await within(hold, 'hold result')).toBe(false);
    expect(c.call.localMedia?.direction ?? 'sendrecv').toBe('sendrecv');
    // The next re-INVITE offers what was agreed before the refused one.
    const again = c.call.hold(false);
    const next = await peer.next(isRequest('INVITE'), 'second re-INVITE');
    expect(sdpDirection(next.body.toString())).toBe('sendrecv');
    peer.send(createResponse(next, 200, { body: rawOffer(), contentType: 'application/sdp' }));
    expect(await within(again, 'unhold result')).toBe(true);
  });
});
