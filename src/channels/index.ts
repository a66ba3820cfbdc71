/** Channels: the edges that turn a transport (SIP today) into a Leg with audio in and out. */
export type { Leg, LegEnd, LegEvents, LegKind } from './leg.js';
export { RTP_TIMEOUT_REASON, SipLeg, type SipLegOptions } from './sip-leg.js';
