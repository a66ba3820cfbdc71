/**
 * Dates and times as callers say them, in English and Chinese, resolved against today in the
 * caller's time zone: ISO dates, "March 3rd", "3 March 2026", "the twenty first of May",
 * "yesterday", "last Friday", "two days ago", "in a week", "昨天", "前天", "3月5日",
 * "2026年3月5日", "上个月5号", "上周五", "三天前", "下午三点半".
 *
 * One grammar (the `DATE_FORMS` table) read two ways, so a date means the same whether it is a
 * claim field's whole answer or a few words inside a sentence:
 * - `parseSpokenDate` / `parseSpokenDateTime`: the whole answer names the day (or moment);
 * - `findSpokenDates`: every date inside running text, with where it is.
 * Some forms are read only as a whole answer, because inside a sentence the same words usually
 * mean something else: a bare "Friday" ("see you Friday" looks ahead, "it was Friday" back),
 * "the 5th" ("the 5th option"), "5号" ("5号线" is metro line 5), "3/5/2026" (which needs the
 * caller's locale), "last week", "5日前" ("请在5日前" is "before the 5th").
 *
 * Conventions:
 * - a month and day without a year is the occurrence nearest to today (within a year either
 *   way): callers talk about the accident last month or the appointment next week, so
 *   "December 30" said on January 2 is last year's;
 * - "last Friday" is the most recent Friday before today, "next Friday" the first after today;
 *   a bare "Friday" (whole answers only) is the most recent one, possibly today;
 * - "上周五" is the Friday of the previous Monday-to-Sunday week, as Chinese speakers mean it;
 * - "this Friday" is the Friday of this Monday-to-Sunday week unless the reader asks for the
 *   coming one (see {@link FindDatesOptions.thisWeekday});
 * - a date-time needs an explicit time of day ("yesterday afternoon" alone is refused).
 *
 * This module is the one callers import: it keeps the public functions, the numeric forms and
 * the one table every reading goes through. The English forms and times of day are in
 * `spoken-dates-en.ts`, the Chinese ones in `spoken-dates-zh.ts`, and what both build on (what a
 * form is, the weekday and nearest-year reckoning) in `spoken-dates-grammar.ts`.
 *
 * Pure: no I/O; "now" comes from the caller.
 */
import {
  formatInstant,
  formatZonedDateTime,
  parseIsoInstant,
  todayIn,
  type CalendarDate,
  type DateContext,
} from './calendar.js';
import { EN_DATE_FORMS, englishAnswer, extractEnglishTime } from './spoken-dates-en.js';
import {
  checked,
  whole,
  type DateForm,
  type FoundDate,
  type Reading,
} from './spoken-dates-grammar.js';
import { chineseAnswer, extractChineseTime, ZH_DATE_FORMS } from './spoken-dates-zh.js';

export type { FoundDate } from './spoken-dates-grammar.js';

// ---- the grammar ---------------------------------------------------------------------------

/**
 * Every way of saying a date this module knows; each found independently, overlaps allowed.
 * Numeric dates are here, being neither English nor Chinese; the order is the order a whole
 * answer tries them in, first numeric, then English (`spoken-dates-en.ts`), then Chinese
 * (`spoken-dates-zh.ts`).
 */
const DATE_FORMS: readonly DateForm[] = [
  {
    // 2026-03-05, 2026/3/5, 2026.3.5
    pattern: '(?<!\\d)(\\d{4})[-/.](\\d{1,2})[-/.](\\d{1,2})(?!\\d)',
    read: (m) => whole(m, checked(Number(m[1]), Number(m[2]), Number(m[3]))),
  },
  {
    // 3/5/2026, 3.5.26: which is the month depends on the caller's locale.
    pattern: '(?<![\\d/.-])(\\d{1,2})[/.-](\\d{1,2})[/.-](\\d{2}|\\d{4})(?![\\d/.-])',
    answerOnly: true,
    read: (m, r) => {
      const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
      const [month, day] = r.monthFirst ? [m[1], m[2]] : [m[2], m[1]];
      return whole(m, checked(year, Number(month), Number(day)));
    },
  },
  ...EN_DATE_FORMS,
  ...ZH_DATE_FORMS,
];

const SCANNERS = DATE_FORMS.filter((f) => !f.answerOnly).map((form) => ({
  form,
  re: new RegExp(form.pattern, 'gid'),
}));
const ANSWERS = DATE_FORMS.map((form) => ({ form, re: new RegExp(`^(?:${form.pattern})$`, 'id') }));

// ---- reading -------------------------------------------------------------------------------

/** Options of {@link findSpokenDates}. */
export interface FindDatesOptions {
  /**
   * What "this Friday" names. `week` (the default): the Friday of this Monday-to-Sunday week,
   * even when it has passed, as 这周五 does and as claims (which look back) read it. `coming`:
   * today or the next Friday, as "this Friday" mostly means in a request ("call me this Friday").
   */
  thisWeekday?: 'week' | 'coming';
}

/**
 * Every date said inside running text, relative to `today`, each with its span. Forms that are
 * ambiguous inside a sentence (a bare "Friday", "the 5th", "5号") are left out. Found form by
 * form, not in text order; two forms may claim overlapping words ("March 3rd of April"), so a
 * caller that wants one date per span keeps the longer.
 */
export function findSpokenDates(
  text: string,
  today: CalendarDate,
  options: FindDatesOptions = {},
): FoundDate[] {
  const reading: Reading = {
    today,
    answer: false,
    monthFirst: false,
    thisWeekday: options.thisWeekday ?? 'week',
  };
  const out: FoundDate[] = [];
  for (const { form, re } of SCANNERS) {
    if (form.hint && !form.hint.test(text)) continue;
    for (const m of text.matchAll(re)) {
      const found = form.read(m as RegExpExecArray, reading);
      if (found) out.push(found);
    }
  }
  return out;
}

/**
 * A spoken or written date that is the whole answer → the calendar day it names, in English or
 * Chinese whatever `language` says (the language only decides whether 3/5 is March 5 or 3 May).
 * Undefined when the text names no single day.
 */
export function parseSpokenDate(
  text: string,
  context: DateContext,
  language = 'en-US',
): CalendarDate | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  // A full ISO timestamp names an instant: take its day in the caller's zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(trimmed)) {
    const instant = parseIsoInstant(trimmed, context.timeZone);
    return instant === undefined
      ? undefined
      : todayIn({ now: instant, timeZone: context.timeZone });
  }
  const answer = /[\u4e00-\u9fff]/u.test(trimmed) ? chineseAnswer(trimmed) : englishAnswer(trimmed);
  const reading: Reading = {
    today: todayIn(context),
    answer: true,
    // Month first only in the United States (and its neighbours in the same habit).
    monthFirst: /^en-(US|PH)$/i.test(language) || language.toLowerCase() === 'en',
    thisWeekday: 'week',
  };
  for (const { form, re } of ANSWERS) {
    const m = re.exec(answer);
    const found = m && form.read(m, reading);
    if (found && found.start === 0 && found.end === answer.length) return found.date;
  }
  return undefined;
}

// ---- date and time -------------------------------------------------------------------------

/**
 * A spoken or written moment that is the whole answer → ISO 8601 with the zone's offset
 * (`2026-03-05T15:30:00+08:00`). It needs a time of day; the day defaults to today. ISO input
 * with an offset keeps its instant.
 */
export function parseSpokenDateTime(
  text: string,
  context: DateContext,
  language = 'en-US',
): string | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(trimmed)) {
    const instant = parseIsoInstant(trimmed, context.timeZone);
    return instant === undefined ? undefined : formatInstant(instant, context.timeZone);
  }
  const chinese = /[\u4e00-\u9fff]/u.test(trimmed);
  const found = chinese
    ? extractChineseTime(trimmed.replace(/\s+/g, ''))
    : extractEnglishTime(trimmed.toLowerCase().replace(/[,!?]+/g, ' '));
  if (!found) return undefined;
  const rest = found.rest
    .replace(/\s+(at|on)$/i, '')
    .replace(/^(at|on)\s+/i, '')
    .trim();
  const date = rest === '' ? todayIn(context) : parseSpokenDate(rest, context, language);
  if (!date) return undefined;
  return formatZonedDateTime(date, found.time.hour, found.time.minute, context.timeZone);
}
