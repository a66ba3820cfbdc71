/**
 * Validates a parsed JSON/YAML script tree. Shapes first (strict objects: unknown keys are
 * refused), then what a shape check cannot see: translations for every declared language,
 * placeholders, references between nodes, dead ends, loops that never wait for the caller and
 * nodes no call can reach. Every problem is reported, each with a path naming the node by its
 * id, e.g. `nodes[greet].expect.affirm` or `nodes[offer].lines.zh-CN`.
 */
import { z } from 'zod';
import {
  FALLBACK_INTENT,
  PLACEHOLDER_NAME_RE,
  PLACEHOLDER_RE,
  REPEAT_INTENT,
  WILDCARD_INTENT,
  isPassThrough,
  isTerminal,
  transferNodeOf,
  type Objection,
  type ScriptNode,
  type ScriptTree,
} from './script-tree.js';

/** One thing wrong with a script tree. */
export interface ScriptProblem {
  /** Where: `start`, `nodes[greet].expect.affirm`, `nodes[2].id` (index when the id is unusable). */
  path: string;
  message: string;
}

/** The result of {@link validateScriptTree}. */
export type ScriptTreeValidation =
  { ok: true; value: ScriptTree } | { ok: false; problems: ScriptProblem[] };

const NODE_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const nodeRef = z.string().min(1, 'must name a node id');
const text = z.string().min(1, 'must not be empty');
const lines = z.record(z.string(), text);
const intentKey = z.string().min(1, 'an intent name must not be empty');
const objection = z.strictObject({
  lines,
  next: nodeRef.optional(),
  maxTimes: z.number().int().min(0).max(10).optional(),
  onExhausted: nodeRef.optional(),
});
const node = z.strictObject({
  id: z.string(),
  lines,
  expect: z.record(intentKey, nodeRef).optional(),
  objections: z.record(intentKey, objection).optional(),
  collect: z.string().regex(FIELD_RE, 'must be a field name such as "policyNumber"').optional(),
  next: nodeRef.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryLines: lines.optional(),
  onNoMatch: nodeRef.optional(),
  transfer: z.boolean().optional(),
  end: z.boolean().optional(),
  sentimentTransferBelow: z.number().min(-1).max(1).optional(),
});
const header = z.strictObject({
  name: text,
  languages: z
    .array(z.string().regex(LANGUAGE_RE, 'must be a language tag such as "en-US" or "zh-CN"'))
    .min(1, 'must list at least one language'),
  start: nodeRef,
  global: z.record(intentKey, nodeRef).optional(),
  objections: z.record(intentKey, objection).optional(),
  nodes: z.array(z.unknown()).min(1, 'a script needs at least one node'),
});

/** Intents the runner handles itself, so a global or objection keyed by them would never run. */
const RUNNER_INTENTS = [FALLBACK_INTENT, WILDCARD_INTENT, REPEAT_INTENT];

type Path = ReadonlyArray<PropertyKey>;

function errorMap(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
}

function formatPath(prefix: string, path: Path): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a parsed script tree document; collects every problem rather than stopping at the
 * first. On success returns the tree as given (no defaults are filled in: the runner applies them).
 */
export function validateScriptTree(doc: unknown): ScriptTreeValidation {
  const problems: ScriptProblem[] = [];
  const report = (prefix: string, path: Path, message: string) =>
    problems.push({ path: formatPath(prefix, path), message });
  const zodProblems = (prefix: string, issues: readonly z.core.$ZodIssue[]) => {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) report(prefix, [...issue.path, key], 'unknown key');
      } else {
        report(prefix, issue.path, issue.message);
      }
    }
  };

  if (!isObject(doc)) {
    return { ok: false, problems: [{ path: '', message: 'a script tree must be an object' }] };
  }
  const head = header.safeParse(doc, { error: errorMap });
  if (!head.success) zodProblems('', head.error.issues);
  const languages = head.success
    ? head.data.languages
    : Array.isArray(doc.languages)
      ? doc.languages.filter((l): l is string => typeof l === 'string')
      : [];
  languages.forEach((l, i) => {
    if (languages.indexOf(l) !== i) report('', ['languages', i], `duplicate language "${l}"`);
  });

  // ---- nodes, one by one ------------------------------------------------------------------
  const rawNodes = Array.isArray(doc.nodes) ? doc.nodes : [];
  const nodes: ScriptNode[] = [];
  const prefixes = new Map<ScriptNode, string>();
  const firstIndexOf = new Map<string, number>();
  rawNodes.forEach((raw, index) => {
    let prefix = `nodes[${index}]`;
    if (!isObject(raw)) {
      report(prefix, [], 'a node must be an object with an id and lines');
      return;
    }
    let ok = true;
    const id = raw.id;
    if (typeof id === 'string' && NODE_ID_RE.test(id)) {
      prefix = `nodes[${id}]`;
      if (firstIndexOf.has(id)) {
        report(
          prefix,
          ['id'],
          `duplicate node id "${id}" (nodes ${firstIndexOf.get(id)} and ${index})`,
        );
        ok = false;
      } else {
        firstIndexOf.set(id, index);
      }
    } else {
      report(
        prefix,
        ['id'],
        id === undefined
          ? 'is required'
          : 'must be lower-case letters, digits, "_" or "-", starting with a letter or digit',
      );
      ok = false;
    }
    const parsed = node.safeParse(raw, { error: errorMap });
    if (!parsed.success) {
      zodProblems(
        prefix,
        parsed.error.issues.filter((i) => i.path[0] !== 'id'),
      );
      return;
    }
    if (ok) {
      nodes.push(parsed.data);
      prefixes.set(parsed.data, prefix);
    }
  });

  // ---- translations and placeholders ----------------------------------------------------------
  const checkLines = (path: string, value: Record<string, string>) => {
    for (const lang of languages) {
      if (!(lang in value)) report(path, [lang], `missing the ${lang} translation`);
    }
    for (const [lang, line] of Object.entries(value)) {
      if (languages.length > 0 && !languages.includes(lang)) {
        report(
          path,
          [lang],
          `"${lang}" is not one of the script's languages (${languages.join(', ')})`,
        );
      }
      for (const m of line.matchAll(PLACEHOLDER_RE)) {
        if (!PLACEHOLDER_NAME_RE.test(m[1]!)) {
          report(
            path,
            [lang],
            `unknown placeholder "${m[0]}"; use {{claim.field}} or {{vars.name}}`,
          );
        }
      }
    }
  };
  const checkObjections = (path: string, map: Record<string, Objection> | undefined) => {
    for (const [intent, o] of Object.entries(map ?? {})) {
      if (RUNNER_INTENTS.includes(intent)) {
        report(path, [intent], `"${intent}" is handled by the runner and cannot be an objection`);
      }
      checkLines(formatPath(path, [intent, 'lines']), o.lines);
    }
  };
  if (head.success) {
    checkObjections('objections', head.data.objections);
    for (const intent of Object.keys(head.data.global ?? {})) {
      if (RUNNER_INTENTS.includes(intent)) {
        report('global', [intent], `"${intent}" is handled by the runner and cannot be global`);
      } else if (head.data.objections?.[intent] !== undefined) {
        report('objections', [intent], `is never used: global.${intent} handles this intent first`);
      }
    }
  }
  for (const n of nodes) {
    const prefix = prefixes.get(n)!;
    checkLines(`${prefix}.lines`, n.lines);
    if (n.retryLines !== undefined) checkLines(`${prefix}.retryLines`, n.retryLines);
    checkObjections(`${prefix}.objections`, n.objections);
  }

  // ---- references ---------------------------------------------------------------------------
  const ids = new Set(firstIndexOf.keys());
  const ref = (prefix: string, path: Path, id: string | undefined) => {
    if (id !== undefined && !ids.has(id)) report(prefix, path, `points at unknown node "${id}"`);
  };
  const refObjections = (prefix: string, map: Record<string, Objection> | undefined) => {
    for (const [intent, o] of Object.entries(map ?? {})) {
      ref(prefix, [intent, 'next'], o.next);
      ref(prefix, [intent, 'onExhausted'], o.onExhausted);
    }
  };
  if (head.success) {
    ref('', ['start'], head.data.start);
    for (const [intent, id] of Object.entries(head.data.global ?? {})) ref('global', [intent], id);
    refObjections('objections', head.data.objections);
  }
  for (const n of nodes) {
    const prefix = prefixes.get(n)!;
    for (const [intent, id] of Object.entries(n.expect ?? {})) ref(prefix, ['expect', intent], id);
    ref(prefix, ['next'], n.next);
    ref(prefix, ['onNoMatch'], n.onNoMatch);
    refObjections(`${prefix}.objections`, n.objections);
  }

  // ---- each node's shape as a step of a call ------------------------------------------------
  for (const n of nodes) checkNodeRole(n, prefixes.get(n)!, report);
  checkPassThroughLoops(nodes, prefixes, report);

  if (!head.success) return { ok: false, problems };
  const { name, start, global, objections } = head.data;
  const tree: ScriptTree = { name, languages, start, nodes };
  if (global !== undefined) tree.global = global;
  if (objections !== undefined) tree.objections = objections;
  if (ids.has(start)) {
    for (const id of unreachable(tree)) report(`nodes[${id}]`, [], 'unreachable from start');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: tree };
}

type Report = (prefix: string, path: Path, message: string) => void;

function checkNodeRole(n: ScriptNode, prefix: string, report: Report): void {
  const expects = Object.keys(n.expect ?? {});
  if (n.transfer === true && n.end === true) {
    report(prefix, ['end'], 'a node cannot both transfer and end');
  }
  if (isTerminal(n)) {
    const why = 'is never used: the call leaves the script at this node';
    if (expects.length > 0) report(prefix, ['expect'], why);
    if (n.collect !== undefined) report(prefix, ['collect'], why);
    if (n.next !== undefined) report(prefix, ['next'], why);
    return;
  }
  if (expects.length === 0 && n.collect === undefined && n.next === undefined) {
    report(prefix, [], 'dead end: the node needs expect, collect, next, transfer or end');
  }
  if (n.collect !== undefined && n.next === undefined) {
    report(prefix, ['next'], 'is required: where the call goes once the value is collected');
  }
  if (n.collect !== undefined && n.expect?.[WILDCARD_INTENT] !== undefined) {
    report(
      prefix,
      ['expect', WILDCARD_INTENT],
      'a collect node cannot take "*": it would swallow every answer',
    );
  }
  if (n.expect?.[FALLBACK_INTENT] !== undefined) {
    report(
      prefix,
      ['expect', FALLBACK_INTENT],
      'the fallback intent counts as a retry; use onNoMatch',
    );
  }
}

/** Pass-through nodes (a line, then `next`) that lead back to themselves would never wait. */
function checkPassThroughLoops(
  nodes: ScriptNode[],
  prefixes: Map<ScriptNode, string>,
  report: Report,
): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const reported = new Set<string>();
  for (const first of nodes) {
    const chain: string[] = [];
    let n: ScriptNode | undefined = first;
    while (n !== undefined && isPassThrough(n) && !chain.includes(n.id)) {
      chain.push(n.id);
      n = byId.get(n.next!);
    }
    if (chain.length === 0 || n?.id !== first.id || reported.has(first.id)) continue;
    for (const id of chain) reported.add(id);
    report(
      prefixes.get(first)!,
      ['next'],
      `loops without waiting for the caller (${[...chain, first.id].join(' → ')})`,
    );
  }
}

/** Node ids no call can reach from `start`, in tree order. */
function unreachable(tree: ScriptTree): string[] {
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const transfer = transferNodeOf(tree);
  const seen = new Set<string>();
  const queue = [tree.start];
  const objectionTargets = (map: Record<string, Objection> | undefined) =>
    Object.values(map ?? {}).flatMap((o) => [o.next, o.onExhausted ?? transfer]);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = byId.get(id);
    if (n === undefined || isTerminal(n)) continue;
    const targets: Array<string | undefined> = [n.next];
    if (!isPassThrough(n)) {
      // A node that waits for the caller can also get the globals, the objections and, after
      // the retries or a low sentiment score, the transfer.
      targets.push(...Object.values(n.expect ?? {}), n.onNoMatch ?? transfer);
      targets.push(...Object.values(tree.global ?? {}));
      targets.push(...objectionTargets(n.objections), ...objectionTargets(tree.objections));
      if (n.sentimentTransferBelow !== undefined) targets.push(transfer);
    }
    for (const t of targets) if (t !== undefined && !seen.has(t)) queue.push(t);
  }
  return tree.nodes.filter((n) => !seen.has(n.id)).map((n) => n.id);
}
