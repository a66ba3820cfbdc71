/**
 * Test support (imported by `*.test.ts` only): the set-up the CLI suites share — a stand-in
 * server started in `beforeAll` and closed in `afterAll`, the environment that points the CLI
 * at it, and optionally a temporary directory removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startStandIn, type StandInServer } from './stand-in-server.js';

/** What a suite gets; every member reads through to what `beforeAll` set up. */
export interface StandInSuite {
  server: StandInServer;
  /** `SWITCHBOARD_API_URL` (the stand-in), `SWITCHBOARD_API_KEY` (`key`), `HOME` (none). */
  env: Record<string, string>;
  /** The temporary directory (only with `tempDirPrefix`). */
  readonly dir: string;
}

/** For a suite file's top level: a stand-in admitting `key`, and `env` pointing at it. */
export function useStandIn(key: string, options: { tempDirPrefix?: string } = {}): StandInSuite {
  let running: StandInServer | undefined;
  let dir: string | undefined;
  const env: Record<string, string> = {};
  const current = (): StandInServer => {
    if (!running) throw new Error('the stand-in is started in beforeAll');
    return running;
  };
  beforeAll(async () => {
    running = await startStandIn(key);
    Object.assign(env, {
      SWITCHBOARD_API_URL: running.url,
      SWITCHBOARD_API_KEY: key,
      HOME: '/nonexistent',
    });
    if (options.tempDirPrefix !== undefined) {
      dir = await mkdtemp(join(tmpdir(), options.tempDirPrefix));
    }
  });
  afterAll(async () => {
    await running?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    server: {
      get url() {
        return current().url;
      },
      get requests() {
        return current().requests;
      },
      on: (route, answer) => current().on(route, answer),
      last: () => current().last(),
      close: () => current().close(),
    },
    env,
    get dir() {
      if (dir === undefined) throw new Error('no temporary directory: pass tempDirPrefix');
      return dir;
    },
  };
}
