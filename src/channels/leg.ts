/**
 * A Leg is one party's presence in a call, whatever carries it: a SIP call, a Twilio stream,
 * a WebRTC browser, a text chat or an AI agent. Everything above the channels (bridges,
 * rooms, recorders, voice sessions, flows) works on this interface and never on a transport.
 */
import type { EventEmitter } from 'node:events';
import type { AudioOutput, DtmfEvent, FrameFanout, AudioFrame } from '../media/index.js';

/** Kinds of legs. */
export type LegKind = 'sip' | 'twilio' | 'webrtc' | 'text' | 'agent';

/** Why a leg ended. */
export interface LegEnd {
  /** Short cause: remote-bye, local-bye, rtp-timeout, cancelled, rejected, … */
  reason: string;
  /** The SIP status (or equivalent) that ended it, when one did. */
  status?: number;
  /** Which side ended it. */
  by: 'local' | 'remote' | 'system';
}

/** Events every leg emits. */
export interface LegEvents {
  /** One key press (deduplicated across RFC 4733, SIP INFO and in-band detection). */
  dtmf: [DtmfEvent];
  /** The far end put the call on hold / took it off hold. */
  hold: [];
  unhold: [];
  /** Per 20 ms tick: what the party said and what it was sent (for recorders). */
  tick: [AudioFrame, AudioFrame | undefined];
  ended: [LegEnd];
}

/** One party with audio in and out. */
export interface Leg extends EventEmitter<LegEvents> {
  readonly id: string;
  readonly kind: LegKind;
  /** Rate of the frames in {@link input} and the native rate of {@link output}. */
  readonly sampleRateHz: number;
  /** What the party says: one frame per 20 ms (silence included). */
  readonly input: FrameFanout;
  /** What the party hears: queued pieces with `clear()`, plus live frames. */
  readonly output: AudioOutput;
  /** Settles when the leg has ended. */
  readonly ended: Promise<LegEnd>;
  /** True once ended. */
  readonly isEnded: boolean;
  /**
   * Mutes or unmutes the party in one direction: `in` silences what it says (to everyone it
   * is connected to), `out` silences what it hears.
   */
  setMuted(direction: 'in' | 'out', muted: boolean): void;
  /** Gain in dB on what the party says (`in`) or hears (`out`). */
  setGainDb(direction: 'in' | 'out', gainDb: number): void;
  /** Sends digits to the party (RFC 4733 when negotiated, else in-band tones). */
  sendDtmf(digits: string, durationMs?: number): Promise<void>;
  /** Puts the party on hold (music or silence is the caller's business) or resumes. */
  hold(on: boolean): Promise<boolean>;
  /** Ends the leg. */
  hangup(reason?: string): Promise<void>;
}
