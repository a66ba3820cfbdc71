/**
 * Numbers and amounts of money, written in digits, English words or Chinese numerals. Each
 * finder returns every candidate; `extractEntities` settles overlaps (an amount beats the number
 * inside it).
 */
import {
  joined,
  parseChineseNumber,
  parseChineseNumeral,
  readEnglishDecimal,
  scaleWord,
} from '../language/index.js';
import { entityAt, parseDecimal, type EntityText } from './entity-text.js';
import type { NluEntity } from './nlu-result.js';

const DIGITS = String.raw`\d+(?:,\d{3})*(?:\.\d+)?`;
const ZH_NUM = '[零〇一幺二两三四五六七八九十百千万亿]+';
const ZH_DIGIT = '[零〇一二两三四五六七八九]';

const ASCII_NUMBER_RE = new RegExp(
  String.raw`(?<![\w.,])${DIGITS}(?:\s?(万|亿|千|百))?(?![\w])`,
  'g',
);
const ZH_NUMBER_RE = new RegExp(`${ZH_NUM}(?:点${ZH_DIGIT}+)?`, 'g');

/** Words after which a lone 一 is not a number ("一下", "一遍", "一起"...). */
const AFTER_YI_NOT_NUMBER = '下遍些样直起定般切致旦会边共同齐向点';
/** Words before which a lone 一 is not a number ("统一", "唯一", "之一"). */
const BEFORE_YI_NOT_NUMBER = '统唯之万';
/** Weekday names: 周一 / 星期三 / 礼拜天 are days, not numbers. */
const BEFORE_WEEKDAY = '周期拜';

const CURRENCY_WORDS: Record<string, number> = {
  dollar: 1,
  dollars: 1,
  bucks: 1,
  buck: 1,
  usd: 1,
  euro: 1,
  euros: 1,
  eur: 1,
  pound: 1,
  pounds: 1,
  gbp: 1,
  quid: 1,
  yuan: 1,
  rmb: 1,
  cny: 1,
  cent: 0.01,
  cents: 0.01,
  pence: 0.01,
};

const ZH_SCALE: Record<string, number> = { 万: 1e4, 亿: 1e8, 千: 1e3, 百: 100 };

function roundCents(n: number): number {
  return Math.round(n * 100) / 100;
}

function skipChinese(t: EntityText, start: number, run: string): boolean {
  const prev = t.text[start - 1] ?? '';
  const next = t.text[start + run.length] ?? '';
  if (run === '一' && (AFTER_YI_NOT_NUMBER.includes(next) || BEFORE_YI_NOT_NUMBER.includes(prev))) {
    return true;
  }
  // 十分 is "very" unless it is 十分钟, ten minutes.
  if (run === '十' && next === '分' && t.text[start + 2] !== '钟') return true;
  return run.length === 1 && prev !== '' && BEFORE_WEEKDAY.includes(prev);
}

/** Numbers: "1,234.5", "3万" (30000), "twenty three", "three point five", "二十三", "两百". */
export function findNumbers(t: EntityText): NluEntity[] {
  const out: NluEntity[] = [];
  for (const m of t.text.matchAll(ASCII_NUMBER_RE)) {
    const [raw, zhScale] = [m[0], m[1]];
    let value = parseDecimal(zhScale ? raw.slice(0, -1).trim() : raw);
    if (zhScale) value *= ZH_SCALE[zhScale]!;
    out.push(entityAt(t, 'number', m.index, m.index + raw.length, value));
  }
  const { tokens } = t;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (/^\d+$/.test(tok.text)) {
      // "3 thousand", "2.5 million": digits with an English scale word.
      const next = tokens[i + 1];
      const scale = next && scaleWord(next.text);
      if (scale && joined(t.text, tok, next, /^\s+$/)) {
        const numStart = /[\d.,]*$/.exec(t.text.slice(0, tok.end))!;
        const numText = numStart[0].replace(/^[.,]+/, '');
        const start = tok.end - numText.length;
        out.push(entityAt(t, 'number', start, next.end, parseDecimal(numText) * scale));
      }
      continue;
    }
    const n = readEnglishDecimal(t.text, t.tokens, i);
    if (!n) continue;
    if (!n.ordinal) out.push(entityAt(t, 'number', tok.start, tokens[n.end - 1]!.end, n.value));
    i = n.end - 1;
  }
  for (const m of t.text.matchAll(ZH_NUMBER_RE)) {
    if (skipChinese(t, m.index, m[0])) continue;
    const value = parseChineseNumber(m[0], { wholeAnswer: false });
    if (value !== undefined) out.push(entityAt(t, 'number', m.index, m.index + m[0].length, value));
  }
  return out;
}

const SYMBOL_AMOUNT_RE = new RegExp(
  String.raw`[$€£¥￥]\s?(${DIGITS})(?:\s?(k|thousand|million|m|bn|billion|万)\b)?`,
  'gi',
);
const DIGIT_AMOUNT_RE = new RegExp(
  String.raw`(?<![\w.,])(${DIGITS})\s?(k|thousand|million)?\s?(${Object.keys(CURRENCY_WORDS).join('|')})\b`,
  'gi',
);
const ZH_AMOUNT_RE = new RegExp(
  `(?:人民币\\s?)?(${DIGITS}|${ZH_NUM})\\s?(万|千)?多?\\s?(块钱|元钱|元|块|圆|人民币|美元|美金|欧元|英镑)` +
    `(?:(${ZH_DIGIT})(?:毛|角)?)?`,
  'g',
);

const SCALE_SUFFIX: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  million: 1e6,
  bn: 1e9,
  billion: 1e9,
  万: 1e4,
};

/**
 * Amounts of money: "$120.50", "€3k", "120 dollars", "fifty bucks", "300元", "三百块",
 * "1.5万元", "五块五" (5.5); value is the amount as a number, in the currency said or implied.
 */
export function findAmounts(t: EntityText): NluEntity[] {
  const out: NluEntity[] = [];
  for (const m of t.text.matchAll(SYMBOL_AMOUNT_RE)) {
    const scale = m[2] ? SCALE_SUFFIX[m[2].toLowerCase()]! : 1;
    out.push(
      entityAt(
        t,
        'amount',
        m.index,
        m.index + m[0].length,
        roundCents(parseDecimal(m[1]!) * scale),
      ),
    );
  }
  for (const m of t.text.matchAll(DIGIT_AMOUNT_RE)) {
    const scale = m[2] ? SCALE_SUFFIX[m[2].toLowerCase()]! : 1;
    const unit = CURRENCY_WORDS[m[3]!.toLowerCase()]!;
    out.push(
      entityAt(
        t,
        'amount',
        m.index,
        m.index + m[0].length,
        roundCents(parseDecimal(m[1]!) * scale * unit),
      ),
    );
  }
  const { tokens } = t;
  for (let i = 0; i < tokens.length; i++) {
    const n = readEnglishDecimal(t.text, t.tokens, i);
    if (!n || n.ordinal) continue;
    const cur = tokens[n.end];
    const unit = cur && CURRENCY_WORDS[cur.text];
    if (cur && unit !== undefined && joined(t.text, tokens[n.end - 1]!, cur, /^\s+$/)) {
      let value = n.value * unit;
      let end = cur.end;
      // "five dollars and fifty cents"
      const and = tokens[n.end + 1];
      const cents =
        and?.text === 'and' ? readEnglishDecimal(t.text, t.tokens, n.end + 2) : undefined;
      const centWord = cents && tokens[cents.end];
      if (unit === 1 && cents && centWord && /^cents?$/.test(centWord.text) && cents.value < 100) {
        value += cents.value / 100;
        end = centWord.end;
      }
      out.push(entityAt(t, 'amount', tokens[i]!.start, end, roundCents(value)));
    }
    i = n.end - 1;
  }
  for (const m of t.text.matchAll(ZH_AMOUNT_RE)) {
    const [raw, num, scale, , tenths] = [m[0], m[1]!, m[2], m[3], m[4]];
    let value = /\d/.test(num)
      ? parseDecimal(num)
      : parseChineseNumber(num, { wholeAnswer: false });
    if (value === undefined) continue;
    if (scale) value *= ZH_SCALE[scale]!;
    if (tenths) value += parseChineseNumeral(tenths)! / 10;
    out.push(entityAt(t, 'amount', m.index, m.index + raw.length, roundCents(value)));
  }
  return out;
}
