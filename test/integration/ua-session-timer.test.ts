/**
 * RFC 4028 session timers on real stacks, with the session clock shrunk (`sessionTimerUnitMs`)
 * so a 90 s interval passes in a fraction of a second while headers still carry RFC values:
 * we refresh at half the interval when we are the refresher, hang up with 'session-expired'
 * when the peer was and did not, and refuse intervals below 90 s with 422 and Min-SE.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResponse, getCSeq } from '../../src/sip/message/index.js';
import { rawCall } from './helpers/raw-call.js';
import { isRequest, isResponse, rawOffer, RawUdpPeer, rawRequest } from './helpers/raw-peer.js';
import { media, nextCall, startStack, within, type UaStack } from './helpers/ua-stack.js';

/** 90 interval seconds last 450 ms: refresh after 225 ms, expiry after 300 ms. */
const UNIT_MS = 5;

describe('session timers against a raw peer', () => {
  let server: UaStack;
  let peer: RawUdpPeer;

  beforeEach(async () => {
    server = await startStack({ t1Ms: 20, sessionTimerUnitMs: UNIT_MS });
    peer = await RawUdpPeer.open(server.port('udp'));
  });

  afterEach(async () => {
    peer.close();
    await server.stop();
  });

  it('refresher=uas: we answer with it and refresh with UPDATE at half the interval', async () => {
    const c = await rawCall(server, peer, {
      headers: [
        'Session-Expires: 90;refresher=uas',
        'Supported: timer',
        'Allow: INVITE, ACK, BYE, CANCEL, UPDATE',
      ],
    });
    expect(c.ok.headers.get('Session-Expires')).toBe('90;refresher=uas');
    expect(c.ok.headers.getAll('Require')).toContain('timer');
    const update = await peer.next(isRequest('UPDATE'), 'refreshing UPDATE');
    expect(update.headers.get('Session-Expires')).toBe('90;refresher=uac');
    expect(update.body.length).toBe(0);
    peer.send(createResponse(update, 200, { headers: [['Session-Expires', '90;refresher=uac']] }));
    // Still the refresher: the next interval brings the next refresh.
    const again = await peer.next(isRequest('UPDATE'), 'second refresh');
    expect(getCSeq(again).seq).toBeGreaterThan(getCSeq(update).seq);
    peer.send(createResponse(again, 200, { headers: [['Session-Expires', '90;refresher=uac']] }));
    expect(c.call.state).toBe('answered');
  });

  it('refreshes with a re-INVITE when the peer does not allow UPDATE, and ACKs its 200', async () => {
    const c = await rawCall(server, peer, { headers: ['Session-Expires: 90;refresher=uas'] });
    expect(c.ok.headers.get('Session-Expires')).toBe('90;refresher=uas');
    expect(c.ok.headers.get('Require')).toBeUndefined();
    const reinvite = await peer.next(isRequest('INVITE'), 'refreshing re-INVITE');
    expect(reinvite.headers.get('Session-Expires')).toBe('90;refresher=uac');
    expect(reinvite.body.toString()).toMatch(/^m=audio 40000 /m);
    peer.send(
      createResponse(reinvite, 200, {
        headers: [['Session-Expires', '90;refresher=uac']],
        body: rawOffer(),
        contentType: 'application/sdp',
      }),
    );
    const ack = await peer.next(isRequest('ACK'), 'ACK for the refresh');
    expect(getCSeq(ack).seq).toBe(getCSeq(reinvite).seq);
  });

  it('refresher=uac without a refresh: BYE and session-expired', async () => {
    const c = await rawCall(server, peer, {
      headers: ['Session-Expires: 90;refresher=uac', 'Supported: timer'],
    });
    expect(c.ok.headers.get('Session-Expires')).toBe('90;refresher=uac');
    const end = await within(c.call.ended, 'session expiry');
    expect(end).toMatchObject({ reason: 'session-expired', by: 'system' });
    await peer.next(isRequest('BYE'), 'BYE on expiry');
  });

  it('a refresh from the peer restarts the interval', async () => {
    const c = await rawCall(server, peer, {
      headers: ['Session-Expires: 90;refresher=uac', 'Supported: timer'],
    });
    // Refresh well inside each 300 ms expiry window, for longer than one window in total.
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30 * UNIT_MS));
      peer.send(
        rawRequest({
          method: 'UPDATE',
          ...c.dialog,
          cseq: c.nextSeq(),
          headers: ['Session-Expires: 90;refresher=uac', 'Supported: timer'],
        }),
      );
      const ok = await peer.next(isResponse(200, 'UPDATE'), `200 to refresh ${i}`);
      expect(ok.headers.get('Session-Expires')).toBe('90;refresher=uac');
    }
    expect(c.call.state).toBe('answered');
  });

  it('refuses Session-Expires below 90 with 422 and Min-SE: 90', async () => {
    peer.send(
      rawRequest({
        method: 'INVITE',
        peer,
        callId: 'too-brief',
        fromTag: 'tb',
        cseq: 1,
        headers: ['Session-Expires: 60', 'Supported: timer'],
        body: rawOffer(),
      }),
    );
    const res = await peer.next(isResponse(422, 'INVITE'), '422');
    expect(res.headers.get('Min-SE')).toBe('90');
    expect(res.headers.get('To')).toMatch(/;tag=/);
    expect(server.ua.calls()).toHaveLength(0);
  });
});

describe('session timers between two user agents', () => {
  let a: UaStack;
  let b: UaStack;

  beforeEach(async () => {
    a = await startStack({ sessionTimerUnitMs: UNIT_MS });
    b = await startStack({ sessionTimerUnitMs: UNIT_MS });
  });

  afterEach(async () => {
    await a.stop();
    await b.stop();
  });

  /** Resolves once `stack` has answered `n` more in-dialog requests with 200. */
  function answers(stack: UaStack, n: number): Promise<void> {
    let seen = 0;
    return within(
      new Promise<void>((resolve) => {
        const listener = (status: number): void => {
          if (status === 200 && ++seen >= n) {
            stack.ua.off('response', listener);
            resolve();
          }
        };
        stack.ua.on('response', listener);
      }),
      `${n} answered refreshes`,
    );
  }

  it('the caller refreshes with re-INVITE when it is refresher=uac', async () => {
    const inbound = nextCall(b.ua);
    const caller = await a.ua.call(b.uri('bob'), {
      headers: [['Session-Expires', '90;refresher=uac']],
    });
    const callee = await inbound;
    const media2 = new Promise<void>((resolve) => {
      let n = 0;
      callee.on('media', () => {
        if (++n >= 3) resolve();
      });
    });
    callee.answer({ media: media() });
    await within(caller.answered, 'answered');
    // The answer and two refreshing re-INVITEs each renegotiate media at the callee.
    await within(media2, 'two refreshes');
    expect(caller.state).toBe('answered');
    expect(callee.state).toBe('answered');
  });

  it('a hold re-INVITE makes its sender the refresher on both sides', async () => {
    const inbound = nextCall(b.ua);
    const caller = await a.ua.call(b.uri('bob'), {
      headers: [['Session-Expires', '90;refresher=uac']],
    });
    const callee = await inbound;
    callee.answer({ media: media() });
    await within(caller.answered, 'answered');
    expect(await within(callee.hold(true), 'hold')).toBe(true);
    // From now on the callee refreshes (UPDATE, which the caller allows) and the caller waits
    // for it; had either side kept the old roles, the session would expire instead.
    await answers(a, 3);
    expect(caller.state).toBe('answered');
    expect(callee.state).toBe('answered');
    await caller.hangup();
    expect((await within(callee.ended, 'callee end')).reason).toBe('remote-bye');
  });
});
