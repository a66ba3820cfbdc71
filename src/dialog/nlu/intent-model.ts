/**
 * The intent model document (stored through the API as an "intents" document): one language's
 * intents with example utterances, and the custom entities to find. `validateIntentModel` checks
 * a parsed JSON/YAML document and names every problem by path, intents by name
 * (`intents[file_claim].utterances`) and entities by index (`entities[2].regex`).
 */

/** One language's intents. */
export interface IntentModel {
  /** BCP 47: 'en-US', 'zh-CN'. Parsing matches on the primary subtag (en, zh). */
  language: string;
  /** 0..1, default 0.5: below it the result is the fallback intent. */
  threshold?: number;
  /** Default 'None'. */
  fallbackIntent?: string;
  /** `name` matches /^[a-z][a-z0-9_.-]*$/. */
  intents: Array<{ name: string; utterances: string[] }>;
  entities?: Array<IntentModelEntity>;
}

/** A custom entity: a regular expression, or an enum of canonical values with synonyms. */
export type IntentModelEntity =
  | { name: string; regex: string; flags?: string }
  | { name: string; values: Record<string, string[]> };

/** One thing wrong with an intent model document. */
export interface IntentModelProblem {
  path: string;
  message: string;
}

/** The outcome of `validateIntentModel`. */
export type IntentModelValidation =
  { ok: true; value: IntentModel } | { ok: false; problems: IntentModelProblem[] };

/** Default confidence below which a parse falls back. */
export const DEFAULT_INTENT_THRESHOLD = 0.5;
/** Default name of the intent reported when nothing matched well enough. */
export const DEFAULT_FALLBACK_INTENT = 'None';
/** Entity kinds `extractEntities` finds without a model; custom entities may not reuse them. */
export const BUILT_IN_ENTITY_TYPES = [
  'number',
  'phone',
  'email',
  'amount',
  'date',
  'order_id',
  'policy_id',
] as const;

const NAME_RE = /^[a-z][a-z0-9_.-]*$/;
const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
// `g` and `y` change how a RegExp object keeps state between calls; the extractor sets its own.
const FLAGS_RE = /^[imsu]*$/;
const MODEL_KEYS = ['language', 'threshold', 'fallbackIntent', 'intents', 'entities'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/**
 * Validates a parsed intent model document. Collects every problem rather than stopping at the
 * first; on success returns a copy holding only the known fields.
 */
export function validateIntentModel(doc: unknown): IntentModelValidation {
  const problems: IntentModelProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });

  if (!isObject(doc)) {
    return { ok: false, problems: [{ path: '', message: 'an intent model must be an object' }] };
  }
  for (const key of Object.keys(doc)) if (!MODEL_KEYS.includes(key)) report(key, 'unknown key');

  const { language, threshold, fallbackIntent } = doc;
  if (language === undefined) report('language', 'is required');
  else if (typeof language !== 'string' || !LANGUAGE_RE.test(language)) {
    report('language', 'must be a language tag such as "en-US" or "zh-CN"');
  }
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      report('threshold', 'must be a number from 0 to 1');
    } else if (threshold < 0 || threshold > 1) {
      report('threshold', `must be from 0 to 1, got ${threshold}`);
    }
  }
  if (fallbackIntent !== undefined && !nonEmptyString(fallbackIntent)) {
    report('fallbackIntent', 'must be a non-empty string');
  }

  const intents = validateIntents(doc.intents, report);
  if (typeof fallbackIntent === 'string' && intents.some((i) => i.name === fallbackIntent)) {
    report('fallbackIntent', `"${fallbackIntent}" is also a trained intent`);
  }
  const entities = doc.entities === undefined ? undefined : validateEntities(doc.entities, report);

  if (problems.length > 0) return { ok: false, problems };
  const value: IntentModel = { language: language as string, intents };
  if (threshold !== undefined) value.threshold = threshold as number;
  if (fallbackIntent !== undefined) value.fallbackIntent = fallbackIntent as string;
  if (entities !== undefined) value.entities = entities;
  return { ok: true, value };
}

type Report = (path: string, message: string) => void;

function validateIntents(raw: unknown, report: Report): IntentModel['intents'] {
  const out: IntentModel['intents'] = [];
  if (raw === undefined) {
    report('intents', 'is required');
    return out;
  }
  if (!Array.isArray(raw)) {
    report('intents', 'must be a list of intents');
    return out;
  }
  if (raw.length === 0) report('intents', 'needs at least one intent');
  const firstIndexOf = new Map<string, number>();
  raw.forEach((item: unknown, index) => {
    let prefix = `intents[${index}]`;
    if (!isObject(item)) {
      report(prefix, 'an intent must be an object with a name and utterances');
      return;
    }
    const { name, utterances } = item;
    let ok = true;
    if (typeof name === 'string' && name !== '') prefix = `intents[${name}]`;
    if (name === undefined) {
      report(`${prefix}.name`, 'is required');
      ok = false;
    } else if (typeof name !== 'string' || !NAME_RE.test(name)) {
      report(`${prefix}.name`, 'must start with a-z and hold only a-z, 0-9, "_", "." or "-"');
      ok = false;
    } else if (firstIndexOf.has(name)) {
      report(
        `${prefix}.name`,
        `duplicate intent "${name}" (intents ${firstIndexOf.get(name)} and ${index})`,
      );
      ok = false;
    } else {
      firstIndexOf.set(name, index);
    }
    for (const key of Object.keys(item)) {
      if (key !== 'name' && key !== 'utterances') report(`${prefix}.${key}`, 'unknown key');
    }
    if (utterances === undefined) {
      report(`${prefix}.utterances`, 'is required');
      ok = false;
    } else if (!Array.isArray(utterances)) {
      report(`${prefix}.utterances`, 'must be a list of example sentences');
      ok = false;
    } else if (utterances.length === 0) {
      report(`${prefix}.utterances`, 'needs at least one utterance');
      ok = false;
    } else {
      utterances.forEach((u: unknown, i) => {
        if (!nonEmptyString(u)) {
          report(`${prefix}.utterances[${i}]`, 'must be a non-empty string');
          ok = false;
        }
      });
    }
    if (ok) out.push({ name: name as string, utterances: [...(utterances as string[])] });
  });
  return out;
}

function validateEntities(raw: unknown, report: Report): IntentModelEntity[] {
  const out: IntentModelEntity[] = [];
  if (!Array.isArray(raw)) {
    report('entities', 'must be a list of entities');
    return out;
  }
  const firstIndexOf = new Map<string, number>();
  raw.forEach((item: unknown, index) => {
    const prefix = `entities[${index}]`;
    if (!isObject(item)) {
      report(prefix, 'an entity must be an object with a name and either regex or values');
      return;
    }
    let ok = true;
    const { name, regex, flags, values } = item;
    if (name === undefined) {
      report(`${prefix}.name`, 'is required');
      ok = false;
    } else if (typeof name !== 'string' || !NAME_RE.test(name)) {
      report(`${prefix}.name`, 'must start with a-z and hold only a-z, 0-9, "_", "." or "-"');
      ok = false;
    } else if ((BUILT_IN_ENTITY_TYPES as readonly string[]).includes(name)) {
      report(`${prefix}.name`, `"${name}" is a built-in entity`);
      ok = false;
    } else if (firstIndexOf.has(name)) {
      report(
        `${prefix}.name`,
        `duplicate entity "${name}" (entities ${firstIndexOf.get(name)} and ${index})`,
      );
      ok = false;
    } else {
      firstIndexOf.set(name, index);
    }
    const allowed = regex !== undefined ? ['name', 'regex', 'flags'] : ['name', 'values'];
    for (const key of Object.keys(item)) {
      if (!allowed.includes(key)) {
        const both = key === 'values' || key === 'flags';
        report(
          `${prefix}.${key}`,
          both ? 'an entity has either regex (with flags) or values' : 'unknown key',
        );
        ok = false;
      }
    }
    if (regex !== undefined) {
      ok = checkRegex(prefix, regex, flags, report) && ok;
      if (ok) {
        const entity: IntentModelEntity = { name: name as string, regex: regex as string };
        if (flags !== undefined) entity.flags = flags as string;
        out.push(entity);
      }
    } else if (values !== undefined) {
      ok = checkValues(prefix, values, report) && ok;
      if (ok) {
        const copy: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(values as Record<string, string[]>)) copy[k] = [...v];
        out.push({ name: name as string, values: copy });
      }
    } else {
      report(prefix, 'needs either regex or values');
    }
  });
  return out;
}

function checkRegex(prefix: string, regex: unknown, flags: unknown, report: Report): boolean {
  let ok = true;
  if (!nonEmptyString(regex)) {
    report(`${prefix}.regex`, 'must be a non-empty string');
    ok = false;
  }
  if (flags !== undefined && (typeof flags !== 'string' || !FLAGS_RE.test(flags))) {
    report(`${prefix}.flags`, 'may hold only the flags i, m, s and u');
    ok = false;
  }
  if (!ok) return false;
  let re: RegExp;
  try {
    re = new RegExp(regex as string, (flags as string | undefined) ?? '');
  } catch {
    report(`${prefix}.regex`, 'is not a valid regular expression');
    return false;
  }
  // One that matches the empty string would find an entity at every position of every utterance.
  if (re.test('')) {
    report(`${prefix}.regex`, 'must not match the empty string');
    return false;
  }
  return true;
}

function checkValues(prefix: string, values: unknown, report: Report): boolean {
  if (!isObject(values)) {
    report(`${prefix}.values`, 'must map each canonical value to a list of synonyms');
    return false;
  }
  const keys = Object.keys(values);
  if (keys.length === 0) {
    report(`${prefix}.values`, 'needs at least one value');
    return false;
  }
  let ok = true;
  for (const key of keys) {
    const synonyms = values[key];
    if (key.trim() === '') {
      report(`${prefix}.values`, 'a canonical value must not be empty');
      ok = false;
    }
    if (!Array.isArray(synonyms)) {
      report(`${prefix}.values.${key}`, 'must be a list of synonyms (may be empty)');
      ok = false;
      continue;
    }
    synonyms.forEach((s: unknown, i) => {
      if (!nonEmptyString(s)) {
        report(`${prefix}.values.${key}[${i}]`, 'must be a non-empty string');
        ok = false;
      }
    });
  }
  return ok;
}
