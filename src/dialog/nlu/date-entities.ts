/**
 * Dates inside what a caller said, as `YYYY-MM-DD` entities: absolute ("2026-03-05", "March 3",
 * "3rd of March", "2026年3月5日", "三月五号") and relative to today ("yesterday", "last Friday",
 * "two days ago", "前天", "上周五"). The reading itself is the shared one in `language/`, the
 * same the claim normaliser uses; this only turns what it finds into entities.
 */
import { findSpokenDates, formatDate } from '../language/index.js';
import { entityAt, type EntityText } from './entity-text.js';
import type { NluEntity } from './nlu-result.js';

/** Every date in the text, each with its `YYYY-MM-DD` value; overlaps are settled later. */
export function findDates(t: EntityText): NluEntity[] {
  // In a request "this Friday" is the coming one ("call me back this Friday"), not a Friday
  // earlier this week.
  return findSpokenDates(t.text, t.today, { thisWeekday: 'coming' }).map((d) =>
    entityAt(t, 'date', d.start, d.end, formatDate(d.date)),
  );
}
