/**
 * /v1/flows, /v1/agents, /v1/intents and /v1/scripts: the dialog room's versioned documents.
 * Every save is checked by the dialog room's validator for its kind (injected: the validators
 * live in src/dialog and the app wires them), and stored as the validated value with defaults
 * filled, as a new version. Bodies are JSON, or YAML with `Content-Type: application/yaml`
 * (or `text/yaml`), since people write these documents by hand.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  DIALOG_DOCUMENT_NAME,
  NotFoundError,
  type DialogDocumentKind,
  type DialogDocumentRecord,
  type Store,
} from '../../store/index.js';
import { BadRequestError, type ApiRouter } from '../route-kit.js';
import { integer, iso, line, listOf, timestamp } from './schemas.js';

/** A dialog-room validator: the value to store (defaults filled) or every problem found. */
export type Validate = (
  doc: unknown,
) =>
  { ok: true; value: unknown } | { ok: false; problems: Array<{ path: string; message: string }> };

/** One validator per document kind. */
export interface DialogValidators {
  flow: Validate;
  agent: Validate;
  intents: Validate;
  script: Validate;
}

/** The collections: URL segment and wording per kind. */
export const DIALOG_COLLECTIONS: ReadonlyArray<{
  kind: DialogDocumentKind;
  /** `/v1/<path>`. */
  path: string;
  /** Singular noun for summaries and 404s. */
  noun: string;
}> = [
  { kind: 'flow', path: 'flows', noun: 'flow' },
  { kind: 'agent', path: 'agents', noun: 'agent' },
  { kind: 'intents', path: 'intents', noun: 'intents set' },
  { kind: 'script', path: 'scripts', noun: 'script tree' },
];

/** Content types read as YAML on the dialog routes. */
export const YAML_CONTENT_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];

/** Largest version a path or header may name: PostgreSQL's int4. */
const MAX_VERSION = 2_147_483_647;

const nameParams = z.object({
  name: z
    .string()
    .regex(
      DIALOG_DOCUMENT_NAME,
      'must be 1–64 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
    ),
});

const getQuery = z.object({
  version: z.coerce
    .number('must be a number')
    .pipe(integer(1, MAX_VERSION))
    .optional()
    .meta({ description: 'An older version (default: the latest)' }),
});

const putQuery = z.object({
  comment: line(500).optional().meta({ description: 'What changed, kept with the version' }),
});

/** A version as listed. */
export const dialogDocumentSummary = z.object({
  name: z.string(),
  version: z.number().int(),
  createdAt: timestamp,
  comment: z.string().optional(),
});

/** A version with its document. */
export const dialogDocumentView = dialogDocumentSummary.extend({ document: z.unknown() });

function summaryOf(r: DialogDocumentRecord): z.infer<typeof dialogDocumentSummary> {
  return { name: r.name, version: r.version, createdAt: iso(r.createdAt), comment: r.comment };
}

function viewOf(r: DialogDocumentRecord): z.infer<typeof dialogDocumentView> {
  return { ...summaryOf(r), document: r.document };
}

/**
 * The version an `If-Match` header names: `3`, `"3"` (an ETag as this API sends it) or
 * `W/"3"`; undefined without the header. @throws BadRequestError for anything else.
 */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(Array.isArray(header) ? header.join() : header);
  const version = m ? Number(m[1]) : NaN;
  if (!(version >= 0 && version <= MAX_VERSION)) {
    throw new BadRequestError([
      { field: 'If-Match', message: 'must be the version the change was made on, e.g. 3' },
    ]);
  }
  return version;
}

/**
 * The Fastify instance behind the router. The route kit keeps it private because routes should
 * not need it; a body parser is the exception (it is registered on the instance, not a route).
 */
function fastifyOf(router: ApiRouter): FastifyInstance {
  return router['app'];
}

/**
 * Reads YAML bodies, on the dialog routes only: elsewhere the API stays JSON-only (415), as
 * before. A YAML syntax error is a 400 naming the line and column.
 */
function addYamlParser(app: FastifyInstance, prefixes: readonly string[]): void {
  if (app.hasContentTypeParser(YAML_CONTENT_TYPES[0]!)) return;
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (request, body, done) => {
    const url = request.routeOptions.url ?? '';
    if (!prefixes.some((p) => url.startsWith(p))) {
      const error = new Error(`Unsupported Media Type: ${request.headers['content-type'] ?? ''}`);
      return done(Object.assign(error, { statusCode: 415 }), undefined);
    }
    try {
      // uniqueKeys (the default) refuses a key given twice rather than keeping the last one.
      done(null, parseYaml(String(body), { maxAliasCount: 1000 }));
    } catch (err) {
      const message = `not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`;
      done(Object.assign(new Error(message), { statusCode: 400 }), undefined);
    }
  });
}

/** Registers the list/get/versions/put/delete routes of every dialog document kind. */
export function registerDialogDocumentRoutes(
  router: ApiRouter,
  store: Store,
  validators: DialogValidators,
): void {
  addYamlParser(
    fastifyOf(router),
    DIALOG_COLLECTIONS.map((c) => `/v1/${c.path}/`),
  );
  for (const { kind, path, noun } of DIALOG_COLLECTIONS) {
    const url = `/v1/${path}`;
    const tag = 'dialog';
    const docs = store.dialogDocuments;
    const latestOrThrow = async (name: string, version?: number) => {
      const found =
        version === undefined ? await docs.latest(kind, name) : await docs.get(kind, name, version);
      if (!found) {
        throw new NotFoundError(noun, version === undefined ? name : `${name} version ${version}`);
      }
      return found;
    };

    router.add({
      method: 'GET',
      url,
      summary: `List ${noun}s: the latest version of each, by name`,
      tag,
      scope: 'read-only',
      response: listOf(dialogDocumentSummary),
      handler: async () => ({ items: (await docs.list(kind)).map(summaryOf) }),
    });
    router.add({
      method: 'GET',
      url: `${url}/:name`,
      summary: `Get ${article(noun)} ${noun}: the latest version, or ?version=N`,
      tag,
      scope: 'read-only',
      params: nameParams,
      query: getQuery,
      response: dialogDocumentView,
      handler: async ({ params, query, reply }) => {
        const found = await latestOrThrow(params.name, query.version);
        void reply.header('etag', `"${found.version}"`);
        return viewOf(found);
      },
    });
    router.add({
      method: 'GET',
      url: `${url}/:name/versions`,
      summary: `List every version of ${article(noun)} ${noun}, newest first`,
      tag,
      scope: 'read-only',
      params: nameParams,
      response: listOf(dialogDocumentSummary),
      handler: async ({ params }) => {
        const history = await docs.history(kind, params.name);
        if (history.length === 0) throw new NotFoundError(noun, params.name);
        return { items: history.map(summaryOf) };
      },
    });
    router.add({
      method: 'PUT',
      url: `${url}/:name`,
      summary:
        `Save ${article(noun)} ${noun} as its next version (201 for the first, 200 after); ` +
        'JSON or YAML (Content-Type: application/yaml); `If-Match: <version>` makes the save ' +
        'conditional (409 naming `version` when another save came first); 400 lists every ' +
        'problem the validator found, each with its path as `field`',
      tag,
      scope: 'admin',
      params: nameParams,
      query: putQuery,
      body: z.unknown().meta({ description: `The ${noun} document` }),
      response: dialogDocumentView,
      handler: async ({ params, query, body, request, reply }) => {
        const expectedVersion = ifMatchVersion(request);
        const checked = validators[kind](body);
        if (!checked.ok) {
          throw new BadRequestError(
            checked.problems.map((p) => ({ field: p.path || 'body', message: p.message })),
          );
        }
        const saved = await docs.put(kind, params.name, checked.value, {
          ...(query.comment !== undefined ? { comment: query.comment } : {}),
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        });
        void reply.header('etag', `"${saved.version}"`);
        return saved.version === 1 ? reply.code(201).send(viewOf(saved)) : viewOf(saved);
      },
    });
    router.add({
      method: 'DELETE',
      url: `${url}/:name`,
      summary: `Delete ${article(noun)} ${noun} with all its versions`,
      tag,
      scope: 'admin',
      params: nameParams,
      status: 204,
      handler: async ({ params }) => {
        if (!(await docs.delete(kind, params.name))) throw new NotFoundError(noun, params.name);
      },
    });
  }
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}
