/**
 * What every built-in entity finder reads: the text with full-width forms folded to ASCII
 * (offsets unchanged), its Latin word tokens and today's date where the caller is.
 */
import { todayIn, wordTokens, type CalendarDate, type WordToken } from '../language/index.js';
import type { NluEntity } from './nlu-result.js';

/** The text as the finders see it. */
export interface EntityText {
  /** The input with full-width ASCII folded, same length, so offsets map 1:1. */
  text: string;
  tokens: WordToken[];
  today: CalendarDate;
}

/** "１２３＠ｂ" → "123@b": each full-width ASCII form (and the ideographic space) to its ASCII. */
export function foldFullWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E\u3000]/g, (c) =>
    c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

let processZone: { tz: string | undefined; zone: string } | undefined;

/** The process's IANA zone, resolved again only when `TZ` changes. */
function processTimeZone(): string {
  // Resolving it builds an Intl.DateTimeFormat, which costs more than finding every entity.
  if (processZone === undefined || processZone.tz !== process.env.TZ) {
    processZone = { tz: process.env.TZ, zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
  }
  return processZone.zone;
}

/** Today's date in `timeZone` (default: the process's zone) at `now`. */
export function calendarDateAt(now: Date, timeZone?: string): CalendarDate {
  return todayIn({ now, timeZone: timeZone ?? processTimeZone() });
}

/** Builds what the finders read. */
export function entityText(text: string, now: Date, timeZone?: string): EntityText {
  const folded = foldFullWidth(text);
  return { text: folded, tokens: wordTokens(folded), today: calendarDateAt(now, timeZone) };
}

/** An entity over `[start, end)` of the text. */
export function entityAt(
  t: EntityText,
  type: string,
  start: number,
  end: number,
  value: string | number,
): NluEntity {
  return { type, text: t.text.slice(start, end), value, start, end };
}

/** Parses "1,234.50" and "1234" (commas only as thousands separators). */
export function parseDecimal(s: string): number {
  return Number(s.replace(/,/g, ''));
}
