/**
 * Test glue for the store contract suites: runs one suite body against every backend — PGlite
 * in a temporary directory and PostgreSQL in a schema of its own — so both are held to the same
 * contract. PostgreSQL is reached at `SWITCHBOARD_TEST_DATABASE_URL` (default: the local
 * server's `test` database, trust auth). When it cannot be reached the PostgreSQL run skips
 * with the reason, unless `SWITCHBOARD_E2E=required` (CI), where that is a failure.
 *
 * Test-only: nothing outside `*.test.ts` files imports this module.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openStore, type Store } from '../database.js';

/** The PostgreSQL server the contract suites use. */
export const TEST_DATABASE_URL =
  process.env.SWITCHBOARD_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** One backend under test, as the suite body sees it. */
export interface BackendContext {
  readonly kind: Store['kind'];
  /** The open store (replaced by {@link reopen}). */
  readonly store: Store;
  /** Closes the store and opens it again on the same data (PGlite dir / PostgreSQL schema). */
  reopen(): Promise<Store>;
  /**
   * Runs raw SQL on the store's data, bypassing the repositories: for checks on what is really
   * in the rows. On PGlite the store must be closed (one process may open a data dir once).
   */
  rawQuery(sql: string): Promise<Record<string, unknown>[]>;
}

/** Why PostgreSQL cannot be used, or undefined when it can (checked once per test file). */
async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${TEST_DATABASE_URL} unreachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgresMissing = await postgresUnavailable();

interface Backend {
  kind: Store['kind'];
  open(): Promise<Store>;
  rawQuery(sql: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

async function pgliteBackend(): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sb-store-'));
  return {
    kind: 'pglite',
    open: () => openStore({ dataDir }),
    async rawQuery(sql) {
      const db = await PGlite.create(join(dataDir, 'pglite'));
      try {
        return (await db.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await db.close();
      }
    },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  // One schema per suite: suites run in parallel against one database without seeing each other.
  const schema = `sb_test_${randomBytes(6).toString('hex')}`;
  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    kind: 'postgres',
    open: () => openStore({ databaseUrl: TEST_DATABASE_URL, dataDir: tmpdir(), schema }),
    rawQuery: (sql) => withClient(async (c) => (await c.query<Record<string, unknown>>(sql)).rows),
    dispose: () =>
      withClient((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}

/**
 * Declares `body` once per backend, inside `describe('<title> [<backend>]')`. The store is
 * opened before the first test and closed (and its data removed) after the last one.
 */
export function describeEachBackend(title: string, body: (ctx: BackendContext) => void): void {
  for (const kind of ['pglite', 'postgres'] as const) {
    let backend: Backend | undefined;
    let store: Store | undefined;
    const ctx: BackendContext = {
      kind,
      get store() {
        if (!store) throw new Error('store not open');
        return store;
      },
      async reopen() {
        await store?.close();
        store = await backend!.open();
        return store;
      },
      rawQuery: (sql) => backend!.rawQuery(sql),
    };
    const name = `${title} [${kind}]`;
    if (kind === 'postgres' && postgresMissing !== undefined) {
      if (process.env.SWITCHBOARD_E2E === 'required') {
        describe(name, () => {
          it('has PostgreSQL reachable', () => {
            throw new Error(`${postgresMissing} (SWITCHBOARD_E2E=required)`);
          });
        });
      } else {
        const reason = `${postgresMissing}; SWITCHBOARD_E2E=required makes this fail`;
        describe.skip(`${name} [skipped: ${reason}]`, () => body(ctx));
      }
      continue;
    }
    describe(name, () => {
      // First open includes PGlite's initdb (a few seconds) and the migrations.
      beforeAll(async () => {
        backend = kind === 'pglite' ? await pgliteBackend() : postgresBackend();
        store = await backend.open();
      }, 60_000);
      afterAll(async () => {
        await store?.close();
        await backend?.dispose();
      });
      body(ctx);
    });
  }
}
