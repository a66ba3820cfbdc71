/**
 * Second half of `npm run db:generate`: strips the `"public".` qualifier drizzle-kit writes into
 * generated SQL (it always qualifies foreign-key targets, even for tables declared without a
 * schema). The store's tables live wherever the connection's `search_path` points — the
 * configured schema, or a per-run schema in tests — so the SQL must not name one. The contract
 * test checks every committed migration for the qualifier, in case this step was skipped.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('../migrations', import.meta.url));
for (const name of readdirSync(folder)) {
  if (!name.endsWith('.sql')) continue;
  const path = join(folder, name);
  const sql = readFileSync(path, 'utf8');
  const unqualified = sql.replaceAll('"public".', '');
  if (unqualified !== sql) {
    writeFileSync(path, unqualified);
    process.stdout.write(`unqualified ${name}\n`);
  }
}
