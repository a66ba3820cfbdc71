/**
 * The command tree and its argument parsing, on `node:util` parseArgs. A command line is
 * `switchboard <group> … <command> [positionals] [--flags]`; global flags (`--url`, `--key`,
 * `--config`, `--json`, `--help`) may appear anywhere. Parsing is two passes: the first walks
 * the tree over the leading words (knowing only the global flags, so `--url X` is not taken
 * for a word), the second parses the rest strictly against the command's own flags. Mistakes
 * become a {@link UsageError} with a "did you mean" hint — exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ApiClient } from './client.js';
import type { CliIo, Output } from './io.js';

/** The program name, in usage lines. */
export const PROGRAM = 'switchboard';

/** A command-line mistake: unknown command or flag, missing argument, bad value. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Extra lines: a suggestion, where to get help. */
    readonly hints: string[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  description: string;
  /** Placeholder shown in help, e.g. `<id>`; default `<value>` for string flags. */
  placeholder?: string;
}

/** One positional argument of a command. */
export interface PositionalSpec {
  name: string;
  optional?: boolean;
}

/** Parsed flag values. */
export type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** What a command's run function gets. */
export interface CommandContext {
  values: FlagValues;
  positionals: string[];
  /** `--json`: print the raw answer. */
  json: boolean;
  out: Output;
  io: CliIo;
  /** The API client, connection resolved on first use (so `--help` and `login` need none). */
  api(): Promise<ApiClient>;
}

/** A runnable command (a leaf of the tree). */
export interface Command {
  kind: 'command';
  name: string;
  summary: string;
  /** Longer explanation for `--help`, when the summary is not enough. */
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  examples?: string[];
  run(ctx: CommandContext): Promise<void>;
}

/** A group of commands (`trunks`, `trunks inbound`). */
export interface Group {
  kind: 'group';
  name: string;
  summary: string;
  children: Node[];
  examples?: string[];
}

/** A node of the command tree. */
export type Node = Command | Group;

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: {
    type: 'string',
    placeholder: '<url>',
    description: 'Server URL (env SWITCHBOARD_API_URL; default http://127.0.0.1:8080)',
  },
  key: { type: 'string', placeholder: '<key>', description: 'API key (env SWITCHBOARD_API_KEY)' },
  config: {
    type: 'string',
    placeholder: '<file>',
    description: 'Config file (env SWITCHBOARD_CLI_CONFIG; default ~/.config/switchboard/cli.json)',
  },
  json: { type: 'boolean', description: 'Print the raw JSON answer' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

function toParseArgs(specs: Record<string, OptionSpec>): ParseOptions {
  const out: ParseOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = {
      type: spec.type,
      ...(spec.short !== undefined ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string alignment), since
 * `lsit` for `list` is the typical typo. Short words: the quadratic table is fine.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, c);
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Where the command-tree walk ended. */
export interface Resolved {
  /** The nodes walked, root first. */
  path: Node[];
  node: Node;
  /** argv without the command words: the command's own arguments and global flags. */
  rest: string[];
  help: boolean;
}

/** The words of a path, without the root: `trunks inbound list`. */
export function pathWords(path: readonly Node[]): string {
  return [PROGRAM, ...path.slice(1).map((n) => n.name)].join(' ');
}

/**
 * Walks the tree over the leading words of `argv`.
 * @throws UsageError for a word that names no command here.
 */
export function resolveCommand(root: Group, argv: readonly string[]): Resolved {
  const { tokens } = parseArgs({
    args: [...argv],
    options: toParseArgs(GLOBAL_OPTIONS),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const path: Node[] = [root];
  const used = new Set<number>();
  let node: Node = root;
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind === 'option') {
      if (token.name === 'help') help = true;
      continue;
    }
    if (node.kind === 'command') continue;
    const word = token.value;
    const child: Node | undefined = node.children.find((c) => c.name === word);
    if (child === undefined) {
      const names = node.children.map((c) => c.name);
      const guess = closest(word, names);
      throw new UsageError(`unknown command '${word}' for '${pathWords(path)}'`, [
        ...(guess !== undefined ? [`did you mean '${pathWords(path)} ${guess}'?`] : []),
        `run '${pathWords(path)} --help' for the commands (${names.join(', ')})`,
      ]);
    }
    used.add(token.index);
    path.push(child);
    node = child;
  }
  return { path, node, rest: argv.filter((_, i) => !used.has(i)), help };
}

/** A command's parsed arguments. */
export interface ParsedArgs {
  values: FlagValues;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly: its flags and the global ones, its positionals.
 * @throws UsageError naming the bad flag or argument, with a suggestion when one is close.
 */
export function parseCommandArgs(
  command: Command,
  rest: readonly string[],
  where: string,
): ParsedArgs {
  const specs = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
  const options = toParseArgs(specs);
  const helpHint = `run '${where} --help' for its options`;
  // A first lenient pass to name an unknown flag ourselves: parseArgs' own message suggests
  // `--` (for positionals that start with a dash), which misleads more than it helps here.
  const { tokens } = parseArgs({
    args: [...rest],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind !== 'option' || token.name in specs) continue;
    const flags = Object.keys(specs).map((n) => `--${n}`);
    const guess = closest(
      token.rawName.startsWith('--') ? token.rawName : `--${token.name}`,
      flags,
    );
    throw new UsageError(`unknown option '${token.rawName}' for '${where}'`, [
      ...(guess !== undefined ? [`did you mean '${guess}'?`] : []),
      helpHint,
    ]);
  }
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!, [
      ...(err as Error).message.split('\n').slice(1),
      helpHint,
    ]);
  }
  const specsPos = command.positionals ?? [];
  const required = specsPos.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    const missing = specsPos.slice(parsed.positionals.length).filter((p) => !p.optional);
    throw new UsageError(`missing ${missing.map((p) => `<${p.name}>`).join(' ')} for '${where}'`, [
      `usage: ${usageLine(command, where)}`,
    ]);
  }
  if (parsed.positionals.length > specsPos.length) {
    const extra = parsed.positionals[specsPos.length]!;
    throw new UsageError(`unexpected argument '${extra}' for '${where}'`, [
      `usage: ${usageLine(command, where)}`,
    ]);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** `switchboard trunks inbound get <id> [options]`. */
export function usageLine(command: Command, where: string): string {
  const pos = (command.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  return [where, ...pos, '[options]'].join(' ');
}

function optionLines(specs: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag =
      (spec.short !== undefined ? `-${spec.short}, ` : '    ') +
      `--${name}` +
      (spec.type === 'string' ? ` ${spec.placeholder ?? '<value>'}` : '');
    return [flag, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

function childLines(group: Group): string[] {
  const width = Math.max(...group.children.map((c) => c.name.length));
  return group.children.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

/** The `--help` text of a node. */
export function helpText(path: readonly Node[]): string {
  const node = path[path.length - 1]!;
  const where = pathWords(path);
  const lines: string[] = [];
  if (node.kind === 'group') {
    lines.push(`Usage: ${where} <command> [options]`, '', node.summary, '', 'Commands:');
    lines.push(...childLines(node));
  } else {
    lines.push(`Usage: ${usageLine(node, where)}`, '', node.summary);
    if (node.description !== undefined) lines.push('', node.description);
    if (node.options !== undefined && Object.keys(node.options).length > 0) {
      lines.push('', 'Options:', ...optionLines(node.options));
    }
  }
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  const examples = node.examples ?? [];
  if (examples.length > 0) lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  if (node.kind === 'group')
    lines.push('', `Run '${where} <command> --help' for a command's options.`);
  return lines.join('\n') + '\n';
}
