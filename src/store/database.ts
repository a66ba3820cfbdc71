/**
 * Opening the store: embedded PGlite (a WASM build of PostgreSQL, persisted under the data
 * directory) when no database URL is configured, a `pg` connection pool otherwise. Both run the
 * same migrations from ./migrations at start-up and the same repositories afterwards.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../observability/index.js';
import { type ApiKeyRepository, apiKeyRepository } from './repositories/api-keys.js';
import { type CallRepository, callRepository } from './repositories/calls.js';
import {
  type ConversationRepository,
  conversationRepository,
} from './repositories/conversations.js';
import type { Db } from './repositories/db.js';
import {
  type DialogDocumentRepository,
  dialogDocumentRepository,
} from './repositories/dialog-documents.js';
import {
  type DispatchRuleRepository,
  dispatchRuleRepository,
} from './repositories/dispatch-rules.js';
import { type TrunkRepository, trunkRepository } from './repositories/trunks.js';
import { type VoiceTurnRepository, voiceTurnRepository } from './repositories/voice-turns.js';
import { type WebhookRepository, webhookRepository } from './repositories/webhooks.js';

/**
 * The migrations folder, next to this module: found the same way from a checkout run with tsx
 * and from a build (which must copy `src/store/migrations/` to `dist/store/migrations/`).
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** Table recording which migrations ran (drizzle's default name). */
const MIGRATIONS_TABLE = '__drizzle_migrations';

/**
 * Key of the PostgreSQL advisory lock held while migrating, so that several Switchboard nodes
 * starting together against one database apply each migration once ("SB" "MG" in ASCII).
 */
const MIGRATION_LOCK_KEY = 0x5342_4d47;

/** How to open the store. */
export interface StoreOptions {
  /** `postgres://…`: use PostgreSQL. Absent: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** Data directory; PGlite keeps its files in `<dataDir>/pglite`. */
  dataDir: string;
  /**
   * PostgreSQL schema to keep the tables (and the migrations table) in, created if missing.
   * Tests use one per run to stay apart; absent: the connection's default (`public`), with the
   * migrations table in drizzle's `drizzle` schema.
   */
  schema?: string;
  /** Where pool errors (a dropped idle connection) are reported. */
  logger?: Logger;
}

/** The repositories, bound to the database or to one transaction. */
export interface Repositories {
  trunks: TrunkRepository;
  dispatchRules: DispatchRuleRepository;
  calls: CallRepository;
  apiKeys: ApiKeyRepository;
  webhooks: WebhookRepository;
  /** The turns of voice-bot conversations, stored with their call. */
  voiceTurns: VoiceTurnRepository;
  /** Versioned flows, agents, intents and script trees. */
  dialogDocuments: DialogDocumentRepository;
  /** Dialog-room conversations and their messages. */
  conversations: ConversationRepository;
}

/** The opened store. */
export interface Store extends Repositories {
  /** Which database is behind it. */
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction: everything it writes through `tx` commits together, or
   * nothing does when it throws. Use only `tx` inside: on PGlite (one connection) a query
   * through the store itself would wait for the transaction to end, which waits for `fn`.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Closes the database; the store is unusable afterwards. Idempotent. */
  close(): Promise<void>;
}

/** Schema names are spliced into SQL and connection options: plain identifiers only. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function repositories(db: Db): Repositories {
  return {
    trunks: trunkRepository(db),
    dispatchRules: dispatchRuleRepository(db),
    calls: callRepository(db),
    apiKeys: apiKeyRepository(db),
    webhooks: webhookRepository(db),
    voiceTurns: voiceTurnRepository(db),
    dialogDocuments: dialogDocumentRepository(db),
    conversations: conversationRepository(db),
  };
}

function makeStore(kind: Store['kind'], db: Db, closeDb: () => Promise<void>): Store {
  let closing: Promise<void> | undefined;
  return {
    kind,
    ...repositories(db),
    transaction: (fn) => db.transaction((tx) => fn(repositories(tx))),
    close: () => (closing ??= closeDb()),
  };
}

/**
 * Opens the store and brings its tables up to date (migrations run before this resolves).
 * @throws when the database cannot be reached or a migration fails; nothing is left open then.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  const migrationConfig = {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsTable: MIGRATIONS_TABLE,
    ...(schema !== undefined ? { migrationsSchema: schema } : {}),
  };
  return options.databaseUrl === undefined
    ? openPglite(options.dataDir, schema, migrationConfig)
    : openPostgres(options.databaseUrl, schema, migrationConfig, options.logger);
}

async function openPglite(
  dataDir: string,
  schema: string | undefined,
  migrationConfig: Parameters<typeof migratePglite>[1],
): Promise<Store> {
  const dir = join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const client = await PGlite.create(dir);
  try {
    if (schema !== undefined) {
      // One connection, so a session-level search_path holds for every later query.
      await client.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
    }
    const db = drizzlePglite({ client });
    await migratePglite(db, migrationConfig);
    return makeStore('pglite', db, () => client.close());
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

async function openPostgres(
  databaseUrl: string,
  schema: string | undefined,
  migrationConfig: Parameters<typeof migrateNodePg>[1],
  logger: Logger | undefined,
): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // Every pooled connection starts in the store's schema; the generated SQL is unqualified.
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, that would
  // crash the process. The next query simply opens a new connection.
  pool.on('error', (error) =>
    logger?.warn({ err: error }, 'store: idle PostgreSQL connection lost'),
  );
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        // On this one client, so the lock and the migration share a session.
        await migrateNodePg(drizzleNodePg({ client }), migrationConfig);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
    const db = drizzleNodePg({ client: pool });
    return makeStore('postgres', db, () => pool.end());
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
