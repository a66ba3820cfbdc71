/**
 * The live call model: which participants (legs) make up which call, what each is connected
 * to, and their records. Every change is written to the store and published as a domain event
 * (the app sends those to /v1/events and webhooks), so the history and the event stream tell
 * the same story as the media.
 */
import type { Leg, LegEnd } from '../channels/index.js';
import type { Logger } from '../observability/index.js';
import type { SipCall } from '../sip/index.js';
import type { CallRecord, CallState, ParticipantRecord, Store } from '../store/index.js';
import type { Disconnect } from './connect.js';

/** The events this module publishes (names from the API's event catalogue). */
export type CallEventType =
  | 'call.ringing'
  | 'call.answered'
  | 'call.ended'
  | 'participant.joined'
  | 'participant.left'
  | 'dtmf.received'
  | 'dispatch.matched';

/** One event to publish. */
export interface CallEventInput {
  type: CallEventType;
  callId: string;
  participantId?: string;
  data: Record<string, unknown>;
}

/**
 * How a participant's audio is connected: shared by every participant of the connection (both
 * ends of a bridge), so holding or moving one can undo it and, for hold, redo it.
 */
export interface Link {
  kind: 'echo' | 'bridge' | 'room' | 'prompt';
  /** The room's name, for `room`. */
  room?: string;
  /** Makes the connection; returns its undo. */
  connect: () => Disconnect;
  /** The undo of the current connection, while connected. */
  off?: Disconnect;
}

/** One party of a live call. */
export interface LiveParticipant {
  readonly id: string;
  /** The call it belongs to now (a move changes it). */
  callId: string;
  readonly kind: ParticipantRecord['kind'];
  /** Who (personal data). */
  readonly identity: string;
  state: CallState;
  /** The SIP dialog, once there is one (REFER, reject, cancel). */
  sip?: SipCall;
  /** Its audio, once answered. */
  leg?: Leg;
  link?: Link;
  muted: boolean;
  held: boolean;
  /** Why we cancelled it ourselves while it rang (an API hang-up), for its record. */
  cancelReason?: string;
}

/** A call with live participants. */
export interface LiveCall {
  readonly id: string;
  readonly direction: CallRecord['direction'];
  answered: boolean;
  ended: boolean;
  readonly participants: Map<string, LiveParticipant>;
  /** When the call's media is a room (a room target, or a call others were moved into). */
  room?: string;
  /** Runs when the call ends (timers to cancel). */
  cleanups: Array<() => void>;
}

/** Options of {@link LiveCalls}. */
export interface LiveCallsOptions {
  store: Pick<Store, 'calls'>;
  /** Sends an event on (the app publishes it on the bus). */
  publish: (event: CallEventInput) => Promise<unknown>;
  logger: Logger;
}

/** Fields of a new call. */
export interface OpenCallInput {
  direction: CallRecord['direction'];
  caller: string;
  callee: string;
  trunkId?: string;
  ruleId?: string;
  matchExplanation?: string[];
  attributes?: Record<string, string>;
}

/** The live calls of this server and their records. */
export class LiveCalls {
  private readonly calls = new Map<string, LiveCall>();
  private readonly byLeg = new Map<string, LiveParticipant>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: LiveCallsOptions) {}

  /** A live call by id. */
  get(callId: string): LiveCall | undefined {
    return this.calls.get(callId);
  }

  /** Every live call. */
  list(): LiveCall[] {
    return [...this.calls.values()];
  }

  /** The participant a leg belongs to. */
  participantOfLeg(legId: string): LiveParticipant | undefined {
    return this.byLeg.get(legId);
  }

  /** Creates the call record (ringing) and publishes `call.ringing`. */
  async open(input: OpenCallInput): Promise<LiveCall> {
    const record = await this.options.store.calls.createCall({ ...input, state: 'ringing' });
    const call: LiveCall = {
      id: record.id,
      direction: record.direction,
      answered: false,
      ended: false,
      participants: new Map(),
      cleanups: [],
    };
    this.calls.set(call.id, call);
    this.emit('call.ringing', call.id, undefined, {
      direction: record.direction,
      ...(record.trunkId ? { trunkId: record.trunkId } : {}),
    });
    return call;
  }

  /** Adds a (ringing) participant to a call and publishes `participant.joined`. */
  async addParticipant(
    call: LiveCall,
    input: { kind: ParticipantRecord['kind']; identity: string; sip?: SipCall; room?: string },
  ): Promise<LiveParticipant> {
    const record = await this.options.store.calls.addParticipant({
      callId: call.id,
      kind: input.kind,
      identity: input.identity,
      state: 'ringing',
      room: input.room,
    });
    const participant: LiveParticipant = {
      id: record.id,
      callId: call.id,
      kind: input.kind,
      identity: input.identity,
      state: 'ringing',
      sip: input.sip,
      muted: false,
      held: false,
    };
    call.participants.set(participant.id, participant);
    this.emit('participant.joined', call.id, participant.id, { kind: input.kind });
    return participant;
  }

  /**
   * The participant answered and has audio: records it (and the call's answer, the first
   * time), publishes its key presses, and follows its end.
   */
  attachLeg(participant: LiveParticipant, leg: Leg): void {
    participant.leg = leg;
    participant.state = 'answered';
    this.byLeg.set(leg.id, participant);
    const at = new Date();
    const call = this.calls.get(participant.callId);
    this.write(participant.callId, async () => {
      await this.options.store.calls.updateParticipant(participant.id, {
        state: 'answered',
        answeredAt: at,
      });
    });
    if (call && !call.answered) {
      call.answered = true;
      this.write(call.id, async () => {
        await this.options.store.calls.updateCall(call.id, { state: 'answered', answeredAt: at });
      });
      this.emit('call.answered', call.id, participant.id, {});
    }
    leg.on('dtmf', (event) =>
      this.emit('dtmf.received', participant.callId, participant.id, {
        digit: event.digit,
        source: event.source,
        durationMs: event.durationMs,
      }),
    );
    void leg.ended.then((end) => {
      this.byLeg.delete(leg.id);
      this.left(participant, end);
    });
  }

  /**
   * A participant that never got audio is gone (not answered, rejected, cancelled); the call
   * ends with it when it was the last.
   */
  failed(participant: LiveParticipant, end: LegEnd): void {
    if (participant.leg) return; // its leg's end reports it
    this.left(participant, end);
  }

  /** Records a change of a participant (mute, hold, room) and keeps the live state in step. */
  update(
    participant: LiveParticipant,
    patch: { muted?: boolean; held?: boolean; room?: string | null; callId?: string },
  ): Promise<ParticipantRecord> {
    if (patch.muted !== undefined) participant.muted = patch.muted;
    if (patch.held !== undefined) {
      participant.held = patch.held;
      participant.state = patch.held ? 'on-hold' : 'answered';
    }
    const state = patch.held === undefined ? undefined : participant.state;
    return this.write(participant.callId, () =>
      this.options.store.calls.updateParticipant(participant.id, {
        muted: patch.muted,
        room: patch.room,
        callId: patch.callId,
        state,
      }),
    );
  }

  /** Marks a participant as being transferred. */
  transferring(participant: LiveParticipant): void {
    participant.state = 'transferring';
    this.write(participant.callId, () =>
      this.options.store.calls.updateParticipant(participant.id, { state: 'transferring' }),
    );
  }

  /**
   * Moves a participant into another live call: its record follows, and the call it left ends
   * when nobody is left in it.
   */
  async moveTo(participant: LiveParticipant, target: LiveCall, room?: string): Promise<void> {
    const from = this.calls.get(participant.callId);
    await this.update(participant, { callId: target.id, room: room ?? null });
    from?.participants.delete(participant.id);
    participant.callId = target.id;
    target.participants.set(participant.id, participant);
    this.emit('participant.joined', target.id, participant.id, {
      kind: participant.kind,
      movedFrom: from?.id,
    });
    if (from && from.participants.size === 0) {
      this.end(from, { reason: 'participants-moved', by: 'system' });
    }
  }

  /** Records that a call ended before it had participants (refused at routing). */
  refused(call: LiveCall, status: number, reason: string): void {
    this.end(call, { reason, status, by: 'local' });
  }

  /** The call's record and its participants' records, once pending writes have landed. */
  async snapshot(callId: string): Promise<{ call: CallRecord; participants: ParticipantRecord[] }> {
    await this.settled(callId);
    const call = await this.options.store.calls.getCall(callId);
    if (!call) throw new Error(`call ${callId} has no record`);
    return { call, participants: await this.options.store.calls.listParticipants(callId) };
  }

  /** Resolves once every pending write and publication has settled (before closing the store). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private readonly chains = new Map<string, Promise<unknown>>();

  /**
   * Queues a store write behind the call's earlier ones, so an end never overtakes a creation;
   * a failure is logged and never disturbs the call.
   */
  private write<T>(callId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(callId) ?? Promise.resolve();
    const next = previous.then(fn);
    const quiet = next.catch((err: Error) =>
      this.options.logger.error({ err: err.message, callId }, 'could not record a call change'),
    );
    this.chains.set(callId, quiet);
    this.inFlight.add(quiet);
    void quiet.finally(() => {
      this.inFlight.delete(quiet);
      if (this.chains.get(callId) === quiet) this.chains.delete(callId);
    });
    return next;
  }

  private async settled(callId: string): Promise<void> {
    await this.chains.get(callId);
  }

  private emit(
    type: CallEventType,
    callId: string,
    participantId: string | undefined,
    data: Record<string, unknown>,
  ): void {
    // Behind the call's writes: a subscriber that reads the call on an event finds it updated.
    void this.write(callId, () =>
      this.options.publish({ type, callId, ...(participantId ? { participantId } : {}), data }),
    ).catch(() => undefined);
  }

  /** Publishes a dispatch decision for a call (the router calls it). */
  dispatched(call: LiveCall, data: Record<string, unknown>): void {
    this.emit('dispatch.matched', call.id, undefined, data);
  }

  private left(participant: LiveParticipant, end: LegEnd): void {
    const call = this.calls.get(participant.callId);
    if (participant.state === 'ended') return;
    participant.state = 'ended';
    // Its connection undoes itself (echo, bridge and room stop on the leg's end); a bridge's
    // hang-up of the peer must still run, so the link is not switched off here.
    const at = new Date();
    this.write(participant.callId, async () => {
      await this.options.store.calls.updateParticipant(participant.id, {
        state: 'ended',
        endReason: end.reason,
        sipStatus: end.status,
        leftAt: at,
      });
    });
    this.emit('participant.left', participant.callId, participant.id, { reason: end.reason });
    if (!call) return;
    call.participants.delete(participant.id);
    if (call.participants.size === 0) this.end(call, end);
  }

  private end(call: LiveCall, end: LegEnd): void {
    if (call.ended) return;
    call.ended = true;
    this.calls.delete(call.id);
    for (const cleanup of call.cleanups.splice(0)) cleanup();
    const at = new Date();
    this.write(call.id, async () => {
      await this.options.store.calls.updateCall(call.id, {
        state: 'ended',
        endedAt: at,
        endReason: end.reason,
        sipStatus: end.status,
      });
    });
    this.emit('call.ended', call.id, undefined, {
      reason: end.reason,
      by: end.by,
      ...(end.status !== undefined ? { sipStatus: end.status } : {}),
    });
  }
}
