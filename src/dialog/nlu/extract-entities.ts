/**
 * Built-in entities found in any language without training: numbers, phone numbers, e-mail
 * addresses, amounts of money, dates, order ids and policy ids.
 */
import { findEmails, findOrderIds, findPhones, findPolicyIds } from './contact-entities.js';
import { findDates } from './date-entities.js';
import { entityText } from './entity-text.js';
import type { NluEntity } from './nlu-result.js';
import { findAmounts, findNumbers } from './number-entities.js';

/** Options for `extractEntities`. */
export interface ExtractEntitiesOptions {
  /** The moment relative dates count from ("yesterday"); default: now. */
  now?: Date;
  /** IANA zone whose calendar "today" is in; default: the process's zone. */
  timeZone?: string;
}

/** Built-in kinds by precedence: when two overlap, the one listed first wins (an order id over the number in it). */
export const BUILT_IN_ENTITY_PRIORITY = [
  'email',
  'order_id',
  'policy_id',
  'date',
  'amount',
  'phone',
  'number',
];

/**
 * Keeps the best of overlapping entities: higher priority kind first, then the longer span,
 * then the earlier one. The result is in text order.
 */
export function resolveOverlaps(
  candidates: NluEntity[],
  priority: readonly string[] = BUILT_IN_ENTITY_PRIORITY,
): NluEntity[] {
  const rank = (e: NluEntity) => {
    const i = priority.indexOf(e.type);
    return i < 0 ? -1 : i;
  };
  const ordered = [...candidates].sort(
    (a, b) => rank(a) - rank(b) || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: NluEntity[] = [];
  for (const c of ordered) {
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Finds the built-in entities in `text`. Every reading runs whatever the language, because
 * callers mix them ("my policy is POL 123456" in a Chinese call); `language` is accepted for
 * readings that will need it. Values: numbers as numbers, dates as `YYYY-MM-DD` relative to
 * `options.now` in `options.timeZone`, phones as digits (with "+" for E.164), ids upper-case.
 */
export function extractEntities(
  text: string,
  language: string,
  options: ExtractEntitiesOptions = {},
): NluEntity[] {
  void language;
  const t = entityText(text, options.now ?? new Date(), options.timeZone);
  const candidates = [
    ...findEmails(t),
    ...findOrderIds(t),
    ...findPolicyIds(t),
    ...findDates(t),
    ...findAmounts(t),
    ...findPhones(t),
    ...findNumbers(t),
  ];
  // Offsets are into the folded text, which has the same length: report the caller's own text.
  return resolveOverlaps(candidates).map((e) => ({ ...e, text: text.slice(e.start, e.end) }));
}
