/**
 * Media direction handling (RFC 3264 §5.1, §6.1, §8.4): reading a description's effective
 * direction, recognising hold, and choosing the answer's direction.
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { connectionAddress, isUnspecifiedAddress, parseSdp } from './parse.js';
import type { Direction } from './types.js';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Type guard for a valid direction value (guards against untyped callers and odd SDPs). */
export function isDirection(value: unknown): value is Direction {
  return typeof value === 'string' && DIRECTIONS.has(value);
}

function sends(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

function receives(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

function fromFlags(send: boolean, receive: boolean): Direction {
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  if (receive) return 'recvonly';
  return 'inactive';
}

/**
 * The answerer's direction for an offered direction (RFC 3264 §6.1): we may send only if the
 * offerer receives, and receive only if the offerer sends, each further limited by what we
 * want. So sendrecv → localWants, sendonly → recvonly, recvonly → sendonly, inactive →
 * inactive (with the default `localWants` of sendrecv). The same rule gives the offerer's own
 * final direction from an answer.
 */
export function answerDirection(offered: Direction, localWants: Direction = 'sendrecv'): Direction {
  const theirs = isDirection(offered) ? offered : 'sendrecv';
  const ours = isDirection(localWants) ? localWants : 'sendrecv';
  return fromFlags(receives(theirs) && sends(ours), sends(theirs) && receives(ours));
}

/**
 * Effective direction of one m= line as its writer means it. The media-level attribute wins
 * over the session-level one, and the default is sendrecv (RFC 3264 §5.1). A connection
 * address of 0.0.0.0 (or ::) says "do not send to me" (RFC 3264 §8.4, RFC 2543 hold), so it
 * removes the receive half: sendrecv becomes sendonly and recvonly becomes inactive. That
 * makes an old-style hold look exactly like a modern a=sendonly hold to the rest of the stack.
 */
export function effectiveDirection(
  session: SessionDescription,
  media: MediaDescription,
): Direction {
  const written = isDirection(media.direction)
    ? media.direction
    : isDirection(session.direction)
      ? session.direction
      : 'sendrecv';
  const address = connectionAddress(session, media);
  if (address !== undefined && isUnspecifiedAddress(address)) {
    return fromFlags(sends(written), false);
  }
  return written;
}

/**
 * The direction an SDP body expresses, for its audio stream (the first audio m= line with a
 * non-zero port, else its first m= line, else the session level). See `effectiveDirection`
 * for the 0.0.0.0 rule: `c=IN IP4 0.0.0.0` with no attribute reads as sendonly. Bodies that
 * cannot be parsed read as sendrecv, the RFC default, rather than throwing.
 */
export function sdpDirection(sdp: string): Direction {
  const parsed = parseSdp(sdp);
  if (!parsed.ok) return 'sendrecv';
  const { session, mediaLines } = parsed;
  // Any live audio line counts here, SRTP included: hold is signalled the same way there.
  const index = mediaLines.findIndex((m) => m.type === 'audio' && m.port !== 0);
  const media = session.media[index >= 0 ? index : 0];
  if (media === undefined) {
    if (isDirection(session.direction)) return session.direction;
    return 'sendrecv';
  }
  return effectiveDirection(session, media);
}

/**
 * True when an offer puts us on hold: its audio is sendonly or inactive, including the
 * RFC 2543 form with connection address 0.0.0.0. A recvonly offer is not a hold (the peer
 * still wants our media).
 */
export function isHoldOffer(sdp: string): boolean {
  const direction = sdpDirection(sdp);
  return direction === 'sendonly' || direction === 'inactive';
}
