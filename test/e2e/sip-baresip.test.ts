/**
 * The SIP stack end to end against a real, independent user agent: baresip registers with
 * Switchboard, calls it, is called by it, is cancelled by it and puts it on hold, over UDP and
 * over TCP. baresip's own behaviour is proven separately in baresip-harness.test.ts, so a
 * failure here points at Switchboard. On failure the baresip SIP trace is printed to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import type { AppConfig, Switchboard } from '../../src/app.js';
import { configSchema } from '../../src/config/index.js';
import type { SipCall } from '../../src/sip/ua/index.js';
import { Baresip, type BaresipTransport } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';
import { withTimeout } from './helpers/with-timeout.js';

const DOMAIN = '127.0.0.1';
const ALICE = { username: 'alice', password: 'secret' };
/** Bound on each step of a scenario; loopback SIP takes milliseconds, so this is generous. */
const STEP_MS = 10_000;
const TRANSPORTS: readonly BaresipTransport[] = ['udp', 'tcp'];

/**
 * Switchboard's configuration for these tests: loopback only, every port 0 (ephemeral), one
 * SIP user, and the schema's defaults for the rest (the schema fills them in, so nothing is
 * cast). Mirrors SWITCHBOARD_SIP_HOST/SIP_PORT/SIP_TRANSPORTS/SIP_DOMAIN/SIP_USERS,
 * HTTP_HOST/HTTP_PORT, DATA_DIR and LOG_LEVEL.
 */
function makeConfig(dataDir: string): AppConfig {
  return configSchema.parse({
    sip: {
      host: '127.0.0.1',
      port: 0,
      transports: ['udp', 'tcp'],
      domain: DOMAIN,
      users: [ALICE],
    },
    http: { host: '127.0.0.1', port: 0 },
    dataDir,
    logLevel: 'warn',
    // A bound on stop(): it ends calls and pending transactions, and must not hang a suite.
    shutdownGraceMs: 5_000,
  });
}

/** The port Switchboard actually bound for `transport`. */
function sipPort(sb: Switchboard, transport: BaresipTransport): number {
  const endpoint = sb.sipEndpoints().find((e) => e.protocol === transport);
  if (endpoint === undefined) throw new Error(`Switchboard has no ${transport} SIP endpoint`);
  return endpoint.port;
}

/**
 * Collects inbound calls from `ua.on('call')` from the moment the server starts, so a test can
 * ask for "the next inbound call" without racing the INVITE.
 */
class InboundCalls {
  private readonly queue: SipCall[] = [];
  private readonly waiters: Array<(call: SipCall) => void> = [];

  push(call: SipCall): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.queue.push(call);
    else waiter(call);
  }

  next(timeoutMs: number): Promise<SipCall> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    const arrival = new Promise<SipCall>((resolve) => this.waiters.push(resolve));
    return withTimeout(arrival, timeoutMs, 'inbound call at the server (ua "call" event)');
  }

  clear(): void {
    this.queue.length = 0;
    this.waiters.length = 0;
  }
}

/**
 * Resolves on the call's next `event`. The returned promise has a rejection handler attached,
 * so that if the test fails before awaiting it, the timeout does not surface as an unhandled
 * rejection on top of the real failure.
 */
function nextCallEvent(call: SipCall, event: 'hold' | 'unhold', timeoutMs: number): Promise<void> {
  const fired = new Promise<void>((resolve) => call.on(event, () => resolve()));
  const bounded = withTimeout(fired, timeoutMs, `SipCall "${event}" event`);
  bounded.catch(() => undefined);
  return bounded;
}

describeWithBaresip('SIP stack against baresip', () => {
  describe.each(TRANSPORTS)('over %s', (transport) => {
    let sb: Switchboard | undefined;
    let dataDir = '';
    let serverPort = 0;
    /** Registered as alice, auto-answering; shared by the scenarios of this transport. */
    let alice: Baresip | undefined;
    /** Short-lived extra instances, stopped in afterAll should a test fail before stopping them. */
    const extras: Baresip[] = [];
    const inbound = new InboundCalls();

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-e2e-'));
      sb = await startTestSwitchboard(makeConfig(dataDir));
      sb.ua.on('call', (call: SipCall) => inbound.push(call));
      serverPort = sipPort(sb, transport);
      alice = new Baresip({
        user: ALICE.username,
        password: ALICE.password,
        serverPort,
        transport,
        regint: 600,
      });
      // Sends REGISTER straight away; the first test checks the outcome.
      await alice.start();
    });

    afterAll(async () => {
      // baresip first, so its un-REGISTER and BYEs still reach a live server.
      await Promise.all([alice?.stop(), ...extras.map((b) => b.stop())]);
      await sb?.stop();
      if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
    });

    beforeEach(() => {
      alice?.drainEvents();
      inbound.clear();
    });

    dumpBaresipOnFailure(() => [alice, ...extras]);

    afterEach(async (ctx) => {
      // A test that failed mid-call must not leave the call up for the next scenario.
      if (ctx.task.result?.state !== 'fail' || alice === undefined) return;
      if (alice.activeCalls().length > 0) {
        await alice.hangup().catch(() => undefined);
        await alice.waitForEvent('CALL_CLOSED', 2_000).catch(() => undefined);
      }
      await alice.setAnswerMode('auto').catch(() => undefined);
    });

    function server(): Switchboard {
      if (sb === undefined) throw new Error('Switchboard was not started');
      return sb;
    }

    /** The shared instance, once registered. */
    async function registeredAlice(): Promise<Baresip> {
      if (alice === undefined) throw new Error('baresip alice was not started');
      await alice.waitRegistered(STEP_MS);
      return alice;
    }

    /** The server URI of extension 1000, without a transport parameter (baresip adds it). */
    function extension1000(): string {
      return `sip:1000@${DOMAIN}:${serverPort}`;
    }

    it('registers alice with digest authentication (REGISTER_OK)', async () => {
      await registeredAlice();
    });

    it('refuses a REGISTER with the wrong password (REGISTER_FAIL)', async () => {
      const intruder = new Baresip({
        user: ALICE.username,
        password: 'not-the-password',
        serverPort,
        transport,
        regint: 600,
      });
      extras.push(intruder);
      await intruder.start();
      const failed = await intruder.waitForEvent('REGISTER_FAIL', STEP_MS, {
        failOn: ['REGISTER_OK'],
      });
      expect(failed.param).toMatch(/^(401|403|407) /);
      await intruder.stop();
    });

    it('answers a call from baresip to 1000 and ends it on BYE', async () => {
      const ua = await registeredAlice();
      await ua.dial(extension1000());
      const call = await inbound.next(STEP_MS);
      expect(call.direction).toBe('inbound');
      await withTimeout(call.answered, STEP_MS, 'server answers the inbound call');
      const established = await ua.waitForEvent('CALL_ESTABLISHED', STEP_MS, {
        failOn: ['CALL_CLOSED'],
      });
      expect(established.direction).toBe('outgoing');
      expect(call.state).toBe('answered');

      await ua.hangup();
      await withTimeout(call.ended, STEP_MS, 'server call ends after BYE');
      expect(call.state).toBe('ended');
      await ua.waitForEvent('CALL_CLOSED', STEP_MS);
    });

    it('calls the registered alice, which answers, and hangs up with BYE', async () => {
      const ua = await registeredAlice();
      const call = await withTimeout(server().ua.call(ALICE.username), STEP_MS, "ua.call('alice')");
      expect(call.direction).toBe('outbound');
      await withTimeout(call.answered, STEP_MS, 'alice answers the outbound call');
      const established = await ua.waitForEvent('CALL_ESTABLISHED', STEP_MS, {
        failOn: ['CALL_CLOSED'],
      });
      expect(established.direction).toBe('incoming');
      expect(call.state).toBe('answered');

      await call.hangup();
      const closed = await ua.waitForEvent('CALL_CLOSED', STEP_MS);
      expect(closed.param).toMatch(/by peer/);
      await withTimeout(call.ended, STEP_MS, 'server call ends after its own hangup');
      expect(call.state).toBe('ended');
    });

    it('cancels an unanswered call to alice (CANCEL, 487 Request Terminated)', async () => {
      const ua = await registeredAlice();
      await ua.setAnswerMode('manual');
      try {
        const outputBefore = ua.output().length;
        const since = ua.mark();
        // Not awaited yet: ua.call may resolve at once or only after a provisional response.
        const placing = server().ua.call(ALICE.username);
        placing.catch(() => undefined);
        await ua.waitForEvent('CALL_INCOMING', STEP_MS, { failOn: ['CALL_CLOSED'] });
        const call = await withTimeout(placing, STEP_MS, "ua.call('alice') while ringing");
        // `answered` can only fail from here on; observed so that is not an unhandled rejection.
        call.answered.catch(() => undefined);
        expect(call.state).not.toBe('answered');

        await call.hangup();
        await ua.waitForEvent('CALL_CLOSED', STEP_MS);
        const ended = await withTimeout(call.ended, STEP_MS, 'server call ends after CANCEL');
        const cancelled = ended.status === 487 || /cancel|request terminated/i.test(ended.reason);
        expect(cancelled, `ended with ${JSON.stringify(ended)}`).toBe(true);
        expect(call.state).toBe('ended');

        // On the wire: a CANCEL reached baresip, which answered the INVITE with 487.
        const trace = ua.output().slice(outputBefore);
        expect(trace).toMatch(/^CANCEL sip:/m);
        expect(trace).toMatch(/^SIP\/2\.0 487 /m);
        const established = ua.history().filter((e) => e.seq >= since);
        expect(established.map((e) => e.type)).not.toContain('CALL_ESTABLISHED');
      } finally {
        await ua.setAnswerMode('auto');
      }
    });

    it('follows hold and resume from baresip (re-INVITE sendonly, then sendrecv)', async () => {
      const ua = await registeredAlice();
      await ua.dial(extension1000());
      const call = await inbound.next(STEP_MS);
      await withTimeout(call.answered, STEP_MS, 'server answers the inbound call');
      await ua.waitForEvent('CALL_ESTABLISHED', STEP_MS, { failOn: ['CALL_CLOSED'] });
      expect(call.onHold).toBe(false);

      const outputBefore = ua.output().length;
      const held = nextCallEvent(call, 'hold', STEP_MS);
      await ua.hold();
      await held;
      expect(call.onHold).toBe(true);
      expect(ua.output().slice(outputBefore)).toContain('a=sendonly');

      const resumed = nextCallEvent(call, 'unhold', STEP_MS);
      await ua.resume();
      await resumed;
      expect(call.onHold).toBe(false);

      await ua.hangup();
      await withTimeout(call.ended, STEP_MS, 'server call ends after BYE');
      await ua.waitForEvent('CALL_CLOSED', STEP_MS);
    });
  });
});
