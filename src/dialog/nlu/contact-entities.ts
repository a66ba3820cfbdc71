/**
 * Phone numbers, e-mail addresses, order ids and policy ids: the identifiers callers read out.
 * Each finder returns every candidate; `extractEntities` settles overlaps.
 */
import { isZhDigitRun, readDigitRun, zhDigitsToString } from '../language/index.js';
import { entityAt, type EntityText } from './entity-text.js';
import type { NluEntity } from './nlu-result.js';

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// Digit groups with the separators people write in phone numbers; the digit count decides.
const PHONE_RE = /(?<![\w+])(?:\+\s?|\()?\d[\d\s().-]{5,}\d(?!\w)/g;
const ZH_DIGIT_RUN_RE = /[零〇一幺二两三四五六七八九]{7,}/g;
const SPOKEN_WORD_RE = /^[a-z]+$/;
const MIN_PHONE_DIGITS = 7;
const MAX_PHONE_DIGITS = 15;

/** E-mail addresses; value lower-cased. */
export function findEmails(t: EntityText): NluEntity[] {
  return [...t.text.matchAll(EMAIL_RE)].map((m) =>
    entityAt(t, 'email', m.index, m.index + m[0].length, m[0].toLowerCase()),
  );
}

/**
 * Phone numbers: E.164 ("+44 20 7946 0958" → "+442079460958"), national forms with spaces,
 * dots, dashes or brackets ("(415) 555-2671" → "4155552671"), digits said one by one ("four one
 * five five five five ...", "幺三八...") — 7 to 15 digits.
 */
export function findPhones(t: EntityText): NluEntity[] {
  const out: NluEntity[] = [];
  for (const m of t.text.matchAll(PHONE_RE)) {
    const raw = m[0];
    const digits = raw.replace(/\D/g, '');
    if (digits.length < MIN_PHONE_DIGITS || digits.length > MAX_PHONE_DIGITS) continue;
    const e164 = raw.startsWith('+') || (raw.startsWith('00') && digits.length > 10);
    const value = e164 ? `+${raw.startsWith('00') ? digits.slice(2) : digits}` : digits;
    out.push(entityAt(t, 'phone', m.index, m.index + raw.length, value));
  }
  const { tokens } = t;
  for (let i = 0; i < tokens.length; i++) {
    if (!SPOKEN_WORD_RE.test(tokens[i]!.text)) continue;
    const run = readDigitRun(t.text, tokens, i);
    if (!run) continue;
    if (run.digits.length >= MIN_PHONE_DIGITS && run.digits.length <= MAX_PHONE_DIGITS) {
      out.push(entityAt(t, 'phone', tokens[i]!.start, tokens[run.end - 1]!.end, run.digits));
    }
    i = run.end - 1;
  }
  for (const m of t.text.matchAll(ZH_DIGIT_RUN_RE)) {
    const digits = zhDigitsToString(m[0]);
    if (digits.length > MAX_PHONE_DIGITS) continue;
    out.push(entityAt(t, 'phone', m.index, m.index + m[0].length, digits));
  }
  return out;
}

const ORDER_CODE_RE = /\bORD[-\s]?(\d{3,12})\b/gi;
const ORDER_KEYWORD_RE =
  /\border\s*(?:number|no\.?|num|id|#)\s*(?:is\s*)?[:#]?\s*|订单(?:号码|编号|号)\s*(?:是|为)?\s*[:：]?\s*/gi;
const POLICY_CODE_RE = /\b(?:POL[-\s]?\d{4,12}|PN[-\s]?\d{6,10})\b/gi;
const POLICY_KEYWORD_RE =
  /\bpolicy\s*(?:number|no\.?|num|id|#)\s*(?:is\s*)?[:#]?\s*|保单(?:号码|编号|号)\s*(?:是|为)?\s*[:：]?\s*/gi;
const MIN_ID_DIGITS = 4;

/** Digits right after `offset` (ASCII, spoken English, or Chinese digits) and where they end. */
function digitsAfter(
  t: EntityText,
  offset: number,
): { start: number; end: number; digits: string } | undefined {
  const rest = t.text.slice(offset);
  const zh = /^[零〇一幺二两三四五六七八九]+/.exec(rest);
  if (zh && isZhDigitRun(zh[0])) {
    return { start: offset, end: offset + zh[0].length, digits: zhDigitsToString(zh[0]) };
  }
  const i = t.tokens.findIndex((tok) => tok.start >= offset);
  if (i < 0 || t.text.slice(offset, t.tokens[i]!.start).trim() !== '') return undefined;
  const run = readDigitRun(t.text, t.tokens, i, /^[\s-]*$/);
  if (!run) return undefined;
  return { start: t.tokens[i]!.start, end: t.tokens[run.end - 1]!.end, digits: run.digits };
}

/** Ids introduced by a keyword ("order number 123456", "保单号是一二三四五六"): the digits. */
function keywordIds(t: EntityText, re: RegExp, type: string): NluEntity[] {
  const out: NluEntity[] = [];
  for (const m of t.text.matchAll(re)) {
    const found = digitsAfter(t, m.index + m[0].length);
    if (found && found.digits.length >= MIN_ID_DIGITS) {
      out.push(entityAt(t, type, found.start, found.end, found.digits));
    }
  }
  return out;
}

/** Order ids: "ORD-12345" / "ord 12345" → "ORD-12345"; "order number 123456" → "123456". */
export function findOrderIds(t: EntityText): NluEntity[] {
  const out = [...t.text.matchAll(ORDER_CODE_RE)].map((m) =>
    entityAt(t, 'order_id', m.index, m.index + m[0].length, `ORD-${m[1]}`),
  );
  return [...out, ...keywordIds(t, ORDER_KEYWORD_RE, 'order_id')];
}

/**
 * Policy ids: "POL-123456", "PN 12345678", spelled "P O L one two three four ...", or digits
 * after "policy number"/"保单号"; value upper-case without spaces ("PN12345678", "POL123456").
 */
export function findPolicyIds(t: EntityText): NluEntity[] {
  const out = [...t.text.matchAll(POLICY_CODE_RE)].map((m) =>
    entityAt(
      t,
      'policy_id',
      m.index,
      m.index + m[0].length,
      m[0].replace(/\s+/g, '').toUpperCase(),
    ),
  );
  const { tokens } = t;
  const letterGap = /^[\s.,-]*$/;
  for (let i = 0; i < tokens.length; i++) {
    let letters = '';
    let k = i;
    while (k < tokens.length && /^[a-z]$/.test(tokens[k]!.text) && letters.length < 3) {
      if (k > i && !letterGap.test(t.text.slice(tokens[k - 1]!.end, tokens[k]!.start))) break;
      letters += tokens[k]!.text.toUpperCase();
      k += 1;
    }
    const prefix = letters === 'POL' ? 'POL' : letters.startsWith('PN') ? 'PN' : undefined;
    if (!prefix || k >= tokens.length) continue;
    const after = i + prefix.length;
    if (!letterGap.test(t.text.slice(tokens[after - 1]!.end, tokens[after]!.start))) continue;
    const run = readDigitRun(t.text, tokens, after);
    if (run && run.digits.length >= MIN_ID_DIGITS) {
      out.push(
        entityAt(t, 'policy_id', tokens[i]!.start, tokens[run.end - 1]!.end, prefix + run.digits),
      );
      i = run.end - 1;
    }
  }
  return [...out, ...keywordIds(t, POLICY_KEYWORD_RE, 'policy_id')];
}
