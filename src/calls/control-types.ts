/**
 * The shapes of live call control, as the API and CLI see it: dialling out (the equivalent of
 * LiveKit's CreateSIPParticipant) and the actions on a live call and its participants.
 */
import type { CallRecord, ParticipantRecord } from '../store/index.js';

/** Where a dialled (or moved) participant is put once it answers. */
export type CallTarget =
  | { type: 'echo' }
  | { type: 'room'; room: string }
  /** Plays a file, then hangs up. */
  | { type: 'prompt'; file: string }
  /** Joins another live call (the two calls' parties are mixed). */
  | { type: 'call'; callId: string };

/** A request to dial out. */
export interface DialRequest {
  /**
   * Who to call: a number (through `trunkId`), a registered user name, or a SIP URI
   * (`sip:bob@192.0.2.10:5060`).
   */
  to: string;
  /** Outbound trunk to dial through; required for a number. */
  trunkId?: string;
  /** Caller ID; on a trunk it must be one of the trunk's numbers (default: its first). */
  from?: string;
  /** What to connect the call to once answered (default: nothing: it waits for control). */
  target?: CallTarget;
  /** Give up when not answered within this many seconds (default 30). */
  ringTimeoutS?: number;
  /** Hang up after this many seconds of talk (default: no limit). */
  maxDurationS?: number;
  /** Digits to send once answered (`w` waits 500 ms, as in most dialers). */
  dtmf?: string;
  /** Extra SIP headers on the INVITE (on top of the trunk's). */
  headers?: Record<string, string>;
  /** Resolve only once the call was answered, or ended unanswered. */
  waitUntilAnswered?: boolean;
}

/** A live call's record with its participants. */
export interface CallSnapshot {
  call: CallRecord;
  participants: ParticipantRecord[];
}

/** Where a moved participant goes. */
export type MoveTarget = { room: string } | { callId: string };

/**
 * Live call control. Unknown or ended calls and participants raise the store's
 * `NotFoundError`; a request that cannot apply now (a call not answered yet, a participant
 * without audio) raises `ConflictError` naming the field; a refused destination raises
 * {@link CallControlRefusal}.
 */
export interface CallControl {
  /**
   * Dials out; see {@link DialRequest}. Resolves with the call the new participant is in: the
   * call made for it, or once answered with a `call` target, the call it joined.
   */
  dial(request: DialRequest): Promise<CallSnapshot>;
  /** Hangs up every participant of a live call. */
  hangup(callId: string, reason?: string): Promise<void>;
  /** Sends digits to a participant (default: the call's first live participant). */
  sendDtmf(callId: string, digits: string, participantId?: string): Promise<void>;
  /** Plays a media file to a participant (default: every live participant of the call). */
  play(callId: string, file: string, participantId?: string): Promise<void>;
  /**
   * Blind transfer of a participant (default: the call's first) to `to`: a REFER when its far
   * end accepts one, otherwise a new leg dialled and bridged in its place.
   */
  transfer(
    callId: string,
    to: string,
    opts?: { participantId?: string; trunkId?: string },
  ): Promise<{ method: 'refer' | 'bridge' }>;
  /** Mutes or unmutes what a participant says. */
  mute(callId: string, participantId: string, muted: boolean): Promise<ParticipantRecord>;
  /** Puts a participant on hold (it hears music, no one hears it) or resumes it. */
  hold(callId: string, participantId: string, held: boolean): Promise<ParticipantRecord>;
  /** Moves a participant to a room or another live call. */
  move(callId: string, participantId: string, to: MoveTarget): Promise<ParticipantRecord>;
}

/**
 * A request the control plane refuses on policy, before any SIP is sent: a destination
 * outside the trunk's allowed prefixes, a caller ID the trunk does not own, a trunk at its
 * limit. `field` names the request field at fault; `status` is the HTTP status to answer.
 */
export class CallControlRefusal extends Error {
  override readonly name = 'CallControlRefusal';
  constructor(
    readonly field: string,
    message: string,
    readonly status: 400 | 403 | 409 | 429 | 503 = 403,
  ) {
    super(message);
  }
}
