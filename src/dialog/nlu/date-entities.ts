/**
 * Dates, absolute ("2026-03-05", "March 3", "3rd of March", "2026年3月5日", "三月五号") and
 * relative to today ("yesterday", "last Friday", "two days ago", "前天", "上周五"), all to
 * `YYYY-MM-DD`. A date said without a year is the one nearest today (callers talk about the
 * accident last month or the appointment next week, not a date ten months away).
 */
import { entityAt, type CalendarDate, type EntityText } from './entity-text.js';
import type { NluEntity } from './nlu-result.js';
import { parseChineseNumeral, readEnglishNumber, wordTokens } from './numerals.js';

const DAY_MS = 86_400_000;

const MONTHS: Record<string, number> = {
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
const WEEKDAYS: Record<string, number> = {
  monday: 0,
  tuesday: 1,
  wednesday: 2,
  thursday: 3,
  friday: 4,
  saturday: 5,
  sunday: 6,
};
const ZH_WEEKDAYS: Record<string, number> = {
  一: 0,
  二: 1,
  三: 2,
  四: 3,
  五: 4,
  六: 5,
  日: 6,
  天: 6,
  '1': 0,
  '2': 1,
  '3': 2,
  '4': 3,
  '5': 4,
  '6': 5,
  '7': 6,
};
const ZH_RELATIVE_DAYS: Record<string, number> = {
  大前天: -3,
  大后天: 3,
  今天: 0,
  今日: 0,
  昨天: -1,
  昨日: -1,
  前天: -2,
  明天: 1,
  后天: 2,
};
const ZH_WEEK_OFFSET: Record<string, number> = {
  上上: -14,
  上: -7,
  这: 0,
  本: 0,
  下: 7,
  下下: 14,
};

const MONTH = `(${Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|')})`;
const ORDINAL_WORD =
  '(?:(?:twenty|thirty)[\\s-])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)';
const DAY = `(\\d{1,2}(?:st|nd|rd|th)?|${ORDINAL_WORD})`;
const YEAR = '(?:,?\\s+(\\d{4}))?';

const ISO_RE = /(?<![\d])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g;
const MONTH_DAY_RE = new RegExp(`\\b${MONTH}\\.?\\s+(?:the\\s+)?${DAY}${YEAR}\\b`, 'gi');
const DAY_MONTH_RE = new RegExp(`\\b(?:the\\s+)?${DAY}\\s+(?:of\\s+)?${MONTH}\\b${YEAR}\\b`, 'gi');
const EN_RELATIVE_RE =
  /\b(?:(?:the\s+)?day\s+before\s+yesterday|(?:the\s+)?day\s+after\s+tomorrow|today|tonight|yesterday|tomorrow)\b/gi;
const EN_WEEKDAY_RE =
  /\b(last|this|next|this\s+coming|this\s+past)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/gi;
const EN_AGO_RE = /\b([a-z]+(?:[\s-][a-z]+)?|\d+)\s+(days?|weeks?)\s+ago\b/gi;
const ZH_NUM = '\\d{1,2}|[一二三四五六七八九十]{1,3}';
const ZH_DATE_RE = new RegExp(
  `(?:(\\d{4}|[零〇一二三四五六七八九]{4})年)?(${ZH_NUM})月份?(${ZH_NUM})[日号]`,
  'g',
);
const ZH_RELATIVE_RE = /大前天|大后天|今天|今日|昨天|昨日|前天|明天|后天/g;
const ZH_WEEKDAY_RE = /(上上|下下|上|下|这|本)个?(?:周|星期|礼拜)([一二三四五六日天1-7])/g;
const ZH_AGO_RE = /(\d{1,3}|[一二两三四五六七八九十]{1,3})(天|个?星期|周)(?:以前|之前|前)/g;

function toUtcMs(d: CalendarDate): number {
  return Date.UTC(d.year, d.month - 1, d.day);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function validDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** `year`-`month`-`day`, or the nearest such date to today when `year` is undefined. */
function resolveDate(
  today: CalendarDate,
  month: number,
  day: number,
  year?: number,
): string | undefined {
  if (year !== undefined)
    return validDate(year, month, day) ? isoDate(Date.UTC(year, month - 1, day)) : undefined;
  const now = toUtcMs(today);
  let best: number | undefined;
  for (const y of [today.year - 1, today.year, today.year + 1]) {
    if (!validDate(y, month, day)) continue;
    const ms = Date.UTC(y, month - 1, day);
    if (best === undefined || Math.abs(ms - now) < Math.abs(best - now)) best = ms;
  }
  return best === undefined ? undefined : isoDate(best);
}

function shift(today: CalendarDate, days: number): string {
  return isoDate(toUtcMs(today) + days * DAY_MS);
}

/** 0 = Monday ... 6 = Sunday. */
function weekdayOf(today: CalendarDate): number {
  return (new Date(toUtcMs(today)).getUTCDay() + 6) % 7;
}

/** "3rd", "twenty-first", "15" → day of month. */
function dayNumber(s: string): number | undefined {
  const digits = /^(\d{1,2})/.exec(s);
  if (digits) return Number(digits[1]);
  const n = readEnglishNumber(s, wordTokens(s), 0);
  return n ? n.value : undefined;
}

/** A number said as a count ("two", "3", "a") for "... days ago". */
function countOf(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (s.toLowerCase() === 'a') return 1;
  const tokens = wordTokens(s);
  const n = readEnglishNumber(s, tokens, 0);
  return n && n.end === tokens.length && !n.ordinal ? n.value : undefined;
}

function zhNumber(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : parseChineseNumeral(s);
}

/** Every date in the text, each with its `YYYY-MM-DD` value. */
export function findDates(t: EntityText): NluEntity[] {
  const out: NluEntity[] = [];
  const { text, today } = t;
  const add = (start: number, end: number, value: string | undefined) => {
    if (value !== undefined) out.push(entityAt(t, 'date', start, end, value));
  };
  for (const m of text.matchAll(ISO_RE)) {
    add(
      m.index,
      m.index + m[0].length,
      resolveDate(today, Number(m[2]), Number(m[3]), Number(m[1])),
    );
  }
  for (const m of text.matchAll(MONTH_DAY_RE)) {
    const day = dayNumber(m[2]!);
    const year = m[3] === undefined ? undefined : Number(m[3]);
    if (day !== undefined)
      add(
        m.index,
        m.index + m[0].length,
        resolveDate(today, MONTHS[m[1]!.toLowerCase()]!, day, year),
      );
  }
  for (const m of text.matchAll(DAY_MONTH_RE)) {
    const day = dayNumber(m[1]!);
    const year = m[3] === undefined ? undefined : Number(m[3]);
    if (day !== undefined)
      add(
        m.index,
        m.index + m[0].length,
        resolveDate(today, MONTHS[m[2]!.toLowerCase()]!, day, year),
      );
  }
  for (const m of text.matchAll(EN_RELATIVE_RE)) {
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
    add(m.index, m.index + m[0].length, shift(today, days));
  }
  const todayIndex = weekdayOf(today);
  for (const m of text.matchAll(EN_WEEKDAY_RE)) {
    const which = m[1]!.toLowerCase().replace(/\s+/g, ' ');
    const target = WEEKDAYS[m[2]!.toLowerCase()]!;
    let days: number;
    if (which === 'last' || which === 'this past') days = -((todayIndex - target + 7) % 7 || 7);
    else if (which === 'next') days = (target - todayIndex + 7) % 7 || 7;
    else days = (target - todayIndex + 7) % 7;
    add(m.index, m.index + m[0].length, shift(today, days));
  }
  for (const m of text.matchAll(EN_AGO_RE)) {
    // The count is the last words before "days": "about two days ago" → "two".
    const words = m[1]!.split(/[\s-]+/);
    let count: number | undefined;
    let from = words.length;
    for (let k = words.length - 1; k >= 0; k--) {
      const c = countOf(words.slice(k).join(' '));
      if (c === undefined) break;
      count = c;
      from = k;
    }
    if (count === undefined) continue;
    const skipped = words.slice(0, from).join(' ').length + (from > 0 ? 1 : 0);
    const perUnit = m[2]!.toLowerCase().startsWith('week') ? 7 : 1;
    add(m.index + skipped, m.index + m[0].length, shift(today, -count * perUnit));
  }
  for (const m of text.matchAll(ZH_DATE_RE)) {
    const year = m[1] === undefined ? undefined : zhNumber(m[1]);
    const [month, day] = [zhNumber(m[2]!), zhNumber(m[3]!)];
    if (month !== undefined && day !== undefined)
      add(m.index, m.index + m[0].length, resolveDate(today, month, day, year));
  }
  for (const m of text.matchAll(ZH_RELATIVE_RE)) {
    add(m.index, m.index + m[0].length, shift(today, ZH_RELATIVE_DAYS[m[0]]!));
  }
  for (const m of text.matchAll(ZH_WEEKDAY_RE)) {
    // Chinese weeks run Monday to Sunday: 上周五 is Friday of last calendar week.
    const monday = -todayIndex + ZH_WEEK_OFFSET[m[1]!]!;
    add(m.index, m.index + m[0].length, shift(today, monday + ZH_WEEKDAYS[m[2]!]!));
  }
  for (const m of text.matchAll(ZH_AGO_RE)) {
    const n = zhNumber(m[1]!);
    const perUnit = m[2] === '天' ? 1 : 7;
    if (n !== undefined) add(m.index, m.index + m[0].length, shift(today, -n * perUnit));
  }
  return out;
}
