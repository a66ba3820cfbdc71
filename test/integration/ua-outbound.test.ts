/**
 * Outbound calls between two real user agents over loopback UDP and TCP: ringing, answer,
 * BYE from either side, CANCEL before the answer, calling a registered user by name, and
 * answering a digest challenge with `credentials`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestChallenger, DigestClient } from '../../src/sip/auth/index.js';
import {
  createRequest,
  generateCallId,
  generateTag,
  type TransportProtocol,
} from '../../src/sip/message/index.js';
import type { SipCall } from '../../src/sip/ua/index.js';
import {
  media,
  nextCall,
  nextEvent,
  startStack,
  within,
  type UaStack,
} from './helpers/ua-stack.js';

let server: UaStack;
let phone: UaStack;

beforeEach(async () => {
  server = await startStack({ t1Ms: 50, users: { alice: 'secret' } });
  phone = await startStack({ t1Ms: 50, contactUser: 'alice' });
});

afterEach(async () => {
  await phone.stop();
  await server.stop();
});

describe.each<TransportProtocol>(['udp', 'tcp'])('outbound call over %s', (protocol) => {
  it('rings, is answered, and the caller hangs up', async () => {
    const inbound = nextCall(phone.ua);
    const call = await server.ua.call(phone.uri('bob', protocol), { media: media(40_000) });
    expect(call.direction).toBe('outbound');
    const ringing = nextEvent(call, 'ringing');
    const callee = await inbound;
    callee.ring();
    await ringing;
    expect(call.state).toBe('ringing');
    callee.answer({ media: media(40_100) });
    await within(call.answered, 'answered');
    expect(call.state).toBe('answered');
    expect(call.media?.remotePort).toBe(40_100);
    expect(callee.media?.remotePort).toBe(40_000);
    expect(call.dialog?.flow.protocol).toBe(protocol);
    await call.hangup();
    expect(await call.ended).toMatchObject({ reason: 'local-bye', by: 'local' });
    expect(await within(callee.ended, 'callee end')).toMatchObject({
      reason: 'remote-bye',
      by: 'remote',
    });
    expect(server.ua.calls()).toHaveLength(0);
    expect(phone.ua.calls()).toHaveLength(0);
  });

  it('the callee hangs up', async () => {
    const inbound = nextCall(phone.ua);
    const call = await server.ua.call(phone.uri('bob', protocol));
    const callee = await inbound;
    callee.answer({ media: media() });
    await within(call.answered, 'answered');
    // The callee may hang up before our ACK is in; the BYE still ends both sides.
    await callee.hangup();
    expect(await within(call.ended, 'caller end')).toMatchObject({ reason: 'remote-bye' });
    expect((await callee.ended).reason).toBe('local-bye');
  });

  it('a rejection ends the call with its status', async () => {
    phone.ua.on('call', (c) => c.reject(486, 'Busy'));
    const call = await server.ua.call(phone.uri('bob', protocol));
    await expect(call.answered).rejects.toThrow(/rejected/);
    expect(await call.ended).toMatchObject({ reason: 'rejected', status: 486, by: 'remote' });
  });

  it('CANCEL before the answer: callee ends cancelled, caller gets 487', async () => {
    const inbound = nextCall(phone.ua);
    const call = await server.ua.call(phone.uri('bob', protocol));
    const callee = await inbound;
    const ringing = nextEvent(call, 'ringing');
    callee.ring();
    await ringing;
    await within(call.hangup(), 'hangup before answer');
    expect(await call.ended).toMatchObject({ reason: 'cancelled', status: 487 });
    expect(await within(callee.ended, 'callee end')).toMatchObject({
      reason: 'cancelled',
      status: 487,
      by: 'remote',
    });
  });
});

describe('outbound call options', () => {
  it('cancels on timeoutMs when nobody answers', async () => {
    phone.ua.on('call', (c) => c.ring());
    const call = await server.ua.call(phone.uri('bob'), { timeoutMs: 200 });
    expect(await within(call.ended, 'timeout end')).toMatchObject({ status: 487 });
  });

  it('refuses a non-SIP target', async () => {
    await expect(server.ua.call('tel:+15551234')).rejects.toThrow(/tel/);
  });

  it('refuses an unregistered user name', async () => {
    await expect(server.ua.call('nobody')).rejects.toThrow(/not registered/);
  });
});

/** Registers the phone at the server as alice, answering the 401 with DigestClient. */
async function registerAlice(): Promise<void> {
  const dest = { protocol: 'udp' as const, host: '127.0.0.1', port: server.port('udp') };
  const register = createRequest({
    method: 'REGISTER',
    uri: 'sip:127.0.0.1',
    headers: [
      ['From', `<sip:alice@127.0.0.1>;tag=${generateTag()}`],
      ['To', '<sip:alice@127.0.0.1>'],
      ['Call-ID', generateCallId()],
      ['CSeq', '1 REGISTER'],
      ['Contact', phone.ua.contactFor('udp')],
      ['Expires', '300'],
    ],
  });
  phone.ua.addVia(register, 'udp');
  const challenge = await phone.ua.sendRequest(register, dest);
  expect(challenge.status).toBe(401);
  const retry = new DigestClient({ username: 'alice', password: 'secret' }).authorize(
    register,
    challenge,
  );
  expect(retry).toBeDefined();
  const ok = await phone.ua.sendRequest(retry!, dest);
  expect(ok.status).toBe(200);
}

describe('calling a registered user', () => {
  it('finds alice by name through the location service', async () => {
    await registerAlice();
    const inbound = nextCall(phone.ua);
    const call = await server.ua.call('alice');
    const callee = await inbound;
    expect(callee.requestUri?.user).toBe('alice');
    expect(callee.to.uri.user).toBe('alice');
    callee.answer({ media: media() });
    await within(call.answered, 'answered');
    await call.hangup();
    await within(callee.ended, 'callee end');
  });
});

describe('digest challenge on an outbound INVITE', () => {
  const challenger = new DigestChallenger({
    realm: 'trunk.example',
    algorithms: ['MD5'],
    lookup: (user) => (user === 'trunk' ? { password: 'pw' } : undefined),
  });

  /** The phone plays a trunk that challenges every INVITE without valid credentials. */
  function challengeCalls(status: 401 | 407): SipCall[] {
    const attempts: SipCall[] = [];
    phone.ua.on('call', (c) => {
      attempts.push(c);
      void challenger.verify(c.invite, status === 407).then((result) => {
        if (result.ok) {
          c.answer({ media: media() });
          return;
        }
        const header = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
        const challenges = challenger
          .challengeHeaders({ stale: result.stale })
          .map((v): [string, string] => [header, v]);
        c.reject(status, undefined, challenges);
      });
    });
    return attempts;
  }

  it.each([401, 407] as const)('answers a %d with the credentials', async (status) => {
    const attempts = challengeCalls(status);
    const call = await server.ua.call(phone.uri('trunk'), {
      credentials: { username: 'trunk', password: 'pw' },
    });
    await within(call.answered, 'answered after the challenge');
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts;
    expect(second!.callId).toBe(first!.callId);
    expect(Number(second!.invite.headers.get('CSeq')?.split(' ')[0])).toBe(2);
    // The dialog goes on from the retried INVITE's CSeq.
    await call.hangup();
    expect(await within(attempts[1]!.ended, 'callee end')).toMatchObject({ reason: 'remote-bye' });
  });

  it('ends with auth-failed when the password is wrong', async () => {
    challengeCalls(401);
    const call = await server.ua.call(phone.uri('trunk'), {
      credentials: { username: 'trunk', password: 'wrong' },
    });
    expect(await within(call.ended, 'end')).toMatchObject({ reason: 'auth-failed', status: 401 });
  });

  it('without credentials the challenge ends the call', async () => {
    challengeCalls(407);
    const call = await server.ua.call(phone.uri('trunk'));
    expect(await within(call.ended, 'end')).toMatchObject({ reason: 'rejected', status: 407 });
  });
});

describe('ringing that never ends (the role of Timer C)', () => {
  it('gives up an unanswered call after maxRingMs in both directions', async () => {
    const caller = await startStack({ maxRingMs: 300 });
    const callee = await startStack({ maxRingMs: 200 });
    try {
      callee.ua.on('call', (c) => c.ring()); // rings, never answers
      const arrived = new Promise<SipCall>((r) => callee.ua.once('call', r));
      const call = await caller.ua.call(callee.uri('bob'));
      const calleeCall = await within(arrived, 'INVITE at the callee');
      // The callee's limit is shorter: it answers 480 before the caller would cancel.
      expect(await within(calleeCall.ended, 'callee end')).toMatchObject({ status: 480 });
      expect(await within(call.ended, 'caller end')).toMatchObject({ status: 480 });
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });

  it('cancels an outbound call that rings past maxRingMs', async () => {
    const caller = await startStack({ maxRingMs: 200 });
    const callee = await startStack();
    try {
      callee.ua.on('call', (c) => c.ring());
      const call = await caller.ua.call(callee.uri('bob'));
      expect(await within(call.ended, 'caller end')).toMatchObject({ status: 487 });
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});
