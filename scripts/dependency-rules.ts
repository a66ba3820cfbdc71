/**
 * The dependency direction of src/ (see docs/architecture.md): which folder ("room") may
 * import which. A room not listed here may import nothing else from src/ until it is added.
 */

/** Rooms each room may import, besides itself. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  sip: [],
  media: [],
  config: [],
  observability: [],
  store: ['observability', 'config'],
  channels: ['sip', 'media', 'observability', 'config'],
  calls: ['channels', 'sip', 'media', 'store', 'observability', 'config'],
  voice: ['calls', 'channels', 'media', 'store', 'observability', 'config'],
  dialog: ['voice', 'calls', 'channels', 'media', 'store', 'observability', 'config'],
  'contact-center': [
    'dialog',
    'voice',
    'calls',
    'channels',
    'media',
    'store',
    'observability',
    'config',
  ],
  campaigns: ['dialog', 'voice', 'calls', 'channels', 'media', 'store', 'observability', 'config'],
  api: [
    'contact-center',
    'campaigns',
    'dialog',
    'voice',
    'calls',
    'channels',
    'media',
    'sip',
    'store',
    'observability',
    'config',
  ],
  cli: ['config', 'observability'],
};

/** npm packages a room may import (rooms not listed may import any declared dependency). */
export const ALLOWED_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  // The SIP stack is written as a library others could use: Node built-ins plus two small
  // protocol packages only.
  sip: ['ws', 'sdp-transform'],
  // The media plane: Node built-ins plus libopus (WASM / prebuilt addon) for the Opus codec.
  media: ['@evan/opus'],
  store: [
    // The Redis cache and event bus (src/store/cache/redis.ts).
    'ioredis',
    // The persistent store: Drizzle's query builder and migrator over PGlite (embedded
    // PostgreSQL, WASM) or a node-postgres pool.
    'drizzle-orm',
    '@electric-sql/pglite',
    'pg',
    // Contract suites (*.contract.ts) are not *.test.ts files but register vitest tests;
    // only *.test.ts files import them.
    'vitest',
  ],
};

/** Files at the top of src/ that compose everything and may import any room. */
export const COMPOSITION_ROOTS: readonly string[] = [
  'app.ts',
  'app-calls.ts',
  'app-voice.ts',
  'app-dialog.ts',
  'main.ts',
];
