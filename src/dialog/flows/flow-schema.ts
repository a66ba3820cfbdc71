/**
 * The flow document model and its validator. A flow is a versioned JSON/YAML document: a
 * name, an optional start step and an ordered list of steps. Each step has an `id` and exactly
 * one verb key (`say`, `menu`, `gather`, ...) holding that verb's settings. Steps fall through
 * to the next step in order unless they jump.
 *
 * Pure: no I/O. `validateFlow` checks the shape of every verb (strict objects: unknown keys are
 * refused) and then the cross-references between steps, and reports every problem it finds with
 * a path naming the step by its id, e.g. `steps[main-menu].menu.options.7`.
 */
import { z } from 'zod';

/** One thing wrong with a flow document. */
export interface FlowProblem {
  /** Where: `name`, `steps[greeting].say.text`, `steps[3].id` (index when the step has no id). */
  path: string;
  message: string;
}

export type FlowValidation = { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] };

const STEP_ID_RE = /^[A-Za-z0-9_-]+$/;
const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DTMF_KEY_RE = /^[0-9*#]$/;
const DTMF_DIGITS_RE = /^[0-9*#]+$/;
const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const PHONE_RE = /^\+?[0-9]{2,20}$/;
const SIP_URI_RE = /^sips?:[^\s]+$/;
const VARIABLE_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

// ---- building blocks --------------------------------------------------------------------

const stepRef = z.string().min(1, 'must name a step id');
const text = z.string().min(1, 'must not be empty');
const language = z.string().regex(LANGUAGE_RE, 'must be a language tag such as "en-US" or "es"');
const timeOfDay = z.string().regex(TIME_RE, 'must be a time of day HH:MM (00:00 to 23:59)');
const timeZone = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as "Europe/Madrid"');
const holiday = z.string().refine(isValidDate, 'must be a calendar date YYYY-MM-DD');
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be a string, number or boolean',
});
const variablePath = z
  .string()
  .regex(VARIABLE_RE, 'must be a variable path such as "caller.tier" or "choice"');
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const days = z.array(z.enum(DAYS)).min(1, 'must list at least one day');

/** Comparison operators shared by variable and caller conditions. */
const comparison = {
  eq: scalar.optional(),
  ne: scalar.optional(),
  in: z.array(scalar).min(1).optional(),
  gt: z.number().optional(),
  lt: z.number().optional(),
};
const OPERATORS = ['eq', 'ne', 'in', 'gt', 'lt'] as const;

function needsOperator(v: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!OPERATORS.some((op) => v[op] !== undefined)) {
    ctx.addIssue({ code: 'custom', message: `needs one of ${OPERATORS.join(', ')}`, path: [] });
  }
}

const variableCondition = z
  .strictObject({ variable: variablePath, ...comparison })
  .superRefine(needsOperator);
const CALLER_ATTRIBUTES = ['number', 'name', 'called', 'country', 'anonymous', 'trunk'] as const;
const callerCondition = z
  .strictObject({ caller: z.enum(CALLER_ATTRIBUTES), ...comparison })
  .superRefine(needsOperator);
const timeCondition = z.strictObject({
  time: z.strictObject({
    start: timeOfDay,
    end: timeOfDay,
    days: days.optional(),
    timeZone: timeZone.optional(),
  }),
});
const businessHoursCondition = z.strictObject({
  businessHours: z.strictObject({
    days,
    start: timeOfDay,
    end: timeOfDay,
    timeZone,
    holidays: z.array(holiday).optional(),
  }),
});

export type VariableCondition = z.output<typeof variableCondition>;
export type CallerCondition = z.output<typeof callerCondition>;
export type TimeCondition = z.output<typeof timeCondition>;
export type BusinessHoursCondition = z.output<typeof businessHoursCondition>;
export type Condition =
  VariableCondition | CallerCondition | TimeCondition | BusinessHoursCondition;

const CONDITION_KINDS = {
  variable: variableCondition,
  caller: callerCondition,
  time: timeCondition,
  businessHours: businessHoursCondition,
} as const;

/** A condition is picked by its key, so its problems point at the right field. */
const condition = z.unknown().transform((v, ctx): Condition => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: 'must be a condition object', input: v });
    return z.NEVER;
  }
  const kinds = Object.keys(CONDITION_KINDS).filter((k) => k in v);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds.length === 0
          ? `must be one of: ${Object.keys(CONDITION_KINDS).join(', ')}`
          : `must use only one of ${kinds.join(', ')}`,
      input: v,
    });
    return z.NEVER;
  }
  const schema = CONDITION_KINDS[kinds[0] as keyof typeof CONDITION_KINDS];
  const r = schema.safeParse(v, { error: errorMap });
  if (r.success) return r.data;
  for (const p of expandIssues(r.error.issues)) {
    ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: v });
  }
  return z.NEVER;
});

/** `answer:` / `hangup:` may be written bare in YAML (null) or as `true`. */
const emptyOk = (schema: z.ZodType) =>
  z.preprocess((v) => (v === null || v === true ? {} : v), schema);

// ---- verbs ------------------------------------------------------------------------------

const answer = emptyOk(z.strictObject({})) as unknown as z.ZodType<Record<string, never>>;
const say = z.strictObject({ text, language: language.optional(), voice: text.optional() });
const play = z.strictObject({ file: text });
const gather = z
  .strictObject({
    input: z.array(z.enum(['dtmf', 'speech'])).min(1, 'must list dtmf and/or speech'),
    numDigits: z.number().int().min(1).max(32).optional(),
    finishOnKey: z.string().regex(DTMF_KEY_RE, 'must be one DTMF key (0-9, * or #)').optional(),
    timeoutS: z.number().positive().max(120).optional(),
    hints: z.array(text).optional(),
    branches: z.record(z.string(), stepRef),
    noInput: stepRef.optional(),
    noMatch: stepRef.optional(),
  })
  .superRefine((g, ctx) => {
    if (g.input.includes('speech')) return;
    for (const key of Object.keys(g.branches)) {
      if (!DTMF_DIGITS_RE.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['branches', key],
          message: `branch "${key}" is not DTMF digits, and this gather takes no speech`,
        });
      }
    }
  });
const menu = z
  .strictObject({
    prompt: text,
    options: z.record(z.string(), stepRef),
    retries: z.number().int().min(0).max(10).default(3),
    onInvalid: stepRef.optional(),
    onTimeout: stepRef.optional(),
    fallback: stepRef,
  })
  .superRefine((m, ctx) => {
    const keys = Object.keys(m.options);
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'needs at least one option' });
    }
    for (const key of keys) {
      if (!DTMF_KEY_RE.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['options', key],
          message: `option "${key}" must be a single DTMF digit (0-9, * or #)`,
        });
      }
    }
  });
const agent = z.strictObject({ agentId: text });
const enqueue = z.strictObject({
  queue: text,
  priority: z.number().int().min(0).max(100).optional(),
  skills: z.array(text).optional(),
  fallback: stepRef.optional(),
});
const transfer = z.strictObject({
  to: z
    .string()
    .refine(
      (s) => PHONE_RE.test(s) || SIP_URI_RE.test(s),
      'must be a phone number (e.g. +34911234567) or a sip: URI',
    ),
});
const record = z.strictObject({
  maxS: z.number().int().min(1).max(3600).optional(),
  beep: z.boolean().optional(),
});
const set = z.strictObject({
  variables: z.record(variablePath, scalar),
});
const ifVerb = z.strictObject({
  conditions: z
    .array(z.strictObject({ when: condition, next: stepRef }))
    .min(1, 'needs at least one condition'),
  else: stepRef.optional(),
});
const switchVerb = z.strictObject({
  on: variablePath,
  cases: z.record(z.string(), stepRef),
  default: stepRef.optional(),
});
const goto = z.strictObject({ next: stepRef });
const webhook = z.strictObject({
  url: z.string().refine(isHttpUrl, 'must be an http:// or https:// URL'),
  timeoutS: z.number().positive().max(30).default(5),
  fallback: stepRef,
});
const hangup = emptyOk(z.strictObject({ reason: text.optional() })) as unknown as z.ZodType<{
  reason?: string;
}>;

/** Every verb and the schema of its settings. */
export const VERB_SCHEMAS = {
  answer,
  say,
  play,
  gather,
  menu,
  agent,
  enqueue,
  transfer,
  record,
  set,
  if: ifVerb,
  switch: switchVerb,
  goto,
  webhook,
  hangup,
} as const;

export type Verb = keyof typeof VERB_SCHEMAS;
export const VERBS = Object.keys(VERB_SCHEMAS) as Verb[];

export type VerbSettings<V extends Verb> = z.output<(typeof VERB_SCHEMAS)[V]>;
export type SayStep = VerbSettings<'say'>;
export type GatherSettings = VerbSettings<'gather'>;
export type MenuSettings = VerbSettings<'menu'>;
export type WebhookSettings = VerbSettings<'webhook'>;

/** One step: its id plus exactly one verb key. */
export type Step = {
  [V in Verb]: { id: string } & { [K in V]: VerbSettings<V> };
}[Verb];

/** A validated flow. */
export interface Flow {
  name: string;
  version?: number;
  language?: string;
  /** The first step; when absent the flow starts at `steps[0]`. */
  start?: string;
  steps: Step[];
}

/** The verb of a validated step. */
export function stepVerb(step: Step): Verb {
  return VERBS.find((v) => v in step)!;
}

const flowHeader = z.strictObject({
  name: text,
  version: z.number().int().min(1).optional(),
  language: language.optional(),
  start: stepRef.optional(),
  steps: z.array(z.unknown()),
});

// ---- issues → problems -------------------------------------------------------------------

type Path = ReadonlyArray<PropertyKey>;

function errorMap(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
}

function expandIssues(
  issues: readonly z.core.$ZodIssue[],
): { path: PropertyKey[]; message: string }[] {
  const out: { path: PropertyKey[]; message: string }[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: [...issue.path, key], message: 'unknown key' });
    } else {
      out.push({ path: [...issue.path], message: issue.message });
    }
  }
  return out;
}

function formatPath(prefix: string, path: Path): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Step ids each verb may jump to, with the path of the field that names them. */
function referencesOf(step: Step): { path: Path; id: string }[] {
  const refs: { path: Path; id: string }[] = [];
  const add = (path: Path, id: string | undefined) => {
    if (id !== undefined) refs.push({ path, id });
  };
  if ('gather' in step) {
    const g = step.gather;
    for (const [k, id] of Object.entries(g.branches)) add(['gather', 'branches', k], id);
    add(['gather', 'noInput'], g.noInput);
    add(['gather', 'noMatch'], g.noMatch);
  } else if ('menu' in step) {
    const m = step.menu;
    for (const [k, id] of Object.entries(m.options)) add(['menu', 'options', k], id);
    add(['menu', 'onInvalid'], m.onInvalid);
    add(['menu', 'onTimeout'], m.onTimeout);
    add(['menu', 'fallback'], m.fallback);
  } else if ('enqueue' in step) {
    add(['enqueue', 'fallback'], step.enqueue.fallback);
  } else if ('if' in step) {
    step.if.conditions.forEach((c, i) => add(['if', 'conditions', i, 'next'], c.next));
    add(['if', 'else'], step.if.else);
  } else if ('switch' in step) {
    for (const [k, id] of Object.entries(step.switch.cases)) add(['switch', 'cases', k], id);
    add(['switch', 'default'], step.switch.default);
  } else if ('goto' in step) {
    add(['goto', 'next'], step.goto.next);
  } else if ('webhook' in step) {
    add(['webhook', 'fallback'], step.webhook.fallback);
  }
  return refs;
}

// ---- the validator -----------------------------------------------------------------------

/**
 * Validates a parsed JSON/YAML flow document. Collects every problem rather than stopping at
 * the first; on success returns the flow with defaults filled in (menu retries, webhook timeout).
 */
export function validateFlow(doc: unknown): FlowValidation {
  const problems: FlowProblem[] = [];
  const report = (prefix: string, path: Path, message: string) =>
    problems.push({ path: formatPath(prefix, path), message });

  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, problems: [{ path: '', message: 'a flow must be an object' }] };
  }
  const header = flowHeader.safeParse(doc, { error: errorMap });
  if (!header.success) {
    for (const p of expandIssues(header.error.issues)) report('', p.path, p.message);
  }
  const rawSteps = (doc as { steps?: unknown }).steps;
  const stepList = Array.isArray(rawSteps) ? rawSteps : [];
  if (Array.isArray(rawSteps) && rawSteps.length === 0) {
    report('', ['steps'], 'a flow needs at least one step');
  }

  const steps: Step[] = [];
  const firstIndexOf = new Map<string, number>();

  stepList.forEach((raw, index) => {
    let prefix = `steps[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      report(prefix, [], 'a step must be an object with an id and one verb');
      return;
    }
    const obj = raw as Record<string, unknown>;
    let ok = true;
    const id = obj.id;
    if (typeof id === 'string' && id !== '') prefix = `steps[${id}]`;
    if (id === undefined) {
      report(prefix, ['id'], 'is required');
      ok = false;
    } else if (typeof id !== 'string' || !STEP_ID_RE.test(id)) {
      report(prefix, ['id'], 'must be a non-empty string of letters, digits, "_" or "-"');
      ok = false;
    } else if (firstIndexOf.has(id)) {
      report(
        prefix,
        ['id'],
        `duplicate step id "${id}" (steps ${firstIndexOf.get(id)} and ${index})`,
      );
    } else {
      firstIndexOf.set(id, index);
    }

    const others = Object.keys(obj).filter((k) => k !== 'id');
    const verbs = others.filter((k): k is Verb => (VERBS as string[]).includes(k));
    const unknown = others.filter((k) => !(VERBS as string[]).includes(k));
    if (verbs.length === 0) {
      if (unknown.length === 1) {
        report(
          prefix,
          [unknown[0]!],
          `unknown verb "${unknown[0]}"; expected one of ${VERBS.join(', ')}`,
        );
      } else {
        report(prefix, [], `a step needs one verb: ${VERBS.join(', ')}`);
        for (const k of unknown) report(prefix, [k], 'unknown key');
      }
      return;
    }
    for (const k of unknown) report(prefix, [k], 'unknown key');
    if (unknown.length > 0) ok = false;
    if (verbs.length > 1) {
      report(prefix, [], `a step takes exactly one verb, found ${verbs.join(', ')}`);
      return;
    }
    const verb = verbs[0]!;
    const parsed = VERB_SCHEMAS[verb].safeParse(obj[verb] ?? {}, { error: errorMap });
    if (!parsed.success) {
      for (const p of expandIssues(parsed.error.issues))
        report(prefix, [verb, ...p.path], p.message);
      ok = false;
    } else if (ok) {
      steps.push({ id: id as string, [verb]: parsed.data } as Step);
    }
  });

  // Cross-references: only between steps whose own shape was valid.
  for (const step of steps) {
    for (const ref of referencesOf(step)) {
      if (!firstIndexOf.has(ref.id)) {
        report(`steps[${step.id}]`, ref.path, `no step has id "${ref.id}"`);
      }
    }
  }
  const rawStart = (doc as { start?: unknown }).start;
  if (typeof rawStart === 'string' && rawStart !== '' && !firstIndexOf.has(rawStart)) {
    report('', ['start'], `no step has id "${rawStart}"`);
  }

  if (problems.length > 0 || !header.success) return { ok: false, problems };
  const { name, version, language: lang, start } = header.data;
  const flow: Flow = { name, steps };
  if (version !== undefined) flow.version = version;
  if (lang !== undefined) flow.language = lang;
  if (start !== undefined) flow.start = start;
  return { ok: true, flow };
}
