/** What this user agent implements, advertised in Allow/Supported and checked on Require. */

/** Methods we accept (Allow header; RFC 3261 §20.5). */
export const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'REGISTER',
  'INFO',
  'UPDATE',
  'PRACK',
  'REFER',
  'NOTIFY',
] as const;

/** Methods we know but do not accept: answered 405 with Allow (other methods get 501). */
export const KNOWN_NOT_ALLOWED = ['SUBSCRIBE', 'PUBLISH', 'MESSAGE'] as const;

/** Option tags we implement (Supported; a Require outside this list gets 420). */
export const SUPPORTED_OPTIONS = ['100rel', 'timer', 'replaces', 'norefersub'] as const;

/** Body types we understand in INVITE/UPDATE/ACK/PRACK. */
export const ACCEPTED_BODY_TYPES = ['application/sdp', 'multipart/mixed'] as const;

/** RFC 4028 defaults: the smallest session interval we accept and the one we propose. */
export const MIN_SESSION_EXPIRES_S = 90;
/** Session interval proposed when the peer supports timers but asks for none (RFC 4028 §7.4). */
export const DEFAULT_SESSION_EXPIRES_S = 1800;
