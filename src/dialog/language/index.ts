/**
 * How callers say numbers and dates, in English and Chinese: the one reading both the claim
 * normaliser (a field's whole answer) and the NLU entity extractor (numbers and dates inside a
 * sentence) use, so "twenty first", "两千五" or "上周五" mean the same to both.
 *
 * @module
 */
export {
  formatDate,
  todayIn,
  wallClockAt,
  type CalendarDate,
  type DateContext,
  type WallClock,
} from './calendar.js';
export {
  findSpokenDates,
  parseSpokenDate,
  parseSpokenDateTime,
  type FindDatesOptions,
  type FoundDate,
} from './spoken-dates.js';
export {
  isZhDigitRun,
  joined,
  parseChineseNumber,
  parseChineseNumeral,
  parseEnglishNumber,
  parseSpokenNumber,
  readDigitRun,
  readEnglishDecimal,
  scaleWord,
  spokenDigitsToText,
  wordTokens,
  zhDigitsToString,
  type DigitRun,
  type ParseChineseNumberOptions,
  type ReadNumber,
  type WordToken,
} from './spoken-numbers.js';
