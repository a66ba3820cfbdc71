/** The public shapes of a SIP call: its states, end causes, events and answer options. */
import type { SipRequest } from '../message/index.js';
import type { LocalMedia, NegotiatedMedia } from '../sdp/index.js';
import type { IncomingRefer } from './refer-handler.js';

/** Where a call is in its life. */
export type CallState = 'calling' | 'ringing' | 'answered' | 'ended';

/** Why a call ended. */
export interface CallEnd {
  /** Short machine-readable cause: local-bye, remote-bye, cancelled, rejected, timeout, … */
  reason: string;
  /** SIP status that ended it, when one did. */
  status?: number;
  /** Which side ended it. */
  by: 'local' | 'remote' | 'system';
}

/** Events a call emits. */
export interface SipCallEvents {
  ringing: [];
  answered: [];
  media: [NegotiatedMedia];
  hold: [];
  unhold: [];
  info: [{ contentType?: string; body: Buffer }];
  refer: [IncomingRefer];
  notify: [SipRequest];
  ended: [CallEnd];
}

/** Options for answering an inbound call. */
export interface AnswerOptions {
  /** Our RTP address, port and codecs. */
  media: LocalMedia;
  headers?: Array<[string, string]>;
}
