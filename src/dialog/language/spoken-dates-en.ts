/**
 * English dates and times: month and weekday names, the number words a day or a year is said
 * in ("the twenty first", "twenty twenty six", "nineteen oh five"), the English ways of saying a
 * date ("March 3rd", "the 3rd of March 2026", "last Friday", "two days ago", "in a week") and of
 * saying a time ("3pm", "15:30", "three o'clock").
 *
 * Split out of `spoken-dates.ts` because the English grammar is most of the date reading and
 * changes on its own; that module keeps the public functions and reads `EN_DATE_FORMS` in its
 * place among the others. The conventions (which "Friday" a bare "Friday" is) are documented
 * there.
 *
 * Pure: no I/O; "today" comes from the caller.
 */
import { addDays, addMonths, type CalendarDate } from './calendar.js';
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
import {
  EN_NUMBER_WORD_PATTERN,
  isEnglishOrdinal,
  parseEnglishNumber,
  readEnglishNumber,
  wordTokens,
  type WordToken,
} from './spoken-numbers-en.js';

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

// ---- day arithmetic ------------------------------------------------------------------------

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

// ---- the grammar ---------------------------------------------------------------------------

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

/**
 * Every English way of saying a date, in the order `spoken-dates.ts` tries them (a whole answer
 * takes the first that reads all of it); each found independently, overlaps allowed.
 */
export const EN_DATE_FORMS: readonly DateForm[] = [
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
];

// ---- whole answers -------------------------------------------------------------------------

/**
 * "It happened yesterday." → "yesterday": strips what is said around a date in an English
 * answer, so the answer forms can insist on reading all of what is left.
 */
export function englishAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[,!?]+|\.(?!\d)/g, ' ')
    .replace(/^\s*(it (happened|was)|that was|on|it's|it is)\s+/, '')
    .replace(/\b(in the )?(morning|afternoon|evening|night)\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---- times of day ------------------------------------------------------------------------

const EN_TIME_RE =
  /(?:^|\s)(?:at\s+)?(?:(noon|midday|midnight)|(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?|o'?clock)?|([a-z]+(?:[ -][a-z]+)?)\s+(am|pm|a\.m\.?|p\.m\.?|o'?clock))(?=\s|$)/gi;

/**
 * Finds an English time of day ("3pm", "15:30", "noon", "three o'clock"); returns it and the
 * text without it, which is left for the date.
 */
export function extractEnglishTime(text: string): { time: TimeOfDay; rest: string } | undefined {
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
