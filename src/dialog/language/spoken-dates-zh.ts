/**
 * Chinese dates and times: 周/星期/礼拜 weekdays and the weeks around this one, 昨天 and 前天,
 * 今年 and 去年, the Chinese ways of saying a date ("2026年3月5日", "上个月5号", "三天前",
 * "上周五") and of saying a time ("下午三点半", "9点一刻").
 *
 * Split out of `spoken-dates.ts` because the Chinese grammar shares no pattern with the English
 * one and changes on its own; that module keeps the public functions and reads `ZH_DATE_FORMS`
 * after the English forms. The conventions (上周五 is in the previous Monday-to-Sunday week) are
 * documented there.
 *
 * Pure: no I/O; "today" comes from the caller.
 */
import { addDays, addMonths } from './calendar.js';
import {
  alternation,
  checked,
  dayOfMonthNotAfter,
  nearestYear,
  weekdayFrom,
  weekdayOfWeek,
  whole,
  type DateForm,
  type TimeOfDay,
} from './spoken-dates-grammar.js';
import { parseChineseNumber, ZH_NUMERAL_CHARS } from './spoken-numbers-zh.js';

// ---- vocabulary --------------------------------------------------------------------------

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

// ---- reading numbers inside dates ----------------------------------------------------------

/** A Chinese or ASCII integer: "三十一", "12", "二零二六"; see {@link parseChineseNumber}. */
function zhInteger(text: string, wholeAnswer = true): number | undefined {
  const n = parseChineseNumber(text, { wholeAnswer });
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

// ---- the grammar ---------------------------------------------------------------------------

const ZH_YEAR = `[0-9${ZH_NUMERAL_CHARS}]{2,8}`;
const ZH_MONTH_DAY = '\\d{1,2}|[一二三四五六七八九十]{1,3}';
const ZH_COUNT = `\\d{1,3}|[${ZH_NUMERAL_CHARS}]{1,4}`;

/**
 * Every Chinese way of saying a date, in the order `spoken-dates.ts` tries them (a whole answer
 * takes the first that reads all of it); each found independently, overlaps allowed.
 */
export const ZH_DATE_FORMS: readonly DateForm[] = [
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

// ---- whole answers -------------------------------------------------------------------------

/**
 * "是昨天下午。" → "昨天": strips what is said around a date in a Chinese answer, so the answer
 * forms can insist on reading all of what is left.
 */
export function chineseAnswer(text: string): string {
  return text
    .replace(/\s+/g, '')
    .replace(/[，。！？,.!?]+/gu, '')
    .replace(/^(是|在|就在|事故发生在|发生在|出险日期是|日期是)/u, '')
    .replace(/(的时候|那天|发生的|出的事|出险|的|早上|上午|中午|下午|晚上|凌晨|傍晚|夜里)+$/u, '');
}

// ---- times of day ------------------------------------------------------------------------

const ZH_TIME_NUMBER = `[0-9${ZH_NUMERAL_CHARS}]+`;
const ZH_TIME_RE = new RegExp(
  `(早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨)?(${ZH_TIME_NUMBER})[点:：时](?:(${ZH_TIME_NUMBER})分?|(半)|(一刻)|(三刻))?(?:钟)?`,
  'u',
);

/**
 * Finds a Chinese time of day ("下午三点半", "9点一刻", "15:30"); returns it and the text without
 * it, which is left for the date.
 */
export function extractChineseTime(text: string): { time: TimeOfDay; rest: string } | undefined {
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
