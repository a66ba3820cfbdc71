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
 * Pure: no I/O; "now" comes from the caller.
 */
import {
  addDays,
  addMonths,
  formatInstant,
  formatZonedDateTime,
  isRealDate,
  parseIsoInstant,
  todayIn,
  toUtcMs,
  weekday,
  type CalendarDate,
  type DateContext,
} from './calendar.js';
import {
  EN_NUMBER_WORD_PATTERN,
  isEnglishOrdinal,
  parseChineseNumber,
  parseEnglishNumber,
  readEnglishNumber,
  wordTokens,
  ZH_NUMERAL_CHARS,
  type WordToken,
} from './spoken-numbers.js';

// ---- vocabulary --------------------------------------------------------------------------

const MONTHS: Readonly<Record<string, number>> = {
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sept: 9,
  sep: 9,
  october: 10,
  oct: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
};

/** Day of week, Sunday = 0 as `Date.getUTCDay`. */
const EN_WEEKDAYS: Readonly<Record<string, number>> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

// Abbreviations only in whole answers: in running text "sun", "sat" and "wed" are other words.
const EN_WEEKDAY_ABBREVIATIONS: Readonly<Record<string, number>> = {
  sun: 0,
  mon: 1,
  tue: 2,
  tues: 2,
  wed: 3,
  thu: 4,
  thurs: 4,
  fri: 5,
  sat: 6,
};

/** Day of week after 周/星期/礼拜, Sunday = 0 (七 and 7 are how some say Sunday). */
const ZH_WEEKDAYS: Readonly<Record<string, number>> = {
  日: 0,
  天: 0,
  七: 0,
  '7': 0,
  一: 1,
  '1': 1,
  二: 2,
  '2': 2,
  三: 3,
  '3': 3,
  四: 4,
  '4': 4,
  五: 5,
  '5': 5,
  六: 6,
  '6': 6,
};

/** Weeks away from this Monday-to-Sunday week. */
const ZH_WEEK_OFFSETS: Readonly<Record<string, number>> = {
  上上: -2,
  上: -1,
  这: 0,
  本: 0,
  下: 1,
  下下: 2,
};

const ZH_RELATIVE_DAYS: Readonly<Record<string, number>> = {
  大前天: -3,
  前天: -2,
  昨天: -1,
  昨日: -1,
  今天: 0,
  今日: 0,
  明天: 1,
  后天: 2,
  大后天: 3,
};

const ZH_RELATIVE_YEARS: Readonly<Record<string, number>> = { 今年: 0, 去年: -1, 前年: -2 };

/** Longest first, so "sept" is not read as "sep" and 大前天 not as 前天. */
function alternation(words: Iterable<string>): string {
  return [...words].sort((a, b) => b.length - a.length).join('|');
}

// ---- day arithmetic ------------------------------------------------------------------------

function checked(year: number, month: number, day: number): CalendarDate | undefined {
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}

/** The month/day occurrence nearest to today (a year back or ahead when that is closer). */
function nearestYear(month: number, day: number, today: CalendarDate): CalendarDate | undefined {
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
function dayOfMonthNotAfter(day: number, today: CalendarDate): CalendarDate | undefined {
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
function weekdayFrom(
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
function weekdayOfWeek(today: CalendarDate, target: number, weeks: number): CalendarDate {
  const monday = addDays(today, -((weekday(today) + 6) % 7));
  return addDays(monday, weeks * 7 + ((target + 6) % 7));
}

type Unit = 'day' | 'week' | 'month' | 'year';

function shift(today: CalendarDate, amount: number, unit: Unit): CalendarDate {
  if (unit === 'week') return addDays(today, amount * 7);
  if (unit === 'month') return addMonths(today, amount);
  if (unit === 'year') return addMonths(today, amount * 12);
  return addDays(today, amount);
}

function englishUnit(word: string): Unit {
  return word.toLowerCase().replace(/s$/, '') as Unit;
}

// ---- reading numbers inside dates ----------------------------------------------------------

/** The words of group `g` (split at spaces, commas and hyphens), offsets into the text. */
function groupWords(m: RegExpExecArray, g: number): WordToken[] {
  const at = m.indices?.[g];
  const text = m[g];
  if (!at || text === undefined) return [];
  return [...text.matchAll(/[^\s,-]+/g)].map((w) => ({
    text: w[0].toLowerCase(),
    start: at[0] + w.index,
    end: at[0] + w.index + w[0].length,
  }));
}

const join = (words: readonly WordToken[]) => words.map((w) => w.text).join(' ');

/**
 * A count said before "days ago" / "in ... weeks": digits, "a", "a couple of" (2), "a few" (3),
 * or number words making one cardinal ("one two" is not a count).
 */
function englishCount(words: readonly WordToken[]): number | undefined {
  const s = join(words);
  if (/^\d+$/.test(s)) return Number(s);
  if (s === 'a' || s === 'an') return 1;
  if (/^(a )?couple( of)?$/.test(s)) return 2;
  if (/^(a )?few$/.test(s)) return 3;
  const tokens = wordTokens(s);
  const n = readEnglishNumber(s, tokens, 0);
  return n && n.end === tokens.length && !n.ordinal ? n.value : undefined;
}

/**
 * A day of the month, 1–31: digits ("3", "3rd") or number words. Inside running text only
 * digits or words ending in an ordinal ("twenty first"), since "march ten miles" is no date.
 */
function dayOf(words: readonly WordToken[], answer: boolean): number | undefined {
  if (words.length === 0) return undefined;
  let n: number | undefined;
  if (words.length === 1 && /^\d{1,2}(st|nd|rd|th)?$/.test(words[0]!.text)) {
    n = Number(/^\d+/.exec(words[0]!.text)![0]);
  } else if (
    answer ||
    (/^[a-z]+$/.test(words.at(-1)!.text) && isEnglishOrdinal(words.at(-1)!.text))
  ) {
    n = parseEnglishNumber(join(words));
  }
  return n !== undefined && Number.isInteger(n) && n >= 1 && n <= 31 ? n : undefined;
}

/** "2026", "twenty twenty six", "two thousand and twenty six", "nineteen oh five" → the year. */
function spokenYear(words: readonly WordToken[]): number | undefined {
  const texts = words.map((w) => w.text);
  const whole = parseEnglishNumber(texts.join(' '));
  const inRange = whole !== undefined && whole >= 1900 && whole <= 2199;
  // "2026", or said in full ("two thousand and five"); "nineteen ninety" is read in pairs below.
  if (inRange && (texts.length === 1 || texts.includes('thousand'))) return whole;
  for (let split = 1; split < texts.length; split++) {
    const century = parseEnglishNumber(texts.slice(0, split).join(' '));
    const rest = texts.slice(split);
    const within =
      rest.length === 2 && (rest[0] === 'oh' || rest[0] === 'o')
        ? parseEnglishNumber(rest[1]!)
        : parseEnglishNumber(rest.join(' '));
    if (century === undefined || within === undefined) continue;
    if (century >= 19 && century <= 21 && within >= 0 && within <= 99) {
      return century * 100 + within;
    }
  }
  return undefined;
}

/** The longest start of `words` that is a year, and how many words it takes (0: none). */
function leadingYear(words: readonly WordToken[]): { year?: number; used: number } {
  for (let used = words.length; used >= 1; used--) {
    const year = spokenYear(words.slice(0, used));
    if (year !== undefined) return { year, used };
  }
  return { used: 0 };
}

/** A Chinese or ASCII integer: "三十一", "12", "二零二六"; see {@link parseChineseNumber}. */
function zhInteger(text: string, wholeAnswer = true): number | undefined {
  const n = parseChineseNumber(text, { wholeAnswer });
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

// ---- the grammar ---------------------------------------------------------------------------

/** How a text is being read. */
interface Reading {
  today: CalendarDate;
  /** The text is a whole answer: forms ambiguous inside a sentence are allowed. */
  answer: boolean;
  /** Numeric dates read month first (3/5 is March 5), as in the United States. */
  monthFirst: boolean;
  thisWeekday: 'week' | 'coming';
}

/** A date found in a text, `[start, end)` in UTF-16 offsets. */
export interface FoundDate {
  start: number;
  end: number;
  date: CalendarDate;
}

/** One way of saying a date. */
interface DateForm {
  /** A regular expression without anchors or flags (it is used both anchored and not). */
  pattern: string;
  /** Read only when it is the whole answer; see the module comment. */
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

function whole(m: RegExpExecArray, date: CalendarDate | undefined): FoundDate | undefined {
  return date && { start: m.index, end: m.index + m[0].length, date };
}

const MONTH = `(${alternation(Object.keys(MONTHS))})`;
const EN_WEEKDAY = `(${alternation([
  ...Object.keys(EN_WEEKDAYS),
  ...Object.keys(EN_WEEKDAY_ABBREVIATIONS),
])})`;
const EN_UNIT = '(days?|weeks?|months?|years?)';
const EN_UNIT_HINT = new RegExp(`\\b${EN_UNIT}\\b`, 'i');
const MONTH_HINT = new RegExp(`\\b${MONTH}\\b`, 'i');
/** One word of a number said in a date: digits (maybe "3rd"), number words, the "oh" of years. */
const EN_DATE_WORD = `(?:\\d{1,4}(?:st|nd|rd|th)?\\b|\\b(?:${EN_NUMBER_WORD_PATTERN}|oh|o)\\b)`;
/** Number words running on after a month: the day and then perhaps the year. */
const EN_DATE_WORDS = `${EN_DATE_WORD}(?:(?:,\\s*|[\\s-]+)${EN_DATE_WORD})*`;
/** A day before the month: one or two words ("3rd", "twenty first"). */
const EN_DAY_WORDS = `${EN_DATE_WORD}(?:[\\s-]+${EN_DATE_WORD})?`;
const EN_COUNT_WORD = `\\b(?:${EN_NUMBER_WORD_PATTERN}|an?|couple|few|of)\\b`;
const EN_COUNT = `\\d+|${EN_COUNT_WORD}(?:[\\s-]+${EN_COUNT_WORD})*`;
const ZH_YEAR = `[0-9${ZH_NUMERAL_CHARS}]{2,8}`;
const ZH_MONTH_DAY = '\\d{1,2}|[一二三四五六七八九十]{1,3}';
const ZH_COUNT = `\\d{1,3}|[${ZH_NUMERAL_CHARS}]{1,4}`;

/** Every way of saying a date this module knows; each found independently, overlaps allowed. */
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
  {
    pattern:
      '\\b(?:(?:the\\s+)?day\\s+before\\s+yesterday|(?:the\\s+)?day\\s+after\\s+tomorrow|today|tonight|yesterday|tomorrow)\\b',
    read: (m, r) => {
      const w = m[0].toLowerCase();
      const days = w.includes('before')
        ? -2
        : w.includes('after')
          ? 2
          : w === 'yesterday'
            ? -1
            : w === 'tomorrow'
              ? 1
              : 0;
      return whole(m, addDays(r.today, days));
    },
  },
  {
    // "two days ago", "a couple of weeks ago"; in a sentence the count is its last number words
    // ("about two days ago", "one two days ago" → "two days ago").
    pattern: `\\b(?:(${EN_COUNT})\\s+)?${EN_UNIT}\\s+ago\\b`,
    hint: /\bago\b/i,
    read: (m, r) => {
      const unit = englishUnit(m[2]!);
      const words = groupWords(m, 1);
      // "weeks ago" alone is vague; a whole answer means one, as claims always read it.
      if (words.length === 0) return r.answer ? whole(m, shift(r.today, -1, unit)) : undefined;
      for (let k = 0; k < words.length; k++) {
        const count = englishCount(words.slice(k));
        if (count === undefined) continue;
        const end = m.index + m[0].length;
        return { start: words[k]!.start, end, date: shift(r.today, -count, unit) };
      }
      return undefined;
    },
  },
  {
    // "in two days", "in a week"
    pattern: `\\bin\\s+(${EN_COUNT})\\s+${EN_UNIT}\\b`,
    hint: EN_UNIT_HINT,
    read: (m, r) => {
      const count = englishCount(groupWords(m, 1));
      return count === undefined ? undefined : whole(m, shift(r.today, count, englishUnit(m[2]!)));
    },
  },
  {
    // A week, not a day: only when the answer can be nothing else.
    pattern: '\\blast\\s+week\\b',
    answerOnly: true,
    read: (m, r) => whole(m, addDays(r.today, -7)),
  },
  {
    // "last Friday", "next Monday", "this coming Friday", "this past Friday", "this Friday";
    // "on Friday" and "Friday" in whole answers.
    pattern: `\\b(?:(last|next|this\\s+coming|this\\s+past|this|on)\\s+)?${EN_WEEKDAY}\\b`,
    read: (m, r) => {
      const name = m[2]!.toLowerCase();
      const target = EN_WEEKDAYS[name] ?? (r.answer ? EN_WEEKDAY_ABBREVIATIONS[name] : undefined);
      if (target === undefined) return undefined;
      const which = m[1]?.toLowerCase().replace(/\s+/g, ' ');
      if (which === 'last' || which === 'this past') {
        return whole(m, weekdayFrom(r.today, target, 'past'));
      }
      if (which === 'next') return whole(m, weekdayFrom(r.today, target, 'future'));
      if (which === 'this coming') return whole(m, weekdayFrom(r.today, target, 'coming'));
      if (which === 'this') {
        return whole(
          m,
          r.thisWeekday === 'coming'
            ? weekdayFrom(r.today, target, 'coming')
            : weekdayOfWeek(r.today, target, 0),
        );
      }
      // Claims look back: a bare "Friday" is the last one, today included.
      return r.answer ? whole(m, weekdayFrom(r.today, target, 'past-or-today')) : undefined;
    },
  },
  {
    // "March 3", "Mar. 3rd, 2026", "March the twenty first", "March third twenty twenty six"
    pattern: `\\b${MONTH}\\.?\\s+(?:the\\s+)?(${EN_DATE_WORDS})`,
    hint: MONTH_HINT,
    read: (m, r) => {
      const month = MONTHS[m[1]!.toLowerCase()]!;
      const words = groupWords(m, 2);
      // The day comes first and the year (if any) after it. A whole answer must use every word;
      // in a sentence the longest reading wins ("March 3rd two cars..." is March 3rd).
      for (let used = words.length; used >= (r.answer ? words.length : 1); used--) {
        for (let split = used; split >= 1; split--) {
          const day = dayOf(words.slice(0, split), r.answer);
          if (day === undefined) continue;
          const end = words[used - 1]!.end;
          if (split === used) {
            const date = nearestYear(month, day, r.today);
            if (date) return { start: m.index, end, date };
            continue;
          }
          const year = spokenYear(words.slice(split, used));
          const date = year === undefined ? undefined : checked(year, month, day);
          if (date) return { start: m.index, end, date };
        }
      }
      return undefined;
    },
  },
  {
    // "3 March", "the 3rd of March 2026", "the first of May two thousand and twenty five"
    pattern: `\\b(?:the\\s+)?(${EN_DAY_WORDS})\\s+(?:of\\s+)?${MONTH}\\b(?:,?\\s+(${EN_DATE_WORDS}))?`,
    hint: MONTH_HINT,
    read: (m, r) => {
      const month = MONTHS[m[2]!.toLowerCase()]!;
      const dayWords = groupWords(m, 1);
      // "one third of March": in a sentence, the day may be only the last word.
      let start = m.index;
      let day = dayOf(dayWords, r.answer);
      if (day === undefined && !r.answer && dayWords.length > 1) {
        day = dayOf(dayWords.slice(-1), false);
        start = dayWords.at(-1)!.start;
      }
      if (day === undefined) return undefined;
      const yearWords = groupWords(m, 3);
      const { year, used } = leadingYear(yearWords);
      const end = used > 0 ? yearWords[used - 1]!.end : m.indices![2]![1];
      const date =
        year === undefined ? nearestYear(month, day, r.today) : checked(year, month, day);
      return date && { start, end, date };
    },
  },
  {
    // "the 5th", "the twenty first", "5th": a day of this month (or the last, if still to come).
    pattern: `the\\s+(${EN_DAY_WORDS})|(\\d{1,2}(?:st|nd|rd|th))`,
    answerOnly: true,
    read: (m, r) => {
      const day = dayOf(groupWords(m, m[1] === undefined ? 2 : 1), true);
      return day === undefined ? undefined : whole(m, dayOfMonthNotAfter(day, r.today));
    },
  },
  {
    // 2026年3月5日, 三月五号, 去年11月19日, 上个月5号, 这个月20号
    pattern: `(?:(${ZH_YEAR})年|(${alternation(Object.keys(ZH_RELATIVE_YEARS))}))?(?:(${ZH_MONTH_DAY})月份?|(这个月|本月|上个?月))(${ZH_MONTH_DAY})[日号]`,
    read: (m, r) => {
      const [, yearText, relativeYear, monthText, relativeMonth, dayText] = m;
      const day = zhInteger(dayText!, r.answer);
      if (day === undefined) return undefined;
      if (relativeMonth !== undefined) {
        const base = relativeMonth.startsWith('上')
          ? addMonths({ ...r.today, day: 1 }, -1)
          : r.today;
        return whole(m, checked(base.year, base.month, day));
      }
      const month = zhInteger(monthText!, r.answer);
      if (month === undefined) return undefined;
      let year: number | undefined;
      if (yearText !== undefined) {
        year = zhInteger(yearText, r.answer);
        if (year === undefined) return undefined;
        // "26年" is 2026: nobody files a claim about the first century.
        if (year < 100) year += 2000;
      } else if (relativeYear !== undefined) {
        year = r.today.year + ZH_RELATIVE_YEARS[relativeYear]!;
      }
      return whole(
        m,
        year === undefined ? nearestYear(month, day, r.today) : checked(year, month, day),
      );
    },
  },
  {
    // "5号" alone: this month's, or last month's when that day is still to come.
    pattern: `(${ZH_MONTH_DAY})[日号]`,
    answerOnly: true,
    read: (m, r) => {
      const day = zhInteger(m[1]!, r.answer);
      return day === undefined ? undefined : whole(m, dayOfMonthNotAfter(day, r.today));
    },
  },
  {
    pattern: alternation(Object.keys(ZH_RELATIVE_DAYS)),
    read: (m, r) => whole(m, addDays(r.today, ZH_RELATIVE_DAYS[m[0]]!)),
  },
  {
    // 三天前, 两周之前, 一个星期以前, 三个月前, 一年前
    pattern: `(${ZH_COUNT})(个)?(天|日|周|星期|礼拜|月|年)(?:以前|之前|前)`,
    read: (m, r) => {
      const count = zhInteger(m[1]!, r.answer);
      const unit = m[3]!;
      if (count === undefined) return undefined;
      // In a sentence "5日前" is "before the 5th" and "三月前" "before March".
      if (!r.answer && (unit === '日' || (unit === '月' && m[2] === undefined))) return undefined;
      if (unit === '天' || unit === '日') return whole(m, addDays(r.today, -count));
      if (unit === '月') return whole(m, addMonths(r.today, -count));
      if (unit === '年') return whole(m, addMonths(r.today, -12 * count));
      return whole(m, addDays(r.today, -7 * count));
    },
  },
  {
    // 上周五, 这周一, 下星期天, 上上个礼拜三; 周五 alone in whole answers.
    pattern: `(${alternation(Object.keys(ZH_WEEK_OFFSETS))})?个?(?:周|星期|礼拜)([一二三四五六日天七1-7])`,
    read: (m, r) => {
      const target = ZH_WEEKDAYS[m[2]!]!;
      if (m[1] === undefined) {
        return r.answer ? whole(m, weekdayFrom(r.today, target, 'past-or-today')) : undefined;
      }
      return whole(m, weekdayOfWeek(r.today, target, ZH_WEEK_OFFSETS[m[1]]!));
    },
  },
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

/** "It happened yesterday." → "yesterday": what is said around a date in an English answer. */
function englishAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[,!?]+|\.(?!\d)/g, ' ')
    .replace(/^\s*(it (happened|was)|that was|on|it's|it is)\s+/, '')
    .replace(/\b(in the )?(morning|afternoon|evening|night)\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "是昨天下午。" → "昨天": what is said around a date in a Chinese answer. */
function chineseAnswer(text: string): string {
  return text
    .replace(/\s+/g, '')
    .replace(/[，。！？,.!?]+/gu, '')
    .replace(/^(是|在|就在|事故发生在|发生在|出险日期是|日期是)/u, '')
    .replace(/(的时候|那天|发生的|出的事|出险|的|早上|上午|中午|下午|晚上|凌晨|傍晚|夜里)+$/u, '');
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

// ---- times of day ------------------------------------------------------------------------

interface TimeOfDay {
  hour: number;
  minute: number;
}

const EN_TIME_RE =
  /(?:^|\s)(?:at\s+)?(?:(noon|midday|midnight)|(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?|o'?clock)?|([a-z]+(?:[ -][a-z]+)?)\s+(am|pm|a\.m\.?|p\.m\.?|o'?clock))(?=\s|$)/gi;

/** Finds an English time of day; returns it and the text without it. */
function extractEnglishTime(text: string): { time: TimeOfDay; rest: string } | undefined {
  for (const m of text.matchAll(EN_TIME_RE)) {
    const found = englishTimeOf(m, text);
    if (found) return found;
  }
  return undefined;
}

function englishTimeOf(
  m: RegExpExecArray | RegExpMatchArray,
  text: string,
): { time: TimeOfDay; rest: string } | undefined {
  const index = m.index ?? 0;
  let hour: number;
  let minute = 0;
  let suffix: string | undefined;
  if (m[1] !== undefined) {
    hour = /midnight/i.test(m[1]) ? 0 : 12;
  } else if (m[2] !== undefined) {
    hour = Number(m[2]);
    minute = m[3] === undefined ? 0 : Number(m[3]);
    suffix = m[4];
    // A bare number ("3") is a day, not a time: only "3pm", "3 o'clock" or "15:30" count.
    if (suffix === undefined && m[3] === undefined) return undefined;
  } else {
    const n = parseEnglishNumber(m[5]!);
    if (n === undefined || !Number.isInteger(n)) return undefined;
    hour = n;
    suffix = m[6];
  }
  const s = suffix?.toLowerCase().replace(/\./g, '');
  if (s === 'pm' && hour < 12) hour += 12;
  if (s === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  const rest = (text.slice(0, index) + ' ' + text.slice(index + m[0].length))
    .replace(/\s+/g, ' ')
    .trim();
  return { time: { hour, minute }, rest };
}

const ZH_TIME_NUMBER = `[0-9${ZH_NUMERAL_CHARS}]+`;
const ZH_TIME_RE = new RegExp(
  `(早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨)?(${ZH_TIME_NUMBER})[点:：时](?:(${ZH_TIME_NUMBER})分?|(半)|(一刻)|(三刻))?(?:钟)?`,
  'u',
);

/** Finds a Chinese time of day; returns it and the text without it. */
function extractChineseTime(text: string): { time: TimeOfDay; rest: string } | undefined {
  const m = ZH_TIME_RE.exec(text);
  if (!m) return undefined;
  let hour = zhInteger(m[2]!);
  if (hour === undefined) return undefined;
  let minute = 0;
  if (m[3] !== undefined) {
    const parsed = zhInteger(m[3]);
    if (parsed === undefined) return undefined;
    minute = parsed;
  } else if (m[4]) minute = 30;
  else if (m[5]) minute = 15;
  else if (m[6]) minute = 45;
  const period = m[1];
  if ((period === '下午' || period === '傍晚' || period === '晚上') && hour < 12) hour += 12;
  if (period === '中午' && hour < 6) hour += 12;
  if ((period === '夜里' || period === '凌晨') && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  return {
    time: { hour, minute },
    rest: (text.slice(0, m.index) + text.slice(m.index + m[0].length)).trim(),
  };
}

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
