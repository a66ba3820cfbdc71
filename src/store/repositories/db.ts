/**
 * What every repository runs its queries on: a Drizzle PostgreSQL database, or a transaction
 * on one (a transaction is a database too), whichever driver (PGlite or node-postgres) is
 * behind it. Repositories only use the driver-independent query builder.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** A Drizzle database or transaction, driver-independent. */
export type Db = PgDatabase<PgQueryResultHKT>;

/** SQL NULL → `undefined`, as the model's optional fields want. */
export function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/**
 * Whether a JSON-like value holds a NUL character in any string, key or value: PostgreSQL
 * refuses one in `text` and in `jsonb` alike, so repositories turn it into a ValidationError.
 */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}
