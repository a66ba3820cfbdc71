/**
 * drizzle-kit configuration: `npm run db:generate` diffs src/store/schema.ts against the last
 * snapshot in src/store/migrations/ and writes the next SQL migration there. openStore() applies
 * that folder at start-up, on PGlite and on PostgreSQL alike.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './src/store/migrations',
  strict: true,
  verbose: true,
});
