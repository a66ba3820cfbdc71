/**
 * The committed migrations: complete, ordered, and free of schema qualifiers (see
 * tools/unqualify-migrations.ts), so the same SQL serves any schema on PGlite and PostgreSQL.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from './database.js';

describe('store migrations', () => {
  it('has a journal entry for every SQL file, in order', () => {
    const journal = JSON.parse(
      readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
    ) as { entries: { idx: number; tag: string }[] };
    const files = readdirSync(MIGRATIONS_FOLDER)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(journal.entries.map((e) => `${e.tag}.sql`)).toEqual(files);
    expect(journal.entries.map((e) => e.idx)).toEqual(files.map((_, i) => i));
    expect(readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER })).toHaveLength(files.length);
  });

  it('names no schema (run `npm run db:generate`, not drizzle-kit alone)', () => {
    for (const file of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql'))) {
      expect(readFileSync(join(MIGRATIONS_FOLDER, file), 'utf8'), file).not.toMatch(/"public"\./);
    }
  });
});
