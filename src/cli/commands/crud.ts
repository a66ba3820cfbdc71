/**
 * One builder for the resources that are plain CRUD over `/v1/<path>` (trunks, dispatch
 * rules): list, get, create, update, delete with the same flags, messages and output rules,
 * so every resource behaves alike and only its fields differ.
 */
import type { Command, CommandContext, FlagValues, Group, OptionSpec } from '../args.js';
import type { WireList } from '../types.js';
import { bodyOf, FILE_OPTION, printList, printOne, seg } from './common.js';

/** What differs between CRUD resources. */
export interface CrudSpec<T extends { id: string }> {
  /** Group name (`inbound`, `rules`). */
  name: string;
  summary: string;
  /** API path under the base URL, e.g. `/v1/trunks/inbound`. */
  path: string;
  /** Singular noun for messages (`inbound trunk`). */
  noun: string;
  /** Command words up to the group, e.g. `switchboard trunks inbound`, for examples. */
  where: string;
  table: (items: T[]) => string;
  record: (item: T) => string;
  /** Flags of create (and update). */
  options: Record<string, OptionSpec>;
  /** Body fields from flags; undefined fields are not sent. `update` for PATCH semantics. */
  fields: (values: FlagValues, mode: 'create' | 'update') => Record<string, unknown>;
  /** Extra flags only update has (e.g. `--no-credentials`). */
  updateOptions?: Record<string, OptionSpec>;
  createExamples?: string[];
  updateExamples?: string[];
}

/** The list/get/create/update/delete group of a resource. */
export function crudGroup<T extends { id: string }>(spec: CrudSpec<T>): Group {
  const idArg = [{ name: 'id' }];
  const list: Command = {
    kind: 'command',
    name: 'list',
    summary: `List ${spec.noun}s`,
    examples: [`${spec.where} list`, `${spec.where} list --json`],
    async run(ctx) {
      const api = await ctx.api();
      printList(ctx, await api.get<WireList<T>>(spec.path), spec.table, `no ${spec.noun}s`);
    },
  };
  const get: Command = {
    kind: 'command',
    name: 'get',
    summary: `Show one ${spec.noun}`,
    positionals: idArg,
    async run(ctx) {
      const api = await ctx.api();
      printOne(ctx, await api.get<T>(`${spec.path}/${seg(ctx.positionals[0]!)}`), spec.record);
    },
  };
  const create: Command = {
    kind: 'command',
    name: 'create',
    summary: `Create ${article(spec.noun)} ${spec.noun}`,
    options: { ...spec.options, ...FILE_OPTION },
    ...(spec.createExamples ? { examples: spec.createExamples } : {}),
    async run(ctx) {
      const body = await bodyOf(ctx, spec.fields(ctx.values, 'create'), `${spec.where} create`);
      const api = await ctx.api();
      const created = await api.request<T>('POST', spec.path, { body });
      confirm(ctx, created, `created ${spec.noun} ${created?.id ?? ''}`.trimEnd());
    },
  };
  const update: Command = {
    kind: 'command',
    name: 'update',
    summary: `Change fields of ${article(spec.noun)} ${spec.noun} (only the fields given)`,
    positionals: idArg,
    options: { ...spec.options, ...(spec.updateOptions ?? {}), ...FILE_OPTION },
    ...(spec.updateExamples ? { examples: spec.updateExamples } : {}),
    async run(ctx) {
      const body = await bodyOf(ctx, spec.fields(ctx.values, 'update'), `${spec.where} update`);
      const api = await ctx.api();
      const id = ctx.positionals[0]!;
      const updated = await api.request<T>('PATCH', `${spec.path}/${seg(id)}`, { body });
      confirm(ctx, updated, `updated ${spec.noun} ${id}`);
    },
  };
  const del: Command = {
    kind: 'command',
    name: 'delete',
    summary: `Delete ${article(spec.noun)} ${spec.noun}`,
    positionals: idArg,
    async run(ctx) {
      const api = await ctx.api();
      const id = ctx.positionals[0]!;
      const answer = await api.request<unknown>('DELETE', `${spec.path}/${seg(id)}`);
      confirm(ctx, answer, `deleted ${spec.noun} ${id}`);
    },
  };
  return {
    kind: 'group',
    name: spec.name,
    summary: spec.summary,
    children: [list, get, create, update, del],
  };
}

/** A one-line confirmation, or the raw answer with `--json`. */
export function confirm(ctx: CommandContext, answer: unknown, line: string): void {
  if (ctx.json) return ctx.out.json(answer);
  ctx.out.print(line);
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}
