/**
 * Reading numbers written or spoken: English number words ("twenty three", "a hundred and
 * five"), spoken digit runs ("four one five, double five"), Chinese numerals ("二十三", "两百",
 * "一万五") and Chinese digit runs ("幺三八"). Pure functions over word tokens with offsets, so
 * callers can report where in the text a number was.
 */

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

/** Whether only spaces, hyphens or commas separate two tokens: they may belong to one number. */
export function joined(text: string, a: WordToken, b: WordToken, allow = /^[\s-]*$/): boolean {
  return allow.test(text.slice(a.end, b.start));
}

const UNITS: Record<string, number> = {
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
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9 };
const ORDINALS: Record<string, number> = {
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

/** A number read from tokens `[start, end)`. */
export interface ReadNumber {
  value: number;
  /** Token index after the last token used. */
  end: number;
  /** True when the number ended in an ordinal word ("twenty third"). */
  ordinal: boolean;
}

type Last = 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'scale';

/**
 * Reads English number words starting at token `i`. Refuses sequences that are not one number
 * ("four one five" reads as "four" only) so spoken digit runs stay separate numbers.
 */
export function readEnglishNumber(
  text: string,
  tokens: WordToken[],
  i: number,
): ReadNumber | undefined {
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
    if (w === 'and' && (last === 'hundred' || last === 'scale')) continue;
    if (w === 'a' && last === 'none') {
      const next = tokens[k + 1];
      if (next && (next.text === 'hundred' || next.text in SCALES) && joined(text, tok, next)) {
        current = 1;
        last = 'unit';
        continue;
      }
      break;
    }
    const unit = UNITS[w];
    const ord = ORDINALS[w];
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
      if (small === 0) break;
      continue;
    }
    const tens = TENS[w] ?? (ord !== undefined && ord >= 20 ? ord : undefined);
    if (tens !== undefined) {
      if (!(last === 'none' || last === 'hundred' || last === 'scale')) break;
      current += tens;
      last = 'tens';
      end = k + 1;
      if (TENS[w] === undefined) {
        ordinal = true;
        break;
      }
      continue;
    }
    if (w === 'hundred') {
      if (last !== 'unit' && last !== 'teen') break;
      current *= 100;
      last = 'hundred';
      end = k + 1;
      continue;
    }
    const scale = SCALES[w];
    if (scale !== undefined) {
      if (last === 'none' || last === 'scale' || scale >= lastScale) break;
      total += current * scale;
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

/** Value of an English scale word after digits ("3 thousand"), or undefined. */
export function scaleWord(word: string): number | undefined {
  if (word === 'hundred') return 100;
  if (word === 'k') return 1e3;
  return SCALES[word];
}

const SPOKEN_DIGITS: Record<string, string> = {
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
const REPEATS: Record<string, number> = { double: 2, triple: 3 };

/** Digits read from tokens `[start, end)`, as a string (leading zeros kept). */
export interface DigitRun {
  digits: string;
  end: number;
}

/**
 * Reads a run of digits said one by one or written in groups ("four one five", "double five",
 * "415 555", "oh seven") from token `i`, as long as only `gap` separates the tokens.
 */
export function readDigitRun(
  text: string,
  tokens: WordToken[],
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
    const repeat = REPEATS[tok.text];
    const next = tokens[k + 1];
    if (repeat !== undefined && next && SPOKEN_DIGITS[next.text] && joined(text, tok, next, gap)) {
      digits += SPOKEN_DIGITS[next.text]!.repeat(repeat);
      k += 1;
      end = k + 1;
      continue;
    }
    const d = SPOKEN_DIGITS[tok.text];
    // "o" alone is a letter far more often than a zero: only inside a run.
    if (d === undefined || ((tok.text === 'o' || tok.text === 'oh') && digits === '')) break;
    digits += d;
    end = k + 1;
  }
  return digits === '' ? undefined : { digits, end };
}

// ---- Chinese ------------------------------------------------------------------------------

const ZH_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  幺: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const ZH_SMALL: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const ZH_BIG: Record<string, number> = { 万: 1e4, 亿: 1e8 };

/** Characters that can make up a Chinese numeral. */
export const ZH_NUMERAL_CHARS = '零〇一幺二两三四五六七八九十百千万亿';

/** Whether `s` is Chinese digits said one by one ("幺三八", "二零二六"), no 十/百/千. */
export function isZhDigitRun(s: string): boolean {
  return [...s].every((c) => ZH_DIGITS[c] !== undefined);
}

/** "幺三八" → "138". Assumes `isZhDigitRun(s)`. */
export function zhDigitsToString(s: string): string {
  return [...s].map((c) => String(ZH_DIGITS[c])).join('');
}

/**
 * The value of a Chinese numeral: "二十三" 23, "两百" 200, "一千零五" 1005, colloquial
 * "三百五" 350 and "一万五" 15000; digit runs read as digits ("二零二六" 2026). Undefined when
 * `s` is not a well-formed numeral (e.g. starts with 百).
 */
export function parseChineseNumeral(s: string): number | undefined {
  if (s === '') return undefined;
  if (isZhDigitRun(s)) return Number(zhDigitsToString(s));
  const chars = [...s];
  if (ZH_DIGITS[chars[0]!] === undefined && chars[0] !== '十') return undefined;
  let total = 0;
  let section = 0;
  let digit = -1;
  let lastUnit = 0;
  let sawZero = false;
  for (const c of chars) {
    const d = ZH_DIGITS[c];
    if (d !== undefined) {
      if (digit > 0) return undefined;
      if (d === 0) sawZero = true;
      digit = d;
      continue;
    }
    const small = ZH_SMALL[c];
    if (small !== undefined) {
      if (digit === 0) return undefined;
      section += (digit < 0 ? 1 : digit) * small;
      digit = -1;
      lastUnit = small;
      sawZero = false;
      continue;
    }
    const big = ZH_BIG[c]!;
    if (digit > 0) section += digit;
    if (section === 0 && total === 0) return undefined;
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
