/**
 * Numbers as callers say and write them, in English and Chinese: number words ("twenty three",
 * "a hundred and five", "twenty first"), Chinese numerals ("二十三", "两千五", "一万五", "壹佰"),
 * "1,234.5", and digits read out one by one ("five five five one two", "double five", "幺三八").
 *
 * One vocabulary and one grammar, with two ways in, so a number means the same wherever it is
 * said:
 * - whole answers (`parseSpokenNumber`, `parseEnglishNumber`, `parseChineseNumber`,
 *   `spokenDigitsToText`), for a claim field where the reply is the number;
 * - readers at a word token (`readEnglishNumber`, `readEnglishDecimal`, `readDigitRun`) and for a
 *   matched run of Chinese numerals (`parseChineseNumeral`), for finding numbers in running text
 *   and reporting where they are.
 *
 * Pure: no I/O. Everything answers `undefined` rather than guess.
 */

// ---- English vocabulary ------------------------------------------------------------------

const EN_UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};

const EN_TENS: Readonly<Record<string, number>> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  // A common misspelling, and what speech recognisers sometimes write.
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

// Ordinals, so days of the month ("March the twenty first") read with the same grammar.
const EN_ORDINALS: Readonly<Record<string, number>> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
};

const EN_SCALES: Readonly<Record<string, number>> = {
  thousand: 1e3,
  million: 1e6,
  billion: 1e9,
};

/** English words for single digits, as read out in a phone or policy number. */
const EN_DIGIT_WORDS: Readonly<Record<string, string>> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

const EN_REPEATS: Readonly<Record<string, number>> = { double: 2, triple: 3 };

/**
 * Every word English number words are made of (cardinals, ordinals, "hundred", scales and the
 * "and" of "a hundred and five"), longest first, as a regular-expression alternation: for
 * patterns that must find where a spoken number starts and ends (dates, "two days ago").
 */
export const EN_NUMBER_WORD_PATTERN = [
  ...Object.keys(EN_UNITS),
  ...Object.keys(EN_TENS),
  ...Object.keys(EN_ORDINALS),
  ...Object.keys(EN_SCALES),
  'hundred',
  'and',
]
  .sort((a, b) => b.length - a.length)
  .join('|');

/** Whether `word` (lower-case) is an English ordinal ("first", "twenty" is not, "twentieth" is). */
export function isEnglishOrdinal(word: string): boolean {
  return EN_ORDINALS[word] !== undefined;
}

// ---- word tokens -------------------------------------------------------------------------

/** A word or digit group of the text, lower-cased, with its UTF-16 offsets. */
export interface WordToken {
  text: string;
  start: number;
  end: number;
}

const WORD_RE = /[A-Za-z]+|\d+/g;

/**
 * Latin words and digit groups in order. Hyphens split words ("twenty-three" is two tokens)
 * because number words are read token by token.
 */
export function wordTokens(text: string): WordToken[] {
  const out: WordToken[] = [];
  for (const m of text.matchAll(WORD_RE)) {
    out.push({ text: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/**
 * Whether only `allow` (by default spaces and hyphens) separates two tokens: only then may they
 * belong to one number ("twenty, three" is two).
 */
export function joined(text: string, a: WordToken, b: WordToken, allow = /^[\s-]*$/): boolean {
  return allow.test(text.slice(a.end, b.start));
}

// ---- English numbers ---------------------------------------------------------------------

const ARABIC_RE = /^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;

/** "1,234.5" → 1234.5; "12" → 12; anything else → undefined. */
function parseArabic(text: string): number | undefined {
  if (!ARABIC_RE.test(text)) return undefined;
  return Number(text.replace(/,/g, ''));
}

/** A number read from tokens `[start, end)`. */
export interface ReadNumber {
  value: number;
  /** Token index after the last token used. */
  end: number;
  /** True when the number ended in an ordinal word ("twenty third"). */
  ordinal: boolean;
}

/** Options of {@link readEnglishNumber}. */
export interface ReadEnglishNumberOptions {
  /**
   * The words are a whole answer to "how many?", so read them as leniently as a caller says
   * them: digits stand for number words ("3 thousand", "2.5 million", "twenty 5"), a bare scale
   * counts one ("hundred", "thousand"), "twenty hundred" is 2000 and a stray "and" is skipped
   * ("twenty and three"). Inside running text none of this holds: digits are read on their own
   * and "and" joins two numbers.
   */
  wholeAnswer?: boolean;
}

/** What the number read so far ends in, which decides what may follow. */
type Last = 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'scale';

/** A digit token's value, and which number word it stands in for. */
function digitToken(word: string): { value: number; kind: Last } | undefined {
  const value = parseArabic(word);
  if (value === undefined || value < 0) return undefined;
  if (Number.isInteger(value) && value < 10) return { value, kind: 'unit' };
  if (Number.isInteger(value) && value >= 20 && value < 100 && value % 10 === 0) {
    return { value, kind: 'tens' };
  }
  // 15, 25, 2.5, 1234: complete below a hundred, so only "hundred" or a scale may follow.
  return { value, kind: 'teen' };
}

/**
 * Reads English number words starting at token `i`, as far as they make one number. Refuses
 * sequences that are not one number ("four one five" reads as "four" only, "twenty twenty" as
 * "twenty") so digits said one by one stay separate numbers; an ordinal ends the number
 * ("third twenty" is "third").
 */
export function readEnglishNumber(
  text: string,
  tokens: readonly WordToken[],
  i: number,
  options: ReadEnglishNumberOptions = {},
): ReadNumber | undefined {
  const lenient = options.wholeAnswer === true;
  let total = 0;
  let current = 0;
  let last: Last = 'none';
  let lastScale = Infinity;
  let end = i;
  let ordinal = false;
  for (let k = i; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (k > i && !joined(text, tokens[k - 1]!, tok)) break;
    const w = tok.text;
    if (w === 'and' && (last === 'hundred' || last === 'scale' || (lenient && last !== 'none'))) {
      continue;
    }
    if (w === 'a' && last === 'none') {
      const next = tokens[k + 1];
      if (next && (next.text === 'hundred' || next.text in EN_SCALES) && joined(text, tok, next)) {
        current = 1;
        last = 'unit';
        continue;
      }
      break;
    }
    const digit = lenient ? digitToken(w) : undefined;
    if (digit !== undefined) {
      const afterTens = last === 'tens' && digit.kind === 'unit' && digit.value > 0;
      if (!(last === 'none' || last === 'hundred' || last === 'scale' || afterTens)) break;
      current += digit.value;
      last = digit.kind;
      end = k + 1;
      continue;
    }
    const unit = EN_UNITS[w];
    const ord = EN_ORDINALS[w];
    const small = unit ?? (ord !== undefined && ord < 20 ? ord : undefined);
    if (small !== undefined) {
      const afterTens = last === 'tens' && small > 0 && small < 10;
      if (!(last === 'none' || last === 'hundred' || last === 'scale' || afterTens)) break;
      if (small === 0 && last !== 'none') break;
      current += small;
      last = small < 10 ? 'unit' : 'teen';
      end = k + 1;
      if (unit === undefined) {
        ordinal = true;
        break;
      }
      // "zero" is a number on its own, never the start of a longer one.
      if (small === 0) break;
      continue;
    }
    const tens = EN_TENS[w] ?? (ord !== undefined && ord >= 20 ? ord : undefined);
    if (tens !== undefined) {
      if (!(last === 'none' || last === 'hundred' || last === 'scale')) break;
      current += tens;
      last = 'tens';
      end = k + 1;
      if (EN_TENS[w] === undefined) {
        ordinal = true;
        break;
      }
      continue;
    }
    if (w === 'hundred') {
      const bare = lenient && (last === 'none' || last === 'tens');
      if (last !== 'unit' && last !== 'teen' && !bare) break;
      current = (current || 1) * 100;
      last = 'hundred';
      end = k + 1;
      continue;
    }
    const scale = EN_SCALES[w];
    if (scale !== undefined) {
      // "a thousand thousand" and "five thousand million" are not how anyone says a number.
      if ((last === 'none' && !lenient) || last === 'scale' || scale >= lastScale) break;
      total += (current || 1) * scale;
      current = 0;
      lastScale = scale;
      last = 'scale';
      end = k + 1;
      continue;
    }
    break;
  }
  if (end === i) return undefined;
  return { value: total + current, end, ordinal };
}

/**
 * Reads an English number with its decimals said after "point" ("three point five" 3.5) from
 * token `i`; without "point" it is {@link readEnglishNumber}. The decimals must begin with a
 * word so "three point 5" stays two numbers, as a recogniser would have written "3.5".
 */
export function readEnglishDecimal(
  text: string,
  tokens: readonly WordToken[],
  i: number,
): ReadNumber | undefined {
  const n = readEnglishNumber(text, tokens, i);
  if (!n) return undefined;
  const point = tokens[n.end];
  if (!n.ordinal && point?.text === 'point' && joined(text, tokens[n.end - 1]!, point)) {
    const frac = readDigitRun(text, tokens, n.end + 1, /^\s*$/);
    const first = tokens[n.end + 1];
    if (frac && first && /^[a-z]+$/.test(first.text) && joined(text, point, first)) {
      return { value: Number(`${n.value}.${frac.digits}`), end: frac.end, ordinal: false };
    }
  }
  return n;
}

/** Value of an English scale word after digits ("3 thousand", "5k"), or undefined. */
export function scaleWord(word: string): number | undefined {
  if (word === 'hundred') return 100;
  if (word === 'k') return 1e3;
  return EN_SCALES[word];
}

/**
 * English number words as a whole answer (cardinal or ordinal; "and", hyphens, "minus", "point"
 * and digits allowed): "one hundred and five" 105, "twenty first" 21, "2.5 million" 2500000,
 * "minus seven" -7, "three point five" 3.5, "one two three" 123 (digits read one by one).
 * Undefined unless all of the text is one number.
 */
export function parseEnglishNumber(text: string): number | undefined {
  const normalised = text
    .trim()
    .toLowerCase()
    .replace(/(\d)(st|nd|rd|th)\b/g, '$1');
  // Words split at spaces and hyphens only, so "1,234.5" stays one token.
  let words: WordToken[] = [];
  for (const m of normalised.matchAll(/[^\s-]+/g)) {
    words.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  if (words.length === 0) return undefined;
  let sign = 1;
  if (words[0]!.text === 'minus' || words[0]!.text === 'negative') {
    sign = -1;
    words = words.slice(1);
  }
  const pointAt = words.findIndex((w) => w.text === 'point');
  const intWords = pointAt === -1 ? words : words.slice(0, pointAt);
  let fraction = '';
  if (pointAt !== -1) {
    for (const w of words.slice(pointAt + 1)) {
      const d = EN_DIGIT_WORDS[w.text] ?? (/^\d$/.test(w.text) ? w.text : undefined);
      if (d === undefined) return undefined;
      fraction += d;
    }
    if (fraction === '') return undefined;
  }
  const whole = intWords.length === 0 && fraction !== '' ? 0 : englishInteger(normalised, intWords);
  if (whole === undefined) return undefined;
  return sign * (fraction === '' ? whole : Number(`${whole}.${fraction}`));
}

/** The whole-answer integer part: digits said one by one, or one number using every word. */
function englishInteger(text: string, words: WordToken[]): number | undefined {
  if (words.length === 0) return undefined;
  // "one two three" is 123, not three numbers; a lone "o" is a letter, not a zero.
  if (words.every((w) => EN_DIGIT_WORDS[w.text] !== undefined && w.text !== 'o')) {
    if (words.length > 1 || words[0]!.text === 'oh') {
      return Number(words.map((w) => EN_DIGIT_WORDS[w.text]).join(''));
    }
  }
  const n = readEnglishNumber(text, words, 0, { wholeAnswer: true });
  return n && n.end === words.length ? n.value : undefined;
}

// ---- digits said one by one -------------------------------------------------------------

/** Digits read from tokens `[start, end)`, as a string (leading zeros kept). */
export interface DigitRun {
  digits: string;
  end: number;
}

/**
 * Reads a run of digits said one by one or written in groups ("four one five", "double five",
 * "415 555", "five oh seven") from token `i`, as long as only `gap` separates the tokens.
 */
export function readDigitRun(
  text: string,
  tokens: readonly WordToken[],
  i: number,
  gap = /^[\s,.-]*$/,
): DigitRun | undefined {
  let digits = '';
  let end = i;
  for (let k = i; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (k > i && !joined(text, tokens[k - 1]!, tok, gap)) break;
    if (/^\d+$/.test(tok.text)) {
      digits += tok.text;
      end = k + 1;
      continue;
    }
    const repeat = EN_REPEATS[tok.text];
    const next = tokens[k + 1];
    if (repeat !== undefined && next && EN_DIGIT_WORDS[next.text] && joined(text, tok, next, gap)) {
      digits += EN_DIGIT_WORDS[next.text]!.repeat(repeat);
      k += 1;
      end = k + 1;
      continue;
    }
    const d = EN_DIGIT_WORDS[tok.text];
    // In running text "o" and "oh" are far more often a letter or an exclamation than a zero:
    // only inside a run.
    if (d === undefined || ((tok.text === 'o' || tok.text === 'oh') && digits === '')) break;
    digits += d;
    end = k + 1;
  }
  return digits === '' ? undefined : { digits, end };
}

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

// ---- Chinese -------------------------------------------------------------------------------

// Everyday digits, the financial (大写) forms written on forms and cheques, and the radio
// readings 幺 (1), 洞 (0) and 拐 (7) people use for phone and policy numbers.
const ZH_DIGITS: Readonly<Record<string, number>> = {
  零: 0,
  〇: 0,
  洞: 0,
  一: 1,
  幺: 1,
  壹: 1,
  二: 2,
  两: 2,
  贰: 2,
  三: 3,
  叁: 3,
  四: 4,
  肆: 4,
  五: 5,
  伍: 5,
  六: 6,
  陆: 6,
  七: 7,
  柒: 7,
  拐: 7,
  八: 8,
  捌: 8,
  九: 9,
  玖: 9,
};

const ZH_SMALL_UNITS: Readonly<Record<string, number>> = {
  十: 10,
  拾: 10,
  百: 100,
  佰: 100,
  千: 1000,
  仟: 1000,
};
const ZH_BIG_UNITS: Readonly<Record<string, number>> = { 万: 1e4, 亿: 1e8 };

/** Every character a Chinese numeral can be written with (digits, 十百千 and 万亿 in both forms). */
export const ZH_NUMERAL_CHARS = [
  ...Object.keys(ZH_DIGITS),
  ...Object.keys(ZH_SMALL_UNITS),
  ...Object.keys(ZH_BIG_UNITS),
].join('');

/** A Chinese digit (or an ASCII one, as recognisers mix them in) → its value. */
function zhDigit(ch: string): number | undefined {
  return ZH_DIGITS[ch] ?? (/^\d$/.test(ch) ? Number(ch) : undefined);
}

/** Whether `s` is Chinese digits said one by one ("幺三八", "二零二六"), no 十/百/千. */
export function isZhDigitRun(s: string): boolean {
  return s !== '' && [...s].every((c) => ZH_DIGITS[c] !== undefined);
}

/** "幺三八" → "138". Assumes `isZhDigitRun(s)`. */
export function zhDigitsToString(s: string): string {
  return [...s].map((c) => String(ZH_DIGITS[c])).join('');
}

/**
 * The value of a whole Chinese numeral: "二十三" 23, "两百" 200, "一千零五" 1005, colloquial
 * "三百五" 350 and "一万五" 15000, "一万亿" 1e12, "壹佰贰拾" 120, "3千" 3000; digits said one by one
 * read as digits ("二零二六" 2026). Undefined when `s` is not a well-formed numeral: it starts
 * with 百, 千 or 万 (千万 is "by all means", 万一 "in case"), or has two digits in a row.
 */
export function parseChineseNumeral(s: string): number | undefined {
  if (s === '') return undefined;
  const chars = [...s];
  if (chars.every((c) => zhDigit(c) !== undefined)) {
    return Number(chars.map((c) => String(zhDigit(c))).join(''));
  }
  // Only 十 may stand without a digit before it ("十五"): 百货, 千万, 万一 are words.
  if (zhDigit(chars[0]!) === undefined && ZH_SMALL_UNITS[chars[0]!] !== 10) return undefined;
  let total = 0;
  let section = 0;
  let digit = -1;
  let lastUnit = 0;
  let sawZero = false;
  for (const c of chars) {
    const d = zhDigit(c);
    if (d !== undefined) {
      if (digit > 0) return undefined;
      if (d === 0) sawZero = true;
      digit = d;
      continue;
    }
    const small = ZH_SMALL_UNITS[c];
    if (small !== undefined) {
      if (digit === 0) return undefined;
      section += (digit < 0 ? 1 : digit) * small;
      digit = -1;
      lastUnit = small;
      sawZero = false;
      continue;
    }
    const big = ZH_BIG_UNITS[c];
    if (big === undefined) return undefined;
    if (digit > 0) section += digit;
    if (section === 0 && total === 0) return undefined;
    // 亿 multiplies everything before it (一万亿 is 10^12); 万 only its own section.
    if (big === 1e8) total = (total + section) * big;
    else total += section * big;
    section = 0;
    digit = -1;
    lastUnit = big;
    sawZero = false;
  }
  if (digit > 0) {
    // "三百五" means 350: a bare digit right after a unit counts in the next unit down.
    section += !sawZero && lastUnit >= 100 ? (digit * lastUnit) / 10 : digit;
  }
  return total + section;
}

/** Options of {@link parseChineseNumber}. */
export interface ParseChineseNumberOptions {
  /**
   * The text is a whole answer (the default), so a leading 一 may be left out: "千万" is ten
   * million, "百" a hundred. Inside running text those are words ("千万别挂", "百货"): pass false.
   */
  wholeAnswer?: boolean;
}

/**
 * Chinese numerals with a sign and decimals: "二十三" 23, "三点五" 3.5, "负八" -8, "点五" 0.5,
 * "12" 12; see {@link parseChineseNumeral} for the integer part.
 */
export function parseChineseNumber(
  text: string,
  options: ParseChineseNumberOptions = {},
): number | undefined {
  let s = text.trim();
  if (s === '') return undefined;
  let sign = 1;
  if (s.startsWith('负')) {
    sign = -1;
    s = s.slice(1);
  }
  const [intPart = '', fracPart, extra] = s.split('点');
  if (extra !== undefined) return undefined;
  let fraction = '';
  if (fracPart !== undefined) {
    for (const ch of fracPart) {
      const d = zhDigit(ch);
      if (d === undefined) return undefined;
      fraction += String(d);
    }
    if (fraction === '') return undefined;
  }
  // A whole answer may leave out the leading 一: "千万" is ten million, "百" a hundred.
  const unitFirst = ZH_SMALL_UNITS[intPart[0] ?? ''] ?? ZH_BIG_UNITS[intPart[0] ?? ''];
  const lenient = options.wholeAnswer !== false && unitFirst !== undefined && unitFirst !== 10;
  const integer = lenient ? `一${intPart}` : intPart;
  const whole = intPart === '' && fraction !== '' ? 0 : parseChineseNumeral(integer);
  if (whole === undefined) return undefined;
  return sign * (fraction === '' ? whole : Number(`${whole}.${fraction}`));
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
