/**
 * Numbers as callers say them, in English and Chinese: "twenty three", "one thousand two
 * hundred and five", "二十三", "一万两千", "1,234.5"; and digit strings read out one by one
 * ("five five five one two", "double five", "五五五幺二"), as phone and policy numbers are.
 *
 * Pure: no I/O. Recognisers answer `undefined` rather than guess.
 */

const EN_SMALL: Readonly<Record<string, number>> = {
  zero: 0,
  oh: 0,
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
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  // Ordinals, so dates ("March the twenty first") read with the same parser.
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

/** Ordinal words (all end in -st, -nd, -rd or -th; no cardinal here does). */
const ORDINALS = new Set(Object.keys(EN_SMALL).filter((w) => /(st|nd|rd|th)$/.test(w)));

const EN_SCALES: Readonly<Record<string, number>> = {
  hundred: 100,
  thousand: 1_000,
  million: 1_000_000,
  billion: 1_000_000_000,
};

/** English words for single digits, as read out in a phone number. */
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

const ZH_UNITS: Readonly<Record<string, number>> = {
  十: 10,
  拾: 10,
  百: 100,
  佰: 100,
  千: 1000,
  仟: 1000,
};
const ZH_SECTIONS: Readonly<Record<string, number>> = { 万: 10_000, 亿: 100_000_000 };

/** Characters a Chinese number is written with (digits, units, the decimal point 点). */
export const ZH_NUMBER_CHARS = '零〇洞一幺壹二两贰三叁四肆五伍六陆七柒拐八捌九玖十拾百佰千仟万亿';

const ARABIC_RE = /^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;

/** "1,234.5" → 1234.5; "12" → 12; anything else → undefined. */
function parseArabic(text: string): number | undefined {
  if (!ARABIC_RE.test(text)) return undefined;
  return Number(text.replace(/,/g, ''));
}

/** English number words (cardinal or ordinal, "and" and hyphens allowed) → a number. */
export function parseEnglishNumber(text: string): number | undefined {
  let words = text
    .toLowerCase()
    .replace(/(\d)(st|nd|rd|th)\b/g, '$1')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && w !== 'and');
  if (words.length === 0) return undefined;
  let sign = 1;
  if (words[0] === 'minus' || words[0] === 'negative') {
    sign = -1;
    words = words.slice(1);
  }
  const pointAt = words.indexOf('point');
  const intWords = pointAt === -1 ? words : words.slice(0, pointAt);
  let fraction = '';
  if (pointAt !== -1) {
    for (const w of words.slice(pointAt + 1)) {
      const d = EN_DIGIT_WORDS[w] ?? (/^\d$/.test(w) ? w : undefined);
      if (d === undefined) return undefined;
      fraction += d;
    }
    if (fraction === '') return undefined;
  }
  const whole = intWords.length === 0 && fraction !== '' ? 0 : englishInteger(intWords);
  if (whole === undefined) return undefined;
  return sign * (fraction === '' ? whole : Number(`${whole}.${fraction}`));
}

function englishInteger(words: string[]): number | undefined {
  if (words.length === 0) return undefined;
  // "one two three" is a digit string, not 1 + 2 + 3.
  if (words.length > 1 && words.every((w) => EN_DIGIT_WORDS[w] !== undefined && w !== 'o')) {
    return Number(words.map((w) => EN_DIGIT_WORDS[w]).join(''));
  }
  let total = 0;
  let current = 0;
  let seenAny = false;
  /** What the group below a hundred holds so far: nothing, tens ("twenty"), or complete. */
  let group: 'empty' | 'tens' | 'full' = 'empty';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // An ordinal ends the number: "third twenty" is two numbers, not 23.
    if (i > 0 && ORDINALS.has(words[i - 1]!)) return undefined;
    const small = EN_SMALL[w] ?? parseArabic(w);
    if (small !== undefined) {
      // Only units may follow tens ("twenty three"); "twenty twenty" is two numbers.
      if (group === 'full' || (group === 'tens' && !(small >= 1 && small <= 9))) return undefined;
      group = group === 'empty' && small >= 20 && small % 10 === 0 && small < 100 ? 'tens' : 'full';
      current += small;
      seenAny = true;
    } else if (w === 'a' && EN_SCALES[words[i + 1] ?? ''] !== undefined) {
      current += 1;
    } else if (w === 'hundred') {
      current = (current || 1) * 100;
      group = 'empty';
      seenAny = true;
    } else if (EN_SCALES[w] !== undefined) {
      total += (current || 1) * EN_SCALES[w];
      current = 0;
      group = 'empty';
      seenAny = true;
    } else {
      return undefined;
    }
  }
  return seenAny ? total + current : undefined;
}

/**
 * Chinese numerals → a number: "二十三" 23, "一百零五" 105, "两千五" 2500 (the colloquial
 * dropped unit), "一万两千" 12000, "三点五" 3.5, and digit strings "二零二六" 2026.
 */
export function parseChineseNumber(text: string): number | undefined {
  let s = text.trim();
  if (s === '') return undefined;
  let sign = 1;
  if (s.startsWith('负')) {
    sign = -1;
    s = s.slice(1);
  }
  const [intPart = '', fracPart] = s.split('点');
  let fraction = '';
  if (fracPart !== undefined) {
    for (const ch of fracPart) {
      const d = ZH_DIGITS[ch] ?? (/\d/.test(ch) ? Number(ch) : undefined);
      if (d === undefined) return undefined;
      fraction += String(d);
    }
    if (fraction === '') return undefined;
  }
  const whole = intPart === '' && fraction !== '' ? 0 : chineseInteger(intPart);
  if (whole === undefined) return undefined;
  return sign * (fraction === '' ? whole : Number(`${whole}.${fraction}`));
}

function chineseInteger(s: string): number | undefined {
  if (s === '') return undefined;
  const chars = [...s];
  if (chars.every((c) => /\d/.test(c))) return Number(s);
  const hasUnit = chars.some((c) => ZH_UNITS[c] !== undefined || ZH_SECTIONS[c] !== undefined);
  if (!hasUnit) {
    // Read digit by digit: 二零二六 → 2026.
    let digits = '';
    for (const c of chars) {
      const d = ZH_DIGITS[c] ?? (/\d/.test(c) ? Number(c) : undefined);
      if (d === undefined) return undefined;
      digits += String(d);
    }
    return Number(digits);
  }
  let total = 0;
  let section = 0;
  let current: number | undefined;
  let lastUnit = 0;
  let zeroSeen = false;
  for (const c of chars) {
    const digit = ZH_DIGITS[c] ?? (/\d/.test(c) ? Number(c) : undefined);
    if (digit !== undefined) {
      if (digit === 0) zeroSeen = true;
      else if (current !== undefined && current !== 0) return undefined;
      current = digit;
      continue;
    }
    const unit = ZH_UNITS[c];
    if (unit !== undefined) {
      section += (current ?? 1) * unit;
      current = undefined;
      lastUnit = unit;
      zeroSeen = false;
      continue;
    }
    const big = ZH_SECTIONS[c];
    if (big === undefined) return undefined;
    section += current ?? 0;
    total += (section || 1) * big;
    section = 0;
    current = undefined;
    lastUnit = big;
    zeroSeen = false;
  }
  if (current !== undefined && current !== 0 && !zeroSeen && lastUnit >= 100) {
    // 两千五 = 2500, 一万五 = 15000: a trailing digit right after a unit counts one unit down.
    current *= lastUnit / 10;
  }
  return total + section + (current ?? 0);
}

/**
 * A number in any form a caller or an LLM gives it: a number, "1,234.5", English words, Chinese
 * numerals. Undefined when the text is not only a number.
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

/**
 * Replaces digits read out one by one with the digits themselves and keeps the other words:
 * "five five five one two" → "55512", "double five" → "55", "triple oh" → "000", "五五五幺二" →
 * "55512", "P O L one two three" → "P O L 123". Digit runs are joined; other tokens keep a
 * single space between them.
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
    if (lower === 'double' || lower === 'triple') {
      repeat = lower === 'double' ? 2 : 3;
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
