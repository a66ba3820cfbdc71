/**
 * Live call control behind the API: dialling out through outbound trunks or to registered
 * users (the CreateSIPParticipant equivalent), and hang-up, DTMF, play, blind transfer, mute,
 * hold and move on live calls. Policy refusals (toll-fraud guard, caller ID, trunk limit) happen
 * before any SIP is sent.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Leg } from '../channels/index.js';
import { clipFrames, openAudioFile, type PcmClip } from '../media/index.js';
import type { Logger } from '../observability/index.js';
import { readSipfragStatus, type SipCall } from '../sip/index.js';
import {
  ConflictError,
  NotFoundError,
  type Cache,
  type ParticipantRecord,
  type Store,
} from '../store/index.js';
import { CallFailedError, type CallService } from './call-service.js';
import {
  CallControlRefusal,
  type CallControl,
  type CallSnapshot,
  type CallTarget,
  type DialRequest,
  type MoveTarget,
} from './control-types.js';
import { DialPlanner, failedEnd, sendDigits, type DialPlan } from './dial-plan.js';
import { applyLink, bridgeLink, dropLink, echoLink, roomLink } from './links.js';
import type { LiveCall, LiveCalls, LiveParticipant } from './live-calls.js';
import type { RoomRegistry } from './rooms.js';

/** Settings of a {@link LiveCallControl}. */
export interface LiveCallControlOptions {
  calls: CallService;
  live: LiveCalls;
  rooms: RoomRegistry;
  store: Pick<Store, 'trunks'>;
  cache: Cache;
  /** Folders a played file may come from; a relative name is looked up in each, in order. */
  mediaRoots: string[];
  /** Looped to a participant on hold. */
  holdMusicFile: string;
  /** The SIP URI of `user` at this server (a REFER target the far end calls back on). */
  ourUri: (user: string) => string;
  /** Default ring time of dialled calls, seconds. */
  defaultRingTimeoutS?: number;
  logger: Logger;
}

const DEFAULT_RING_S = 30;
/** How long a REFER's progress is awaited before the transfer is assumed to have failed. */
const REFER_PROGRESS_MS = 32_000;

/** {@link CallControl} over the live call model; see the module comment. */
export class LiveCallControl implements CallControl {
  private readonly planner: DialPlanner;

  constructor(private readonly options: LiveCallControlOptions) {
    this.planner = new DialPlanner(options);
  }

  async dial(request: DialRequest): Promise<CallSnapshot> {
    const plan = await this.planner.plan(request.to, request.trunkId, request.from);
    if (request.target) this.checkTarget(request.target);
    const { live } = this.options;
    const release = await this.planner.takeTrunkSlot(plan.trunk);
    let record: LiveCall;
    let participant: LiveParticipant;
    try {
      record = await live.open({
        direction: 'outbound',
        caller: plan.from ?? 'switchboard',
        callee: request.to,
        trunkId: plan.trunk?.id,
        attributes: {},
      });
      participant = await live.addParticipant(record, { kind: 'sip', identity: request.to });
    } catch (err) {
      await release();
      throw err;
    }
    const outcome = this.ring(record, participant, plan, request, release).catch((err: Error) => {
      this.options.logger.error({ err: err.message, callId: record.id }, 'dialling failed');
    });
    if (request.waitUntilAnswered) await outcome;
    // The call the participant is in now: with a call target, the one it joined (the call
    // made for the dial has ended empty, and its snapshot would list nobody).
    return live.snapshot(participant.callId);
  }

  async hangup(callId: string, reason = 'api-hangup'): Promise<void> {
    const call = this.requireCall(callId);
    await Promise.all(
      [...call.participants.values()].map(async (p) => {
        if (p.leg) return p.leg.hangup(reason);
        // Still ringing: cancel it now, or as soon as its INVITE is out (adoptRinging).
        p.cancelReason = reason;
        if (p.sip) await p.sip.hangup(reason);
      }),
    );
  }

  async sendDtmf(callId: string, digits: string, participantId?: string): Promise<void> {
    const leg = this.requireLeg(this.pickParticipant(callId, participantId), 'participantId');
    await leg.sendDtmf(digits);
  }

  async play(callId: string, file: string, participantId?: string): Promise<void> {
    // The call first: a request about a call that is gone is a 404 whatever file it names.
    const call = this.requireCall(callId);
    const resolved = await this.resolveMedia(file);
    const targets = participantId
      ? [this.requireParticipant(call, participantId)]
      : [...call.participants.values()].filter((p) => p.leg);
    if (targets.length === 0) {
      throw new ConflictError('participantId', `call ${callId} has no participant with audio yet`);
    }
    // Open once (it is checked here, so a bad file is a 400 and not a silent no-op).
    const legs = targets.map((p) => this.requireLeg(p, 'participantId'));
    let clip: PcmClip;
    try {
      clip = await openAudioFile(resolved, legs[0]!.sampleRateHz);
    } catch (err) {
      throw new CallControlRefusal('file', `cannot play: ${(err as Error).message}`, 400);
    }
    for (const leg of legs) {
      const source =
        clip.sampleRateHz === leg.sampleRateHz
          ? clip
          : await openAudioFile(resolved, leg.sampleRateHz);
      leg.output.play(clipFrames(source, { startTimestampMs: 0 }));
    }
  }

  async transfer(
    callId: string,
    to: string,
    opts: { participantId?: string; trunkId?: string } = {},
  ): Promise<{ method: 'refer' | 'bridge' }> {
    const call = this.requireCall(callId);
    const participant = this.pickParticipant(callId, opts.participantId);
    const leg = this.requireLeg(participant, 'participantId');
    if (participant.state === 'transferring') {
      throw new ConflictError(
        'participantId',
        `participant ${participant.id} is being transferred`,
      );
    }
    // Marked before the first wait, so a second request arriving meanwhile is refused.
    this.options.live.transferring(participant);
    let plan: DialPlan;
    try {
      plan = await this.planner.planTransfer(to, opts.trunkId);
    } catch (err) {
      this.restoreAfterTransfer(participant);
      throw err;
    }
    const sip = participant.sip;
    if (sip && sip.state === 'answered' && mayRefer(sip) && !opts.trunkId) {
      const uri = /^sips?:/i.test(to) ? to : this.options.ourUri(to);
      const status = await sip.refer(`<${uri}>`).catch(() => 0);
      if (status >= 200 && status < 300) {
        this.followRefer(sip, leg, participant);
        return { method: 'refer' };
      }
      this.options.logger.info(
        { callId, status },
        'far end refused REFER: transferring by a bridged new leg',
      );
    }
    void this.bridgeTransfer(call, participant, leg, to, plan).catch((err: Error) =>
      this.options.logger.warn({ err: err.message, callId }, 'transfer failed'),
    );
    return { method: 'bridge' };
  }

  async mute(callId: string, participantId: string, muted: boolean): Promise<ParticipantRecord> {
    const participant = this.requireParticipant(this.requireCall(callId), participantId);
    this.requireLeg(participant, 'participantId').setMuted('in', muted);
    return this.options.live.update(participant, { muted });
  }

  async hold(callId: string, participantId: string, held: boolean): Promise<ParticipantRecord> {
    const call = this.requireCall(callId);
    const participant = this.requireParticipant(call, participantId);
    const leg = this.requireLeg(participant, 'participantId');
    if (participant.held !== held) {
      if (held) {
        participant.link?.off?.();
        if (participant.link) participant.link.off = undefined;
        await leg.hold(true).catch(() => false);
        const clip = await openAudioFile(this.options.holdMusicFile, leg.sampleRateHz);
        leg.output.play(clipFrames(clip, { startTimestampMs: 0, loop: true }));
      } else {
        leg.output.clear();
        await leg.hold(false).catch(() => false);
        const link = participant.link;
        // A bridge is shared: while its other party is still held, it stays down (that party
        // hears its music, not us); its own resume connects it.
        const peerHeld = [...call.participants.values()].some(
          (p) => p !== participant && p.link === link && p.held,
        );
        if (link && !link.off && !peerHeld) link.off = link.connect();
      }
    }
    return this.options.live.update(participant, { held });
  }

  async move(callId: string, participantId: string, to: MoveTarget): Promise<ParticipantRecord> {
    const participant = this.requireParticipant(this.requireCall(callId), participantId);
    const leg = this.requireLeg(participant, 'participantId');
    const { live, rooms } = this.options;
    if ('room' in to) {
      if (participant.held) await this.hold(callId, participantId, false);
      applyLink([participant], roomLink(rooms, to.room, leg));
      return live.update(participant, { room: to.room });
    }
    const target = this.options.live.get(to.callId);
    if (!target) throw new NotFoundError('call', to.callId);
    if (target.id === callId) throw new ConflictError('callId', 'the participant is in that call');
    if (participant.held) await this.hold(callId, participantId, false);
    const room = this.roomOf(target);
    applyLink([participant], roomLink(rooms, room, leg));
    await live.moveTo(participant, target, room);
    return (await live.snapshot(target.id)).participants.find((p) => p.id === participant.id)!;
  }

  /**
   * The room a call's parties are mixed in, turning its echo or bridge into one if needed. A
   * party already in a named room (moved there) keeps it, and the others join it.
   */
  private roomOf(call: LiveCall): string {
    if (call.room) return call.room;
    const parties = [...call.participants.values()];
    const room =
      parties.find((p) => p.link?.kind === 'room' && p.link.room)?.link?.room ?? `call-${call.id}`;
    for (const p of parties) {
      if (!p.leg || (p.link?.kind === 'room' && p.link.room === room)) continue;
      dropLink(p);
      applyLink([p], roomLink(this.options.rooms, room, p.leg));
      void this.options.live.update(p, { room }).catch(() => undefined);
    }
    call.room = room;
    return room;
  }

  // ---- dialling -----------------------------------------------------------------------------

  private checkTarget(target: CallTarget): void {
    if (target.type === 'call' && !this.options.live.get(target.callId)) {
      throw new NotFoundError('call', target.callId);
    }
  }

  /** Rings `plan`, then connects the answered participant as the request asks. */
  private async ring(
    record: LiveCall,
    participant: LiveParticipant,
    plan: DialPlan,
    request: DialRequest,
    release: () => Promise<void>,
  ): Promise<void> {
    const { live, calls } = this.options;
    let leg: Leg;
    try {
      leg = await calls.dial(plan.target, {
        from: plan.from,
        timeoutMs:
          (request.ringTimeoutS ?? this.options.defaultRingTimeoutS ?? DEFAULT_RING_S) * 1000,
        transport: plan.transport,
        credentials: plan.trunk?.credentials,
        headers: [
          ...Object.entries(plan.trunk?.headers ?? {}),
          ...Object.entries(request.headers ?? {}),
        ],
        onCall: (sip) => adoptRinging(participant, sip),
      });
    } catch (err) {
      await release();
      const failure = err instanceof CallFailedError ? err : undefined;
      live.failed(participant, failedEnd(participant, err));
      if (!failure) throw err;
      return;
    }
    void leg.ended.then(release);
    live.attachLeg(participant, leg);
    if (request.maxDurationS) {
      const timer = setTimeout(() => void leg.hangup('max-duration'), request.maxDurationS * 1000);
      timer.unref();
      record.cleanups.push(() => clearTimeout(timer));
    }
    if (request.dtmf) await sendDigits(leg, request.dtmf);
    if (request.target) await this.connectTarget(record, participant, leg, request.target);
  }

  private async connectTarget(
    record: LiveCall,
    participant: LiveParticipant,
    leg: Leg,
    target: CallTarget,
  ): Promise<void> {
    if (leg.isEnded) return;
    const { live, rooms } = this.options;
    switch (target.type) {
      case 'echo':
        return applyLink([participant], echoLink(leg));
      case 'room':
        applyLink([participant], roomLink(rooms, target.room, leg));
        record.room = target.room;
        await live.update(participant, { room: target.room });
        return;
      case 'prompt': {
        const file = await this.resolveMedia(target.file);
        const result = await this.options.calls.play(leg.id, file).done;
        if (result.completed && !leg.isEnded) await leg.hangup('prompt-finished');
        return;
      }
      case 'call': {
        const other = live.get(target.callId);
        if (!other) return void (await leg.hangup('target-call-gone'));
        const room = this.roomOf(other);
        applyLink([participant], roomLink(rooms, room, leg));
        await live.moveTo(participant, other, room);
        return;
      }
    }
  }

  // ---- transfer -----------------------------------------------------------------------------

  /**
   * After an accepted REFER: the far end's NOTIFYs say how it went; success ends our leg, and
   * a failure (or no final word in time) leaves the party in the call as it was.
   */
  private followRefer(sip: SipCall, leg: Leg, participant: LiveParticipant): void {
    const done = (): void => {
      clearTimeout(timer);
      sip.off('notify', onNotify);
    };
    const failed = (): void => {
      done();
      this.restoreAfterTransfer(participant);
    };
    const onNotify = (req: { body: Buffer }): void => {
      const status = readSipfragStatus(req.body);
      if (status === undefined || status < 200) return;
      if (status >= 300) return failed();
      done();
      if (!leg.isEnded) void leg.hangup('transferred');
    };
    const timer = setTimeout(failed, REFER_PROGRESS_MS);
    timer.unref();
    sip.on('notify', onNotify);
    void leg.ended.then(done);
  }

  /**
   * Blind transfer without REFER: dial the target as a new participant of the same call;
   * when it answers, the transferred party is bridged to it and everyone else leaves.
   */
  private async bridgeTransfer(
    call: LiveCall,
    participant: LiveParticipant,
    leg: Leg,
    to: string,
    plan: DialPlan,
  ): Promise<void> {
    const { live, calls } = this.options;
    const target = await live.addParticipant(call, { kind: 'sip', identity: to });
    let targetLeg: Leg;
    try {
      targetLeg = await calls.dial(plan.target, {
        from: plan.from,
        timeoutMs: (this.options.defaultRingTimeoutS ?? DEFAULT_RING_S) * 1000,
        transport: plan.transport,
        credentials: plan.trunk?.credentials,
        headers: Object.entries(plan.trunk?.headers ?? {}),
        onCall: (sip) => adoptRinging(target, sip),
      });
    } catch (err) {
      live.failed(target, failedEnd(target, err));
      // The transfer failed: the party stays where it was, held or not.
      this.restoreAfterTransfer(participant);
      return;
    }
    live.attachLeg(target, targetLeg);
    if (leg.isEnded) {
      await targetLeg.hangup('transferor-gone');
      return;
    }
    if (participant.held) {
      // Off hold for real (its music stopped, its phone told), not just in the record.
      participant.held = false;
      leg.output.clear();
      await leg.hold(false).catch(() => false);
    }
    const others = [...call.participants.values()].filter((p) => p !== participant && p !== target);
    for (const other of others) dropLink(other);
    applyLink([participant, target], bridgeLink(leg, targetLeg));
    void live.update(participant, { held: false, room: null }).catch(() => undefined);
    await Promise.all(
      others.map((p) => (p.leg ? p.leg.hangup('transferred') : p.sip?.hangup('transferred'))),
    );
  }

  /** A transfer that did not happen: the party is as it was (answered, or still on hold). */
  private restoreAfterTransfer(participant: LiveParticipant): void {
    if (participant.state === 'ended') return;
    void this.options.live.update(participant, { held: participant.held }).catch(() => undefined);
  }

  // ---- lookups ------------------------------------------------------------------------------

  private requireCall(callId: string): LiveCall {
    const call = this.options.live.get(callId);
    if (!call) throw new NotFoundError('live call', callId);
    return call;
  }

  private requireParticipant(call: LiveCall, participantId: string): LiveParticipant {
    const participant = call.participants.get(participantId);
    if (!participant) throw new NotFoundError('participant', participantId);
    return participant;
  }

  private pickParticipant(callId: string, participantId: string | undefined): LiveParticipant {
    const call = this.requireCall(callId);
    if (participantId) return this.requireParticipant(call, participantId);
    const first = [...call.participants.values()].find((p) => p.leg && !p.leg.isEnded);
    if (!first) {
      throw new ConflictError('participantId', `call ${callId} has no participant with audio yet`);
    }
    return first;
  }

  private requireLeg(participant: LiveParticipant, field: string): Leg {
    if (!participant.leg || participant.leg.isEnded) {
      throw new ConflictError(field, `participant ${participant.id} has no audio (not answered)`);
    }
    return participant.leg;
  }

  /** A played file: inside one of the media roots, existing; refused otherwise. */
  /**
   * The full path of a media file named relative to the media directory or the bundled assets;
   * refuses names outside them (`../`), so API and flow `play` requests cannot read the disk.
   * @throws CallControlRefusal (field `file`, 400) when no root holds it.
   */
  async resolveMedia(file: string): Promise<string> {
    for (const root of this.options.mediaRoots) {
      const full = path.resolve(root, file);
      if (full !== root && !full.startsWith(root + path.sep)) continue;
      try {
        await access(full);
        return full;
      } catch {
        // Not in this root; try the next.
      }
    }
    throw new CallControlRefusal(
      'file',
      `no such media file in ${this.options.mediaRoots.join(' or ')} (names are relative to them)`,
      400,
    );
  }
}

/** A dialled participant's INVITE is out: keep it, or cancel it when a hang-up came first. */
function adoptRinging(participant: LiveParticipant, sip: SipCall): void {
  participant.sip = sip;
  if (participant.cancelReason) void sip.hangup(participant.cancelReason);
}

/** REFER is worth trying unless the far end's Allow (when it sent one) leaves it out. */
function mayRefer(sip: SipCall): boolean {
  if (sip.direction !== 'inbound') return true;
  const allow = sip.invite.headers.get('Allow');
  return allow === undefined || /\bREFER\b/i.test(allow);
}
