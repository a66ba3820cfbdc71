/**
 * The dialog room's one shape for "this document is wrong here": every validator (flows,
 * agents, intents, script trees, claim schemas, tools) reports problems as a path naming the
 * field plus a message, so the API and the CLI can show them the same way.
 */
import type { z } from 'zod';

/** One thing wrong with a document. */
export interface Problem {
  /** Dotted path to the field, e.g. `transfer.sentimentBelow`, `tools[2].url`. */
  path: string;
  message: string;
}

/** The result of validating a document. */
export type Validation<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** zod's "required" wording: a missing field says so instead of "expected string". */
export function requiredErrorMap(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
}

/** Joins path segments: keys with dots, array indexes in brackets. */
export function formatProblemPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** zod issues as problems; an unknown key becomes one problem per key, at that key. */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], prefix = ''): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatProblemPath(prefix, [...issue.path, key]), message: 'unknown key' });
      }
    } else {
      out.push({ path: formatProblemPath(prefix, issue.path), message: issue.message });
    }
  }
  return out;
}
