/**
 * Helpers the command files share: reading flag values with usage errors that name the flag,
 * request bodies from `--file` merged with flags, and printing an answer either raw
 * (`--json`) or for people.
 */
import { readFile } from 'node:fs/promises';
import { UsageError, type CommandContext, type FlagValues, type OptionSpec } from '../args.js';
import type { WireList } from '../types.js';

/** A string flag's value, if given. */
export function str(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A boolean flag. */
export function flag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** A string flag that must be given. */
export function required(values: FlagValues, name: string, where: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') {
    throw new UsageError(`'${where}' needs --${name}`, [`run '${where} --help' for its options`]);
  }
  return v;
}

/** A whole-number flag, if given. @throws UsageError when it is not a whole number. */
export function int(
  values: FlagValues,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) {
    throw new UsageError(`--${name} must be a whole number, not '${v}'`);
  }
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    throw new UsageError(
      `--${name} must be between ${range.min ?? '-∞'} and ${range.max ?? '∞'}, not ${n}`,
    );
  }
  return n;
}

/**
 * A repeatable list flag: every occurrence, each split on commas (`--number a,b --number c`).
 * Undefined when not given; `--number ''` gives an empty list (to clear one on update).
 */
export function list(values: FlagValues, name: string): string[] | undefined {
  return strings(values, name)
    ?.flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Every value of a repeatable string flag, as given; undefined when absent. */
export function strings(values: FlagValues, name: string): string[] | undefined {
  const v = values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string');
}

/** Repeatable `NAME=VALUE` flags as a map (`--header X-Foo=bar`). */
export function pairs(values: FlagValues, name: string): Record<string, string> | undefined {
  const all = strings(values, name);
  if (all === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of all) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} takes NAME=VALUE, not '${item}'`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** The `--file` flag every create/update command has. */
export const FILE_OPTION: Record<string, OptionSpec> = {
  file: {
    type: 'string',
    placeholder: '<file.json>',
    description: 'Request body as JSON (`-` for stdin); flags given as well override its fields',
  },
};

/** Reads `--file` (a JSON object), or `{}` without it. @throws UsageError when unreadable. */
export async function fileBody(ctx: CommandContext): Promise<Record<string, unknown>> {
  const path = str(ctx.values, 'file');
  if (path === undefined) return {};
  let text: string;
  try {
    text = path === '-' ? await readAll(ctx.io.stdin) : await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--file ${path} must hold one JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** All of a stream as text. */
export async function readAll(
  stream: AsyncIterable<string | Uint8Array> | undefined,
): Promise<string> {
  if (stream === undefined) throw new Error('no standard input');
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** Drops undefined fields, so only what the user gave is sent (a PATCH changes just that). */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** `--file` merged with flag fields (flags win). @throws UsageError when both are empty. */
export async function bodyOf(
  ctx: CommandContext,
  fields: Record<string, unknown>,
  where: string,
): Promise<Record<string, unknown>> {
  const body = { ...(await fileBody(ctx)), ...defined(fields) };
  if (Object.keys(body).length === 0) {
    throw new UsageError(`'${where}' has nothing to send: give flags or --file`, [
      `run '${where} --help' for its options`,
    ]);
  }
  return body;
}

/** Prints a list answer: raw with `--json`, else `render(items)` or `empty` when none. */
export function printList<T>(
  ctx: CommandContext,
  answer: WireList<T> | undefined,
  render: (items: T[]) => string,
  empty: string,
): void {
  if (ctx.json) return ctx.out.json(answer);
  const items = answer?.items ?? [];
  ctx.out.print(items.length === 0 ? empty : render(items));
}

/** Prints one answer: raw with `--json`, else `render(answer)`. */
export function printOne<T>(ctx: CommandContext, answer: T, render: (value: T) => string): void {
  if (ctx.json) return ctx.out.json(answer);
  ctx.out.print(render(answer));
}

/** A path segment, escaped (ids are plain, but a typo with `/` must not change the route). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
