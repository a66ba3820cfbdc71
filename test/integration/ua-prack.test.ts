/**
 * Reliable provisional responses at the UAS (RFC 3262): an INVITE with Require: 100rel makes
 * call.ring() send a 180 with Require: 100rel and RSeq, retransmitted until the PRACK, which
 * gets 200; a PRACK naming another RSeq gets 481.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SipResponse } from '../../src/sip/message/index.js';
import type { SipCall } from '../../src/sip/ua/index.js';
import {
  isResponse,
  rawOffer,
  RawUdpPeer,
  rawRequest,
  toTagOf,
  type RawRequest,
} from './helpers/raw-peer.js';
import { media, nextCall, startStack, within, type UaStack } from './helpers/ua-stack.js';

let server: UaStack;
let peer: RawUdpPeer;
let counter = 0;

beforeEach(async () => {
  server = await startStack({ t1Ms: 20 });
  peer = await RawUdpPeer.open(server.port('udp'));
});

afterEach(async () => {
  peer.close();
  await server.stop();
});

interface Ringing {
  call: SipCall;
  ringing: SipResponse;
  rseq: number;
  dialog: Pick<RawRequest, 'peer' | 'callId' | 'fromTag' | 'toTag'>;
}

/** An INVITE requiring 100rel, rung by the application. */
async function reliablyRinging(): Promise<Ringing> {
  const callId = `prack-${++counter}`;
  const arrival = nextCall(server.ua);
  peer.send(
    rawRequest({
      method: 'INVITE',
      peer,
      callId,
      fromTag: 'pf',
      cseq: 10,
      headers: ['Require: 100rel', 'Supported: 100rel'],
      body: rawOffer(),
    }),
  );
  const call = await arrival;
  call.ring();
  const ringing = await peer.next(isResponse(180), 'reliable 180');
  return {
    call,
    ringing,
    rseq: Number(ringing.headers.get('RSeq')),
    dialog: { peer, callId, fromTag: 'pf', toTag: toTagOf(ringing) },
  };
}

function prack(r: Ringing, cseq: number, rack: string): void {
  peer.send(rawRequest({ method: 'PRACK', ...r.dialog, cseq, headers: [`RAck: ${rack}`] }));
}

describe('reliable 180', () => {
  it('carries Require: 100rel and RSeq, and is resent until the PRACK', async () => {
    const r = await reliablyRinging();
    expect(r.ringing.headers.getAll('Require')).toContain('100rel');
    expect(Number.isInteger(r.rseq) && r.rseq > 0).toBe(true);
    expect(r.ringing.headers.get('Contact')).toBeDefined();
    await expect.poll(() => peer.count(isResponse(180))).toBeGreaterThanOrEqual(3);
    prack(r, 11, `${r.rseq} 10 INVITE`);
    const ok = await peer.next(isResponse(200, 'PRACK'), '200 to PRACK');
    expect(ok.headers.get('CSeq')).toBe('11 PRACK');
    // An OPTIONS round trip after the PRACK: later 180s would be resends after the 200.
    peer.send(rawRequest({ method: 'OPTIONS', ...r.dialog, cseq: 12 }));
    await peer.next(isResponse(200, 'OPTIONS'), '200 to OPTIONS');
    const seen = peer.count(isResponse(180));
    await new Promise((resolve) => setTimeout(resolve, 20 * 20));
    expect(peer.count(isResponse(180))).toBe(seen);
    r.call.answer({ media: media() });
    await peer.next(isResponse(200, 'INVITE'), '200 to INVITE');
  });

  it('a PRACK with the wrong RSeq gets 481 and the 180 keeps coming', async () => {
    const r = await reliablyRinging();
    prack(r, 11, `${r.rseq + 5} 10 INVITE`);
    await peer.next(isResponse(481, 'PRACK'), '481 to PRACK');
    const before = peer.count(isResponse(180));
    await expect.poll(() => peer.count(isResponse(180))).toBeGreaterThan(before);
    prack(r, 12, `${r.rseq} 9 INVITE`);
    await peer.next(isResponse(481, 'PRACK'), '481 to a PRACK naming another CSeq');
    prack(r, 13, `${r.rseq} 10 INVITE`);
    await peer.next(isResponse(200, 'PRACK'), '200 to the right PRACK');
    // The same provisional cannot be acknowledged twice.
    prack(r, 14, `${r.rseq} 10 INVITE`);
    await peer.next(isResponse(481, 'PRACK'), '481 to a second PRACK');
  });

  it('answering stops the 180 retransmissions', async () => {
    const r = await reliablyRinging();
    r.call.answer({ media: media() });
    const ok = await peer.next(isResponse(200, 'INVITE'), '200 to INVITE');
    peer.send(rawRequest({ method: 'ACK', ...r.dialog, toTag: toTagOf(ok), cseq: 10 }));
    peer.send(rawRequest({ method: 'OPTIONS', ...r.dialog, cseq: 11 }));
    await peer.next(isResponse(200, 'OPTIONS'), '200 to OPTIONS');
    const seen = peer.count(isResponse(180));
    await new Promise((resolve) => setTimeout(resolve, 20 * 20));
    expect(peer.count(isResponse(180))).toBe(seen);
  });

  it('a CANCEL stops the 180 retransmissions', async () => {
    const r = await reliablyRinging();
    const invite = r.call.invite;
    const cancel = rawRequest({
      method: 'CANCEL',
      peer,
      callId: r.dialog.callId,
      fromTag: r.dialog.fromTag,
      cseq: 10,
      branch: /branch=([^;\s]+)/.exec(invite.headers.get('Via') ?? '')?.[1],
    });
    peer.send(cancel);
    await peer.next(isResponse(487, 'INVITE'), '487');
    expect((await r.call.ended).reason).toBe('cancelled');
    // An OPTIONS round trip (481 now) after the end: 180s sent later would be resends.
    peer.send(rawRequest({ method: 'OPTIONS', ...r.dialog, cseq: 12 }));
    await peer.next(isResponse(481, 'OPTIONS'), '481 to OPTIONS');
    const seen = peer.count(isResponse(180));
    await new Promise((resolve) => setTimeout(resolve, 20 * 20));
    expect(peer.count(isResponse(180))).toBe(seen);
  });

  it('no PRACK within 64*T1 rejects the INVITE with 504', async () => {
    const r = await reliablyRinging();
    const end = await within(r.call.ended, 'call end without PRACK');
    expect(end).toMatchObject({ reason: 'rejected', status: 504 });
    await peer.next(isResponse(504, 'INVITE'), '504 to INVITE');
  });

  it('an unreliable 180 when the caller does not require 100rel', async () => {
    const arrival = nextCall(server.ua);
    peer.send(rawRequest({ method: 'INVITE', peer, callId: 'plain', fromTag: 'p', cseq: 1 }));
    const call = await arrival;
    call.ring();
    const ringing = await peer.next(isResponse(180), '180');
    expect(ringing.headers.get('RSeq')).toBeUndefined();
    call.ring();
    call.answer({ media: media() });
    await peer.next(isResponse(200, 'INVITE'), '200');
    expect(peer.count(isResponse(180))).toBe(1);
  });
});
