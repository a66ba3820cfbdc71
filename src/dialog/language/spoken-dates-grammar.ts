/**
 * What a way of saying a date is (`DateForm`), how a text is being read (`Reading`), and the
 * calendar reckoning the English and Chinese forms share: the nearest occurrence of a month and
 * day, a day of this month not after today, weekdays before, after or in a given week.
 *
 * Its own module so `spoken-dates-en.ts` and `spoken-dates-zh.ts` can build their form lists on
 * it while `spoken-dates.ts`, which reads those lists, stays the only module callers import and
 * nothing imports in a circle.
 *
 * Pure: no I/O; "today" comes from the caller.
 */
import { addDays, addMonths, isRealDate, toUtcMs, weekday, type CalendarDate } from './calendar.js';

/**
 * The words as one regular-expression alternation, longest first, so "sept" is not read as
 * "sep" and 大前天 not as 前天.
 */
export function alternation(words: Iterable<string>): string {
  return [...words].sort((a, b) => b.length - a.length).join('|');
}

// ---- day arithmetic ------------------------------------------------------------------------

/** The day year/month/day name, or undefined when there is no such day (31 April). */
export function checked(year: number, month: number, day: number): CalendarDate | undefined {
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}

/** The month/day occurrence nearest to today (a year back or ahead when that is closer). */
export function nearestYear(
  month: number,
  day: number,
  today: CalendarDate,
): CalendarDate | undefined {
  const candidates = [today.year - 1, today.year, today.year + 1]
    .filter((y) => isRealDate(y, month, day))
    .map((year) => ({ year, month, day }));
  if (candidates.length === 0) return undefined;
  const t = toUtcMs(today);
  return candidates.reduce((best, c) =>
    Math.abs(toUtcMs(c) - t) < Math.abs(toUtcMs(best) - t) ? c : best,
  );
}

/** Day `day` of this month when that is not after today, else of the previous month. */
export function dayOfMonthNotAfter(day: number, today: CalendarDate): CalendarDate | undefined {
  if (!Number.isInteger(day)) return undefined;
  const thisMonth = checked(today.year, today.month, day);
  if (thisMonth && toUtcMs(thisMonth) <= toUtcMs(today)) return thisMonth;
  const last = addMonths({ ...today, day: 1 }, -1);
  return checked(last.year, last.month, day);
}

/**
 * Weekday `target` (0 = Sunday) near `today`: the most recent before today (`past`), the most
 * recent counting today (`past-or-today`), the first after today (`future`) or the next counting
 * today (`coming`).
 */
export function weekdayFrom(
  today: CalendarDate,
  target: number,
  direction: 'past-or-today' | 'past' | 'future' | 'coming',
): CalendarDate {
  const back = (weekday(today) - target + 7) % 7;
  const ahead = (target - weekday(today) + 7) % 7;
  if (direction === 'past') return addDays(today, -(back || 7));
  if (direction === 'past-or-today') return addDays(today, -back);
  if (direction === 'future') return addDays(today, ahead || 7);
  return addDays(today, ahead);
}

/** Weekday `target` (0 = Sunday) of the Monday-to-Sunday week `weeks` away from today's. */
export function weekdayOfWeek(today: CalendarDate, target: number, weeks: number): CalendarDate {
  const monday = addDays(today, -((weekday(today) + 6) % 7));
  return addDays(monday, weeks * 7 + ((target + 6) % 7));
}

// ---- the grammar ---------------------------------------------------------------------------

/** How a text is being read. */
export interface Reading {
  today: CalendarDate;
  /** The text is a whole answer: forms ambiguous inside a sentence are allowed. */
  answer: boolean;
  /** Numeric dates read month first (3/5 is March 5), as in the United States. */
  monthFirst: boolean;
  /** What "this Friday" names; see `FindDatesOptions.thisWeekday` in `spoken-dates.ts`. */
  thisWeekday: 'week' | 'coming';
}

/** A date found in a text, `[start, end)` in UTF-16 offsets. */
export interface FoundDate {
  start: number;
  end: number;
  date: CalendarDate;
}

/** One way of saying a date. */
export interface DateForm {
  /** A regular expression without anchors or flags (it is used both anchored and not). */
  pattern: string;
  /** Read only when it is the whole answer; see the module comment of `spoken-dates.ts`. */
  answerOnly?: boolean;
  /**
   * Words the text must contain for the form to match at all. Scanning a sentence tries the
   * patterns with long alternations of number words at every word; most sentences have no
   * month name and no "ago", and this skips them in one cheap test.
   */
  hint?: RegExp;
  /** The date the match names, and its span when that is narrower than the match. */
  read(m: RegExpExecArray, r: Reading): FoundDate | undefined;
}

/** The date as found over the whole match, or undefined when there is no date. */
export function whole(m: RegExpExecArray, date: CalendarDate | undefined): FoundDate | undefined {
  return date && { start: m.index, end: m.index + m[0].length, date };
}

// ---- times of day ------------------------------------------------------------------------

/** A wall-clock time a caller said, 24-hour. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}
