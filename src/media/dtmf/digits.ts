/**
 * The DTMF keypad: digits, their RFC 4733 event codes and their tone pairs (ITU-T Q.23).
 * Shared by the RFC 4733, SIP INFO and in-band paths and by the tone generator.
 */
import type { DtmfDigit } from './types.js';

/** All sixteen keys, indexed by their RFC 4733 event code (0–9, 10 = '*', 11 = '#', 12–15 = A–D). */
export const DTMF_DIGITS: readonly DtmfDigit[] = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '*',
  '#',
  'A',
  'B',
  'C',
  'D',
];

/** Low-group (row) frequencies in Hz, top row first. */
export const DTMF_ROW_FREQUENCIES_HZ: readonly number[] = [697, 770, 852, 941];

/** High-group (column) frequencies in Hz, left column first. */
export const DTMF_COLUMN_FREQUENCIES_HZ: readonly number[] = [1209, 1336, 1477, 1633];

/** The keypad laid out by [row][column], as the tone pairs define it. */
export const DTMF_KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** True when `value` is one of the sixteen DTMF keys (upper-case A–D). */
export function isDtmfDigit(value: string): value is DtmfDigit {
  return value.length === 1 && DTMF_DIGITS.includes(value as DtmfDigit);
}

/** The digit for an RFC 4733 event code, or undefined for flash (16) and non-DTMF events. */
export function dtmfDigitFromEventCode(code: number): DtmfDigit | undefined {
  return Number.isInteger(code) ? DTMF_DIGITS[code] : undefined;
}

/** The RFC 4733 event code (0–15) of a digit. */
export function dtmfEventCode(digit: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(digit);
}

/** The row and column tone frequencies of a digit, in Hz. */
export function dtmfFrequenciesHz(digit: DtmfDigit): { rowHz: number; columnHz: number } {
  for (let row = 0; row < DTMF_KEYPAD.length; row++) {
    const column = DTMF_KEYPAD[row]!.indexOf(digit);
    if (column >= 0) {
      return {
        rowHz: DTMF_ROW_FREQUENCIES_HZ[row]!,
        columnHz: DTMF_COLUMN_FREQUENCIES_HZ[column]!,
      };
    }
  }
  throw new RangeError(`not a DTMF digit: ${String(digit)}`);
}
