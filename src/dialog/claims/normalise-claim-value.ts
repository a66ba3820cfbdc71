/**
 * Turns what a caller said (or what an LLM extracted from it) into the canonical value of a
 * claim field: trimmed text without its "my name is", numbers from words, dates as
 * `YYYY-MM-DD`, date-times as ISO 8601, lower-case e-mail addresses, phone numbers as digits,
 * booleans, enum values by synonym. Fields with a pattern are checked on the normalised value.
 *
 * Pure: no I/O; "now" and the time zone come from the options.
 */
import {
  formatDate,
  parseSpokenDate,
  parseSpokenDateTime,
  parseSpokenNumber,
  spokenDigitsToText,
} from '../language/index.js';
import { isChinese, labelFor, type ClaimField } from './claim-schema.js';

/** How to read a value: the caller's language, and "now" in their zone for relative dates. */
export interface NormaliseOptions {
  /** BCP 47 tag, e.g. `en-US`, `zh-CN`. */
  language: string;
  /** Default: the current time. */
  now?: Date;
  /** IANA zone "today" is read in; default UTC. */
  timeZone?: string;
}

/** The result of {@link normaliseClaimValue}. */
export type NormalisedValue =
  { ok: true; value: string | number | boolean } | { ok: false; message: string };

type Result = NormalisedValue;

const fail = (message: string): Result => ({ ok: false, message });

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const EN_LEAD_INS = [
  'my phone number is',
  'my mobile number is',
  'my number is',
  'my email address is',
  'my email is',
  'my e-mail is',
  'you can reach me at',
  "my name's",
  'my name is',
  'the name is',
  'name is',
  'call me',
  'this is',
  "it's",
  'it is',
  'it was',
  "that's",
  'that is',
  "i'm",
  'i am',
  'i live at',
  'i live in',
  'it happened at',
  'it happened in',
  'it happened on',
  'it was at',
  'it was in',
  // Not a bare "at" or "in": names begin with "In" (In-soo) as well.
];

// "it was at the park" must lose "it was at", not just "it was".
const EN_LEADS_LONGEST_FIRST = [...EN_LEAD_INS].sort((a, b) => b.length - a.length);

const ZH_LEAD_INS = [
  '我的电话号码是',
  '我的手机号码是',
  '我的手机号是',
  '我的电话是',
  '我的号码是',
  '电话号码是',
  '手机号是',
  '号码是',
  '我的邮箱是',
  '邮箱是',
  '我的名字叫',
  '我的名字是',
  '名字叫',
  '名字是',
  '我叫',
  '我姓名是',
  '我是',
  '事故发生在',
  '发生在',
  '是在',
  '就是',
  '是',
  '叫',
  '在',
];

const ZH_LEADS_LONGEST_FIRST = [...ZH_LEAD_INS].sort((a, b) => b.length - a.length);

/**
 * Strips a leading "my name is" / "the policy number is" / "我叫" / "我的保单号是" and trailing
 * punctuation and "please"/"谢谢". The field's own label counts as a lead-in ("my location is").
 */
function stripLeadIns(field: ClaimField, text: string, language: string): string {
  let s = text.trim().replace(/[\s。.!！?？,，;；]+$/u, '');
  if (isChinese(language) || /[\u4e00-\u9fff]/u.test(s)) {
    s = s.replace(/(谢谢|吧|啊|呀|呢|哦)+$/u, '').trim();
    const label = labelFor(field, 'zh-CN');
    const labelled = new RegExp(`^(我的|我|您的)?${escapeRegExp(label)}(是|叫|为)[:：]?`, 'u');
    if (labelled.test(s)) return s.replace(labelled, '').trim();
    for (const lead of ZH_LEADS_LONGEST_FIRST) {
      if (s.startsWith(lead) && s.length > lead.length) return s.slice(lead.length).trim();
    }
    return s;
  }
  s = s
    .replace(/[\s,]*\bplease$/i, '')
    .replace(/^(yes|yeah|ok|okay|sure|so|um|uh|well)[,\s]+/i, '');
  const label = labelFor(field, 'en-US');
  const labelled = new RegExp(
    `^(my|the|our)\\s+${escapeRegExp(label)}\\s+(is|was|'s)\\s*:?\\s*`,
    'i',
  );
  if (labelled.test(s)) return s.replace(labelled, '').trim();
  const lower = s.toLowerCase();
  for (const lead of EN_LEADS_LONGEST_FIRST) {
    if (lower.startsWith(`${lead} `) && s.length > lead.length + 1) {
      return s.slice(lead.length + 1).trim();
    }
  }
  return s;
}

function textOf(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'boolean') return String(raw);
  return undefined;
}

function compile(pattern: string): RegExp {
  return new RegExp(pattern, 'u');
}

/** "P O L one two three" → "POL123": spaces out, upper-case, spoken digits as digits. */
function compact(text: string): string {
  return spokenDigitsToText(text)
    .replace(/[\s\-_.,，、]+/gu, '')
    .toUpperCase();
}

function normaliseText(field: ClaimField, raw: string, language: string): Result {
  const text = stripLeadIns(field, raw, language).replace(/\s+/g, ' ');
  if (text === '') return fail('is empty');
  let value = text;
  if (field.pattern !== undefined) {
    const re = compile(field.pattern);
    const candidates = [text, compact(text), compact(raw)];
    const match = candidates.find((c) => re.test(c));
    if (match === undefined) return fail(`does not match the expected format ${field.pattern}`);
    value = match;
  }
  const length = [...value].length;
  if (field.min !== undefined && length < field.min) {
    return fail(`is too short (at least ${field.min} characters)`);
  }
  if (field.max !== undefined && length > field.max) {
    return fail(`is too long (at most ${field.max} characters)`);
  }
  return { ok: true, value };
}

function normaliseNumber(field: ClaimField, raw: unknown, language: string): Result {
  let value = parseSpokenNumber(raw);
  if (value === undefined && typeof raw === 'string') {
    value = parseSpokenNumber(stripLeadIns(field, raw, language));
  }
  if (value === undefined) return fail('is not a number');
  if (field.min !== undefined && value < field.min) return fail(`must be at least ${field.min}`);
  if (field.max !== undefined && value > field.max) return fail(`must be at most ${field.max}`);
  return { ok: true, value };
}

const EMAIL_RE = /^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/;

function normaliseEmail(field: ClaimField, raw: string, language: string): Result {
  let s = stripLeadIns(field, raw, language).toLowerCase();
  s = s
    .replace(/\s*(?:\bat\b|艾特|圈a|@)\s*/gu, '@')
    .replace(/\s*(?:\bdot\b|点|。)\s*/gu, '.')
    .replace(/\s*\bunderscore\b\s*/g, '_')
    .replace(/\s*\b(?:dash|hyphen)\b\s*/g, '-')
    .replace(/\s+/g, '');
  if (!EMAIL_RE.test(s)) return fail('is not an e-mail address');
  if (field.pattern !== undefined && !compile(field.pattern).test(s)) {
    return fail(`does not match the expected format ${field.pattern}`);
  }
  return { ok: true, value: s };
}

function normalisePhone(field: ClaimField, raw: string, language: string): Result {
  const spoken = spokenDigitsToText(
    stripLeadIns(field, raw, language).replace(/\bplus\b|加/giu, '+'),
  );
  const plus = spoken.trim().startsWith('+') ? '+' : '';
  const digits = spoken.replace(/[^0-9]/g, '');
  // Anything left besides separators means this was not (only) a number.
  if (/[a-z\u4e00-\u9fff]/iu.test(spoken)) {
    return fail('is not a phone number');
  }
  if (digits.length < 6 || digits.length > 15) return fail('must have 6 to 15 digits');
  const value = plus + digits;
  if (field.pattern !== undefined && !compile(field.pattern).test(value)) {
    return fail(`does not match the expected format ${field.pattern}`);
  }
  return { ok: true, value };
}

const YES = new Set([
  'yes',
  'yeah',
  'yep',
  'yup',
  'y',
  'true',
  'correct',
  'right',
  'sure',
  'affirmative',
  'ok',
  'okay',
  'indeed',
  '1',
]);
const NO = new Set([
  'no',
  'nope',
  'nah',
  'n',
  'false',
  'incorrect',
  'wrong',
  'negative',
  'not',
  '0',
]);
const ZH_YES = ['是', '对', '好', '嗯', '没错', '有', '正确', '可以', '确认', '行'];
const ZH_NO = ['不', '否', '没有', '没', '错', '无'];

function normaliseBoolean(raw: unknown): Result {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = textOf(raw)?.trim().toLowerCase();
  if (text === undefined || text === '') return fail('is not yes or no');
  if (/[\u4e00-\u9fff]/u.test(text)) {
    // Negations first: 不是 and 没有 begin with words that alone mean yes.
    if (ZH_NO.some((w) => text.startsWith(w))) return { ok: true, value: false };
    if (ZH_YES.some((w) => text.startsWith(w))) return { ok: true, value: true };
    return fail('is not yes or no');
  }
  const first = text.split(/[\s,.!]+/)[0] ?? '';
  if (YES.has(first) || /^(that's|that is) (right|correct)/.test(text))
    return { ok: true, value: true };
  if (NO.has(first) || /^(that's|that is) (wrong|not right)/.test(text))
    return { ok: true, value: false };
  return fail('is not yes or no');
}

function simplify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .replace(/[。.!！?？,，]+$/u, '');
}

function normaliseEnum(field: ClaimField, raw: unknown, language: string): Result {
  const text = textOf(raw);
  if (text === undefined) return fail('is not one of the allowed values');
  const values = field.values ?? [];
  const entries: Array<[string, string[]]> = Array.isArray(values)
    ? values.map((v) => [v, []])
    : Object.entries(values);
  const forms = entries.map(([value, synonyms]) => ({
    value,
    forms: [value, ...synonyms].map(simplify),
  }));
  for (const candidate of [simplify(text), simplify(stripLeadIns(field, text, language))]) {
    const exact = forms.find((f) => f.forms.includes(candidate));
    if (exact) return { ok: true, value: exact.value };
  }
  // "it was a car accident" → the one value mentioned; two values mentioned is no answer.
  const said = simplify(text);
  const mentioned = forms.filter((f) =>
    f.forms.some((form) =>
      /[\u4e00-\u9fff]/u.test(form)
        ? said.includes(form)
        : new RegExp(`(^|[^a-z0-9])${escapeRegExp(form)}($|[^a-z0-9])`, 'u').test(said),
    ),
  );
  if (mentioned.length === 1) return { ok: true, value: mentioned[0]!.value };
  const allowed = entries.map(([v]) => v).join(', ');
  return fail(
    mentioned.length > 1 ? `is ambiguous; one of ${allowed}` : `must be one of ${allowed}`,
  );
}

/**
 * Normalises `raw` for `field`. Never throws: an unusable value comes back with a message
 * that completes the field's label ("policy number does not match …").
 */
export function normaliseClaimValue(
  field: ClaimField,
  raw: unknown,
  options: NormaliseOptions,
): NormalisedValue {
  if (raw === undefined || raw === null) return fail('is empty');
  const { language } = options;
  const context = { now: options.now ?? new Date(), timeZone: options.timeZone ?? 'UTC' };
  switch (field.type) {
    case 'number':
      return normaliseNumber(field, raw, language);
    case 'boolean':
      return normaliseBoolean(raw);
    case 'enum':
      return normaliseEnum(field, raw, language);
    default:
      break;
  }
  const text = textOf(raw);
  if (text === undefined) return fail('must be text');
  if (text.trim() === '') return fail('is empty');
  switch (field.type) {
    case 'date': {
      const date =
        parseSpokenDate(text, context, language) ??
        parseSpokenDate(stripLeadIns(field, text, language), context, language);
      return date ? { ok: true, value: formatDate(date) } : fail('is not a date');
    }
    case 'datetime': {
      const iso =
        parseSpokenDateTime(text, context, language) ??
        parseSpokenDateTime(stripLeadIns(field, text, language), context, language);
      return iso ? { ok: true, value: iso } : fail('is not a date and time of day');
    }
    case 'email':
      return normaliseEmail(field, text, language);
    case 'phone':
      return normalisePhone(field, text, language);
    default:
      return normaliseText(field, text, language);
  }
}
