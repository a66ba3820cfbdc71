/**
 * The CLI end to end against a STAND-IN server (src/cli/testing/stand-in-server.ts) for the
 * configuration and history resources: the requests each command sends (method, path, query,
 * body) and what it prints — tables, confirmations, `--json`.
 */
process.env.TZ = 'UTC';

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from './main.js';
import { runCli } from './testing/run-cli.js';
import { useStandIn } from './testing/stand-in-suite.js';

const KEY = 'sb_test_admin';
const standIn = useStandIn(KEY, { tempDirPrefix: 'sb-cli-res-' });
const { server, env } = standIn;

const T0 = '2025-01-31T02:00:00.000Z';
const INBOUND = {
  id: 'tr_1',
  name: 'carrier',
  numbers: ['+861088886666', '+861088886667'],
  allowedAddresses: [],
  credentials: { username: 'pbx', passwordSet: true },
  headerAttributes: { 'X-Customer-Id': 'customerId' },
  maxConcurrentCalls: 0,
  createdAt: T0,
  updatedAt: T0,
};

describe('trunks', () => {
  it('lists inbound trunks as a table', async () => {
    server.on('GET /v1/trunks/inbound', {
      status: 200,
      body: {
        items: [
          INBOUND,
          {
            ...INBOUND,
            id: 'tr_22',
            name: 'pbx',
            numbers: [],
            credentials: undefined,
            maxConcurrentCalls: 30,
          },
        ],
      },
    });
    const run = await runCli(['trunks', 'inbound', 'list'], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toBe(
      [
        'ID     NAME     NUMBERS                       ALLOWED FROM  AUTH  MAX CALLS  CREATED',
        'tr_1   carrier  +861088886666, +861088886667  any           pbx   unlimited  2025-01-31 02:00:00',
        'tr_22  pbx      any                           any           -            30  2025-01-31 02:00:00',
        '',
      ].join('\n'),
    );
    expect(server.last()).toMatchObject({ method: 'GET', path: '/v1/trunks/inbound' });
  });

  it('--json prints the answer as it came', async () => {
    const run = await runCli(['--json', 'trunks', 'inbound', 'list'], env);
    expect(JSON.parse(run.stdout)).toEqual({
      items: [
        INBOUND,
        {
          ...INBOUND,
          id: 'tr_22',
          name: 'pbx',
          numbers: [],
          maxConcurrentCalls: 30,
          credentials: undefined,
        },
      ].map((t) => JSON.parse(JSON.stringify(t))),
    });
  });

  it('says so when there are none', async () => {
    server.on('GET /v1/trunks/outbound', { status: 200, body: { items: [] } });
    const run = await runCli(['trunks', 'outbound', 'list'], env);
    expect(run.stdout).toBe('no outbound trunks\n');
  });

  it('shows one trunk as label: value lines', async () => {
    server.on('GET /v1/trunks/inbound/tr_1', { status: 200, body: INBOUND });
    const run = await runCli(['trunks', 'inbound', 'get', 'tr_1'], env);
    expect(run.stdout).toContain('header attributes:  X-Customer-Id=customerId\n');
    expect(run.stdout).toMatch(/^id: +tr_1$/m);
    expect(run.stdout).toMatch(/^auth: +pbx$/m);
  });

  it('creates from flags', async () => {
    server.on('POST /v1/trunks/outbound', (req) => ({
      status: 201,
      body: { id: 'tr_9', ...(req.body as object) },
    }));
    const run = await runCli(
      [
        'trunks',
        'outbound',
        'create',
        '--name',
        'carrier',
        '--address',
        'sip.example.com:5060',
        '--transport',
        'tls',
        '--number',
        '+861088886666',
        '--username',
        'u',
        '--password',
        'p',
        '--header',
        'X-Account=42',
        '--prefix',
        '+86,+852',
        '--max-calls',
        '10',
      ],
      env,
    );
    expect(run).toEqual({ code: 0, stdout: 'created outbound trunk tr_9\n', stderr: '' });
    expect(server.last().body).toEqual({
      name: 'carrier',
      address: 'sip.example.com:5060',
      transport: 'tls',
      numbers: ['+861088886666'],
      credentials: { username: 'u', password: 'p' },
      headers: { 'X-Account': '42' },
      maxConcurrentCalls: 10,
      allowedDestinationPrefixes: ['+86', '+852'],
    });
  });

  it('creates from --file, flags overriding its fields', async () => {
    const file = join(standIn.dir, 'trunk.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'from file', numbers: ['+1'], maxConcurrentCalls: 5 }),
    );
    server.on('POST /v1/trunks/inbound', { status: 201, body: { ...INBOUND, id: 'tr_5' } });
    const run = await runCli(
      ['trunks', 'inbound', 'create', '--file', file, '--name', 'flag'],
      env,
    );
    expect(run.stdout).toBe('created inbound trunk tr_5\n');
    expect(server.last().body).toEqual({ name: 'flag', numbers: ['+1'], maxConcurrentCalls: 5 });
  });

  it('updates only the fields given, and can remove credentials', async () => {
    server.on('PATCH /v1/trunks/inbound/tr_1', { status: 200, body: INBOUND });
    const run = await runCli(
      ['trunks', 'inbound', 'update', 'tr_1', '--no-credentials', '--number', ''],
      env,
    );
    expect(run.stdout).toBe('updated inbound trunk tr_1\n');
    expect(server.last()).toMatchObject({ method: 'PATCH', path: '/v1/trunks/inbound/tr_1' });
    expect(server.last().body).toEqual({ numbers: [], credentials: null });
  });

  it('refuses an update with nothing to change, and half a credential', async () => {
    const empty = await runCli(['trunks', 'inbound', 'update', 'tr_1'], env);
    expect(empty.code).toBe(EXIT.usage);
    expect(empty.stderr).toContain('has nothing to send: give flags or --file');
    const half = await runCli(
      ['trunks', 'inbound', 'create', '--name', 'x', '--username', 'u'],
      env,
    );
    expect(half.code).toBe(EXIT.usage);
    expect(half.stderr).toContain('--username and --password go together');
  });

  it('deletes (204: a confirmation, and nothing with --json)', async () => {
    server.on('DELETE /v1/trunks/outbound/tr_9', { status: 204 });
    const run = await runCli(['trunks', 'outbound', 'delete', 'tr_9'], env);
    expect(run).toEqual({ code: 0, stdout: 'deleted outbound trunk tr_9\n', stderr: '' });
    const json = await runCli(['trunks', 'outbound', 'delete', 'tr_9', '--json'], env);
    expect(json).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('rules', () => {
  it('creates from the short flag syntax', async () => {
    server.on('POST /v1/dispatch-rules', { status: 201, body: { id: 'dr_1', name: 'support' } });
    const run = await runCli(
      [
        'rules',
        'create',
        '--name',
        'support',
        '--priority',
        '10',
        '--called',
        '4XXX',
        '--trunk',
        't1',
        '--window',
        'mon-fri 09:00-18:00 Asia/Shanghai',
        '--action',
        'pin-room:demo:1234',
      ],
      env,
    );
    expect(run.stdout).toBe('created dispatch rule dr_1\n');
    expect(server.last().body).toEqual({
      name: 'support',
      priority: 10,
      trunkIds: ['t1'],
      calledNumber: '4XXX',
      timeWindows: [
        { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' },
      ],
      action: { type: 'pin-room', room: 'demo', pin: '1234' },
    });
  });

  it('lists rules with the action in flag syntax and the PIN masked', async () => {
    server.on('GET /v1/dispatch-rules', {
      status: 200,
      body: {
        items: [
          {
            id: 'dr_1',
            name: 'vip',
            priority: 10,
            enabled: true,
            trunkIds: [],
            calledNumber: '4XXX',
            timeWindows: [],
            action: { type: 'pin-room', room: 'vip', pin: '1234' },
          },
          {
            id: 'dr_2',
            name: 'closed',
            priority: 0,
            enabled: false,
            trunkIds: ['t1'],
            timeWindows: [{ days: [0, 6], start: '00:00', end: '24:00' }],
            action: { type: 'reject', status: 486 },
          },
        ],
      },
    });
    const run = await runCli(['rules', 'list'], env);
    expect(run.stdout).toBe(
      [
        'ID    PRIORITY  NAME    ENABLED  TRUNKS  CALLED  CALLING  WINDOWS              ACTION',
        'dr_1        10  vip     yes      any     4XXX    any      always               pin-room:vip:****',
        'dr_2         0  closed  no       t1      any     any      sun,sat 00:00-24:00  reject:486',
        '',
      ].join('\n'),
    );
  });

  it('prints the server’s 409 message', async () => {
    server.on('POST /v1/dispatch-rules', {
      status: 409,
      body: { error: 'conflict', field: 'id', message: 'dispatch rule dr_1 already exists' },
    });
    const run = await runCli(['rules', 'create', '--name', 'x', '--action', 'echo'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toBe('error: dispatch rule dr_1 already exists (HTTP 409 conflict)\n');
  });

  it('refuses a bad action before sending anything', async () => {
    const before = server.requests.length;
    const run = await runCli(['rules', 'create', '--name', 'x', '--action', 'rooom:demo'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("error: invalid --action 'rooom:demo': unknown action 'rooom'");
    expect(server.requests.length).toBe(before);
  });
});
