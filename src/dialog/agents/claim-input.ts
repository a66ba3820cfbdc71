/**
 * Turning one caller turn into a claim field's value. Spoken answers go to the claim's own
 * normaliser as they are; keyed-in answers (DTMF) need a reading first, because a phone
 * keypad has no letters or dashes: eight digits are a date (year, month, day) and digits for
 * a field whose pattern starts with letters get those letters (policy "POL" + 123456).
 */
import { Claim, type ClaimField, type ClaimSetResult } from '../claims/index.js';

/** The readings of keyed-in `digits` for `field`, most specific first. */
export function dtmfReadings(field: ClaimField, digits: string): string[] {
  const readings: string[] = [];
  if ((field.type === 'date' || field.type === 'datetime') && /^\d{8}$/.test(digits)) {
    readings.push(`${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`);
  }
  // A literal prefix of the pattern (`^POL\d{6}$` → "POL") is what the keypad cannot type.
  const prefix = field.pattern ? /^\^([A-Za-z][A-Za-z-]*)/.exec(field.pattern)?.[1] : undefined;
  if (prefix) readings.push(`${prefix}${digits}`);
  if (field.type === 'boolean' && (digits === '1' || digits === '2')) {
    readings.push(digits === '1' ? 'yes' : 'no');
  }
  readings.push(digits);
  return readings;
}

/**
 * Tries the caller's answer for `fieldName`: for keyed input each reading in turn until one is
 * accepted. Returns the claim's verdict for the field (the first refusal's reason when none
 * works).
 */
export function fillField(
  claim: Claim,
  fieldName: string,
  answer: { text: string; source?: 'speech' | 'dtmf' },
  options: { language: string; now?: Date; timeZone?: string },
): { accepted: boolean; message?: string; result: ClaimSetResult } {
  const field = claim.schema.fields.find((f) => f.name === fieldName);
  const readings =
    field && answer.source === 'dtmf' ? dtmfReadings(field, answer.text) : [answer.text];
  let first: ClaimSetResult | undefined;
  for (const reading of readings) {
    const result = claim.set({ [fieldName]: reading }, options);
    if (Object.hasOwn(result.accepted, fieldName)) return { accepted: true, result };
    first ??= result;
  }
  return { accepted: false, message: first?.rejected[fieldName], result: first! };
}
