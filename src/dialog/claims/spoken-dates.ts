/**
 * Dates and times as callers say them, in English and Chinese, resolved against "now" in the
 * caller's time zone: ISO dates, "March 3rd", "3 March 2026", "yesterday", "last Friday", "two
 * days ago", "昨天", "前天", "3月5日", "2026年3月5日", "上周五", "下午三点半".
 *
 * Conventions, chosen for claims (which mostly look back):
 * - a month and day without a year is the occurrence nearest to today (within six months),
 *   so "December 30" said on January 2 is last year's;
 * - "last Friday" is the most recent Friday before today; a bare "Friday" may be today;
 *   "上周五" is the Friday of the previous Monday-to-Sunday week, as Chinese speakers mean it;
 * - a date-time needs an explicit time of day ("yesterday afternoon" alone is refused).
 *
 * Pure: no I/O; "now" comes from the caller.
 */
import { parseChineseNumber, parseEnglishNumber, ZH_NUMBER_CHARS } from './spoken-numbers.js';
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
} from './zoned-calendar.js';

export type { CalendarDate, DateContext } from './zoned-calendar.js';
export { formatDate, formatInstant, parseIsoInstant } from './zoned-calendar.js';

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
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  tues: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  thurs: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
};

const ZH_WEEKDAYS: Readonly<Record<string, number>> = {
  日: 0,
  天: 0,
  七: 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
};

// ---- dates -------------------------------------------------------------------------------

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

function checked(year: number, month: number, day: number): CalendarDate | undefined {
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}

/** Weekday `target` relative to `today`: the most recent (`past`), or the next (`future`). */
function weekdayFrom(
  today: CalendarDate,
  target: number,
  direction: 'past-or-today' | 'past' | 'future',
): CalendarDate {
  const diff = (weekday(today) - target + 7) % 7;
  if (direction === 'future') return addDays(today, (target - weekday(today) + 7) % 7 || 7);
  if (direction === 'past') return addDays(today, -(diff || 7));
  return addDays(today, -diff);
}

/** Weekday `target` (0 = Sunday) of the Monday-based week `weeks` away from today's. */
function weekdayOfWeek(today: CalendarDate, target: number, weeks: number): CalendarDate {
  const monday = addDays(today, -((weekday(today) + 6) % 7));
  return addDays(monday, weeks * 7 + ((target + 6) % 7));
}

function englishAmount(word: string): number | undefined {
  if (word === 'a' || word === 'an' || word === 'one') return 1;
  if (word === 'couple') return 2;
  if (word === 'few') return 3;
  const n = parseEnglishNumber(word);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function shift(today: CalendarDate, amount: number, unit: string): CalendarDate {
  if (unit.startsWith('week')) return addDays(today, amount * 7);
  if (unit.startsWith('month')) return addMonths(today, amount);
  if (unit.startsWith('year')) return addMonths(today, amount * 12);
  return addDays(today, amount);
}

function parseEnglishDate(
  input: string,
  context: DateContext,
  language: string,
): CalendarDate | undefined {
  const today = todayIn(context);
  const text = input
    .toLowerCase()
    .replace(/[,!?]+|\.(?!\d)/g, ' ')
    .replace(/(\d)(st|nd|rd|th)\b/g, '$1')
    .replace(/^(it (happened|was)|that was|on|it's|it is)\s+/, '')
    .replace(/\b(in the )?(morning|afternoon|evening|night)$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === 'today') return today;
  if (text === 'yesterday') return addDays(today, -1);
  if (text === 'tomorrow') return addDays(today, 1);
  if (/^(the )?day before yesterday$/.test(text)) return addDays(today, -2);
  if (/^(the )?day after tomorrow$/.test(text)) return addDays(today, 2);

  let m = /^(?:(a|an|a couple of|a few|[a-z0-9 -]+?) )?(days?|weeks?|months?|years?) ago$/.exec(
    text,
  );
  if (m) {
    const amount = englishAmount((m[1] ?? 'a').replace(/ of$/, '').replace(/^a /, ''));
    if (amount !== undefined) return shift(today, -amount, m[2]!);
  }
  m = /^in (a|an|[a-z0-9 -]+?) (days?|weeks?|months?|years?)$/.exec(text);
  if (m) {
    const amount = englishAmount(m[1]!);
    if (amount !== undefined) return shift(today, amount, m[2]!);
  }
  if (text === 'last week') return addDays(today, -7);
  m = /^(last|this|next|on)? ?([a-z]+)$/.exec(text);
  if (m && EN_WEEKDAYS[m[2]!] !== undefined) {
    const target = EN_WEEKDAYS[m[2]!]!;
    if (m[1] === 'last') return weekdayFrom(today, target, 'past');
    if (m[1] === 'next') return weekdayFrom(today, target, 'future');
    if (m[1] === 'this') return weekdayOfWeek(today, target, 0);
    return weekdayFrom(today, target, 'past-or-today');
  }

  m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text) ?? /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/.exec(text);
  if (m) return checked(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(text);
  if (m) {
    const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    // Month first only in the United States (and its neighbours in the same habit).
    const monthFirst = /^en-(US|PH)$/i.test(language) || language.toLowerCase() === 'en';
    const [month, day] = monthFirst ? [m[1], m[2]] : [m[2], m[1]];
    return checked(year, Number(month), Number(day));
  }

  // Month names: "march 3 2026", "3 march", "the third of march", "march the twenty first".
  const words = text.split(' ').filter((w) => w !== 'the' && w !== 'of');
  const monthAt = words.findIndex((w) => MONTHS[w] !== undefined);
  if (monthAt === -1) {
    // "the 5th", "the twenty first": a day of this month (or the last, if still to come).
    if (!/^the /.test(text) && !/^\d{1,2}(st|nd|rd|th)$/.test(input.trim().toLowerCase())) {
      return undefined;
    }
    const day = parseEnglishNumber(words.join(' '));
    return day === undefined ? undefined : dayOfMonthNotAfter(day, today);
  }
  const month = MONTHS[words[monthAt]!]!;
  const rest = words.filter((_, i) => i !== monthAt);
  // The day comes first, the year (if any) after it: try each split point.
  for (let split = rest.length; split >= 1; split--) {
    const day = parseEnglishNumber(rest.slice(0, split).join(' '));
    if (day === undefined || !Number.isInteger(day) || day < 1 || day > 31) continue;
    if (split === rest.length) return nearestYear(month, day, today);
    const year = spokenYear(rest.slice(split));
    if (year !== undefined) return checked(year, month, day);
  }
  return undefined;
}

/** "2026", "twenty twenty six", "two thousand and twenty six", "nineteen ninety" → the year. */
function spokenYear(words: string[]): number | undefined {
  const whole = parseEnglishNumber(words.join(' '));
  if (whole !== undefined && whole >= 1900 && whole <= 2199 && words.length === 1) return whole;
  if (whole !== undefined && whole >= 1900 && whole <= 2199 && words.includes('thousand')) {
    return whole;
  }
  // Read in pairs: "twenty | twenty six", "nineteen | ninety".
  for (let split = 1; split < words.length; split++) {
    const century = parseEnglishNumber(words.slice(0, split).join(' '));
    const rest = words.slice(split);
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

/** Day `day` of this month when that is not after today, else of the previous month. */
function dayOfMonthNotAfter(day: number, today: CalendarDate): CalendarDate | undefined {
  if (!Number.isInteger(day)) return undefined;
  const thisMonth = checked(today.year, today.month, day);
  if (thisMonth && toUtcMs(thisMonth) <= toUtcMs(today)) return thisMonth;
  const last = addMonths({ ...today, day: 1 }, -1);
  return checked(last.year, last.month, day);
}

const ZH_NUM = `[0-9${ZH_NUMBER_CHARS}]+`;

function zhNumber(text: string): number | undefined {
  const n = parseChineseNumber(text);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

function parseChineseDate(input: string, context: DateContext): CalendarDate | undefined {
  const today = todayIn(context);
  const text = input
    .replace(/\s+/g, '')
    .replace(/[，。！？,.!?]+/gu, '')
    .replace(/^(是|在|就在|事故发生在|发生在|出险日期是|日期是)/u, '')
    .replace(/(的时候|那天|发生的|出的事|出险|的|早上|上午|中午|下午|晚上|凌晨|傍晚|夜里)+$/u, '');
  const fixed: Record<string, number> = {
    今天: 0,
    今日: 0,
    昨天: -1,
    昨日: -1,
    前天: -2,
    大前天: -3,
    明天: 1,
    后天: 2,
    大后天: 3,
  };
  if (fixed[text] !== undefined) return addDays(today, fixed[text]);

  let m = new RegExp(`^(${ZH_NUM})个?(天|日|周|星期|礼拜|月|年)(?:以)?前$`, 'u').exec(text);
  if (m) {
    const amount = zhNumber(m[1]!);
    if (amount !== undefined) {
      const unit = m[2]!;
      if (unit === '天' || unit === '日') return addDays(today, -amount);
      if (unit === '月') return addMonths(today, -amount);
      if (unit === '年') return addMonths(today, -12 * amount);
      return addDays(today, -7 * amount);
    }
  }
  m = /^(上上|上|这|本|下)?个?(周|星期|礼拜)([一二三四五六日天七])$/u.exec(text);
  if (m) {
    const target = ZH_WEEKDAYS[m[3]!]!;
    const weeks = { 上上: -2, 上: -1, 这: 0, 本: 0, 下: 1 }[m[1] ?? ''];
    if (weeks === undefined) return weekdayFrom(today, target, 'past-or-today');
    return weekdayOfWeek(today, target, weeks);
  }

  m = new RegExp(
    `^(?:(${ZH_NUM})年|(今年|去年|前年))?(?:(${ZH_NUM})月(?:份)?|(这个月|本月|上个?月))?(${ZH_NUM})[日号]$`,
    'u',
  ).exec(text);
  if (m) {
    const [, yearText, relativeYear, monthText, relativeMonth, dayText] = m;
    const day = zhNumber(dayText!);
    if (day === undefined) return undefined;
    let year = yearText === undefined ? undefined : zhNumber(yearText);
    if (yearText !== undefined && year === undefined) return undefined;
    if (year !== undefined && year < 100) year += 2000;
    if (relativeYear !== undefined) {
      year = today.year - { 今年: 0, 去年: 1, 前年: 2 }[relativeYear as '今年' | '去年' | '前年'];
    }
    if (relativeMonth !== undefined) {
      const base = relativeMonth.startsWith('上') ? addMonths({ ...today, day: 1 }, -1) : today;
      return checked(base.year, base.month, day);
    }
    // "5号" alone: this month's, or last month's when that day is still to come.
    if (monthText === undefined)
      return year === undefined ? dayOfMonthNotAfter(day, today) : undefined;
    const month = zhNumber(monthText);
    if (month === undefined) return undefined;
    return year === undefined ? nearestYear(month, day, today) : checked(year, month, day);
  }
  return undefined;
}

/**
 * A spoken or written date → the calendar day it names, in English or Chinese whatever
 * `language` says (the language only decides whether 3/5 is March 5 or 3 May). Undefined when
 * the text names no single day.
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
  if (/[\u4e00-\u9fff]/u.test(trimmed)) return parseChineseDate(trimmed, context);
  return parseEnglishDate(trimmed, context, language);
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

const ZH_TIME_RE = new RegExp(
  `(早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨)?(${ZH_NUM})[点:：时](?:(${ZH_NUM})分?|(半)|(一刻)|(三刻))?(?:钟)?`,
  'u',
);

/** Finds a Chinese time of day; returns it and the text without it. */
function extractChineseTime(text: string): { time: TimeOfDay; rest: string } | undefined {
  const m = ZH_TIME_RE.exec(text);
  if (!m) return undefined;
  let hour = zhNumber(m[2]!);
  if (hour === undefined) return undefined;
  let minute = 0;
  if (m[3] !== undefined) {
    const parsed = zhNumber(m[3]);
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
 * A spoken or written moment → ISO 8601 with the zone's offset (`2026-03-05T15:30:00+08:00`).
 * It needs a time of day; the day defaults to today. ISO input with an offset keeps its instant.
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
