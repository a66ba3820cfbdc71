/** Public surface of the SIP digest authentication module (RFC 3261 §22, RFC 7616, RFC 8760). */
export { DigestChallenger, uriMatches } from './challenger.js';
export type { DigestChallengerOptions, DigestSecret, DigestVerifyResult } from './challenger.js';
export { DigestClient } from './client.js';
export type { DigestClientOptions } from './client.js';
export {
  AuthHeaderParseError,
  formatAuthHeader,
  parseAuthHeader,
  quoteString,
} from './auth-header.js';
export type { AuthHeaderValue, AuthParam } from './auth-header.js';
export {
  ALGORITHM_STRENGTH,
  algorithmName,
  computeDigestResponse,
  computeHa1,
  digestEquals,
  digestHash,
  resolveAlgorithm,
} from './digest.js';
export type { DigestAlgorithm, DigestResponseInput, ResolvedAlgorithm } from './digest.js';
export { NonceFactory } from './nonce.js';
export type { NonceCheck } from './nonce.js';
export { NonceCountTracker } from './nonce-counts.js';
export type { NonceCountResult } from './nonce-counts.js';
