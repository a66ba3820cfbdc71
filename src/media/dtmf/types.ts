/** DTMF event shapes shared by the RFC 4733, SIP INFO and in-band paths. */

/** The sixteen DTMF keys (RFC 4733 events 0–15). */
export type DtmfDigit =
  '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** How a key press reached us. */
export type DtmfSource = 'rfc4733' | 'info' | 'inband';

/** One key press. Each press yields exactly one event, whichever way (or ways) it arrived. */
export interface DtmfEvent {
  digit: DtmfDigit;
  /** How long the key was held, in ms (as reported, or as measured for in-band tones). */
  durationMs: number;
  source: DtmfSource;
  /** Media time in ms (stream clock) when the press started. */
  timestampMs: number;
}
