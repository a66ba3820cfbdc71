/**
 * DTMF carried in SIP INFO bodies: `application/dtmf-relay` (the de-facto format from Cisco,
 * `Signal=5\r\nDuration=160`) and `application/dtmf` (the body is just the key). Phones differ
 * in case, spacing and line endings, and some send `Signal=10`/`11` for `*`/`#`, so parsing is
 * lenient about form and strict about meaning: anything that is not one key is rejected.
 */
import { DTMF_DIGITS, dtmfDigitFromEventCode } from './digits.js';
import type { DtmfDigit } from './types.js';

/** Content-Type to send DTMF in INFO with (widest support). */
export const DTMF_RELAY_CONTENT_TYPE = 'application/dtmf-relay';

/** Duration assumed when an INFO body gives none, in ms (what Cisco and Asterisk assume). */
export const DEFAULT_INFO_DURATION_MS = 250;

/** A key press read from a SIP INFO body. */
export interface DtmfInfo {
  digit: DtmfDigit;
  durationMs: number;
}

/**
 * Reads the key press from a SIP INFO request.
 * @param contentType the Content-Type header value (parameters and case are ignored)
 * @param body the message body
 * @returns the press, or undefined when the type is not a DTMF one or the body names no key
 */
export function parseDtmfInfo(
  contentType: string | undefined,
  body: Buffer | string,
): DtmfInfo | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/dtmf-relay' && type !== 'application/dtmf') return undefined;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // Some phones send `Signal=` lines under application/dtmf too: treat any key=value body alike.
  if (type === 'application/dtmf-relay' || text.includes('=')) return parseRelay(text);
  const digit = parseSignal(text.trim());
  return digit === undefined ? undefined : { digit, durationMs: DEFAULT_INFO_DURATION_MS };
}

/** The `application/dtmf-relay` body for a key press (send with {@link DTMF_RELAY_CONTENT_TYPE}). */
export function formatDtmfRelay(digit: DtmfDigit, durationMs: number): string {
  if (!DTMF_DIGITS.includes(digit)) throw new RangeError(`not a DTMF digit: ${String(digit)}`);
  return `Signal=${digit}\r\nDuration=${Math.max(0, Math.round(durationMs))}\r\n`;
}

function parseRelay(text: string): DtmfInfo | undefined {
  let digit: DtmfDigit | undefined;
  let durationMs = DEFAULT_INFO_DURATION_MS;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') {
      digit = parseSignal(value);
      if (digit === undefined) return undefined;
    } else if (key === 'duration' && /^\d{1,6}$/.test(value)) {
      // Duration=0 (some gateways send it on key-down) means "unknown": keep the default.
      const ms = Number(value);
      if (ms > 0) durationMs = ms;
    }
  }
  return digit === undefined ? undefined : { digit, durationMs };
}

/** One key: `0`–`9`, `*`, `#`, `A`–`D` (any case), or an RFC 4733 event code 10–15. */
function parseSignal(value: string): DtmfDigit | undefined {
  if (value.length === 1) {
    const upper = value.toUpperCase();
    return DTMF_DIGITS.find((d) => d === upper);
  }
  // Numeric event codes ("10" = '*', "11" = '#', "12"–"15" = A–D); "05" is still 5.
  return /^\d{1,2}$/.test(value) ? dtmfDigitFromEventCode(Number(value)) : undefined;
}
