/**
 * The script tree (话术树) model: what an offline agent (no LLM) says and where it goes next,
 * node by node, driven by the intent an NLU classifier gives each caller turn. Pure types and
 * small helpers shared by the validator and the runner; no I/O.
 */

/** A whole script: its languages, its start node, the handlers shared by every node, its nodes. */
export interface ScriptTree {
  name: string;
  /** BCP 47 tags; the first is the default, e.g. `['en-US', 'zh-CN']`. */
  languages: string[];
  /** The node the call starts at. */
  start: string;
  /** Intents handled on every node unless the node overrides them, e.g. `human` → a transfer node. */
  global?: Record<string, string>;
  /** Objections handled on every node: say the answer, then stay (repeat the node's line) or go. */
  objections?: Record<string, Objection>;
  nodes: ScriptNode[];
}

/** The answer to an objection ("too expensive", "not interested") and where the call goes after. */
export interface Objection {
  /** The answer, per language. */
  lines: Record<string, string>;
  /** The node to go to after the answer; absent = stay and repeat the current node's line. */
  next?: string;
  /** How many times this objection is answered in one call (default 2); after that it is exhausted. */
  maxTimes?: number;
  /** Where an exhausted objection goes; absent = the tree's transfer (see {@link transferNodeOf}). */
  onExhausted?: string;
}

/** One node: the bot's line and what the caller may answer. */
export interface ScriptNode {
  /** `/^[a-z0-9][a-z0-9_-]*$/` */
  id: string;
  /** The bot's line per language; may use `{{claim.fieldName}}` / `{{vars.x}}` placeholders. */
  lines: Record<string, string>;
  /** Intent → next node id; the key `*` is any other intent that is not the fallback (`None`). */
  expect?: Record<string, string>;
  /** Node-level objections; they override the tree's for the same intent. */
  objections?: Record<string, Objection>;
  /** A claim field this node asks for; the agent stores the answer and tells the runner if it took it. */
  collect?: string;
  /** After a successful collect, or right after the line when the node expects nothing. */
  next?: string;
  /** Unrecognised answers re-asked before `onNoMatch` (default 2). */
  retries?: number;
  /** Said on an unrecognised answer before repeating the line (default {@link DEFAULT_RETRY_LINES}). */
  retryLines?: Record<string, string>;
  /** Where the call goes after the retries; absent = the tree's transfer. */
  onNoMatch?: string;
  /** Reaching this node hands the call to a human (after saying its line). */
  transfer?: boolean;
  /** Reaching this node ends the call (after saying its line). */
  end?: boolean;
  /** Transfer when a turn's sentiment score (-1..1) is below this, e.g. -0.6. */
  sentimentTransferBelow?: number;
}

/** The intent an NLU classifier gives when nothing matched. */
export const FALLBACK_INTENT = 'None';
/** The intent that re-says the current node's line. */
export const REPEAT_INTENT = 'repeat';
/** The `expect` key for "any other recognised intent". */
export const WILDCARD_INTENT = '*';
/** The global intent whose target, when it is a transfer node, is the tree's transfer node. */
export const HUMAN_INTENT = 'human';
/** Default `ScriptNode.retries`. */
export const DEFAULT_RETRIES = 2;
/** Default `Objection.maxTimes`. */
export const DEFAULT_OBJECTION_MAX_TIMES = 2;

/** Said on an unrecognised answer when the node has no `retryLines`, by primary language subtag. */
export const DEFAULT_RETRY_LINES: Readonly<Record<string, string>> = {
  en: "Sorry, I didn't get that.",
  zh: '抱歉，我没听清。',
};

/** `{{claim.fieldName}}` and `{{vars.name}}`; anything else inside braces is a typo. */
export const PLACEHOLDER_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** What a placeholder may name. */
export const PLACEHOLDER_NAME_RE = /^(claim|vars)\.[A-Za-z_][A-Za-z0-9_]*$/;

function primary(tag: string): string {
  return tag.split('-')[0]!.toLowerCase();
}

/**
 * The tree language to speak for a requested one: the exact tag (any case), else the first with
 * the same primary subtag (`zh-TW` → `zh-CN`), else the tree's first language.
 */
export function resolveLanguage(languages: readonly string[], requested: string): string {
  const want = requested.toLowerCase();
  const exact = languages.find((l) => l.toLowerCase() === want);
  if (exact !== undefined) return exact;
  const samePrimary = languages.find((l) => primary(l) === primary(requested));
  return samePrimary ?? languages[0] ?? requested;
}

/**
 * A line in `language` from a per-language map: exact, then the primary subtag, then the first
 * of `languages`, then whatever is there, so a half-translated tree still says something.
 */
export function pickLine(
  lines: Readonly<Record<string, string>>,
  language: string,
  languages: readonly string[],
): string {
  const keys = Object.keys(lines);
  const key =
    keys.find((k) => k.toLowerCase() === language.toLowerCase()) ??
    keys.find((k) => primary(k) === primary(language)) ??
    keys.find((k) => k === languages[0]) ??
    keys[0];
  return key === undefined ? '' : lines[key]!;
}

/** The default retry line for a language (English when the language has none). */
export function defaultRetryLine(language: string): string {
  return DEFAULT_RETRY_LINES[primary(language)] ?? DEFAULT_RETRY_LINES.en!;
}

/**
 * Fills `{{claim.x}}` / `{{vars.x}}` from the given values; a missing or empty value leaves
 * nothing, and the spaces around it are tidied so the line still reads.
 */
export function renderPlaceholders(
  line: string,
  values: {
    claim?: Readonly<Record<string, unknown>>;
    vars?: Readonly<Record<string, unknown>>;
  } = {},
): string {
  const filled = line.replace(PLACEHOLDER_RE, (_all, name: string) => {
    const dot = name.indexOf('.');
    const scope = name.slice(0, dot);
    const source = scope === 'claim' ? values.claim : scope === 'vars' ? values.vars : undefined;
    const value = source?.[name.slice(dot + 1)];
    return value === undefined || value === null ? '' : String(value);
  });
  return filled
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +([,.!?;:，。！？])/g, '$1')
    .trim();
}

/**
 * The node calls go to when the script gives up (retries or an objection exhausted without a
 * target): the `human` global's target when that is a transfer node, else the first transfer
 * node. Undefined when the tree has none; the runner then transfers without a line.
 */
export function transferNodeOf(tree: Pick<ScriptTree, 'global' | 'nodes'>): string | undefined {
  const human = tree.global?.[HUMAN_INTENT];
  if (human !== undefined && tree.nodes.some((n) => n.id === human && n.transfer === true)) {
    return human;
  }
  return tree.nodes.find((n) => n.transfer === true)?.id;
}

/** Whether the call leaves the script at this node. */
export function isTerminal(node: ScriptNode): boolean {
  return node.transfer === true || node.end === true;
}

/** Whether reaching this node says its line and moves straight on without waiting for the caller. */
export function isPassThrough(node: ScriptNode): boolean {
  return (
    !isTerminal(node) &&
    node.collect === undefined &&
    (node.expect === undefined || Object.keys(node.expect).length === 0) &&
    node.next !== undefined
  );
}
