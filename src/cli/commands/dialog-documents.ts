/**
 * `switchboard flows|agents|intents|scripts …`: the dialog room's versioned documents. `put`
 * sends a YAML file as YAML (the server keeps the document, not the text, but its error paths
 * are the same either way), `get` prints the document itself so it can go back to a file, and
 * `--if-version` makes a save fail rather than overwrite someone else's newer one.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { UsageError, type Command, type CommandContext, type Group } from '../args.js';
import { ApiError, ConnectionError, DEFAULT_TIMEOUT_MS, describeFetchFailure } from '../client.js';
import { resolveConnection } from '../connection.js';
import { formatTime, orNone, renderTable, type Column } from '../table.js';
import type { WireError, WireList } from '../types.js';
import { confirm } from './crud.js';
import { flag, int, printList, printOne, readAll, seg, str } from './common.js';

/** A version as the API lists it. */
export interface WireDialogDocumentSummary {
  name: string;
  version: number;
  createdAt?: string;
  comment?: string;
}

/** A version with its document. */
export interface WireDialogDocument extends WireDialogDocumentSummary {
  document: unknown;
}

/** One group per kind: its command word (= API path) and its noun. */
const KINDS = [
  { word: 'flows', noun: 'flow', what: 'IVR flows (call steps: menus, gathers, transfers …)' },
  { word: 'agents', noun: 'agent', what: 'AI agents (model, prompts, tools, voice settings)' },
  { word: 'intents', noun: 'intents set', what: 'NLU intents sets (utterances per intent)' },
  { word: 'scripts', noun: 'script tree', what: 'script trees for offline agents' },
] as const;

/** Largest version: the server's int4. */
const MAX_VERSION = 2_147_483_647;

const SUMMARY_COLUMNS: Column<WireDialogDocumentSummary>[] = [
  { header: 'NAME', value: (d) => d.name },
  { header: 'VERSION', value: (d) => String(d.version), align: 'right' },
  { header: 'SAVED', value: (d) => formatTime(d.createdAt) },
  { header: 'COMMENT', value: (d) => orNone(d.comment) },
];

/** The file's text and how to send it. @throws UsageError when unreadable or not JSON/YAML. */
async function readDocument(
  ctx: CommandContext,
  path: string,
): Promise<{ text: string; contentType: string }> {
  let text: string;
  try {
    text = path === '-' ? await readAll(ctx.io.stdin) : await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  // Standard input has no name: JSON starts with `{`, anything else is taken for YAML.
  const json = ext === '.json' || (path === '-' && text.trimStart().startsWith('{'));
  if (json) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
    return { text, contentType: 'application/json' };
  }
  if (path !== '-' && ext !== '.yaml' && ext !== '.yml') {
    throw new UsageError(`${path}: give a .json, .yaml or .yml file (or - for standard input)`);
  }
  return { text, contentType: 'application/yaml' };
}

/**
 * PUTs a document as it is written (the API client only sends JSON, and has no `If-Match`),
 * failing the way the client does, so main() reports it the same way.
 */
async function putDocument(
  ctx: CommandContext,
  path: string,
  body: { text: string; contentType: string },
  options: { comment?: string; ifVersion?: number },
): Promise<WireDialogDocument> {
  const conn = await resolveConnection(
    { url: str(ctx.values, 'url'), key: str(ctx.values, 'key'), config: str(ctx.values, 'config') },
    ctx.io.env,
  );
  const url = new URL(conn.url.replace(/\/+$/, '') + path);
  if (options.comment !== undefined) url.searchParams.set('comment', options.comment);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': body.contentType,
  };
  if (conn.key !== undefined) headers.authorization = `Bearer ${conn.key}`;
  if (options.ifVersion !== undefined) headers['if-match'] = `"${options.ifVersion}"`;
  let response: Response;
  let text: string;
  try {
    response = await (ctx.io.fetch ?? fetch)(url, {
      method: 'PUT',
      headers,
      body: body.text,
      signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (err) {
    throw new ConnectionError(conn.url, describeFetchFailure(err));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const errorBody =
      typeof parsed === 'object' && parsed !== null
        ? (parsed as WireError & Record<string, unknown>)
        : { message: `HTTP ${response.status} ${response.statusText}` };
    throw new ApiError(response.status, errorBody, `PUT ${url.pathname}`);
  }
  return parsed as WireDialogDocument;
}

/** The document as YAML, under a comment saying which version it is. */
function yamlOf(d: WireDialogDocument): string {
  const saved = d.createdAt !== undefined ? `, saved ${formatTime(d.createdAt)}` : '';
  const comment = d.comment !== undefined ? `: ${d.comment.replace(/\s+/g, ' ')}` : '';
  return `# ${d.name} version ${d.version}${saved}${comment}\n${toYaml(d.document)}`;
}

function kindGroup(word: string, noun: string, what: string): Group {
  const base = `/v1/${word}`;
  const where = `switchboard ${word}`;
  const nameArg = [{ name: 'name' }];
  const list: Command = {
    kind: 'command',
    name: 'list',
    summary: `List ${noun}s (latest version of each)`,
    examples: [`${where} list`],
    async run(ctx) {
      const api = await ctx.api();
      const answer = await api.get<WireList<WireDialogDocumentSummary>>(base);
      printList(ctx, answer, (items) => renderTable(items, SUMMARY_COLUMNS), `no ${noun}s`);
    },
  };
  const get: Command = {
    kind: 'command',
    name: 'get',
    summary: `Print ${noun === 'agent' ? 'an' : 'a'} ${noun}'s document (JSON, or --yaml)`,
    description:
      'Prints the document alone, ready to edit and put back; --json prints the whole answer ' +
      '(name, version, saved time, comment and document).',
    positionals: nameArg,
    options: {
      version: { type: 'string', placeholder: '<n>', description: 'An older version' },
      yaml: { type: 'boolean', description: 'Print YAML (with the version in a comment)' },
    },
    examples: [`${where} get main --yaml > main.yaml`, `${where} get main --version 2`],
    async run(ctx) {
      const version = int(ctx.values, 'version', { min: 1, max: MAX_VERSION });
      const api = await ctx.api();
      const answer = await api.get<WireDialogDocument>(
        `${base}/${seg(ctx.positionals[0]!)}`,
        version !== undefined ? { version } : undefined,
      );
      printOne(ctx, answer, (d) =>
        flag(ctx.values, 'yaml') ? yamlOf(d) : JSON.stringify(d.document, null, 2),
      );
    },
  };
  const versions: Command = {
    kind: 'command',
    name: 'versions',
    summary: `List every version of ${noun === 'agent' ? 'an' : 'a'} ${noun}, newest first`,
    positionals: nameArg,
    async run(ctx) {
      const api = await ctx.api();
      const answer = await api.get<WireList<WireDialogDocumentSummary>>(
        `${base}/${seg(ctx.positionals[0]!)}/versions`,
      );
      printList(ctx, answer, (items) => renderTable(items, SUMMARY_COLUMNS.slice(1)), 'none');
    },
  };
  const put: Command = {
    kind: 'command',
    name: 'put',
    summary: `Save a file as the ${noun}'s next version (checked by the server first)`,
    description:
      'A .yaml/.yml file is sent as YAML, a .json file as JSON (- reads standard input). The ' +
      'server refuses an invalid document with every problem, one line each: path: message.',
    positionals: [{ name: 'name' }, { name: 'file' }],
    options: {
      comment: { type: 'string', placeholder: '<text>', description: 'What changed' },
      'if-version': {
        type: 'string',
        placeholder: '<n>',
        description: 'Only if the latest version is still n (0: only if it does not exist yet)',
      },
    },
    examples: [
      `${where} put main main.yaml --comment "new holiday hours"`,
      `${where} put main main.yaml --if-version 3`,
    ],
    async run(ctx) {
      const [name, file] = ctx.positionals as [string, string];
      const ifVersion = int(ctx.values, 'if-version', { min: 0, max: MAX_VERSION });
      const comment = str(ctx.values, 'comment');
      const body = await readDocument(ctx, file);
      const saved = await putDocument(ctx, `${base}/${seg(name)}`, body, {
        ...(comment !== undefined ? { comment } : {}),
        ...(ifVersion !== undefined ? { ifVersion } : {}),
      });
      confirm(ctx, saved, `saved ${noun} ${saved.name} version ${saved.version}`);
    },
  };
  const del: Command = {
    kind: 'command',
    name: 'delete',
    summary: `Delete ${noun === 'agent' ? 'an' : 'a'} ${noun} with all its versions`,
    positionals: nameArg,
    async run(ctx) {
      const api = await ctx.api();
      const name = ctx.positionals[0]!;
      const answer = await api.request<unknown>('DELETE', `${base}/${seg(name)}`);
      confirm(ctx, answer, `deleted ${noun} ${name} (all versions)`);
    },
  };
  return {
    kind: 'group',
    name: word,
    summary: `Versioned ${what}`,
    children: [list, get, versions, put, del],
  };
}

/** The `flows`, `agents`, `intents` and `scripts` groups. */
export const dialogDocumentGroups: Group[] = KINDS.map((k) => kindGroup(k.word, k.noun, k.what));
