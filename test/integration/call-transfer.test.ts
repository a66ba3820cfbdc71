/**
 * Blind transfer through the HTTP API of a whole server, with phones that play and hear audio
 * over real UDP: by REFER when the phone takes one and by a bridged new leg when it refuses,
 * to a SIP URI or to a number of this server's dispatch rules; a failed REFER, a second
 * transfer while one runs, and hold inside the bridge a transfer made. Also the call-control
 * behaviours that came with them: a room kept when a call becomes a room, and the API hang-up
 * of a dialled call that is still ringing. The rest of call control is in call-control.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Switchboard } from '../../src/app.js';
import { formatUri, type IncomingRefer, type SipCall } from '../../src/sip/index.js';
import { frameToneShare, rms } from '../fixtures/audio-signals.js';
import {
  ControlServer,
  api,
  framesInARow,
  hears,
  hearsSilence,
  playTone,
  serverSideOf,
  until,
  type CalledIn,
  type Phone,
} from './helpers/phones.js';
import { within } from './helpers/ua-stack.js';

const TONE_A = 700;
const TONE_B = 1000;
const TONE_C = 1300;

describe('call transfer through the API', () => {
  let ctl: ControlServer;
  let sb: Switchboard;

  beforeAll(async () => {
    ctl = await ControlServer.start({
      name: 'transfer',
      serverPorts: { portMin: 37_000, portMax: 37_198 },
      phonePorts: { portMin: 37_400, portMax: 37_599 },
      rooms: [
        ['2050', 'xfer-room'],
        ['2051', 'xfer-bridge-room'],
      ],
    });
    sb = ctl.sb;
  });

  afterEach(() => ctl.reset());

  afterAll(() => ctl.stop());

  /** Asks the server to transfer the call's first participant to `to`; the API's answer. */
  function transfer(a: CalledIn, to: string): ReturnType<typeof api> {
    return api(sb, 'POST', `/v1/calls/${a.callId}/transfer`, { to });
  }

  /**
   * Makes the phone's call take a REFER as a phone does: it calls the target itself and reports
   * success once that call is answered. Resolves with the new call and the target it was given.
   */
  function takeRefer(a: Phone): Promise<Phone & { target: string }> {
    return within(
      new Promise<Phone & { target: string }>((resolve, reject) => {
        a.call.on('refer', (refer: IncomingRefer) => {
          const target = formatUri(refer.target.uri);
          ctl.phones.dial(ctl.phone, target).then(async (next) => {
            await refer.notify(200, 'OK');
            resolve({ ...next, target });
          }, reject);
        });
      }),
      'the phone to call the transfer target',
    );
  }

  /** The participant records of a call, as the API lists them. */
  async function participantsOf(callId: string): Promise<Array<Record<string, unknown>>> {
    return (await api(sb, 'GET', `/v1/calls/${callId}/participants`)).body.items as Array<
      Record<string, unknown>
    >;
  }

  /** Resolves once the transferred participant's record has ended; its end reason. */
  async function endReasonOf(a: CalledIn): Promise<unknown> {
    await until('the participant record to end', async () => {
      return (await participantsOf(a.callId))[0]?.state === 'ended';
    });
    return (await participantsOf(a.callId))[0]?.endReason;
  }

  it('transfers by REFER when the phone takes one', async () => {
    const a = await ctl.callIn('1000');
    const carolAnswered = ctl.answerNext('carol');
    const transferred = takeRefer(a);
    const res = await transfer(a, ctl.carol.uri('carol'));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ ok: true, method: 'refer' });
    const [next, atCarol] = await Promise.all([transferred, carolAnswered]);
    expect(atCarol.call.requestUri?.user).toBe('carol');
    expect(next.call.state).toBe('answered');
    // The server leaves once the phone reports success.
    const end = await within(a.call.ended, 'the server to hang up the transferred phone');
    expect(end.by).toBe('remote');
    expect(await endReasonOf(a)).toBe('transferred');
  });

  it('transfers by REFER to a number of the dispatch rules, which the phone calls back', async () => {
    const b = await ctl.callIn('2050');
    const a = await ctl.callIn('1000');
    const transferred = takeRefer(a);
    const res = await transfer(a, '2050');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ ok: true, method: 'refer' });
    const next = await transferred;
    // A number without a trunk is referred back to this server, whose rules route it.
    expect(next.target).toBe(ctl.uri('2050'));
    const there = await serverSideOf(sb, next.call);
    await until('the new call to be recorded in the room', async () => {
      const records = await participantsOf(there.callId);
      return records.some((p) => p.id === there.participantId && p.room === 'xfer-room');
    });
    playTone(next.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([
      hears(next.leg, TONE_B, 'the room it was transferred to'),
      hears(b.leg, TONE_A, 'the transferred phone'),
    ]);
    await within(a.call.ended, 'the server to hang up the transferred phone');
    expect(await endReasonOf(a)).toBe('transferred');
  });

  it('transfers to a number of the dispatch rules by dialling itself when REFER is refused', async () => {
    const b = await ctl.callIn('2051');
    // No 'refer' listener: the phone answers the REFER with 603.
    const a = await ctl.callIn('1000');
    const res = await transfer(a, '2051');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ ok: true, method: 'bridge' });
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([
      hears(a.leg, TONE_B, 'the room it was transferred to'),
      hears(b.leg, TONE_A, 'the transferred phone'),
    ]);
    const records = await participantsOf(a.callId);
    expect(records).toEqual([
      expect.objectContaining({ id: a.participantId, state: 'answered' }),
      expect.objectContaining({ identity: '2051', state: 'answered' }),
    ]);
    // The new leg is the server's own call to the number at itself, which its rules took.
    const newLeg = [...sb.liveCalls.get(a.callId)!.participants.values()].find(
      (p) => p.identity === '2051',
    );
    expect(newLeg?.sip?.direction).toBe('outbound');
    expect(formatUri(newLeg!.sip!.requestUri!)).toBe(ctl.uri('2051'));
  });

  it('refuses a second transfer while the first is in progress', async () => {
    const a = await ctl.callIn('1000');
    // The phone accepts the REFER and then reports nothing: the transfer stays in progress.
    const referred = within(
      new Promise<IncomingRefer>((resolve) => a.call.on('refer', resolve)),
      'the REFER at the phone',
    );
    const first = await transfer(a, ctl.carol.uri('carol'));
    expect(first.body).toEqual({ ok: true, method: 'refer' });
    await referred;
    const second = await transfer(a, ctl.carol.uri('carol'));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'conflict', field: 'participantId' });
    await until('the participant to be recorded as being transferred', async () => {
      return (await participantsOf(a.callId))[0]?.state === 'transferring';
    });
    expect(a.call.state).toBe('answered');
  });

  it('refuses the second of two transfer requests sent at the same moment', async () => {
    const a = await ctl.callIn('1000');
    const refers: IncomingRefer[] = [];
    a.call.on('refer', (refer: IncomingRefer) => refers.push(refer));
    const answers = await Promise.all([
      transfer(a, ctl.carol.uri('carol')),
      transfer(a, ctl.carol.uri('carol')),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
    await until('the REFER at the phone', async () => refers.length > 0);
    expect(refers).toHaveLength(1);
  });

  it('takes a held party off hold when a bridged transfer connects it', async () => {
    const a = await ctl.callIn('1000');
    const holdUrl = `/v1/calls/${a.callId}/participants/${a.participantId}/hold`;
    expect((await api(sb, 'POST', holdUrl, { held: true })).status).toBe(200);
    const carolAnswered = ctl.answerNext('carol');
    // No 'refer' listener: the phone refuses REFER, so the server bridges a new leg.
    const res = await transfer(a, ctl.carol.uri('carol'));
    expect(res.body).toMatchObject({ method: 'bridge' });
    const atCarol = await carolAnswered;
    playTone(a.leg, TONE_A);
    playTone(atCarol.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B, 'Carol, not hold music'), hears(atCarol.leg, TONE_A)]);
    await until('the held party to be recorded as answered', async () => {
      return (await participantsOf(a.callId))[0]?.state === 'answered';
    });
  });

  it('keeps a phone in its call when the transfer it was REFERred to fails', async () => {
    const a = await ctl.callIn('1000');
    const reported = within(
      new Promise<void>((resolve) => {
        a.call.on('refer', (refer: IncomingRefer) => {
          // The target is busy: the phone says so and stays where it was.
          void refer.notify(486, 'Busy Here').then(resolve);
        });
      }),
      'the phone to report the failed transfer',
    );
    const res = await transfer(a, ctl.carol.uri('carol'));
    expect(res.body).toEqual({ ok: true, method: 'refer' });
    await reported;
    await until('the participant to be back from transferring', async () => {
      return (await participantsOf(a.callId))[0]?.state === 'answered';
    });
    playTone(a.leg, TONE_A);
    await hears(a.leg, TONE_A, 'the echo test still');
    expect(a.call.state).toBe('answered');
  });

  /**
   * A phone in the echo test transferred to Carol by a bridged new leg (its call has no
   * 'refer' listener, so it answers the REFER with 603); resolves once they hear each other.
   */
  async function bridgedToCarol(): Promise<{ a: CalledIn; atCarol: Phone; method: unknown }> {
    const a = await ctl.callIn('1000');
    const carolAnswered = ctl.answerNext('carol');
    const res = await transfer(a, ctl.carol.uri('carol'));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const atCarol = await carolAnswered;
    playTone(a.leg, TONE_A);
    playTone(atCarol.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_B, 'the transfer target'), hears(atCarol.leg, TONE_A)]);
    return { a, atCarol, method: res.body.method };
  }

  it('transfers by a bridged new leg when the phone refuses REFER', async () => {
    const { a, method } = await bridgedToCarol();
    expect(method).toBe('bridge');
    expect(await participantsOf(a.callId)).toEqual([
      expect.objectContaining({ id: a.participantId, state: 'answered' }),
      expect.objectContaining({ identity: ctl.carol.uri('carol'), state: 'answered' }),
    ]);
  });

  it('holds one party of a two-party bridge with music, and resume restores the bridge', async () => {
    const { a, atCarol } = await bridgedToCarol();
    const holdUrl = `/v1/calls/${a.callId}/participants/${a.participantId}/hold`;
    expect((await api(sb, 'POST', holdUrl, { held: true })).body).toMatchObject({
      state: 'on-hold',
    });
    await Promise.all([
      framesInARow(
        a.leg,
        'hold music',
        (f) => rms(f.samples) > 300 && frameToneShare(f, TONE_B) < 0.5,
      ),
      hearsSilence(atCarol.leg, 'silence from the held party'),
    ]);
    expect((await api(sb, 'POST', holdUrl, { held: false })).body).toMatchObject({
      state: 'answered',
    });
    await Promise.all([hears(a.leg, TONE_B, 'Carol again'), hears(atCarol.leg, TONE_A)]);
    // The bridge is whole again: one party hanging up still ends the other.
    await atCarol.call.hangup();
    await within(a.call.ended, 'the bridged phone to be hung up with its peer');
  });

  it('keeps a bridge down while its other party is still on hold', async () => {
    const { a, atCarol } = await bridgedToCarol();
    const carolId = (await participantsOf(a.callId))[1]!.id as string;
    const holdUrl = (pid: string): string => `/v1/calls/${a.callId}/participants/${pid}/hold`;
    expect((await api(sb, 'POST', holdUrl(a.participantId), { held: true })).status).toBe(200);
    expect((await api(sb, 'POST', holdUrl(carolId), { held: true })).status).toBe(200);
    // A loud tone well above the music's notes: if it reached Carol, it would dominate.
    const LOUD_HZ = 1850;
    a.leg.output.clear();
    playTone(a.leg, LOUD_HZ, { levelDbfs: -3 });
    expect((await api(sb, 'POST', holdUrl(a.participantId), { held: false })).body).toMatchObject({
      state: 'answered',
    });
    // Carol, still on hold, hears her music and not the party that came back.
    await framesInARow(
      atCarol.leg,
      'only hold music while still on hold',
      (f) => rms(f.samples) > 300 && frameToneShare(f, LOUD_HZ) < 0.5,
      50,
    );
    expect((await api(sb, 'POST', holdUrl(carolId), { held: false })).body).toMatchObject({
      state: 'answered',
    });
    await Promise.all([
      hears(atCarol.leg, LOUD_HZ, 'the other party once both are back'),
      hears(a.leg, TONE_B, 'Carol once both are back'),
    ]);
  });

  it('keeps the room a participant was moved to when another is moved into its call', async () => {
    const a = await ctl.callIn('1000');
    // A call of its own, which nothing here may touch.
    const b = await ctl.callIn('1000');
    playTone(a.leg, TONE_A);
    playTone(b.leg, TONE_B);
    await Promise.all([hears(a.leg, TONE_A, 'its own echo'), hears(b.leg, TONE_B, 'its echo')]);
    const movedA = await api(
      sb,
      'POST',
      `/v1/calls/${a.callId}/participants/${a.participantId}/move`,
      { room: 'keep-room' },
    );
    expect(movedA.status, JSON.stringify(movedA.body)).toBe(200);
    // A is in the room but still in its own call: moving C into that call must join the room
    // A is in, not make a new one for the call.
    const c = await ctl.callIn('1000');
    playTone(c.leg, TONE_C);
    await hears(c.leg, TONE_C, 'its own echo');
    const movedC = await api(
      sb,
      'POST',
      `/v1/calls/${c.callId}/participants/${c.participantId}/move`,
      { callId: a.callId },
    );
    expect(movedC.status, JSON.stringify(movedC.body)).toBe(200);
    expect(movedC.body).toMatchObject({ id: c.participantId, callId: a.callId, room: 'keep-room' });
    await Promise.all([
      hears(a.leg, TONE_C, 'the participant moved in'),
      hears(c.leg, TONE_A, 'the participant already in the room'),
    ]);
    expect(await participantsOf(a.callId)).toEqual([
      expect.objectContaining({ id: a.participantId, room: 'keep-room' }),
      expect.objectContaining({ id: c.participantId, room: 'keep-room' }),
    ]);
    await hears(b.leg, TONE_B, 'its echo still');
  });

  it('cancels a dialled call that is still ringing when the API hangs it up', async () => {
    const trunkId = await ctl.createTrunk();
    // The carrier neither answers nor refuses: the call rings until it is hung up.
    const ringing = within(
      new Promise<SipCall>((resolve) => (ctl.onInvite.carrier = resolve)),
      'the INVITE at the carrier',
    );
    const res = await api(sb, 'POST', '/v1/calls', { to: '+15550009', trunkId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const callId = res.body.call.id as string;
    const atCarrier = await ringing;
    const hungUp = await api(sb, 'POST', `/v1/calls/${callId}/hangup`, {});
    expect(hungUp.status, JSON.stringify(hungUp.body)).toBe(200);
    const end = await within(atCarrier.ended, 'the carrier’s call to be cancelled');
    expect(end).toMatchObject({ reason: 'cancelled', by: 'remote' });
    await until('the call record to end', async () => {
      return (await api(sb, 'GET', `/v1/calls/${callId}`)).body.state === 'ended';
    });
    expect((await api(sb, 'GET', `/v1/calls/${callId}`)).body).toMatchObject({
      endReason: 'api-hangup',
      sipStatus: 487,
    });
    expect(await participantsOf(callId)).toEqual([
      expect.objectContaining({
        state: 'ended',
        endReason: 'api-hangup',
        sipStatus: 487,
        identity: '+15550009',
      }),
    ]);
  });
});
