/**
 * Chinese numerals: everyday digits, the financial (大写) forms, the radio readings of phone
 * numbers, 十百千 and 万亿, read as a whole numeral ("两千五", "一万五", "壹佰贰拾"), with a sign
 * and decimals ("负八", "三点五"), or as digits said one by one ("幺三八").
 *
 * Split out of `spoken-numbers.ts` so the Chinese grammar, which shares no rule with the English
 * one, reads and changes on its own. Callers outside `language/` import from
 * `spoken-numbers.ts` (or the room's `index.ts`); `ZH_DIGITS` is exported for that module's
 * digit reading only.
 *
 * Pure: no I/O. Everything answers `undefined` rather than guess.
 */

/**
 * Chinese digit → value: everyday digits, the financial (大写) forms written on forms and
 * cheques, and the radio readings 幺 (1), 洞 (0) and 拐 (7) people use for phone and policy
 * numbers. Exported for `spokenDigitsToText`, which reads them alongside the English ones.
 */
export const ZH_DIGITS: Readonly<Record<string, number>> = {
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
