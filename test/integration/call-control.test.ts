/**
 * Live call control through the HTTP API of a whole server, with phones that play and hear
 * audio over real UDP: dialling out through an outbound trunk (a second SIP stack stands in for
 * the carrier) with digits on answer, its policy refusals before any INVITE, hang-up; mute,
 * hold with music, play, DTMF and move on live calls. Transfers are in call-transfer.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Switchboard } from '../../src/app.js';
import { frameToneShare, rms } from '../fixtures/audio-signals.js';
import {
  ControlServer,
  api,
  collectDigits,
  framesInARow,
  hears,
  hearsSilence,
  hearsSound,
  playTone,
  until,
} from './helpers/phones.js';
import { within } from './helpers/ua-stack.js';

const TONE_A = 700;
const TONE_B = 1000;

describe('call control through the API', () => {
  let ctl: ControlServer;
  let sb: Switchboard;
  let carrierInvites = 0;

  beforeAll(async () => {
    ctl = await ControlServer.start({
      name: 'control',
      serverPorts: { portMin: 36_000, portMax: 36_198 },
      phonePorts: { portMin: 36_400, portMax: 36_599 },
      rooms: [
        ['2001', 'r1'],
        ['2006', 'mute-room'],
        ['2007', 'hold-room'],
      ],
    });
    sb = ctl.sb;
    ctl.carrier.transport.onMessage((msg) => {
      if (msg.kind === 'request' && msg.method === 'INVITE') carrierInvites++;
    });
  });

  afterEach(() => ctl.reset());

  afterAll(() => ctl.stop());

  it('dials a number through an outbound trunk, sends digits on answer, and hangs up', async () => {
    const trunkId = await ctl.createTrunk();
    const answered = ctl.answerNext('carrier');
    const dialled = api(sb, 'POST', '/v1/calls', {
      to: '+15550002',
      trunkId,
      waitUntilAnswered: true,
      dtmf: '12',
      echo: true,
    });
    const far = await answered;
    const digits = collectDigits(far.leg);
    const res = await dialled;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.call).toMatchObject({
      direction: 'outbound',
      state: 'answered',
      caller: '+15550001',
      callee: '+15550002',
      trunkId,
    });
    // The far end's call is the INVITE it got.
    expect(far.call.requestUri?.user).toBe('+15550002');
    expect(far.call.from.uri.user).toBe('+15550001');
    await until('both digits at the far end', () => digits.length >= 2);
    expect(digits.map((d) => `${d.digit}:${d.source}`)).toEqual(['1:rfc4733', '2:rfc4733']);
    // The echo target: the far end hears itself.
    playTone(far.leg, TONE_A);
    await hears(far.leg, TONE_A, 'the echo');

    const callId = res.body.call.id as string;
    expect((await api(sb, 'POST', `/v1/calls/${callId}/hangup`, {})).status).toBe(200);
    const end = await within(far.call.ended, 'the far end’s call to end');
    expect(end.by).toBe('remote');
    await until('the call record to end', async () => {
      const call = await api(sb, 'GET', `/v1/calls/${callId}`);
      return call.body.state === 'ended';
    });
    expect((await api(sb, 'GET', `/v1/calls/${callId}`)).body).toMatchObject({
      state: 'ended',
      endReason: 'api-hangup',
    });
    const participants = await api(sb, 'GET', `/v1/calls/${callId}/participants`);
    expect(participants.body.items).toEqual([
      expect.objectContaining({ state: 'ended', endReason: 'api-hangup', identity: '+15550002' }),
    ]);
  });

  it('dials a SIP URI into a live call, whose parties then hear each other', async () => {
    const a = await ctl.callIn('1000');
    const carolAnswered = ctl.answerNext('carol');
    const res = await api(sb, 'POST', '/v1/calls', {
      to: ctl.carol.uri('carol'),
      callId: a.callId,
      waitUntilAnswered: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // The answer is the call the new participant joined, with everyone in it.
    expect(res.body.call).toMatchObject({ id: a.callId, state: 'answered' });
    expect(res.body.participants).toEqual([
      expect.objectContaining({ id: a.participantId }),
      expect.objectContaining({ identity: ctl.carol.uri('carol'), state: 'answered' }),
    ]);
    const atCarol = await carolAnswered;
    playTone(a.leg, TONE_A);
    playTone(atCarol.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B, 'Carol'), hears(atCarol.leg, TONE_A)]);
  });

  it('refuses a destination or caller ID outside the trunk’s policy before any INVITE', async () => {
    const trunkId = await ctl.createTrunk();
    const invitesBefore = carrierInvites;
    const callsBefore = (await sb.store.calls.listCalls({ limit: 100 })).items.length;

    const abroad = await api(sb, 'POST', '/v1/calls', { to: '+442071234567', trunkId });
    expect(abroad.status).toBe(403);
    expect(abroad.body).toMatchObject({ error: 'refused', field: 'to' });

    const spoofed = await api(sb, 'POST', '/v1/calls', {
      to: '+15550002',
      trunkId,
      from: '+15559999',
    });
    expect(spoofed.status).toBe(400);
    expect(spoofed.body).toMatchObject({ error: 'refused', field: 'from' });

    const noTrunk = await api(sb, 'POST', '/v1/calls', { to: '+15550002' });
    expect(noTrunk.status).toBe(400);
    expect(noTrunk.body).toMatchObject({ error: 'refused', field: 'trunkId' });

    // Refused before a call record or an INVITE: nothing was started.
    expect((await sb.store.calls.listCalls({ limit: 100 })).items).toHaveLength(callsBefore);
    expect(carrierInvites).toBe(invitesBefore);
  });

  it('reports a dialled call the far end refuses as ended with its status', async () => {
    const trunkId = await ctl.createTrunk();
    ctl.onInvite.carrier = (call) => call.reject(486, 'Busy Here');
    const res = await api(sb, 'POST', '/v1/calls', {
      to: '+15550003',
      trunkId,
      waitUntilAnswered: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.call).toMatchObject({ state: 'ended', sipStatus: 486 });
    expect(res.body.participants).toEqual([
      expect.objectContaining({ state: 'ended', sipStatus: 486 }),
    ]);
  });

  it('mutes and unmutes what a participant says', async () => {
    const a = await ctl.callIn('2006');
    const b = await ctl.callIn('2006');
    playTone(a.leg, TONE_A);
    await hears(b.leg, TONE_A);
    const muteUrl = `/v1/calls/${a.callId}/participants/${a.participantId}/mute`;
    const muted = await api(sb, 'POST', muteUrl, { muted: true });
    expect(muted.status).toBe(200);
    expect(muted.body).toMatchObject({ id: a.participantId, muted: true });
    await hearsSilence(b.leg, 'silence from the muted participant');
    const unmuted = await api(sb, 'POST', muteUrl, { muted: false });
    expect(unmuted.body).toMatchObject({ muted: false });
    await hears(b.leg, TONE_A, 'the unmuted participant');
  });

  it('holds a participant with music, out of the room, and resumes it', async () => {
    const a = await ctl.callIn('2007');
    const b = await ctl.callIn('2007');
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B), hears(b.leg, TONE_A)]);
    const holdUrl = `/v1/calls/${a.callId}/participants/${a.participantId}/hold`;
    const held = await api(sb, 'POST', holdUrl, { held: true });
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ id: a.participantId, state: 'on-hold' });
    // The phone was told (a=sendonly), hears the music and no longer the room.
    expect(a.call.onHold).toBe(true);
    await framesInARow(
      a.leg,
      'hold music',
      (f) => rms(f.samples) > 300 && frameToneShare(f, TONE_B) < 0.5,
    );
    await hearsSilence(b.leg, 'silence from the held participant');
    const participants = await api(sb, 'GET', `/v1/calls/${a.callId}/participants`);
    expect(participants.body.items[0]).toMatchObject({ state: 'on-hold' });

    const resumed = await api(sb, 'POST', holdUrl, { held: false });
    expect(resumed.body).toMatchObject({ state: 'answered' });
    expect(a.call.onHold).toBe(false);
    await Promise.all([hears(a.leg, TONE_B, 'the room again'), hears(b.leg, TONE_A)]);
  });

  it('plays a bundled file to a call, and refuses a path outside the media folders', async () => {
    const a = await ctl.callIn('1000');
    const played = await api(sb, 'POST', `/v1/calls/${a.callId}/play`, {
      file: 'prompts/welcome.wav',
    });
    expect(played.status).toBe(202);
    await hearsSound(a.leg, 'the welcome prompt');

    const escape = await api(sb, 'POST', `/v1/calls/${a.callId}/play`, {
      file: '../../etc/passwd',
    });
    expect(escape.status).toBe(400);
    expect(escape.body).toMatchObject({ error: 'refused', field: 'file' });
    const missing = await api(sb, 'POST', `/v1/calls/${a.callId}/play`, {
      file: 'prompts/no-such-file.wav',
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ field: 'file' });
  });

  it('sends DTMF to a participant, and answers 404 for a call that is not live', async () => {
    const a = await ctl.callIn('1000');
    const digits = collectDigits(a.leg);
    const sent = await api(sb, 'POST', `/v1/calls/${a.callId}/dtmf`, {
      digits: '5#',
      participantId: a.participantId,
    });
    expect(sent.status).toBe(200);
    await until('both digits at the phone', () => digits.length >= 2);
    expect(digits.map((d) => d.digit)).toEqual(['5', '#']);

    // Whatever the body says (a file that does not exist either), the call comes first.
    for (const [action, body] of [
      ['hangup', {}],
      ['dtmf', { digits: '1' }],
      ['play', { file: 'no-such-file.wav' }],
      ['transfer', { to: 'sip:x@127.0.0.1' }],
    ] as const) {
      const res = await api(sb, 'POST', `/v1/calls/call_unknown/${action}`, body);
      expect(res.status, action).toBe(404);
    }
    const unknownParticipant = await api(
      sb,
      'POST',
      `/v1/calls/${a.callId}/participants/par_unknown/mute`,
      {},
    );
    expect(unknownParticipant.status).toBe(404);
  });

  it('moves a participant from the echo test into a room', async () => {
    const a = await ctl.callIn('1000');
    const b = await ctl.callIn('2001');
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await hears(a.leg, TONE_A, 'its own echo');
    const moved = await api(
      sb,
      'POST',
      `/v1/calls/${a.callId}/participants/${a.participantId}/move`,
      { room: 'r1' },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: a.participantId, callId: a.callId, room: 'r1' });
    await Promise.all([hears(a.leg, TONE_B, 'the room'), hears(b.leg, TONE_A)]);
    const participants = await api(sb, 'GET', `/v1/calls/${a.callId}/participants`);
    expect(participants.body.items[0]).toMatchObject({ room: 'r1' });
  });

  it('moves a participant into another live call, ending the call it left', async () => {
    const a = await ctl.callIn('1000');
    const b = await ctl.callIn('1000');
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_A, 'its own echo'), hears(b.leg, TONE_B)]);
    const moved = await api(
      sb,
      'POST',
      `/v1/calls/${a.callId}/participants/${a.participantId}/move`,
      { callId: b.callId },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ id: a.participantId, callId: b.callId });
    await Promise.all([hears(a.leg, TONE_B, 'the other call'), hears(b.leg, TONE_A)]);
    await until('the call it left to end', async () => {
      const old = await api(sb, 'GET', `/v1/calls/${a.callId}`);
      return old.body.state === 'ended';
    });
    const participants = await api(sb, 'GET', `/v1/calls/${b.callId}/participants`);
    expect(participants.body.items.map((p: { id: string }) => p.id).sort()).toEqual(
      [a.participantId, b.participantId].sort(),
    );
    // The moved phone's own call is untouched: only its place at the server changed.
    expect(a.call.state).toBe('answered');
  });
});
