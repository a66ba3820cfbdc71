/**
 * UserAgent.shutdown(): live calls get a BYE (or a final response when not yet answered),
 * new INVITEs are refused with 503, ua.calls() is empty afterwards, and new outbound calls
 * are refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isResponse, RawUdpPeer, rawRequest } from './helpers/raw-peer.js';
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

describe('shutdown', () => {
  it('ends live calls with BYE, answers ringing ones, and leaves no calls', async () => {
    b.ua.on('call', (c) => {
      if (c.to.uri.user === 'ringer') c.ring();
      else c.answer({ media: media() });
    });
    const answered = await a.ua.call(b.uri('answerer'));
    await within(answered.answered, 'answered');
    const inbound = nextCall(a.ua);
    const ringing = b.ua.call(a.uri('ringer'));
    const incoming = await inbound;
    incoming.ring();
    expect(a.ua.calls()).toHaveLength(2);

    await within(a.ua.shutdown(), 'shutdown');
    expect(a.ua.calls()).toHaveLength(0);
    expect(await answered.ended).toMatchObject({ reason: 'shutdown', by: 'system' });
    expect(await incoming.ended).toMatchObject({ reason: 'rejected', status: 480 });
    const remote = b.ua.calls();
    // The peer saw the BYE and the 480: nothing is left on its side either.
    await expect.poll(() => b.ua.calls().length).toBe(0);
    expect(remote.every((c) => c.state === 'ended')).toBe(true);
    expect((await (await ringing).ended).status).toBe(480);
  });

  it('refuses new INVITEs with 503 and new outbound calls', async () => {
    await a.ua.shutdown();
    const peer = await RawUdpPeer.open(a.port('udp'));
    try {
      peer.send(rawRequest({ method: 'INVITE', peer, callId: 'late', fromTag: 'l', cseq: 1 }));
      const res = await peer.next(isResponse(503, 'INVITE'), '503');
      expect(res.headers.get('Retry-After')).toBeDefined();
    } finally {
      peer.close();
    }
    await expect(a.ua.call(b.uri('bob'))).rejects.toThrow(/shutting down/);
    expect(a.ua.calls()).toHaveLength(0);
  });
});
