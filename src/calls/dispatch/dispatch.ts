/**
 * Dispatch rules: which rule routes an inbound call, with a human-readable explanation, and
 * validation of rules before they are saved.
 */
import type { DispatchRule } from '../../store/index.js';
import { InvalidNumberPatternError, matchNumberPattern, validateNumberPattern } from './numbers.js';
import { describeWindow, isInsideWindow, timeWindowProblems } from './time-windows.js';

/** The facts about a call that rules are matched against. */
export interface DispatchCall {
  /** The inbound trunk the call arrived on; absent for registered users and the demo setup. */
  trunkId?: string;
  calledNumber: string;
  callingNumber: string;
  /** When the call arrived (time windows are evaluated at this instant). */
  at: Date;
}

/** The outcome of {@link evaluateDispatchRules}. */
export type DispatchResult =
  { rule: DispatchRule; explanation: string[] } | { rule?: undefined; explanation: string[] };

/**
 * Picks the rule that routes `call`.
 *
 * Disabled rules are skipped. The others are tried by priority (higher first), ties by
 * `createdAt` (older first), then by id so the order is total. A rule matches when every
 * condition it sets holds:
 * - `trunkIds`: the call's trunk is listed (an empty list admits any trunk and trunk-less calls;
 *   a non-empty list never admits a call without a trunk);
 * - `calledNumber` / `callingNumber`: the number matches the pattern (see
 *   `validateNumberPattern` for the syntax); an invalid stored pattern never matches;
 * - `timeWindows`: when non-empty, `at` lies inside at least one window (see
 *   `isInsideWindow`: zones, days, windows across midnight).
 * The first matching rule wins; rules after it are not evaluated.
 *
 * The explanation has one line per rule considered, in order, then the verdict:
 * ```
 * rule "Sales hours" (priority 10): called number matches 4XXX; outside Mon–Fri 09:00–18:00 Asia/Shanghai → skipped
 * rule "Fallback" (priority 0): no conditions → matched
 * winner: rule "Fallback" (priority 0)
 * ```
 * It states every condition of a rule, not only the first that failed, so an operator can see
 * everything that would have to change.
 *
 * **Personal data.** The explanation does not repeat the call's numbers (the call record holds
 * them already), but it quotes the rules' patterns, which may be exact phone numbers (a VIP
 * caller rule), and together with the call it describes who called whom when. Store it with the
 * call (`CallRecord.matchExplanation`); never write it to logs, metrics or traces.
 */
export function evaluateDispatchRules(
  call: DispatchCall,
  rules: readonly DispatchRule[],
): DispatchResult {
  const explanation: string[] = [];
  for (const rule of orderRules(rules)) {
    const label = `rule ${JSON.stringify(rule.name)} (priority ${rule.priority})`;
    if (!rule.enabled) {
      explanation.push(`${label}: disabled → skipped`);
      continue;
    }
    const checks = conditionChecks(rule, call);
    const matched = checks.every((c) => c.ok);
    const reasons = checks.length > 0 ? checks.map((c) => c.text).join('; ') : 'no conditions';
    explanation.push(`${label}: ${reasons} → ${matched ? 'matched' : 'skipped'}`);
    if (matched) {
      explanation.push(`winner: ${label}`);
      return { rule, explanation };
    }
  }
  explanation.push(rules.length === 0 ? 'no rules configured' : 'no rule matched');
  return { explanation };
}

/** Rules in evaluation order: priority descending, then `createdAt` ascending, then id. */
export function orderRules(rules: readonly DispatchRule[]): DispatchRule[] {
  return [...rules].sort(
    (a, b) =>
      b.priority - a.priority ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

interface Check {
  ok: boolean;
  text: string;
}

function conditionChecks(rule: DispatchRule, call: DispatchCall): Check[] {
  const checks: Check[] = [];
  if (rule.trunkIds.length > 0) {
    const list = rule.trunkIds.join(', ');
    if (call.trunkId === undefined) {
      checks.push({ ok: false, text: `no trunk (rule needs one of ${list})` });
    } else if (rule.trunkIds.includes(call.trunkId)) {
      checks.push({ ok: true, text: `trunk ${call.trunkId} is one of ${list}` });
    } else {
      checks.push({ ok: false, text: `trunk ${call.trunkId} is not one of ${list}` });
    }
  }
  // `!= null`: a store may hand back SQL NULL for an unset pattern.
  if (rule.calledNumber != null) {
    checks.push(numberCheck('called number', rule.calledNumber, call.calledNumber));
  }
  if (rule.callingNumber != null) {
    checks.push(numberCheck('calling number', rule.callingNumber, call.callingNumber));
  }
  if (rule.timeWindows.length > 0) checks.push(windowCheck(rule, call.at));
  return checks;
}

function numberCheck(what: string, pattern: string, number: string): Check {
  try {
    return matchNumberPattern(pattern, number)
      ? { ok: true, text: `${what} matches ${pattern}` }
      : { ok: false, text: `${what} does not match ${pattern}` };
  } catch (err) {
    if (!(err instanceof InvalidNumberPatternError)) throw err;
    return { ok: false, text: `${what} pattern ${pattern} is invalid (${err.reason})` };
  }
}

function windowCheck(rule: DispatchRule, at: Date): Check {
  const described = rule.timeWindows.map(describeWindow);
  const invalid: string[] = [];
  for (const [i, window] of rule.timeWindows.entries()) {
    try {
      if (isInsideWindow(window, at)) return { ok: true, text: `inside ${described[i]}` };
    } catch {
      // A bad zone or clock in a stored rule must not break routing: that window never holds.
      invalid.push(described[i]!);
    }
  }
  const text = `outside ${described.join(' or ')}`;
  return {
    ok: false,
    text: invalid.length > 0 ? `${text} (invalid window: ${invalid.join(', ')})` : text,
  };
}

/** One problem found by {@link validateDispatchRule}. */
export interface RuleProblem {
  /** Path of the offending field: `name`, `calledNumber`, `timeWindows[1].start`, `action.pin`. */
  field: string;
  message: string;
}

/**
 * The fields of a rule as received (a parsed request body, a YAML file, or a stored rule):
 * everything is `unknown` because the validator checks the types too.
 */
export type UncheckedDispatchRule = { [K in keyof DispatchRule]?: unknown };

const MAX_NAME_LENGTH = 200;
const MAX_REASON_LENGTH = 128;
// eslint-disable-next-line no-control-regex -- detecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks a rule before it is created or updated; returns every problem found (empty = valid).
 * For an update, validate the merged result, not the patch: `name` and `action` are required.
 *
 * - `name`: non-empty string, at most 200 characters;
 * - `priority`: an integer, when given; `enabled`: a boolean, when given;
 * - `trunkIds`: an array of non-empty strings, when given;
 * - `calledNumber`, `callingNumber`: valid patterns (`validateNumberPattern`), when given
 *   (`null` counts as absent);
 * - `timeWindows`: an array of windows with `days` integers 0–6, `start` `HH:MM`, `end` `HH:MM`
 *   or `24:00`, and `timeZone` an IANA zone `Intl` knows, when given;
 * - `action`: one of the known types with its fields: `reject` status an integer 400–699 and an
 *   optional reason without control characters (it becomes a SIP reason phrase); `room` and
 *   `pin-room` a non-empty room name; `pin-room` a PIN of 3–12 digits; `prompt` a relative file
 *   path without `..` segments; `flow`, `agent`, `enqueue` non-empty ids; `enqueue` an optional
 *   integer priority and optional array of non-empty skills.
 */
export function validateDispatchRule(input: UncheckedDispatchRule): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (field: string, message: string): void => void problems.push({ field, message });

  if (!nonEmptyString(input.name)) add('name', 'is required (a non-empty string)');
  else if (input.name.length > MAX_NAME_LENGTH) {
    add('name', `must be at most ${MAX_NAME_LENGTH} characters`);
  }
  if (input.priority !== undefined && !Number.isSafeInteger(input.priority)) {
    add('priority', 'must be an integer');
  }
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    add('enabled', 'must be true or false');
  }
  if (input.trunkIds !== undefined && !isStringArray(input.trunkIds)) {
    add('trunkIds', 'must be an array of trunk ids (non-empty strings)');
  }
  for (const field of ['calledNumber', 'callingNumber'] as const) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') add(field, 'must be a string pattern');
    else {
      const reason = validateNumberPattern(value);
      if (reason) add(field, reason);
    }
  }
  if (input.timeWindows !== undefined) {
    if (!Array.isArray(input.timeWindows)) add('timeWindows', 'must be an array');
    else {
      input.timeWindows.forEach((w, i) => {
        for (const p of timeWindowProblems(w)) {
          add(`timeWindows[${i}]${p.field ? `.${p.field}` : ''}`, p.message);
        }
      });
    }
  }
  actionProblems(input.action, add);
  return problems;
}

function actionProblems(action: unknown, add: (field: string, message: string) => void): void {
  if (typeof action !== 'object' || action === null || Array.isArray(action)) {
    add('action', 'is required (an object with a type)');
    return;
  }
  const a = action as Record<string, unknown>;
  const requireId = (field: string, what: string): void => {
    if (!nonEmptyString(a[field])) add(`action.${field}`, `is required (a non-empty ${what})`);
  };
  switch (a.type) {
    case 'echo':
      return;
    case 'prompt':
      if (!nonEmptyString(a.file)) add('action.file', 'is required (a non-empty file path)');
      else if (!isSafeRelativePath(a.file)) {
        add('action.file', 'must be a relative path without ".." segments or control characters');
      }
      return;
    case 'room':
      return requireId('room', 'room name');
    case 'pin-room':
      requireId('room', 'room name');
      if (typeof a.pin !== 'string' || !/^\d{3,12}$/.test(a.pin)) {
        add('action.pin', 'must be 3–12 digits');
      }
      return;
    case 'reject':
      if (!Number.isInteger(a.status) || (a.status as number) < 400 || (a.status as number) > 699) {
        add('action.status', 'must be a SIP status code 400–699');
      }
      if (a.reason !== undefined) {
        if (typeof a.reason !== 'string' || CONTROL_CHARS.test(a.reason)) {
          add('action.reason', 'must be a single line of text');
        } else if (a.reason.length > MAX_REASON_LENGTH) {
          add('action.reason', `must be at most ${MAX_REASON_LENGTH} characters`);
        }
      }
      return;
    case 'flow':
      return requireId('flowId', 'flow id');
    case 'agent':
      return requireId('agentId', 'agent id');
    case 'enqueue':
      requireId('queueId', 'queue id');
      if (a.priority !== undefined && !Number.isSafeInteger(a.priority)) {
        add('action.priority', 'must be an integer');
      }
      if (a.skills !== undefined && !isStringArray(a.skills)) {
        add('action.skills', 'must be an array of non-empty strings');
      }
      return;
    default:
      add(
        'action.type',
        'must be one of echo, prompt, room, pin-room, reject, flow, agent, enqueue',
      );
  }
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every(nonEmptyString);
}

function isSafeRelativePath(p: string): boolean {
  if (CONTROL_CHARS.test(p)) return false;
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return false;
  return !p.split(/[/\\]/).includes('..');
}
