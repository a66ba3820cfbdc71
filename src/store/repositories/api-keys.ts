/**
 * API keys. The secret is shown once, at creation; the store keeps its SHA-256 only. A fast
 * hash is enough (no bcrypt/scrypt): the secret is 256 random bits, so there is nothing to
 * brute-force, and verification runs on every API request. Lookup is by hash (unique index),
 * so no secret is ever compared byte by byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { ApiKeyRecord, ApiScope } from '../model.js';
import { apiKeys } from '../schema.js';
import { type Db, opt } from './db.js';

/** Every key starts with this, so a leaked one is easy to recognise (secret scanners, logs). */
export const API_KEY_PREFIX = 'sb_';
/** Characters of the key kept in clear as `prefix`: `sb_` and 8 of the 43 random ones. */
const SHOWN_CHARS = API_KEY_PREFIX.length + 8;

/** A newly created key: the record and, this once, the secret itself. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** The secret to hand to the client; it cannot be recovered later. */
  key: string;
}

/** API key persistence. */
export interface ApiKeyRepository {
  create(input: { name: string; scopes: ApiScope[] }): Promise<CreatedApiKey>;
  /**
   * The record of a valid (known, not revoked) key, stamping `lastUsedAt`; undefined otherwise.
   */
  verify(key: string): Promise<ApiKeyRecord | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /** Revokes the key; revoking a revoked key keeps the first revocation time. */
  revoke(id: string): Promise<ApiKeyRecord>;
  /**
   * Keys not revoked. Zero means nobody can use the API: the app creates a first admin key
   * then (also the way back in after every key was revoked).
   */
  count(): Promise<number>;
}

/** SHA-256 of a key, hex: what the store keeps. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

type Row = typeof apiKeys.$inferSelect;

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.createdAt,
    lastUsedAt: opt(row.lastUsedAt),
    revokedAt: opt(row.revokedAt),
  };
}

/** The API key repository over `db` (a database or a transaction). */
export function apiKeyRepository(db: Db): ApiKeyRepository {
  return {
    async create(input) {
      const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
      const [row] = await db
        .insert(apiKeys)
        .values({
          id: newId(ID_PREFIX.apiKey),
          name: input.name,
          scopes: input.scopes,
          prefix: key.slice(0, SHOWN_CHARS),
          hash: hashApiKey(key),
          createdAt: new Date(),
        })
        .returning();
      return { record: toRecord(row!), key };
    },

    async verify(key) {
      if (!key.startsWith(API_KEY_PREFIX)) return undefined;
      // One round trip: find, check and stamp together.
      const [row] = await db
        .update(apiKeys)
        .set({ lastUsedAt: new Date() })
        .where(and(eq(apiKeys.hash, hashApiKey(key)), isNull(apiKeys.revokedAt)))
        .returning();
      return row ? toRecord(row) : undefined;
    },

    async get(id) {
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row ? toRecord(row) : undefined;
    },

    async list() {
      const rows = await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
      return rows.map(toRecord);
    },

    async revoke(id) {
      const [row] = await db
        .update(apiKeys)
        .set({
          revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${new Date().toISOString()}::timestamptz)`,
        })
        .where(eq(apiKeys.id, id))
        .returning();
      if (!row) throw new NotFoundError('API key', id);
      return toRecord(row);
    },

    async count() {
      const [row] = await db.select({ n: count() }).from(apiKeys).where(isNull(apiKeys.revokedAt));
      return row?.n ?? 0;
    },
  };
}
