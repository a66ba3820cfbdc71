/**
 * English numbers: the vocabulary ("twenty", "first", "thousand", "oh", "double"), the word
 * tokens the readers walk, and the grammar that turns number words into one number, a decimal
 * after "point", or digits said one by one.
 *
 * Split out of `spoken-numbers.ts` because the English grammar is most of the code and changes
 * on its own (a new word, a stricter reading inside sentences), apart from the Chinese one in
 * `spoken-numbers-zh.ts`. Callers outside `language/` import from `spoken-numbers.ts` (or the
 * room's `index.ts`); what is exported here without being re-exported there (`EN_DIGIT_WORDS`,
 * `EN_REPEATS`, `parseArabic`) is for that module's readers of either language only.
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

/**
 * English words for single digits, as read out in a phone or policy number. Exported for
 * `spokenDigitsToText`, which reads them alongside the Chinese ones.
 */
export const EN_DIGIT_WORDS: Readonly<Record<string, string>> = {
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

/**
 * "double five" is 55: how many times the next digit word counts. Exported for
 * `spokenDigitsToText`, which reads runs the same way.
 */
export const EN_REPEATS: Readonly<Record<string, number>> = { double: 2, triple: 3 };

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

/**
 * "1,234.5" → 1234.5; "12" → 12; anything else → undefined. Here because the English readers
 * take digits for number words in a whole answer; `parseSpokenNumber` tries it first for any
 * language.
 */
export function parseArabic(text: string): number | undefined {
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
