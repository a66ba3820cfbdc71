/**
 * Outbound call checks: the toll-fraud guard on destinations and the caller-ID choice. Run
 * before any SIP is sent, so a refused call costs nothing.
 */
import type { OutboundTrunk } from '../../store/index.js';
import { normaliseNumber } from './numbers.js';

/**
 * Longest destination accepted, in characters after normalisation. E.164 numbers have at most
 * 15 digits; the margin covers an international prefix, DTMF-style feature codes and `+`.
 */
export const MAX_DESTINATION_LENGTH = 32;

// A dialable number once normalised: optional leading '+', then digits, '*' and '#'.
const DIALABLE = /^\+?[0-9*#]+$/;

/**
 * Checks that `destination` may be dialled through `trunk` — the toll-fraud guard.
 *
 * The destination is normalised ({@link normaliseNumber}: separators, a `tel:`/`sip:` scheme and
 * host are dropped) and must then be a dialable number: an optional leading `+` and digits, `*`,
 * `#`, at most {@link MAX_DESTINATION_LENGTH} characters. Anything else — empty, letters, a SIP
 * user name — is refused.
 *
 * When the trunk lists `allowedDestinationPrefixes`, the normalised destination must start with
 * one of them (each prefix normalised the same way, so `+1 415` equals `+1415`). Comparison is
 * literal, with no national/international prefix rewriting: with prefix `+86`, `008610…` and
 * `010…` are refused. That errs on the side of refusing; list every form your users dial, or
 * rewrite numbers to E.164 before calling this. An empty list allows any destination.
 *
 * Reasons never contain the number (they may be logged or returned to API clients).
 */
export function checkDestination(
  trunk: Pick<OutboundTrunk, 'allowedDestinationPrefixes'>,
  destination: string,
): { ok: true; normalised: string } | { ok: false; reason: string } {
  const normalised = normaliseNumber(destination);
  if (normalised === '') return { ok: false, reason: 'destination is empty' };
  if (!DIALABLE.test(normalised)) {
    return {
      ok: false,
      reason: 'destination is not a phone number (only digits, "*", "#" and a leading "+")',
    };
  }
  if (normalised.length > MAX_DESTINATION_LENGTH) {
    return { ok: false, reason: `destination is longer than ${MAX_DESTINATION_LENGTH} characters` };
  }
  const prefixes = trunk.allowedDestinationPrefixes
    .map(normaliseNumber)
    // A blank prefix in the list must not turn into "allow everything".
    .filter((p) => p !== '');
  if (
    trunk.allowedDestinationPrefixes.length > 0 &&
    !prefixes.some((p) => normalised.startsWith(p))
  ) {
    return {
      ok: false,
      reason: 'destination is not in the allowed destination prefixes of the trunk',
    };
  }
  return { ok: true, normalised };
}

/**
 * Chooses the caller ID presented on `trunk`: `requested` when it is one of the trunk's
 * `numbers` (compared normalised), otherwise an error — presenting a number the trunk does not
 * own is caller-ID spoofing, and carriers drop or flag such calls. Without `requested`, the
 * trunk's first number. The result is the normalised number (no spaces or dashes, fit for a SIP
 * From user part).
 */
export function pickCallerId(
  trunk: Pick<OutboundTrunk, 'numbers'>,
  requested?: string,
): { ok: true; callerId: string } | { ok: false; reason: string } {
  const numbers = trunk.numbers.map(normaliseNumber).filter((n) => n !== '');
  if (requested === undefined || requested.trim() === '') {
    const first = numbers[0];
    return first !== undefined
      ? { ok: true, callerId: first }
      : { ok: false, reason: 'trunk has no numbers to present as caller ID' };
  }
  const wanted = normaliseNumber(requested);
  return numbers.includes(wanted)
    ? { ok: true, callerId: wanted }
    : { ok: false, reason: 'requested caller ID is not one of the trunk numbers' };
}
