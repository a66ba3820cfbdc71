/**
 * Dotted-path access to a run's variables and `{{var.path}}` templates. Paths are plain
 * property names (the schema allows `[A-Za-z_][A-Za-z0-9_]*` segments), so no prototype keys
 * can be reached: `__proto__` is refused explicitly anyway, since webhook answers are untrusted.
 */

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The value at a dotted `path` in `root`, or undefined when any segment is missing. */
export function getPath(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || FORBIDDEN.has(segment)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Sets the value at a dotted `path`, creating (or replacing non-object) parents on the way. */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  if (segments.some((s) => FORBIDDEN.has(s) || s === '')) return;
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      node[segment] = {};
    }
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}

/** Deep-merges plain objects from `source` into `target` (webhook `variables` answers). */
export function mergeVariables(target: Record<string, unknown>, source: Record<string, unknown>) {
  for (const [key, value] of Object.entries(source)) {
    if (FORBIDDEN.has(key)) continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) mergeVariables(current, value);
    else target[key] = value;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TEMPLATE_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

/**
 * Replaces each `{{path}}` in `template` with the variable at that path; `caller`, `called` and
 * `callId` come from `extras` when no variable of that name exists. Missing values become empty
 * text (a prompt with a gap is better than one saying "undefined"); objects become JSON.
 */
export function interpolate(
  template: string,
  variables: Record<string, unknown>,
  extras: Record<string, unknown> = {},
): string {
  return template.replace(TEMPLATE_RE, (_match, path: string) => {
    let value = getPath(variables, path);
    if (value === undefined) value = getPath(extras, path);
    return stringify(value);
  });
}

/** A variable value as text: empty for null/undefined, JSON for objects. */
export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
