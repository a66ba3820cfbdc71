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
