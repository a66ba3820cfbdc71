/**
 * Test support for the API suites (imported by `*.test.ts` files only): a real store and the
 * real API server around it, plus keys of each scope.
 *
 * The store is PostgreSQL in a schema of its own when the test server is reachable
 * (`SWITCHBOARD_TEST_DATABASE_URL`, default the local `test` database) — opening one takes
 * milliseconds — and embedded PGlite in a temporary directory otherwise, which takes seconds
 * and a few hundred MB, so suites open one per file. `SWITCHBOARD_API_TEST_STORE=pglite` or
 * `=postgres` forces a backend (`postgres` then fails when the server cannot be reached).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll } from 'vitest';
import type { ApiScope, Store } from '../../store/index.js';
import { openTestStore } from '../../../test/fixtures/test-store.js';
import { buildApiServer, type ApiServerOptions } from '../api-server.js';

/** An API server on a fresh store, with an admin key. */
export interface TestApi {
  app: FastifyInstance;
  store: Store;
  /** Which backend the store runs on. */
  kind: Store['kind'];
  /** A key with the admin scope. */
  adminKey: string;
  /** Request headers presenting `key` (default: the admin key). */
  auth(key?: string): Record<string, string>;
  /** Creates a key with these scopes and returns it. */
  keyWith(...scopes: ApiScope[]): Promise<string>;
  /** Closes the server and the store and removes the data. */
  close(): Promise<void>;
}

/** Opens a store, builds the API server on it and creates an admin key. */
export async function openTestApi(
  options: Partial<Omit<ApiServerOptions, 'store'>> = {},
): Promise<TestApi> {
  const { store, dispose } = await openTestStore();
  const app = buildApiServer({
    health: () => ({ status: 'ok' }),
    metrics: new Registry(),
    ...options,
    store,
  });
  await app.ready();
  const adminKey = (await store.apiKeys.create({ name: 'test admin', scopes: ['admin'] })).key;
  return {
    app,
    store,
    kind: store.kind,
    adminKey,
    auth: (key = adminKey) => ({ authorization: `Bearer ${key}` }),
    keyWith: async (...scopes) => (await store.apiKeys.create({ name: 'test', scopes })).key,
    close: async () => {
      await app.close();
      await dispose();
    },
  };
}

/** A suite's test API: the members of `TestApi`, plus `inject`. */
export interface SuiteApi extends TestApi {
  /** Sends a request presenting `key` (default: the admin key), `payload` as its JSON body. */
  inject(
    method: string,
    url: string,
    payload?: unknown,
    key?: string,
  ): Promise<LightMyRequestResponse>;
}

/**
 * For a suite file's top level: opens the test API in `beforeAll` and closes it in `afterAll`.
 * The answer reads through to the API opened, so it may be used from hooks and tests only.
 */
export function useTestApi(options: Partial<Omit<ApiServerOptions, 'store'>> = {}): SuiteApi {
  let opened: TestApi | undefined;
  const current = (): TestApi => {
    if (!opened) throw new Error('the test API is opened in beforeAll');
    return opened;
  };
  beforeAll(async () => {
    opened = await openTestApi(options);
  }, 60_000);
  afterAll(() => opened?.close());
  return {
    get app() {
      return current().app;
    },
    get store() {
      return current().store;
    },
    get kind() {
      return current().kind;
    },
    get adminKey() {
      return current().adminKey;
    },
    auth: (key) => current().auth(key),
    keyWith: (...scopes) => current().keyWith(...scopes),
    close: () => current().close(),
    inject: (method, url, payload, key) =>
      current().app.inject({
        method: method as 'GET',
        url,
        headers: current().auth(key),
        ...(payload !== undefined ? { payload: payload as object } : {}),
      }),
  };
}

/** The `field`s of a 400 answer's issues, sorted. */
export function issueFields(body: { issues?: Array<{ field: string }> }): string[] {
  return (body.issues ?? []).map((i) => i.field).sort();
}
