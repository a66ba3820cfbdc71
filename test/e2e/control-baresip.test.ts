/**
 * The control plane end to end against baresip, a real SIP user agent: calls to numbers the
 * dispatch rules match reach their target (the demo tenant's echo test on 1000 and room on
 * 2100, heard as audio); a reject rule, an unmatched number and a source no trunk allows are
 * refused with the right SIP status and events; a call dialled by the API through an outbound
 * trunk rings a second baresip, is answered, sends it DTMF and is hung up by the API; a
 * participant moved from the echo test into a room hears the room; a blind transfer puts the
 * caller through to a third baresip. Configuration and control go through the HTTP API, checks
 * through the API, the event bus and what the user agents heard.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, Switchboard } from '../../src/app.js';
import { configSchema } from '../../src/config/index.js';
import { encodeWav } from '../../src/media/index.js';
import { sine } from '../fixtures/audio-signals.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import {
  at,
  bestCorrelation,
  loudestWindow,
  readMono,
  tonePower,
  type MonoAudio,
} from './helpers/audio-analysis.js';
import { Baresip, type BaresipEvent, type BaresipOptions } from './helpers/baresip.js';
import { describeWithBaresip, dumpBaresipOnFailure } from './helpers/baresip-suite.js';
import { withTimeout } from './helpers/with-timeout.js';

const PROMPT = fileURLToPath(new URL('../../assets/prompts/welcome.wav', import.meta.url));
/** Bound on each step; loopback SIP and the API take milliseconds, so this is generous. */
const STEP_MS = 10_000;
/** Tone files outlast every call that plays them (aufile sends silence once a file ends). */
const TONE_SECONDS = 20;
/** The test tones: far apart, and apart from baresip's 440 Hz sine. */
const TONE_A = 500;
const TONE_B = 1300;

/** One event from the bus, as {@link publishEvent} shapes it. */
interface BusEvent {
  type: string;
  callId?: string;
  participantId?: string;
  data: Record<string, unknown>;
}

/** A call or participant as the API answers it (the fields these tests read). */
interface CallView {
  id: string;
  direction: string;
  state: string;
  callee: string;
  trunkId?: string;
  ruleId?: string;
  matchExplanation: string[];
  attributes: Record<string, string>;
  endReason?: string;
  sipStatus?: number;
}
interface ParticipantView {
  id: string;
  callId: string;
  identity: string;
  state: string;
  room?: string;
  endReason?: string;
  sipStatus?: number;
}

/**
 * Loopback only, ephemeral SIP and HTTP ports, and an RTP range no other suite uses (they run
 * one file at a time, but a leftover socket of a crashed run must not collide).
 */
function makeConfig(dataDir: string): AppConfig {
  return configSchema.parse({
    sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { portMin: 36_000, portMax: 36_398 },
    dataDir,
    logLevel: 'warn',
    shutdownGraceMs: 5_000,
  });
}

/** Lets `ms` of real audio flow: the peers stream in real time, so this is the test's subject. */
function audioFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Waits until `check` holds, looking every 20 ms, bounded by {@link STEP_MS}: for state the
 * server reaches a moment after the SIP exchange that a test waits on (a room join, a record).
 */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!(await check())) await new Promise((r) => setTimeout(r, 20));
    })(),
    STEP_MS,
    what,
  );
}

/** The strongest of the test frequencies (440 = baresip's own sine) in `samples`. */
function dominant(samples: Int16Array, rateHz: number): number {
  const candidates = [440, TONE_A, TONE_B];
  const powers = candidates.map((f) => tonePower(samples, rateHz, f));
  return candidates[powers.indexOf(Math.max(...powers))]!;
}

/** The stretch of `audio` from `fromS` to `toS` seconds; negative values count from the end. */
function slice(audio: MonoAudio, fromS: number, toS: number): Int16Array {
  const rate = audio.sampleRateHz;
  const index = (s: number): number =>
    Math.round((s < 0 ? audio.samples.length / rate + s : s) * rate);
  return audio.samples.subarray(Math.max(0, index(fromS)), Math.max(0, index(toS)));
}

/** Every bus event since the server started; waits look back first, so none is missed. */
class BusLog {
  private readonly events: BusEvent[] = [];
  private readonly waiters = new Set<() => void>();

  push(event: BusEvent): void {
    this.events.push(event);
    for (const wake of this.waiters) wake();
  }

  all(): readonly BusEvent[] {
    return this.events;
  }

  /** The first event (past or future) for which `match` holds. */
  next(match: (e: BusEvent) => boolean, what: string): Promise<BusEvent> {
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    let wake: () => void = () => undefined;
    const arrival = new Promise<BusEvent>((resolve) => {
      wake = () => {
        const event = this.events.find(match);
        if (event) resolve(event);
      };
      this.waiters.add(wake);
    });
    return withTimeout(arrival, STEP_MS, `event bus: ${what}`).finally(() =>
      this.waiters.delete(wake),
    );
  }
}

describeWithBaresip('call control against baresip', () => {
  let sb: Switchboard | undefined;
  let dataDir = '';
  const peers: Baresip[] = [];
  const bus = new BusLog();

  function server(): Switchboard {
    if (sb === undefined) throw new Error('Switchboard was not started');
    return sb;
  }

  /** A started baresip, stopped in afterAll whatever the test did. */
  async function peer(options: BaresipOptions): Promise<Baresip> {
    const ua = new Baresip(options);
    peers.push(ua);
    await ua.start();
    return ua;
  }

  /** A recording baresip whose microphone is a sine tone. */
  async function tonePeer(user: string, frequencyHz: number): Promise<Baresip> {
    const file = path.join(dataDir, `${user}-${frequencyHz}.wav`);
    const rate = 8000;
    await writeFile(file, encodeWav(sine(frequencyHz, rate, rate * TONE_SECONDS, 8000), rate, 1));
    return peer({ user, record: true, audioFile: { path: file, sampleRateHz: rate } });
  }

  /** The sndfile dump of what `ua` heard (`…-dec.wav`) in its last call. */
  async function heard(ua: Baresip): Promise<MonoAudio> {
    const files = (await readdir(ua.recordDir)).filter((f) => f.endsWith('-dec.wav')).sort();
    const last = files.at(-1);
    if (last === undefined) throw new Error(`baresip ${ua.options.user} recorded nothing`);
    return readMono(path.join(ua.recordDir, last));
  }

  /** A call to `number` at the server, from an unregistered account (so through a trunk). */
  function serverUri(number: string): string {
    const endpoint = server()
      .sipEndpoints()
      .find((e) => e.protocol === 'udp');
    if (endpoint === undefined) throw new Error('Switchboard has no UDP SIP endpoint');
    return `sip:${number}@127.0.0.1:${endpoint.port}`;
  }

  /** Dials `number` and waits until the call is established; resolves with baresip's event. */
  async function callEstablished(ua: Baresip, number: string): Promise<BaresipEvent> {
    const since = ua.mark();
    await ua.dial(serverUri(number));
    return ua.waitForEvent('CALL_ESTABLISHED', STEP_MS, { since, failOn: ['CALL_CLOSED'] });
  }

  /** Dials `number` and waits for the refusal; resolves with baresip's CALL_CLOSED event. */
  async function callRefused(ua: Baresip, number: string): Promise<BaresipEvent> {
    const since = ua.mark();
    await ua.dial(serverUri(number));
    return ua.waitForEvent('CALL_CLOSED', STEP_MS, { since, failOn: ['CALL_ESTABLISHED'] });
  }

  async function hangupAndClose(ua: Baresip): Promise<void> {
    const since = ua.mark();
    await ua.hangup();
    await ua.waitForEvent('CALL_CLOSED', STEP_MS, { since });
  }

  /** One API request with the admin key; resolves with the status and the parsed body. */
  async function api<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`http://127.0.0.1:${server().httpPort}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${server().initialAdminKey ?? ''}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  /** {@link api}, failing with the answer's body unless the status is `expected`. */
  async function apiOk<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body: unknown,
    expected: number,
  ): Promise<T> {
    const answer = await api<T>(method, url, body);
    if (answer.status !== expected) {
      throw new Error(
        `${method} ${url}: ${answer.status} (wanted ${expected}) ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }

  /** The call record of the SIP dialog `sipCallId` (the router stores it as an attribute). */
  async function callOf(sipCallId: string): Promise<CallView> {
    let found: CallView | undefined;
    await eventually(async () => {
      const page = await apiOk<{ items: CallView[] }>('GET', '/v1/calls?limit=100', undefined, 200);
      found = page.items.find((c) => c.attributes.sipCallId === sipCallId);
      return found !== undefined;
    }, `a call record for SIP Call-ID ${sipCallId}`);
    return found!;
  }

  async function participantsOf(callId: string): Promise<ParticipantView[]> {
    const page = await apiOk<{ items: ParticipantView[] }>(
      'GET',
      `/v1/calls/${callId}/participants`,
      undefined,
      200,
    );
    return page.items;
  }

  function demoRule(calledNumber: string): string {
    const rule = server().demoTenant?.rules.find((r) => r.calledNumber === calledNumber);
    if (rule === undefined) throw new Error(`the demo tenant has no rule for ${calledNumber}`);
    return rule.id;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-control-e2e-'));
    sb = await startTestSwitchboard(makeConfig(dataDir), { demoTenant: true });
    await sb.cacheAndBus.bus.subscribe('*', (_topic, message) => bus.push(message as BusEvent));
  });

  afterAll(async () => {
    // baresip first, so its BYEs still reach a live server.
    await Promise.all(peers.map((p) => p.stop()));
    await sb?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  dumpBaresipOnFailure(() => peers);

  describe('calls matched by dispatch rules reach their target', () => {
    it('1000 (demo rule) is the echo test: the caller hears its own audio back', async () => {
      const caller = await peer({
        user: 'echo-caller',
        record: true,
        audioFile: { path: PROMPT, sampleRateHz: 16_000 },
      });
      const established = await callEstablished(caller, '1000');
      const call = await callOf(established.id!);
      expect(call.ruleId).toBe(demoRule('1000'));
      expect(call.trunkId).toBe(server().demoTenant!.trunk.id);
      expect(call.matchExplanation.at(-1)).toMatch(/^winner: .*Demo: echo test/);
      await bus.next(
        (e) => e.type === 'dispatch.matched' && e.callId === call.id,
        'dispatch.matched for the echo call',
      );
      await audioFor(4_000);
      await hangupAndClose(caller);
      await bus.next((e) => e.type === 'call.ended' && e.callId === call.id, 'echo call ended');

      const rate = 8000;
      const probe = loudestWindow(at(await readMono(PROMPT), rate), rate);
      const back = at(await heard(caller), rate);
      // PCMU both ways and two resamplings keep the waveform's shape: well above chance (~0.1).
      expect(bestCorrelation(back, probe, back.length).correlation).toBeGreaterThan(0.6);
    });

    it('2100 (demo rule) is the demo room: two callers are in it and hear each other', async () => {
      const a = await tonePeer('room-a', TONE_A);
      const b = await tonePeer('room-b', TONE_B);
      const [ea, eb] = await Promise.all([callEstablished(a, '2100'), callEstablished(b, '2100')]);
      const calls = await Promise.all([callOf(ea.id!), callOf(eb.id!)]);
      for (const call of calls) expect(call.ruleId).toBe(demoRule('2100'));
      await eventually(
        () => server().rooms.members('demo').length === 2,
        'both callers in the demo room',
      );
      for (const call of calls) {
        await eventually(
          async () => (await participantsOf(call.id))[0]?.room === 'demo',
          `the participant record of ${call.id} in room demo`,
        );
      }
      await audioFor(3_000);
      await Promise.all([hangupAndClose(a), hangupAndClose(b)]);

      const aHeard = await heard(a);
      const bHeard = await heard(b);
      expect(dominant(aHeard.samples, aHeard.sampleRateHz)).toBe(TONE_B);
      expect(dominant(bHeard.samples, bHeard.sampleRateHz)).toBe(TONE_A);
      await eventually(() => server().rooms.members('demo').length === 0, 'the room emptied');
    });
  });

  describe('refusals', () => {
    it('a reject rule made by the API answers its status (486), and call.ended says so', async () => {
      const rule = await apiOk<{ id: string }>(
        'POST',
        '/v1/dispatch-rules',
        {
          name: 'Busy line',
          calledNumber: '4000',
          action: { type: 'reject', status: 486, reason: 'Busy here' },
        },
        201,
      );
      const ua = await peer({ user: 'rejected-caller' });
      const closed = await callRefused(ua, '4000');
      expect(closed.param).toMatch(/\b486\b/);

      const call = await callOf(closed.id!);
      expect(call.ruleId).toBe(rule.id);
      const ended = await bus.next(
        (e) => e.type === 'call.ended' && e.callId === call.id,
        'call.ended for the rejected call',
      );
      expect(ended.data).toMatchObject({ sipStatus: 486 });
    });

    it('a number nothing routes gets 404, and call.ended says so', async () => {
      const ua = await peer({ user: 'lost-caller' });
      const closed = await callRefused(ua, '5999');
      expect(closed.param).toMatch(/\b404\b/);

      const call = await callOf(closed.id!);
      expect(call.ruleId).toBeUndefined();
      expect(call.matchExplanation.at(-1)).toMatch(/nothing routes the number/);
      const ended = await bus.next(
        (e) => e.type === 'call.ended' && e.callId === call.id,
        'call.ended for the unrouted call',
      );
      expect(ended.data).toMatchObject({ sipStatus: 404 });
    });

    it('a source no inbound trunk allows gets 403 and a trunk.rejected event', async () => {
      const demoTrunk = server().demoTenant!.trunk.id;
      const remote = await apiOk<{ id: string }>(
        'POST',
        '/v1/trunks/inbound',
        { name: 'Carrier on 10/8', allowedAddresses: ['10.0.0.0/8'] },
        201,
      );
      await apiOk('DELETE', `/v1/trunks/inbound/${demoTrunk}`, undefined, 204);
      try {
        const before = bus.all().length;
        const ua = await peer({ user: 'stranger' });
        const closed = await callRefused(ua, '1000');
        expect(closed.param).toMatch(/\b403\b/);
        const rejected = await bus.next(
          (e) => e.type === 'trunk.rejected' && bus.all().indexOf(e) >= before,
          'trunk.rejected',
        );
        expect(rejected.data).toMatchObject({ status: 403, sourceAddress: '127.0.0.1' });
      } finally {
        // Loopback callers are admitted again for the tests that follow.
        await apiOk('DELETE', `/v1/trunks/inbound/${remote.id}`, undefined, 204);
        await apiOk(
          'POST',
          '/v1/trunks/inbound',
          { name: 'Loopback again', allowedAddresses: ['127.0.0.0/8'] },
          201,
        );
      }
    });
  });

  describe('a call dialled by the API through an outbound trunk', () => {
    it('rings the far user agent, is answered, sends DTMF and is hung up by the API', async () => {
      // baresip answers only INVITEs whose Request-URI user is its account's (404 otherwise),
      // and the trunk puts the dialled number there: the far end is "+15550002".
      const carrier = await peer({ user: '+15550002', answerMode: 'manual' });
      const trunk = await apiOk<{ id: string }>(
        'POST',
        '/v1/trunks/outbound',
        {
          name: 'Loopback carrier',
          address: `127.0.0.1:${carrier.sipPort}`,
          transport: 'udp',
          numbers: ['+15550001'],
          allowedDestinationPrefixes: ['+1555'],
        },
        201,
      );

      // Outside the trunk's prefixes: refused before any SIP is sent.
      const refused = await api<{ field: string }>('POST', '/v1/calls', {
        to: '+4930123456',
        trunkId: trunk.id,
      });
      expect(refused.status).toBe(403);
      expect(refused.body.field).toBe('to');

      const dialled = api<{ call: CallView; participants: ParticipantView[] }>(
        'POST',
        '/v1/calls',
        { to: '+15550002', trunkId: trunk.id, waitUntilAnswered: true, dtmf: '1#', echo: true },
      );
      dialled.catch(() => undefined);
      const incoming = await carrier.waitForEvent('CALL_INCOMING', STEP_MS, {
        failOn: ['CALL_CLOSED'],
      });
      expect(incoming.peeruri).toContain('+15550001');
      const ringing = await bus.next(
        (e) => e.type === 'call.ringing' && e.data.direction === 'outbound',
        'call.ringing of the dialled call',
      );
      expect(ringing.data).toMatchObject({ trunkId: trunk.id });
      const since = carrier.mark();
      await carrier.accept();
      await carrier.waitForEvent('CALL_ESTABLISHED', STEP_MS, { failOn: ['CALL_CLOSED'] });

      const answer = await withTimeout(dialled, STEP_MS, 'POST /v1/calls answers');
      expect(answer.status).toBe(201);
      const { call, participants } = answer.body;
      expect(call.id).toBe(ringing.callId);
      expect(call).toMatchObject({ direction: 'outbound', state: 'answered', trunkId: trunk.id });
      expect(participants).toMatchObject([{ identity: '+15550002', state: 'answered' }]);

      // The digits were sent before the answer came back; baresip reports each it receives.
      const digits: string[] = [];
      for (let i = 0; i < 2; i++) {
        const event = await carrier.waitForEvent('CALL_DTMF_START', STEP_MS, {
          since,
          failOn: ['CALL_CLOSED'],
        });
        digits.push(event.param ?? '');
      }
      expect(digits).toEqual(['1', '#']);
      // And digits sent on the live call by the API.
      await apiOk('POST', `/v1/calls/${call.id}/dtmf`, { digits: '5' }, 200);
      const five = await carrier.waitForEvent('CALL_DTMF_START', STEP_MS, {
        since,
        failOn: ['CALL_CLOSED'],
      });
      expect(five.param).toBe('5');

      await apiOk('POST', `/v1/calls/${call.id}/hangup`, {}, 200);
      const closed = await carrier.waitForEvent('CALL_CLOSED', STEP_MS, { since });
      expect(closed.param).toMatch(/by peer/);
      await bus.next((e) => e.type === 'call.ended' && e.callId === call.id, 'call.ended');
      const ended = await apiOk<CallView>('GET', `/v1/calls/${call.id}`, undefined, 200);
      expect(ended).toMatchObject({ state: 'ended', endReason: 'api-hangup' });

      // The refused destination never reached the wire: the one INVITE is the allowed call.
      const invites = carrier.output().match(/^INVITE sip:\S+/gm) ?? [];
      expect(invites).toEqual([expect.stringMatching(/^INVITE sip:\+15550002@127\.0\.0\.1/)]);
    });
  });

  describe('moves and transfers', () => {
    it('moves a caller from the echo test into the demo room, where it hears the room', async () => {
      const a = await tonePeer('mover', TONE_A);
      const b = await tonePeer('room-member', TONE_B);
      const [ea, eb] = await Promise.all([callEstablished(a, '1000'), callEstablished(b, '2100')]);
      const [callA, callB] = await Promise.all([callOf(ea.id!), callOf(eb.id!)]);
      await eventually(() => server().rooms.members('demo').length === 1, 'b in the demo room');
      const [partA] = await participantsOf(callA.id);
      expect(partA).toBeDefined();
      await audioFor(1_500); // a hears itself: the echo test

      const moved = await apiOk<ParticipantView>(
        'POST',
        `/v1/calls/${callA.id}/participants/${partA!.id}/move`,
        { room: 'demo' },
        200,
      );
      expect(moved).toMatchObject({ id: partA!.id, room: 'demo' });
      expect(server().rooms.members('demo')).toHaveLength(2);
      expect((await participantsOf(callA.id))[0]?.room).toBe('demo');
      await audioFor(2_500); // a and b hear each other
      await Promise.all([hangupAndClose(a), hangupAndClose(b)]);
      await bus.next((e) => e.type === 'call.ended' && e.callId === callB.id, 'b call ended');

      const aHeard = await heard(a);
      // Before the move its own tone came back; after it, the room's other member is heard.
      expect(dominant(slice(aHeard, 0.3, 1.3), aHeard.sampleRateHz)).toBe(TONE_A);
      expect(dominant(slice(aHeard, -1.8, -0.3), aHeard.sampleRateHz)).toBe(TONE_B);
      const bHeard = await heard(b);
      expect(dominant(slice(bHeard, -1.8, -0.3), bHeard.sampleRateHz)).toBe(TONE_A);
    });

    it('blind-transfers a caller by REFER: it calls the target itself, our leg ends', async () => {
      const a = await tonePeer('transferee', TONE_A);
      const c = await tonePeer('target', TONE_B);
      const established = await callEstablished(a, '1000');
      const call = await callOf(established.id!);
      const [partA] = await participantsOf(call.id);
      expect(partA).toBeDefined();

      const cSince = c.mark();
      const transfer = await apiOk<{ ok: true; method: string }>(
        'POST',
        `/v1/calls/${call.id}/transfer`,
        { to: c.directUri },
        202,
      );
      // baresip 1.0.0 allows REFER and accepts it (202), so no bridged leg is needed.
      expect(transfer.method).toBe('refer');
      const atC = await c.waitForEvent('CALL_ESTABLISHED', STEP_MS, {
        since: cSince,
        failOn: ['CALL_CLOSED'],
      });
      expect(atC.direction).toBe('incoming');
      expect(atC.peeruri).toContain('transferee');
      // baresip's NOTIFY said the new call succeeded: the server hung up its leg to it.
      await a.waitForEvent('CALL_CLOSED', STEP_MS, { match: (e) => e.id === established.id });
      await bus.next((e) => e.type === 'call.ended' && e.callId === call.id, 'call ended');
      expect(await participantsOf(call.id)).toMatchObject([
        { id: partA!.id, state: 'ended', endReason: 'transferred' },
      ]);
      expect(a.activeCalls()).toHaveLength(1);

      await audioFor(2_000); // a talks to c
      await Promise.all([hangupAndClose(a), c.waitForEvent('CALL_CLOSED', STEP_MS)]);
      const cHeard = await heard(c);
      expect(dominant(cHeard.samples, cHeard.sampleRateHz)).toBe(TONE_A);
    });

    it('blind-transfers through an outbound trunk by a bridged new leg', async () => {
      // A transfer through a trunk cannot be a REFER (the caller cannot use our trunk).
      const target = await tonePeer('+15550003', TONE_B);
      const trunk = await apiOk<{ id: string }>(
        'POST',
        '/v1/trunks/outbound',
        {
          name: 'Transfer carrier',
          address: `127.0.0.1:${target.sipPort}`,
          transport: 'udp',
          numbers: ['+15550001'],
          allowedDestinationPrefixes: ['+1555'],
        },
        201,
      );
      const a = await tonePeer('bridged', TONE_A);
      const established = await callEstablished(a, '1000');
      const call = await callOf(established.id!);
      await audioFor(1_500); // a hears itself: the echo test

      const transfer = await apiOk<{ ok: true; method: string }>(
        'POST',
        `/v1/calls/${call.id}/transfer`,
        { to: '+15550003', trunkId: trunk.id },
        202,
      );
      expect(transfer.method).toBe('bridge');
      const atTarget = await target.waitForEvent('CALL_ESTABLISHED', STEP_MS, {
        failOn: ['CALL_CLOSED'],
      });
      expect(atTarget.peeruri).toContain('+15550001');
      await eventually(async () => {
        const parts = await participantsOf(call.id);
        return parts.length === 2 && parts.every((p) => p.state === 'answered');
      }, 'the caller and the transfer target both answered in the call');
      expect(a.activeCalls()).toEqual([established.id]);

      await audioFor(2_500); // a and the target hear each other through the bridge
      await hangupAndClose(a);
      // The bridge ends with either side.
      await target.waitForEvent('CALL_CLOSED', STEP_MS);
      await bus.next((e) => e.type === 'call.ended' && e.callId === call.id, 'call ended');

      const aHeard = await heard(a);
      // Before the transfer its own tone came back; after it, the target is heard.
      expect(dominant(slice(aHeard, 0.3, 1.3), aHeard.sampleRateHz)).toBe(TONE_A);
      expect(dominant(slice(aHeard, -1.8, -0.3), aHeard.sampleRateHz)).toBe(TONE_B);
      const targetHeard = await heard(target);
      expect(dominant(targetHeard.samples, targetHeard.sampleRateHz)).toBe(TONE_A);
    });
  });
});
