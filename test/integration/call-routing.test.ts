/**
 * Inbound routing through the whole server, with phones that play and hear audio over real
 * UDP: the demo tenant (1000 echo test, 2000 the demo IVR, 2100 shared room, created once), dispatch rules made
 * through the API (reject with a status, a number pattern to a room, a PIN-protected room
 * entered by RFC 4733 digits), the no-match answer (404, or 480 when configured) and inbound
 * trunk admission (403 for a source no trunk allows, 486 at a trunk's call limit). Each call's
 * record says which rule took it and why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSwitchboard, type Switchboard } from '../../src/app.js';
import { ensureDemoTenant } from '../../src/calls/index.js';
import { configSchema, type AppConfigInput } from '../../src/config/index.js';
import { MediaClock, RtpPortPool } from '../../src/media/index.js';
import type { SipCall } from '../../src/sip/index.js';
import type { CallRecord } from '../../src/store/index.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import {
  Phones,
  api,
  hears,
  hearsPromptEnd,
  hearsSound,
  playTone,
  recordEvents,
  serverSideOf,
  serverUri,
  until,
  type SeenEvent,
} from './helpers/phones.js';
import { startStack, within, type UaStack } from './helpers/ua-stack.js';

const TONE_A = 700;
const TONE_B = 1000;

/** A server's configuration for these tests: loopback, UDP, RTP from `rtpMin`. */
function config(dataDir: string, rtpMin: number, extra: AppConfigInput = {}) {
  return configSchema.parse({
    sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { portMin: rtpMin, portMax: rtpMin + 198 },
    dataDir,
    logLevel: 'silent',
    shutdownGraceMs: 2_000,
    ...extra,
  });
}

/** The call record of a phone's call (matched by SIP Call-ID) once `ready` holds for it. */
async function recordOf(
  sb: Switchboard,
  call: SipCall,
  ready: (record: CallRecord) => boolean = () => true,
): Promise<CallRecord> {
  let found: CallRecord | undefined;
  await until('the call record', async () => {
    const { items } = await sb.store.calls.listCalls({ limit: 100 });
    found = items.find((c) => c.attributes.sipCallId === call.callId && ready(c));
    return found !== undefined;
  });
  return found!;
}

/** Creates a dispatch rule through the API. */
async function createRule(sb: Switchboard, rule: Record<string, unknown>): Promise<{ id: string }> {
  const res = await api(sb, 'POST', '/v1/dispatch-rules', rule);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

describe('inbound routing with the demo tenant', () => {
  let sb: Switchboard;
  let phone: UaStack;
  let dataDir: string;
  const clock = new MediaClock();
  const phones = new Phones(
    new RtpPortPool({ host: '127.0.0.1', portMin: 35_400, portMax: 35_599 }),
    clock,
  );
  let recorder: Awaited<ReturnType<typeof recordEvents>>;
  let events: SeenEvent[];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-routing-'));
    sb = await startTestSwitchboard(config(dataDir, 35_000), { demoTenant: true });
    phone = await startStack();
    recorder = await recordEvents(sb);
    events = recorder.events;
  });

  afterEach(async () => {
    await phones.hangUpAll();
  });

  afterAll(async () => {
    await recorder.stop();
    await phone.stop();
    await sb.stop();
    clock.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const uri = (user: string): string => serverUri(sb, user);

  it('creates the demo tenant once: a loopback trunk, 1000 echoes, 2000 the IVR, 2100 a shared room', async () => {
    const demo = sb.demoTenant!;
    expect(demo).toBeDefined();
    expect(demo.trunk.allowedAddresses).toEqual(['127.0.0.0/8', '::1/128']);
    expect(demo.rules.map((r) => [r.calledNumber, r.action])).toEqual([
      ['1000', { type: 'echo' }],
      ['2000', { type: 'flow', flowId: 'demo-ivr' }],
      ['2100', { type: 'room', room: 'demo' }],
      ['3000', { type: 'agent', agentId: 'demo' }],
    ]);
    const [echoRule, , roomRule] = demo.rules;
    // The IVR, its agents, intents and scripts are stored with the tenant.
    expect((await sb.store.dialogDocuments.list('flow')).map((d) => d.name)).toEqual(['demo-ivr']);
    expect((await sb.store.dialogDocuments.list('agent')).map((d) => d.name)).toEqual([
      'claims',
      'service',
    ]);

    // 1000: the echo test, by the demo rule (not the built-in extension of the same number).
    const caller = await phones.dial(phone, uri('1000'));
    playTone(caller.leg, TONE_A);
    await hears(caller.leg, TONE_A, 'the caller’s own tone');
    const { callId } = await serverSideOf(sb, caller.call);
    const res = await api(sb, 'GET', `/v1/calls/${callId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ruleId: echoRule!.id, trunkId: demo.trunk.id });
    expect(res.body.matchExplanation).toContain('winner: rule "Demo: echo test" (priority 10)');
    await until('dispatch.matched', () =>
      events.some((e) => e.type === 'dispatch.matched' && e.callId === callId),
    );
    expect(
      events.find((e) => e.type === 'dispatch.matched' && e.callId === callId)!.data,
    ).toMatchObject({ ruleId: echoRule!.id, action: 'echo' });

    // 2100: two callers in the demo room hear each other.
    const a = await phones.dial(phone, uri('2100'));
    const b = await phones.dial(phone, uri('2100'));
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B, 'the other caller'), hears(b.leg, TONE_A)]);
    for (const p of [a, b]) {
      const side = await serverSideOf(sb, p.call);
      await until('the room on the participant record', async () => {
        const [participant] = await sb.store.calls.listParticipants(side.callId);
        return participant?.room === 'demo';
      });
      expect((await sb.store.calls.getCall(side.callId))?.ruleId).toBe(roomRule!.id);
    }

    // Another start on the same store: the tenant is not created again.
    expect(await ensureDemoTenant(sb.store)).toBeUndefined();
    const again = await startSwitchboard(
      { ...config(dataDir, 35_000), demoTenant: true },
      { store: sb.store },
    );
    try {
      expect(again.demoTenant).toBeUndefined();
    } finally {
      await again.stop(); // leaves the store, which it does not own, open
    }
    expect(await sb.store.trunks.listInbound()).toHaveLength(1);
    const rules = await sb.store.dispatchRules.list();
    expect(rules.filter((r) => r.name.startsWith('Demo:'))).toHaveLength(4);
  });

  it('a rule made through the API rejects its number with the rule’s status', async () => {
    const rule = await createRule(sb, {
      name: 'Busy line',
      calledNumber: '5486',
      action: { type: 'reject', status: 486, reason: 'Busy Here' },
    });
    const call = await phones.attempt(phone, uri('5486'));
    expect(call.endInfo?.status).toBe(486);
    const record = await recordOf(sb, call, (c) => c.state === 'ended');
    expect(record).toMatchObject({ ruleId: rule.id, sipStatus: 486 });
    const res = await api(sb, 'GET', `/v1/calls/${record.id}`);
    expect(res.body).toMatchObject({ state: 'ended', sipStatus: 486, ruleId: rule.id });
  });

  it('a number pattern rule sends every number it matches to its room', async () => {
    const rule = await createRule(sb, {
      name: 'Three thousands',
      calledNumber: '3XXX',
      action: { type: 'room', room: 'pattern' },
    });
    const a = await phones.dial(phone, uri('3001'));
    const b = await phones.dial(phone, uri('3999'));
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B), hears(b.leg, TONE_A)]);
    const record = await recordOf(sb, b.call);
    expect(record.ruleId).toBe(rule.id);
    expect(record.matchExplanation).toContain('winner: rule "Three thousands" (priority 0)');
  });

  it('answers a number nothing routes with 404 and says why on the record', async () => {
    const call = await phones.attempt(phone, uri('5555'));
    expect(call.endInfo?.status).toBe(404);
    const record = await recordOf(sb, call, (c) => c.state === 'ended');
    expect(record.sipStatus).toBe(404);
    expect(record.ruleId).toBeUndefined();
    expect(record.matchExplanation).toEqual(
      expect.arrayContaining(['no rule matched', 'fallback: nothing routes the number → rejected']),
    );
  });

  it('lets a caller into a PIN room after a wrong entry, and the room works', async () => {
    await createRule(sb, {
      name: 'Secret room',
      calledNumber: '4000',
      action: { type: 'pin-room', room: 'secret', pin: '1234' },
    });
    const first = await phones.dial(phone, uri('4000'));
    // Keys pressed during the prompt cut it; the entry ends with #.
    await hearsSound(first.leg, 'the PIN prompt', 5);
    await first.leg.sendDtmf('99#');
    // "That PIN is not correct", then the PIN prompt again: the caller waits for both.
    await hearsPromptEnd(first.leg, 'the wrong-PIN and PIN prompts');
    await first.leg.sendDtmf('1234#');
    const side = await serverSideOf(sb, first.call);
    await until('the first caller to be in the room', async () => {
      const [participant] = await sb.store.calls.listParticipants(side.callId);
      return participant?.room === 'secret';
    });

    const second = await phones.dial(phone, uri('4000'));
    await hearsSound(second.leg, 'the PIN prompt', 5);
    await second.leg.sendDtmf('1234');
    playTone(first.leg, TONE_A);
    playTone(second.leg, TONE_B);
    await Promise.all([hears(first.leg, TONE_B), hears(second.leg, TONE_A)]);
  });

  it('hangs up on a caller after three wrong PINs, each typed over the prompts', async () => {
    await createRule(sb, {
      name: 'Locked room',
      calledNumber: '4001',
      action: { type: 'pin-room', room: 'locked', pin: '1234' },
    });
    const caller = await phones.dial(phone, uri('4001'));
    const side = await serverSideOf(sb, caller.call);
    await hearsSound(caller.leg, 'the PIN prompt', 5);
    await caller.leg.sendDtmf('0000');
    // A caller who knows the drill types again while "That PIN is not correct" plays: those
    // keys are the next entry, not lost.
    await hearsSound(caller.leg, 'the wrong-PIN prompt', 5);
    await caller.leg.sendDtmf('1111#');
    await hearsSound(caller.leg, 'the wrong-PIN prompt again', 5);
    await caller.leg.sendDtmf('2222#');
    const end = await within(caller.call.ended, 'the server to hang up', 10_000);
    expect(end.by).toBe('remote');
    await until('the participant record to end', async () => {
      const [participant] = await sb.store.calls.listParticipants(side.callId);
      return participant?.state === 'ended';
    });
    const [participant] = await sb.store.calls.listParticipants(side.callId);
    expect(participant).toMatchObject({ endReason: 'pin-rejected' });
    expect(participant?.room).toBeUndefined();
  });
});

describe('inbound routing without the demo tenant', () => {
  let sb: Switchboard;
  let phone: UaStack;
  let dataDir: string;
  const clock = new MediaClock();
  const phones = new Phones(
    new RtpPortPool({ host: '127.0.0.1', portMin: 35_600, portMax: 35_699 }),
    clock,
  );
  let recorder: Awaited<ReturnType<typeof recordEvents>>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-routing-480-'));
    sb = await startTestSwitchboard(config(dataDir, 35_200, { dispatch: { noMatchStatus: 480 } }));
    phone = await startStack();
    recorder = await recordEvents(sb);
  });

  afterEach(async () => {
    await phones.hangUpAll();
    // Each test leaves no trunk behind: one that refuses loopback would refuse the next test.
    for (const trunk of await sb.store.trunks.listInbound()) {
      await sb.store.trunks.deleteInbound(trunk.id);
    }
  });

  afterAll(async () => {
    await recorder.stop();
    await phone.stop();
    await sb.stop();
    clock.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const uri = (user: string): string => serverUri(sb, user);

  it('has no demo tenant and answers a number nothing routes with the configured 480', async () => {
    expect(sb.demoTenant).toBeUndefined();
    const call = await phones.attempt(phone, uri('5555'));
    expect(call.endInfo?.status).toBe(480);
    const record = await recordOf(sb, call, (c) => c.state === 'ended');
    expect(record.sipStatus).toBe(480);
    expect(record.matchExplanation).toContain('no rules configured');
  });

  it('refuses a source no inbound trunk allows with 403 and a trunk.rejected event', async () => {
    const created = await api(sb, 'POST', '/v1/trunks/inbound', {
      name: 'Private network only',
      allowedAddresses: ['10.0.0.0/8'],
    });
    expect(created.status).toBe(201);
    const call = await phones.attempt(phone, uri('1000'));
    expect(call.endInfo?.status).toBe(403);
    await until('trunk.rejected', () => recorder.events.some((e) => e.type === 'trunk.rejected'));
    expect(recorder.events.find((e) => e.type === 'trunk.rejected')!.data).toMatchObject({
      status: 403,
      sourceAddress: '127.0.0.1',
    });
  });

  it('refuses a second concurrent call on a trunk limited to one with 486', async () => {
    const created = await api(sb, 'POST', '/v1/trunks/inbound', {
      name: 'One line',
      allowedAddresses: ['127.0.0.0/8'],
      maxConcurrentCalls: 1,
    });
    expect(created.status).toBe(201);
    const first = await phones.dial(phone, uri('1000'));
    const second = await phones.attempt(phone, uri('1000'));
    expect(second.endInfo?.status).toBe(486);
    // The first call is unharmed: still the echo test.
    playTone(first.leg, TONE_A);
    await hears(first.leg, TONE_A);
    const record = await recordOf(sb, first.call);
    expect(record.trunkId).toBe(created.body.id);
  });
});
