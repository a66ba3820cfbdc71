/**
 * The CLI end to end against the REAL API server: buildApiServer on a PGlite store (opened
 * once for the file), listening on a loopback port, with an admin key from the store. main()
 * runs in-process; everything between it and the store is the production code. It lives in
 * test/integration because it spans rooms (cli, api, store), which src/cli tests may not.
 */
process.env.TZ = 'UTC';

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { EXIT } from '../../src/cli/main.js';
import { runCli } from '../../src/cli/testing/run-cli.js';

let dataDir: string;
let store: Store;
let app: FastifyInstance;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-cli-api-'));
  store = await openStore({ dataDir });
  app = buildApiServer({
    store,
    health: () => ({ status: 'ok' }),
    metrics: new Registry(),
    registrations: async () => [
      {
        aor: 'sip:alice@example.com',
        contact: 'sip:alice@10.0.0.2:5060',
        expiresAt: new Date('2025-01-31T02:10:00Z'),
        transport: 'udp',
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const { key } = await store.apiKeys.create({ name: 'cli test admin', scopes: ['admin'] });
  env = {
    SWITCHBOARD_API_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_API_KEY: key,
    HOME: '/nonexistent',
  };
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs with --json and parses stdout. */
async function json<T>(argv: string[], extraEnv: Record<string, string> = {}): Promise<T> {
  const run = await runCli([...argv, '--json'], { ...env, ...extraEnv });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(EXIT.ok);
  return JSON.parse(run.stdout) as T;
}

describe('trunks against the real API', () => {
  it('create, list, get, update, delete an inbound trunk', async () => {
    const created = await json<{ id: string; credentials: unknown }>([
      'trunks',
      'inbound',
      'create',
      '--name',
      'carrier',
      '--number',
      '+861088886666',
      '--allow',
      '203.0.113.0/24',
      '--username',
      'pbx',
      '--password',
      's3cret',
    ]);
    // The password is write-only: the answer only says one is set.
    expect(created.credentials).toEqual({ username: 'pbx', passwordSet: true });
    const id = created.id;

    const list = await runCli(['trunks', 'inbound', 'list'], env);
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toMatch(
      new RegExp(
        `^${id} +carrier +\\+861088886666 +203\\.0\\.113\\.0/24 +pbx +unlimited +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`,
        'm',
      ),
    );

    const update = await runCli(
      ['trunks', 'inbound', 'update', id, '--no-credentials', '--max-calls', '5'],
      env,
    );
    expect(update).toEqual({ code: EXIT.ok, stdout: `updated inbound trunk ${id}\n`, stderr: '' });
    const after = await json<{ credentials?: unknown; maxConcurrentCalls: number }>([
      'trunks',
      'inbound',
      'get',
      id,
    ]);
    expect(after.credentials).toBeUndefined();
    expect(after.maxConcurrentCalls).toBe(5);

    // A number belongs to one inbound trunk: 409 with the server's message.
    const dup = await runCli(
      ['trunks', 'inbound', 'create', '--name', 'dup', '--number', '+861088886666'],
      env,
    );
    expect(dup.code).toBe(EXIT.api);
    expect(dup.stderr).toMatch(
      /^error: number \+861088886666 already belongs to inbound trunk .* \(HTTP 409 conflict\)$/m,
    );

    const del = await runCli(['trunks', 'inbound', 'delete', id], env);
    expect(del.stdout).toBe(`deleted inbound trunk ${id}\n`);
    const gone = await runCli(['trunks', 'inbound', 'get', id], env);
    expect(gone.code).toBe(EXIT.api);
    expect(gone.stderr).toContain('(HTTP 404 not_found)');
    expect(gone.stderr).not.toContain('no such route');
  });

  it('prints each field issue of a 400', async () => {
    const run = await runCli(
      [
        'trunks',
        'outbound',
        'create',
        '--name',
        'x',
        '--address',
        'sip.example.com:5060',
        '--number',
        'abc',
        '--max-calls',
        '9999999',
      ],
      env,
    );
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toMatch(/^error: .*\(HTTP 400 bad_request\)$/m);
    expect(run.stderr).toMatch(/^ {2}numbers\.0: /m);
    expect(run.stderr).toMatch(/^ {2}maxConcurrentCalls: /m);
  });
});

describe('rules against the real API', () => {
  it('creates from the short syntax and reads back the same rule', async () => {
    const created = await json<{ id: string }>([
      'rules',
      'create',
      '--name',
      'support',
      '--priority',
      '10',
      '--called',
      '4XXX',
      '--window',
      'mon-fri 09:00-18:00 Asia/Shanghai',
      '--action',
      'pin-room:demo:1234',
    ]);
    const rule = await json<Record<string, unknown>>(['rules', 'get', created.id]);
    expect(rule).toMatchObject({
      name: 'support',
      priority: 10,
      enabled: true,
      calledNumber: '4XXX',
      timeWindows: [
        { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' },
      ],
      action: { type: 'pin-room', room: 'demo', pin: '1234' },
    });
    await runCli(['rules', 'update', created.id, '--disabled', '--called', ''], env);
    const list = await runCli(['rules', 'list'], env);
    expect(list.stdout).toMatch(
      new RegExp(
        `^${created.id} +10 +support +no +any +any +any +mon,tue,wed,thu,fri 09:00-18:00 Asia/Shanghai +pin-room:demo:\\*\\*\\*\\*$`,
        'm',
      ),
    );
  });
});

describe('calls against the real API', () => {
  it('lists, shows and lists participants of stored calls', async () => {
    const call = await store.calls.createCall({
      direction: 'inbound',
      state: 'answered',
      caller: '+8613800000000',
      callee: '4001',
      matchExplanation: ['called 4001 matches 4XXX'],
      createdAt: new Date('2025-01-31T02:00:00Z'),
      answeredAt: new Date('2025-01-31T02:00:05Z'),
    });
    await store.calls.addParticipant({
      callId: call.id,
      kind: 'sip',
      identity: '+8613800000000',
      room: 'demo',
    });
    const list = await runCli(
      ['calls', 'list', '--state', 'answered', '--since', '2025-01-31T00:00:00Z'],
      env,
    );
    expect(list.stdout).toMatch(
      new RegExp(
        `^${call.id} +inbound +answered +\\+8613800000000 +4001 +- +2025-01-31 02:00:00`,
        'm',
      ),
    );
    const get = await runCli(['calls', 'get', call.id], env);
    expect(get.stdout).toContain('why this rule:\n  - called 4001 matches 4XXX\n');
    const parts = await json<{ items: { room: string }[] }>(['calls', 'participants', call.id]);
    expect(parts.items.map((p) => p.room)).toEqual(['demo']);
  });

  it('reports call control the server lacks as a missing route', async () => {
    const run = await runCli(['call', 'dial', '--to', '+8613800000000', '--room', 'demo'], env);
    if (run.code === EXIT.ok) return; // call control has landed: nothing missing to report
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toContain('the server has no POST /v1/calls route');
  });
});

describe('keys, webhooks, registrations against the real API', () => {
  it('a created key works until revoked; a read-only key may read but not configure', async () => {
    const created = await runCli(
      ['keys', 'create', '--name', 'viewer', '--scope', 'read-only'],
      env,
    );
    const key = /^key: (\S+)$/m.exec(created.stdout)?.[1];
    const id = /^created API key (\S+)/m.exec(created.stdout)?.[1];
    expect(key).toMatch(/^sb_/);
    const asViewer = { SWITCHBOARD_API_KEY: key! };
    expect((await runCli(['calls', 'list'], { ...env, ...asViewer })).code).toBe(EXIT.ok);
    const forbidden = await runCli(['rules', 'create', '--name', 'x', '--action', 'echo'], {
      ...env,
      ...asViewer,
    });
    expect(forbidden.code).toBe(EXIT.api);
    expect(forbidden.stderr).toContain('(HTTP 403 forbidden)');
    expect((await runCli(['keys', 'revoke', id!], env)).stdout).toBe(`revoked API key ${id}\n`);
    const revoked = await runCli(['calls', 'list'], { ...env, ...asViewer });
    expect(revoked.code).toBe(EXIT.api);
    expect(revoked.stderr).toContain('the key was refused');
  });

  it('webhooks: create shows the generated secret once, then list, deliveries, delete', async () => {
    const created = await runCli(
      ['webhooks', 'create', 'https://crm.example.com/hook', '--event', 'call.*'],
      env,
    );
    expect(created.stdout).toMatch(/^secret: \S+$/m);
    const id = /^created webhook (\S+)/m.exec(created.stdout)![1]!;
    expect((await runCli(['webhooks', 'list'], env)).stdout).toMatch(
      new RegExp(`^${id} +https://crm\\.example\\.com/hook +call\\.\\* +yes`, 'm'),
    );
    expect((await runCli(['webhooks', 'deliveries', id], env)).stdout).toBe('no deliveries\n');
    expect((await runCli(['webhooks', 'delete', id], env)).stdout).toBe(`deleted webhook ${id}\n`);
  });

  it('lists registrations', async () => {
    const run = await runCli(['registrations'], env);
    expect(run.stdout).toBe(
      'AOR                    CONTACT                  EXPIRES AT           TRANSPORT\n' +
        'sip:alice@example.com  sip:alice@10.0.0.2:5060  2025-01-31 02:10:00  udp\n',
    );
  });
});
