/** The SIP user agent: core, calls, dialogs. */
export { UserAgent, hostPort } from './user-agent.js';
export type { UserAgentOptions, UserAgentEvents, SipLogger } from './user-agent.js';
export { SipCall } from './sip-call.js';
export type {
  CallEnd,
  CallState,
  SipCallEvents,
  AnswerOptions,
  IncomingRefer,
} from './sip-call.js';
export { UserNotRegisteredError } from './outbound-call.js';
export type { OutboundCallOptions } from './outbound-call.js';
export { Dialog, dialogKey } from './dialog.js';
export { parseReplaces, readRefer, sipfrag, readSipfragStatus } from './refer.js';
export type { Replaces, ReferTarget } from './refer.js';
export { readSessionExpires, SessionTimer } from './session-timer.js';
export { checkRequest } from './request-checks.js';
export { sdpOf } from './body.js';
export * from './constants.js';
