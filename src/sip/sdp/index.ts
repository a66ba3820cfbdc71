/** Public surface of the SDP offer/answer module (RFC 3264, RFC 4566). */
export type {
  AnswerResult,
  CodecName,
  Direction,
  LocalMedia,
  NegotiatedCodec,
  NegotiatedMedia,
  SdpFailure,
} from './types.js';
export { answerOffer } from './answer.js';
export { createOffer, isSdpFailure, readAnswer, readOrigin } from './offer.js';
export { answerDirection, isHoldOffer, sdpDirection } from './direction.js';
export { CODECS, DEFAULT_CODECS } from './codecs.js';
export { generateSessionId } from './local.js';
export type { CodecInfo } from './codecs.js';
