/**
 * Proves the baresip harness itself, with no Switchboard involved: two baresip instances call
 * each other directly on loopback, and one registers with a minimal fake registrar. When the
 * SIP stack suites fail, this file tells whether the harness or the server is to blame.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';

const EVENT_TIMEOUT_MS = 5_000;

describeWithBaresip('baresip harness (two baresip instances, no server)', () => {
  describe.each(['udp', 'tcp'] as const)('over %s', (transport) => {
    let alice: Baresip | undefined;
    let bob: Baresip | undefined;

    beforeAll(async () => {
      alice = new Baresip({ user: 'alice', transport });
      bob = new Baresip({ user: 'bob', transport });
      await Promise.all([alice.start(), bob.start()]);
    });
    afterAll(async () => {
      await Promise.all([alice?.stop(), bob?.stop()]);
    });
    dumpBaresipOnFailure(() => [alice, bob]);

    function both(): { a: Baresip; b: Baresip } {
      if (alice === undefined || bob === undefined) throw new Error('baresip not started');
      return { a: alice, b: bob };
    }

    it('establishes a call, holds, resumes and hangs up', async () => {
      const { a, b } = both();
      await a.dial(b.directUri);
      const [out, inc] = await Promise.all([
        a.waitForEvent('CALL_ESTABLISHED', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
        b.waitForEvent('CALL_ESTABLISHED', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
      ]);
      expect(out.direction).toBe('outgoing');
      expect(inc.direction).toBe('incoming');
      expect(out.id).toBe(inc.id);
      // The SIP trace names the transport of each message: the account's transport was used.
      const wire = transport.toUpperCase();
      expect(a.output()).toMatch(
        new RegExp(`^${wire} [\\d.:]+ -> [\\d.:]+\\r?\\nINVITE sip:bob@`, 'm'),
      );

      const beforeHold = b.mark();
      await a.hold();
      // The re-INVITE reached bob as a new offer, and the SIP trace shows it was a hold.
      await b.waitForEvent('CALL_REMOTE_SDP', EVENT_TIMEOUT_MS, {
        since: beforeHold,
        match: (e) => e.param === 'offer',
      });
      expect(b.output()).toContain('a=sendonly');
      await a.resume();

      await a.hangup();
      const [aClosed, bClosed] = await Promise.all([
        a.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
        b.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
      ]);
      expect(aClosed.param).toMatch(/by user/);
      expect(bClosed.param).toMatch(/by peer/);
    });

    it('rings in manual answer mode, and the caller can cancel', async () => {
      const { a, b } = both();
      await b.setAnswerMode('manual');
      try {
        const since = a.mark();
        await a.dial(b.directUri);
        await Promise.all([
          a.waitForEvent('CALL_RINGING', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
          b.waitForEvent('CALL_INCOMING', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
        ]);
        await a.hangup(); // before the answer: a CANCEL
        await Promise.all([
          a.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
          b.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
        ]);
        expect(b.output()).toMatch(/^CANCEL sip:/m);
        const established = a
          .history()
          .filter((e) => e.seq >= since && e.type === 'CALL_ESTABLISHED');
        expect(established).toEqual([]);

        await a.dial(b.directUri);
        await b.waitForEvent('CALL_INCOMING', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] });
        await b.accept();
        await Promise.all([
          a.waitForEvent('CALL_ESTABLISHED', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
          b.waitForEvent('CALL_ESTABLISHED', EVENT_TIMEOUT_MS, { failOn: ['CALL_CLOSED'] }),
        ]);
        await b.hangup();
        await Promise.all([
          a.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
          b.waitForEvent('CALL_CLOSED', EVENT_TIMEOUT_MS),
        ]);
      } finally {
        await b.setAnswerMode('auto');
      }
    });
  });

  describe('registration against a fake registrar', () => {
    const registrar = dgram.createSocket('udp4');
    let registrarPort = 0;
    const instances: Baresip[] = [];

    beforeAll(async () => {
      registrar.on('message', (data, from) => {
        const reply = fakeRegistrarReply(data.toString('utf8'));
        if (reply !== undefined) registrar.send(reply, from.port, from.address);
      });
      await new Promise<void>((resolve) => registrar.bind(0, '127.0.0.1', resolve));
      registrarPort = registrar.address().port;
    });
    afterAll(async () => {
      await Promise.all(instances.map((b) => b.stop()));
      registrar.close();
    });
    dumpBaresipOnFailure(() => instances);

    async function startAccount(user: string): Promise<Baresip> {
      const instance = new Baresip({
        user,
        password: 'secret',
        serverPort: registrarPort,
        regint: 600,
      });
      instances.push(instance);
      await instance.start();
      return instance;
    }

    it('answers a digest challenge and reports REGISTER_OK', async () => {
      const carol = await startAccount('carol');
      await carol.waitRegistered(EVENT_TIMEOUT_MS);
      // A second wait returns at once: registration state, not a consumed event.
      await carol.waitRegistered(100);
      await carol.register(EVENT_TIMEOUT_MS);
    });

    it('reports REGISTER_FAIL when the registrar refuses', async () => {
      const mallory = await startAccount('mallory');
      await expect(mallory.waitRegistered(EVENT_TIMEOUT_MS)).rejects.toThrow(/403 Forbidden/);
    });
  });
});

/**
 * Just enough of a registrar for the harness test: challenges a REGISTER without credentials,
 * accepts one with credentials (without checking them: the digest maths is the real
 * registrar's business), and always refuses the user `mallory`.
 */
function fakeRegistrarReply(text: string): string | undefined {
  const lines = text.split('\r\n');
  if (!lines[0]?.startsWith('REGISTER ')) return undefined;
  const header = (name: string): string[] =>
    lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  const common = [
    ...header('Via'),
    ...header('From'),
    ...header('To').map((to) => `${to};tag=fake`),
    ...header('Call-ID'),
    ...header('CSeq'),
  ];
  const respond = (status: string, extra: string[]): string =>
    [`SIP/2.0 ${status}`, ...common, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
  if (header('From').some((from) => from.includes('sip:mallory@'))) {
    return respond('403 Forbidden', []);
  }
  if (header('Authorization').length === 0) {
    return respond('401 Unauthorized', [
      'WWW-Authenticate: Digest realm="127.0.0.1", nonce="harness", qop="auth", algorithm=MD5',
    ]);
  }
  return respond(
    '200 OK',
    header('Contact').map((c) => `${c};expires=600`),
  );
}
