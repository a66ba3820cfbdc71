/**
 * The routes most /v1 resources share, as route-kit declarations: list, get, change and delete
 * by id. Each resource states its URL, wording, scope and schemas; the helper writes the
 * handler (the `{ items }` wrapper, the 404 for an unknown id, the view of the stored record).
 */
import type { ZodType } from 'zod';
import { NotFoundError, type ApiScope } from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { idParams, listOf } from './schemas.js';

/** What every route states: the collection's URL (`/:id` is added for single records). */
interface RouteWording {
  url: string;
  summary: string;
  tag: string;
  scope: ApiScope;
}

/** GET `url`: every record, as `{ items: [view…] }`. */
export function addListRoute<T, V>(
  router: ApiRouter,
  route: RouteWording & {
    /** Schema of one item as answered. */
    item: ZodType<V>;
    list: () => Promise<T[]>;
    view: (record: T) => V;
  },
): void {
  router.add({
    method: 'GET',
    url: route.url,
    summary: route.summary,
    tag: route.tag,
    scope: route.scope,
    response: listOf(route.item),
    handler: async () => ({ items: (await route.list()).map(route.view) }),
  });
}

/** GET `url/:id`: one record's view; 404 naming `what` when there is none. */
export function addGetRoute<T, V>(
  router: ApiRouter,
  route: RouteWording & {
    /** The record's name in the 404 message, e.g. `inbound trunk`. */
    what: string;
    response: ZodType<V>;
    get: (id: string) => Promise<T | undefined>;
    view: (record: T) => V;
  },
): void {
  router.add({
    method: 'GET',
    url: `${route.url}/:id`,
    summary: route.summary,
    tag: route.tag,
    scope: route.scope,
    params: idParams,
    response: route.response,
    handler: async ({ params }) => {
      const record = await route.get(params.id);
      if (!record) throw new NotFoundError(route.what, params.id);
      return route.view(record);
    },
  });
}

/** PATCH `url/:id`: applies the validated body and answers the changed record's view. */
export function addPatchRoute<B, T, V>(
  router: ApiRouter,
  route: RouteWording & {
    body: ZodType<B>;
    response: ZodType<V>;
    update: (id: string, body: B) => Promise<T>;
    view: (record: T) => V;
  },
): void {
  router.add({
    method: 'PATCH',
    url: `${route.url}/:id`,
    summary: route.summary,
    tag: route.tag,
    scope: route.scope,
    params: idParams,
    body: route.body,
    response: route.response,
    handler: async ({ params, body }) => route.view(await route.update(params.id, body)),
  });
}

/** DELETE `url/:id`: 204 with no content. */
export function addDeleteRoute(
  router: ApiRouter,
  route: RouteWording & { remove: (id: string) => Promise<unknown> },
): void {
  router.add({
    method: 'DELETE',
    url: `${route.url}/:id`,
    summary: route.summary,
    tag: route.tag,
    scope: route.scope,
    params: idParams,
    status: 204,
    handler: async ({ params }) => {
      await route.remove(params.id);
    },
  });
}
