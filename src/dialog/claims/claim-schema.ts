/**
 * The claim schema: the typed fields an agent collects from a caller (an insurance claim, a
 * booking), how each is labelled and asked for per language, and `validateClaimSchema`, which
 * reports every problem with a path naming the field, e.g. `fields[policyNumber].pattern`.
 *
 * Pure: no I/O.
 */

/** What kind of value a field holds; decides how a spoken answer is normalised. */
export type ClaimFieldType =
  'text' | 'number' | 'datetime' | 'date' | 'email' | 'phone' | 'enum' | 'boolean';

/** The field types, in documentation order. */
export const CLAIM_FIELD_TYPES: readonly ClaimFieldType[] = [
  'text',
  'number',
  'datetime',
  'date',
  'email',
  'phone',
  'enum',
  'boolean',
];

/** One field of a claim. */
export interface ClaimField {
  /** Identifier, `/^[a-zA-Z][a-zA-Z0-9_]*$/`: it becomes a JSON-schema property for the LLM. */
  name: string;
  type: ClaimFieldType;
  /** Whether the claim is incomplete without it; default true. */
  required?: boolean;
  /** What the field is called, per language: `{ 'en-US': 'policy number', 'zh-CN': '保单号' }`. */
  label?: string | Record<string, string>;
  /** The question the agent asks for it, per language. */
  prompt?: string | Record<string, string>;
  /** For the LLM's tool schema. */
  description?: string;
  /** Enum only: the allowed values, or each value with its synonyms (any language). */
  values?: string[] | Record<string, string[]>;
  /** A regular expression the normalised text, phone or email must match. */
  pattern?: string;
  /** Number: smallest value; text: shortest length. */
  min?: number;
  /** Number: largest value; text: longest length. */
  max?: number;
}

/** A named set of fields, in the order the agent asks for them. */
export interface ClaimSchema {
  name: string;
  fields: ClaimField[];
}

/** One thing wrong with a claim schema document. */
export interface ClaimSchemaProblem {
  /** Where: `name`, `fields`, `fields[policyNumber].pattern`, `fields[2].name`. */
  path: string;
  message: string;
}

/** The result of {@link validateClaimSchema}. */
export type ClaimSchemaValidation =
  { ok: true; value: ClaimSchema } | { ok: false; problems: ClaimSchemaProblem[] };

const FIELD_NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const FIELD_KEYS = new Set([
  'name',
  'type',
  'required',
  'label',
  'prompt',
  'description',
  'values',
  'pattern',
  'min',
  'max',
]);
const PATTERN_TYPES: readonly ClaimFieldType[] = ['text', 'phone', 'email'];
const RANGE_TYPES: readonly ClaimFieldType[] = ['number', 'text'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** A string, or a non-empty map of language tag → non-empty string. */
function checkLocalised(value: unknown, report: (sub: string, message: string) => void): void {
  if (typeof value === 'string') {
    if (value.trim() === '') report('', 'must not be empty');
    return;
  }
  if (!isObject(value) || Object.keys(value).length === 0) {
    report('', 'must be a string or a map of language → text, e.g. { "en-US": "…" }');
    return;
  }
  for (const [language, text] of Object.entries(value)) {
    if (!isNonEmptyString(text)) report(`.${language}`, 'must be a non-empty string');
  }
}

function checkValues(value: unknown, report: (sub: string, message: string) => void): void {
  if (Array.isArray(value)) {
    if (value.length === 0) report('', 'must list at least one value');
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isNonEmptyString(v)) report(`[${i}]`, 'must be a non-empty string');
      else if (seen.has(v.toLowerCase())) report(`[${i}]`, `duplicate value "${v}"`);
      else seen.add(v.toLowerCase());
    });
    return;
  }
  if (!isObject(value) || Object.keys(value).length === 0) {
    report('', 'must be a list of values or a map of value → synonyms');
    return;
  }
  for (const [key, synonyms] of Object.entries(value)) {
    if (key.trim() === '') report('', 'a value must not be empty');
    if (!Array.isArray(synonyms) || synonyms.some((s) => !isNonEmptyString(s))) {
      report(`.${key}`, 'must be a list of non-empty synonyms (may be empty)');
    }
  }
}

function checkField(
  raw: unknown,
  index: number,
  firstIndexOf: Map<string, number>,
  problems: ClaimSchemaProblem[],
): ClaimField | undefined {
  let prefix = `fields[${index}]`;
  if (!isObject(raw)) {
    problems.push({ path: prefix, message: 'a field must be an object with a name and a type' });
    return undefined;
  }
  const before = problems.length;
  const name = raw.name;
  if (typeof name === 'string' && FIELD_NAME_RE.test(name)) prefix = `fields[${name}]`;
  const report = (key: string, message: string) =>
    problems.push({ path: `${prefix}${key === '' ? '' : `.${key}`}`, message });

  if (name === undefined) report('name', 'is required');
  else if (typeof name !== 'string' || !FIELD_NAME_RE.test(name)) {
    report('name', 'must start with a letter and hold only letters, digits and "_"');
  } else if (firstIndexOf.has(name)) {
    report(
      'name',
      `duplicate field name "${name}" (fields ${firstIndexOf.get(name)} and ${index})`,
    );
  } else {
    firstIndexOf.set(name, index);
  }
  for (const key of Object.keys(raw)) if (!FIELD_KEYS.has(key)) report(key, 'unknown key');

  const type = raw.type;
  const typeOk = (CLAIM_FIELD_TYPES as readonly unknown[]).includes(type);
  if (type === undefined) report('type', 'is required');
  else if (!typeOk) report('type', `must be one of ${CLAIM_FIELD_TYPES.join(', ')}`);
  const fieldType = typeOk ? (type as ClaimFieldType) : undefined;

  if (raw.required !== undefined && typeof raw.required !== 'boolean') {
    report('required', 'must be true or false');
  }
  for (const key of ['label', 'prompt'] as const) {
    if (raw[key] !== undefined) checkLocalised(raw[key], (sub, m) => report(`${key}${sub}`, m));
  }
  if (raw.description !== undefined && !isNonEmptyString(raw.description)) {
    report('description', 'must be a non-empty string');
  }

  if (fieldType === 'enum' && raw.values === undefined) {
    report('values', 'an enum field needs its allowed values');
  } else if (raw.values !== undefined) {
    if (fieldType !== undefined && fieldType !== 'enum') {
      report('values', 'only enum fields take values');
    } else checkValues(raw.values, (sub, m) => report(`values${sub}`, m));
  }

  if (raw.pattern !== undefined) {
    if (typeof raw.pattern !== 'string' || raw.pattern === '') {
      report('pattern', 'must be a non-empty regular expression');
    } else {
      try {
        new RegExp(raw.pattern, 'u');
        if (fieldType !== undefined && !PATTERN_TYPES.includes(fieldType)) {
          report('pattern', `only ${PATTERN_TYPES.join(', ')} fields take a pattern`);
        }
      } catch (error) {
        report('pattern', `is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }

  for (const key of ['min', 'max'] as const) {
    const bound = raw[key];
    if (bound === undefined) continue;
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      report(key, 'must be a finite number');
    } else if (fieldType !== undefined && !RANGE_TYPES.includes(fieldType)) {
      report(key, 'only number fields (value) and text fields (length) take min/max');
    } else if (fieldType === 'text' && (!Number.isInteger(bound) || bound < 0)) {
      report(key, 'a text length must be a whole number ≥ 0');
    }
  }
  if (typeof raw.min === 'number' && typeof raw.max === 'number' && raw.min > raw.max) {
    report('min', `must not be greater than max (${raw.min} > ${raw.max})`);
  }

  return problems.length === before ? (raw as unknown as ClaimField) : undefined;
}

/**
 * Validates a parsed JSON/YAML claim schema. Collects every problem rather than stopping at
 * the first: duplicate or malformed names, unknown types and keys, enums without values,
 * patterns that are not regular expressions, min > max.
 */
export function validateClaimSchema(doc: unknown): ClaimSchemaValidation {
  if (!isObject(doc)) {
    return { ok: false, problems: [{ path: '', message: 'a claim schema must be an object' }] };
  }
  const problems: ClaimSchemaProblem[] = [];
  if (doc.name === undefined) problems.push({ path: 'name', message: 'is required' });
  else if (!isNonEmptyString(doc.name)) {
    problems.push({ path: 'name', message: 'must be a non-empty string' });
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'name' && key !== 'fields') problems.push({ path: key, message: 'unknown key' });
  }
  const fields: ClaimField[] = [];
  if (doc.fields === undefined) problems.push({ path: 'fields', message: 'is required' });
  else if (!Array.isArray(doc.fields)) {
    problems.push({ path: 'fields', message: 'must be a list of fields' });
  } else if (doc.fields.length === 0) {
    problems.push({ path: 'fields', message: 'a claim needs at least one field' });
  } else {
    const firstIndexOf = new Map<string, number>();
    doc.fields.forEach((raw, index) => {
      const field = checkField(raw, index, firstIndexOf, problems);
      if (field) fields.push(structuredClone(field));
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { name: doc.name as string, fields } };
}

/** Whether the claim is incomplete without this field (fields are required unless told). */
export function isRequired(field: ClaimField): boolean {
  return field.required !== false;
}

/** Whether a language tag is Chinese (`zh`, `zh-CN`, `zh-Hant-TW`, `cmn`, `yue`). */
export function isChinese(language: string): boolean {
  return /^(zh|cmn|yue)\b/i.test(language);
}

/**
 * Picks the text for `language` from a localised map: the exact tag, then the same primary
 * language (`zh-TW` finds `zh-CN`), else undefined.
 */
export function pickLocalised(
  value: string | Record<string, string> | undefined,
  language: string,
): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  const wanted = language.toLowerCase();
  const entries = Object.entries(value);
  const exact = entries.find(([tag]) => tag.toLowerCase() === wanted);
  if (exact) return exact[1];
  const primary = wanted.split('-')[0];
  return entries.find(([tag]) => tag.toLowerCase().split('-')[0] === primary)?.[1];
}

/** `policyNumber` → `policy number`, `incident_date` → `incident date`. */
function wordsOf(name: string): string {
  return name
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
}

/** What the field is called in `language`: its label there, else its name in words. */
export function labelFor(field: ClaimField, language: string): string {
  const label = pickLocalised(field.label, language);
  if (label !== undefined) return label;
  // A plain-string label is language-neutral; a map without this language falls back to words.
  return wordsOf(field.name);
}

/**
 * The question that asks for the field in `language`: its prompt there, else a default built
 * on the label ("What is your policy number?" / "请问您的保单号是？").
 */
export function promptFor(field: ClaimField, language: string): string {
  const prompt = pickLocalised(field.prompt, language);
  if (prompt !== undefined) return prompt;
  const label = labelFor(field, language);
  return isChinese(language) ? `请问您的${label}是？` : `What is your ${label}?`;
}

/**
 * The demo insurance claim: who (full name), which policy (`POL` and six digits), when and
 * where it happened; all required, labelled and asked for in en-US and zh-CN.
 */
export const DEMO_CLAIM_SCHEMA: ClaimSchema = {
  name: 'insurance-claim',
  fields: [
    {
      name: 'fullName',
      type: 'text',
      label: { 'en-US': 'full name', 'zh-CN': '姓名' },
      prompt: { 'en-US': 'May I have your full name, please?', 'zh-CN': '请问您的姓名是？' },
      description: "The policy holder's full name.",
      min: 2,
      max: 100,
    },
    {
      name: 'policyNumber',
      type: 'text',
      label: { 'en-US': 'policy number', 'zh-CN': '保单号' },
      prompt: {
        'en-US': 'What is your policy number? It starts with P O L.',
        'zh-CN': '请告诉我您的保单号，以 POL 开头。',
      },
      description: 'The insurance policy number: "POL" followed by six digits, e.g. POL123456.',
      pattern: '^POL\\d{6}$',
    },
    {
      name: 'incidentDate',
      type: 'date',
      label: { 'en-US': 'incident date', 'zh-CN': '出险日期' },
      prompt: {
        'en-US': 'On what date did the incident happen?',
        'zh-CN': '请问事故是哪天发生的？',
      },
      description: 'The day the incident happened (YYYY-MM-DD, or words such as "yesterday").',
    },
    {
      name: 'location',
      type: 'text',
      label: { 'en-US': 'location', 'zh-CN': '出险地点' },
      prompt: { 'en-US': 'Where did it happen?', 'zh-CN': '请问事故发生在哪里？' },
      description: 'Where the incident happened: an address, a road or a city.',
      min: 2,
      max: 200,
    },
  ],
};
