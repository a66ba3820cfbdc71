/**
 * Numbers as callers say and write them, in English and Chinese: number words ("twenty three",
 * "a hundred and five", "twenty first"), Chinese numerals ("二十三", "两千五", "一万五", "壹佰"),
 * "1,234.5", and digits read out one by one ("five five five one two", "double five", "幺三八").
 *
 * One vocabulary and one grammar per language, with two ways in, so a number means the same
 * wherever it is said:
 * - whole answers (`parseSpokenNumber`, `parseEnglishNumber`, `parseChineseNumber`,
 *   `spokenDigitsToText`), for a claim field where the reply is the number;
 * - readers at a word token (`readEnglishNumber`, `readEnglishDecimal`, `readDigitRun`) and for a
 *   matched run of Chinese numerals (`parseChineseNumeral`), for finding numbers in running text
 *   and reporting where they are.
 *
 * This module is the one place callers import from: it holds what reads either language (a
 * number in any form, digits said one by one in both) and re-exports the English readers of
 * `spoken-numbers-en.ts` and the Chinese ones of `spoken-numbers-zh.ts`, kept apart because the
 * two grammars share no rule.
 *
 * Pure: no I/O. Everything answers `undefined` rather than guess.
 */
import {
  EN_DIGIT_WORDS,
  EN_REPEATS,
  parseArabic,
  parseEnglishNumber,
} from './spoken-numbers-en.js';
import { parseChineseNumber, ZH_DIGITS } from './spoken-numbers-zh.js';

export {
  EN_NUMBER_WORD_PATTERN,
  isEnglishOrdinal,
  joined,
  parseEnglishNumber,
  readDigitRun,
  readEnglishDecimal,
  readEnglishNumber,
  scaleWord,
  wordTokens,
  type DigitRun,
  type ReadEnglishNumberOptions,
  type ReadNumber,
  type WordToken,
} from './spoken-numbers-en.js';
export {
  isZhDigitRun,
  parseChineseNumber,
  parseChineseNumeral,
  zhDigitsToString,
  ZH_NUMERAL_CHARS,
  type ParseChineseNumberOptions,
} from './spoken-numbers-zh.js';

// ---- digits said one by one, in either language ---------------------------------------------

/**
 * Replaces digits read out one by one with the digits themselves and keeps the other words:
 * "five five five one two" → "55512", "double five" → "55", "triple oh" → "000", "五五五幺二" →
 * "55512", "P O L one two three" → "P O L 123". Digit runs are joined; other tokens keep a
 * single space between them. For a whole answer, so an "oh" at the start is a zero.
 */
export function spokenDigitsToText(text: string): string {
  let converted = '';
  for (const ch of text) {
    const d = ZH_DIGITS[ch];
    // Spaced so "五五五" and a following Latin letter stay separate tokens.
    converted += d === undefined ? ch : ` ${d} `;
  }
  const out: string[] = [];
  let repeat = 1;
  let lastWasDigit = false;
  for (const token of converted.split(/[\s,，、-]+/u)) {
    if (token === '') continue;
    const lower = token.toLowerCase().replace(/[.。]$/u, '');
    const times = EN_REPEATS[lower];
    if (times !== undefined) {
      repeat = times;
      continue;
    }
    // A lone "o" is a letter in "P O L" but zero in "five o five": a digit only after digits.
    const word = lower === 'o' && !lastWasDigit ? undefined : EN_DIGIT_WORDS[lower];
    const digits = word ?? (/^\d+$/.test(lower) ? lower : undefined);
    if (digits !== undefined) {
      const value = digits.repeat(repeat);
      if (lastWasDigit) out[out.length - 1] += value;
      else out.push(value);
      lastWasDigit = true;
    } else {
      out.push(token);
      lastWasDigit = false;
    }
    repeat = 1;
  }
  return out.join(' ');
}

// ---- any language --------------------------------------------------------------------------

/**
 * A number in any form a caller or a language model gives it: a number, "1,234.5", English
 * words, Chinese numerals. Undefined when the text is not only a number.
 */
export function parseSpokenNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw
    .trim()
    .replace(/[。.!！?？]+$/u, '')
    .trim();
  if (text === '') return undefined;
  const arabic = parseArabic(text.replace(/\s+/g, ''));
  if (arabic !== undefined) return arabic;
  if (/[\u4e00-\u9fff]/u.test(text)) return parseChineseNumber(text.replace(/\s+/g, ''));
  return parseEnglishNumber(text);
}
