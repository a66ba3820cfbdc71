/**
 * REFER inside a call (RFC 3515, RFC 3891) between two user agents: 202, the implicit
 * subscription's NOTIFYs (100 Trying at once, the application's final status with
 * Subscription-State: terminated), Replaces in Refer-To, and refusals.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SipRequest } from '../../src/sip/message/index.js';
import { readSipfragStatus, type IncomingRefer, type SipCall } from '../../src/sip/ua/index.js';
import { rawCall } from './helpers/raw-call.js';
import { isRequest, isResponse, RawUdpPeer, rawRequest } from './helpers/raw-peer.js';
import { media, nextCall, startStack, within, type UaStack } from './helpers/ua-stack.js';

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

async function connected(): Promise<{ caller: SipCall; callee: SipCall }> {
  const inbound = nextCall(b.ua);
  const caller = await a.ua.call(b.uri('bob'));
  const callee = await inbound;
  callee.answer({ media: media() });
  await within(caller.answered, 'answered');
  return { caller, callee };
}

/** Collects the NOTIFYs a call receives until one terminates the subscription. */
function notifications(call: SipCall): Promise<SipRequest[]> {
  const seen: SipRequest[] = [];
  return within(
    new Promise<SipRequest[]>((resolve) => {
      call.on('notify', (req) => {
        seen.push(req);
        if (req.headers.get('Subscription-State')?.startsWith('terminated')) resolve(seen);
      });
    }),
    'terminating NOTIFY',
  );
}

describe('REFER in a call', () => {
  it('202, NOTIFY 100 Trying, then the final NOTIFY when the application reports 200', async () => {
    const { caller, callee } = await connected();
    const referred = within(
      new Promise<IncomingRefer>((resolve) => callee.once('refer', resolve)),
      'refer event',
    );
    const notifies = notifications(caller);
    expect(
      await within(caller.refer('<sip:carol@example.com>', '<sip:bob@example.com>'), 'REFER'),
    ).toBe(202);
    const refer = await referred;
    expect(refer.target.uri.user).toBe('carol');
    expect(refer.replaces).toBeUndefined();
    expect(refer.referredBy).toBe('<sip:bob@example.com>');
    await refer.notify(200, 'OK');
    const got = await notifies;
    expect(got.map((n) => readSipfragStatus(n.body))).toEqual([100, 200]);
    expect(got[0]!.headers.get('Subscription-State')).toMatch(/^active/);
    expect(got[1]!.headers.get('Subscription-State')).toBe('terminated;reason=noresource');
    for (const n of got) {
      expect(n.headers.get('Event')).toBe('refer');
      expect(n.headers.get('Content-Type')).toBe('message/sipfrag;version=2.0');
    }
    // After the final NOTIFY the subscription is over: more reports send nothing.
    await refer.notify(503, 'Service Unavailable');
    expect(caller.state).toBe('answered');
  });

  it('parses Replaces carried in Refer-To (attended transfer)', async () => {
    const { caller, callee } = await connected();
    const referred = within(
      new Promise<IncomingRefer>((resolve) => callee.once('refer', resolve)),
      'refer event',
    );
    const target =
      '<sip:carol@example.com?Replaces=abc%40host.example%3Bto-tag%3Dtt1%3Bfrom-tag%3Dft2>';
    expect(await within(caller.refer(target), 'REFER')).toBe(202);
    const refer = await referred;
    expect(refer.replaces).toEqual({
      callId: 'abc@host.example',
      toTag: 'tt1',
      fromTag: 'ft2',
      earlyOnly: false,
    });
  });

  it('603 when the application does not listen for refer', async () => {
    const { caller } = await connected();
    expect(await within(caller.refer('<sip:carol@example.com>'), 'REFER')).toBe(603);
  });

  it('481 from refer() before the call is answered', async () => {
    b.ua.on('call', (c) => c.ring());
    const caller = await a.ua.call(b.uri('bob'));
    expect(await caller.refer('<sip:carol@example.com>')).toBe(481);
    await caller.hangup();
  });
});

describe('malformed REFER', () => {
  it('400 for two Refer-To headers, 400 for a Replaces without tags', async () => {
    const peer = await RawUdpPeer.open(a.port('udp'));
    try {
      const c = await rawCall(a, peer);
      c.call.on('refer', () => undefined);
      peer.send(
        rawRequest({
          method: 'REFER',
          ...c.dialog,
          cseq: c.nextSeq(),
          headers: ['Refer-To: <sip:x@example.com>', 'Refer-To: <sip:y@example.com>'],
        }),
      );
      await peer.next(isResponse(400, 'REFER'), '400 for two Refer-To');
      peer.send(
        rawRequest({
          method: 'REFER',
          ...c.dialog,
          cseq: c.nextSeq(),
          headers: ['Refer-To: <sip:x@example.com?Replaces=only-a-call-id>'],
        }),
      );
      await peer.next(isResponse(400, 'REFER'), '400 for a bad Replaces');
    } finally {
      peer.close();
    }
  });
});

describe('REFER without a subscription (RFC 4488)', () => {
  it('answers Refer-Sub: false with 202 and Refer-Sub: false, and sends no NOTIFY', async () => {
    const peer = await RawUdpPeer.open(a.port('udp'));
    try {
      const c = await rawCall(a, peer);
      const referred = within(
        new Promise<IncomingRefer>((resolve) => c.call.once('refer', resolve)),
        'refer event',
      );
      peer.send(
        rawRequest({
          method: 'REFER',
          ...c.dialog,
          cseq: c.nextSeq(),
          headers: ['Refer-To: <sip:carol@example.com>', 'Refer-Sub: false'],
        }),
      );
      const accepted = await peer.next(isResponse(202, 'REFER'), '202');
      expect(accepted.headers.get('Refer-Sub')).toBe('false');
      const refer = await referred;
      await refer.notify(200, 'OK');
      // A NOTIFY would have been sent before notify() resolved; none may exist.
      expect(peer.count(isRequest('NOTIFY'))).toBe(0);
    } finally {
      peer.close();
    }
  });
});
