/**
 * Outbound calls to a scripted raw UDP callee, for what two well-behaved user agents never
 * do on their own: a 2xx crossing our CANCEL, reliable provisionals (RFC 3262) with PRACK and
 * the CSeq numbers that follow them, 2xx retransmissions that must be re-ACKed, and a glare.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createResponse,
  getCSeq,
  type SipRequest,
  type SipResponse,
} from '../../src/sip/message/index.js';
import { isRequest, isResponse, rawOffer, RawUdpPeer, rawRequest } from './helpers/raw-peer.js';
import { startStack, within, type UaStack } from './helpers/ua-stack.js';

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

const TAG = 'calleetag';

/** A response from the raw callee, with its tag, Contact and extra headers. */
function reply(
  req: SipRequest,
  status: number,
  headers: Array<[string, string]> = [],
  body?: string,
): SipResponse {
  return createResponse(req, status, {
    toTag: TAG,
    headers: [['Contact', `<sip:bob@127.0.0.1:${peer.port}>`], ...headers],
    ...(body !== undefined ? { body, contentType: 'application/sdp' } : {}),
  });
}

function target(): string {
  return `sip:bob@127.0.0.1:${peer.port}`;
}

describe('2xx crossing CANCEL', () => {
  it('the late 200 is ACKed and the call ended with BYE', async () => {
    const call = await server.ua.call(target());
    const invite = await peer.next(isRequest('INVITE'), 'INVITE');
    peer.send(reply(invite, 180));
    await within(new Promise<void>((r) => call.once('ringing', r)), 'ringing');
    const hangup = call.hangup();
    const cancel = await peer.next(isRequest('CANCEL'), 'CANCEL');
    peer.send(createResponse(cancel, 200, { toTag: TAG }));
    // The callee had answered before the CANCEL arrived.
    peer.send(reply(invite, 200, [], rawOffer()));
    const ack = await peer.next(isRequest('ACK'), 'ACK for the 200');
    expect(getCSeq(ack).seq).toBe(getCSeq(invite).seq);
    const bye = await peer.next(isRequest('BYE'), 'BYE after the crossing 200');
    expect(getCSeq(bye).seq).toBeGreaterThan(getCSeq(invite).seq);
    expect(bye.headers.get('To')).toContain(`tag=${TAG}`);
    peer.send(createResponse(bye, 200));
    await within(hangup, 'hangup');
    expect(await call.ended).toMatchObject({ reason: 'cancelled', status: 487 });
  });
});

describe('answered outbound call', () => {
  it('re-ACKs a retransmitted 200 and keeps the call', async () => {
    const call = await server.ua.call(target());
    const invite = await peer.next(isRequest('INVITE'), 'INVITE');
    const ok = reply(invite, 200, [], rawOffer());
    peer.send(ok);
    await within(call.answered, 'answered');
    await peer.next(isRequest('ACK'), 'first ACK');
    peer.send(ok);
    await peer.next(isRequest('ACK'), 'ACK for the retransmission');
    expect(call.state).toBe('answered');
    expect(call.media?.remotePort).toBe(41_000);
  });

  it('follows the Record-Route set in reverse: Contact on the request line, first route as next hop', async () => {
    // A second raw socket plays the proxy nearest to us; requests must reach it, not the callee.
    const proxy = await RawUdpPeer.open(server.port('udp'));
    try {
      const call = await server.ua.call(target());
      const invite = await peer.next(isRequest('INVITE'), 'INVITE');
      const near = `<sip:127.0.0.1:${proxy.port};lr>`;
      peer.send(
        reply(
          invite,
          200,
          [
            ['Record-Route', '<sip:p2.example;lr>'],
            ['Record-Route', near],
          ],
          rawOffer(),
        ),
      );
      await within(call.answered, 'answered');
      await proxy.next(isRequest('ACK'), 'ACK at the proxy');
      void call.info('application/dtmf-relay', 'Signal=1\r\n');
      const info = await proxy.next(isRequest('INFO'), 'INFO at the proxy');
      expect(info.uri).toBe(`sip:bob@127.0.0.1:${peer.port}`);
      expect(info.headers.getAll('Route')).toEqual([near, '<sip:p2.example;lr>']);
      expect(info.headers.get('Content-Type')).toBe('application/dtmf-relay');
      proxy.send(createResponse(info, 200));
      expect(peer.received.filter(isRequest('INFO'))).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});

describe('reliable provisionals on an outbound call', () => {
  it('PRACKs each reliable 18x once and keeps CSeq increasing afterwards', async () => {
    const call = await server.ua.call(target());
    const invite = await peer.next(isRequest('INVITE'), 'INVITE');
    expect(invite.headers.getAll('Supported')).toContain('100rel');
    const inviteSeq = getCSeq(invite).seq;
    const r1 = reply(invite, 180, [
      ['Require', '100rel'],
      ['RSeq', '10'],
    ]);
    peer.send(r1);
    const prack1 = await peer.next(isRequest('PRACK'), 'first PRACK');
    expect(prack1.headers.get('RAck')).toBe(`10 ${inviteSeq} INVITE`);
    expect(prack1.headers.get('To')).toContain(`tag=${TAG}`);
    peer.send(createResponse(prack1, 200));
    // A retransmission of the same reliable provisional is not PRACKed again.
    peer.send(r1);
    peer.send(
      reply(
        invite,
        183,
        [
          ['Require', '100rel'],
          ['RSeq', '11'],
        ],
        rawOffer(),
      ),
    );
    const prack2 = await peer.next(isRequest('PRACK'), 'second PRACK');
    expect(prack2.headers.get('RAck')).toBe(`11 ${inviteSeq} INVITE`);
    peer.send(createResponse(prack2, 200));
    const seqs = [getCSeq(prack1).seq, getCSeq(prack2).seq];
    expect(seqs[0]).toBeGreaterThan(inviteSeq);
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    expect(peer.count(isRequest('PRACK'))).toBe(2);
    peer.send(reply(invite, 200, [], rawOffer()));
    await within(call.answered, 'answered');
    void call.info('application/dtmf-relay', 'Signal=2\r\n');
    const info = await peer.next(isRequest('INFO'), 'INFO after PRACKs');
    expect(getCSeq(info).seq).toBeGreaterThan(seqs[1]!);
    peer.send(createResponse(info, 200));
  });
});

describe('early media', () => {
  it('takes the SDP answer from a reliable 183 when the 2xx carries none', async () => {
    const call = await server.ua.call(target());
    const invite = await peer.next(isRequest('INVITE'), 'INVITE');
    const mediaEvent = new Promise((r) => call.once('media', r));
    peer.send(
      reply(
        invite,
        183,
        [
          ['Require', '100rel'],
          ['RSeq', '1'],
        ],
        rawOffer(),
      ),
    );
    await within(mediaEvent, 'early media');
    expect(call.state).toBe('ringing');
    expect(call.media?.remotePort).toBe(41_000);
    const prack = await peer.next(isRequest('PRACK'), 'PRACK');
    peer.send(createResponse(prack, 200));
    peer.send(reply(invite, 200));
    await within(call.answered, 'answered');
    expect(call.media?.remotePort).toBe(41_000);
    await peer.next(isRequest('ACK'), 'ACK');
  });
});

describe('glare', () => {
  it('a re-INVITE arriving while ours is pending gets 491', async () => {
    const call = await server.ua.call(target());
    const invite = await peer.next(isRequest('INVITE'), 'INVITE');
    peer.send(reply(invite, 200, [], rawOffer()));
    await within(call.answered, 'answered');
    const ourAck = await peer.next(isRequest('ACK'), 'ACK');
    const hold = call.hold(true);
    const reinvite = await peer.next(isRequest('INVITE'), 're-INVITE');
    expect(reinvite.body.toString()).toMatch(/^a=sendonly/m);
    // Our own re-INVITE is still unanswered when the peer sends one: glare.
    const fromTag = /tag=([^;>\s]+)/.exec(ourAck.headers.get('From') ?? '')?.[1] ?? '';
    peer.send(
      rawRequest({
        method: 'INVITE',
        peer,
        callId: invite.headers.get('Call-ID') ?? '',
        fromTag: TAG,
        toTag: fromTag,
        cseq: 1,
        body: rawOffer('sendonly'),
      }),
    );
    const refused = await peer.next(isResponse(491, 'INVITE'), '491');
    expect(refused.headers.get('Retry-After')).toBeDefined();
    peer.send(createResponse(reinvite, 491));
    expect(await within(hold, 'hold result')).toBe(false);
    expect(call.state).toBe('answered');
  });
});
