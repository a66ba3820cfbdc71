/**
 * The CLI end to end against a STAND-IN server (src/cli/testing/stand-in-server.ts): call
 * history, API keys, webhooks, registrations, and `login` with the config file.
 */
process.env.TZ = 'UTC';

import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from './main.js';
import { runCli } from './testing/run-cli.js';
import { useStandIn } from './testing/stand-in-suite.js';

const KEY = 'sb_test_admin';
const NOW = new Date('2025-01-31T03:00:00.000Z');
const standIn = useStandIn(KEY, { tempDirPrefix: 'sb-cli-admin-' });
const { server, env } = standIn;

const call = (id: string, extra: object = {}): object => ({
  id,
  direction: 'inbound',
  state: 'ended',
  caller: '+8613800000000',
  callee: '4001',
  trunkId: 'tr_1',
  matchExplanation: [],
  attributes: {},
  createdAt: '2025-01-31T02:00:00.000Z',
  answeredAt: '2025-01-31T02:00:05.000Z',
  endedAt: '2025-01-31T02:01:35.000Z',
  endReason: 'hangup',
  ...extra,
});

describe('calls', () => {
  it('lists calls with filters in the query, and points at the next page', async () => {
    server.on('GET /v1/calls', {
      status: 200,
      body: {
        items: [
          call('ca_2', { state: 'answered', endedAt: undefined, endReason: undefined }),
          call('ca_1', { sipStatus: 486, endReason: 'busy', answeredAt: undefined }),
        ],
        nextCursor: 'cur_2',
      },
    });
    const run = await runCli(
      ['calls', 'list', '--state', 'answered', '--since', '2h', '--limit', '2'],
      env,
      { now: NOW },
    );
    expect(run.code).toBe(EXIT.ok);
    expect(server.last().query).toEqual({
      state: 'answered',
      since: '2025-01-31T01:00:00.000Z',
      limit: '2',
    });
    expect(run.stdout).toBe(
      [
        'ID    DIRECTION  STATE     FROM            TO    TRUNK  STARTED              DURATION  END',
        'ca_2  inbound    answered  +8613800000000  4001  tr_1   2025-01-31 02:00:00     59:55  -',
        'ca_1  inbound    ended     +8613800000000  4001  tr_1   2025-01-31 02:00:00         -  busy 486',
        'more: switchboard calls list --cursor cur_2 (or --all)',
        '',
      ].join('\n'),
    );
  });

  it('--all follows the cursor to the end', async () => {
    server.on('GET /v1/calls', (req) =>
      req.query.cursor === undefined
        ? { status: 200, body: { items: [call('ca_3')], nextCursor: 'c1' } }
        : req.query.cursor === 'c1'
          ? { status: 200, body: { items: [call('ca_2')], nextCursor: 'c2' } }
          : { status: 200, body: { items: [call('ca_1')] } },
    );
    const run = await runCli(['calls', 'list', '--all', '--json'], env);
    expect((JSON.parse(run.stdout) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([
      'ca_3',
      'ca_2',
      'ca_1',
    ]);
  });

  it('refuses a bad state or --since before asking', async () => {
    const state = await runCli(['calls', 'list', '--state', 'up'], env);
    expect(state.code).toBe(EXIT.usage);
    expect(state.stderr).toContain('--state must be one of ringing, answered, on-hold');
    const since = await runCli(['calls', 'list', '--since', 'yesterday'], env);
    expect(since.code).toBe(EXIT.usage);
    expect(since.stderr).toContain('--since must be a time');
  });

  it('shows one call with the reasons its rule matched', async () => {
    server.on('GET /v1/calls/ca_1', {
      status: 200,
      body: call('ca_1', {
        ruleId: 'dr_1',
        matchExplanation: ['trunk tr_1', 'called 4001 ~ 4XXX'],
      }),
    });
    const run = await runCli(['calls', 'get', 'ca_1'], env);
    expect(run.stdout).toMatch(/^duration: +1:30$/m);
    expect(run.stdout).toMatch(/^rule: +dr_1$/m);
    expect(run.stdout).toContain('why this rule:\n  - trunk tr_1\n  - called 4001 ~ 4XXX\n');
  });

  it('lists participants', async () => {
    server.on('GET /v1/calls/ca_1/participants', {
      status: 200,
      body: {
        items: [
          {
            id: 'pa_1',
            callId: 'ca_1',
            kind: 'sip',
            identity: '+8613800000000',
            state: 'answered',
            room: 'demo',
            muted: false,
            joinedAt: '2025-01-31T02:00:00.000Z',
          },
        ],
      },
    });
    const run = await runCli(['calls', 'participants', 'ca_1'], env);
    expect(run.stdout.split('\n')[0]).toMatch(
      /^ID +KIND +IDENTITY +STATE +ROOM +MUTED +JOINED +LEFT +END$/,
    );
    expect(run.stdout.split('\n')[1]).toMatch(
      /^pa_1 +sip +\+8613800000000 +answered +demo +no +2025-01-31 02:00:00 +- +-$/,
    );
  });

  it("lists a voice-bot call's turns with first-audio latency and events", async () => {
    server.on('GET /v1/calls/ca_1/turns', {
      status: 200,
      body: {
        items: [
          {
            id: 'vt_1',
            index: 0,
            userText: 'what is the weather like today',
            assistantText: 'It is sunny and warm today.',
            interrupted: true,
            latency: { sttFinal: 120, firstPacket: 310 },
            events: [{ type: 'barge-in', by: 'words' }, { type: 'heard' }],
            startedAt: '2025-01-31T02:00:00.000Z',
          },
        ],
      },
    });
    const run = await runCli(['calls', 'turns', 'ca_1'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('FIRST AUDIO');
    expect(run.stdout).toMatch(
      /0 +what is the weather like today +It is sunny and warm today\. +yes +310 ms +barge-in, heard/,
    );
  });
});

describe('keys', () => {
  it('creates a key and shows the secret once', async () => {
    server.on('POST /v1/api-keys', {
      status: 201,
      body: {
        key: 'sb_new_secret',
        apiKey: { id: 'ak_1', name: 'crm', scopes: ['operator'], prefix: 'sb_new_sec' },
      },
    });
    const run = await runCli(['keys', 'create', '--name', 'crm', '--scope', 'operator'], env);
    expect(run.stdout).toBe('created API key ak_1 (crm: operator)\nkey: sb_new_secret\n');
    expect(run.stderr).toContain('store the key now');
    expect(server.last().body).toEqual({ name: 'crm', scopes: ['operator'] });
  });

  it('checks scopes locally', async () => {
    const run = await runCli(['keys', 'create', '--name', 'x', '--scope', 'root'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("unknown scope 'root'");
  });

  it('lists and revokes', async () => {
    server.on('GET /v1/api-keys', {
      status: 200,
      body: {
        items: [
          {
            id: 'ak_1',
            name: 'crm',
            scopes: ['operator'],
            prefix: 'sb_abcdefgh',
            createdAt: '2025-01-31T02:00:00Z',
            revokedAt: '2025-01-31T02:30:00Z',
          },
        ],
      },
    });
    const list = await runCli(['keys', 'list'], env);
    expect(list.stdout).toMatch(
      /^ak_1 +crm +operator +sb_abcdefgh… +2025-01-31 02:00:00 +- +2025-01-31 02:30:00$/m,
    );
    server.on('DELETE /v1/api-keys/ak_1', { status: 204 });
    expect((await runCli(['keys', 'revoke', 'ak_1'], env)).stdout).toBe('revoked API key ak_1\n');
  });
});

describe('webhooks', () => {
  it('creates with the URL as an argument and shows a generated secret once', async () => {
    server.on('POST /v1/webhooks', {
      status: 201,
      body: {
        id: 'wh_1',
        url: 'https://crm.example.com/hook',
        events: ['call.*'],
        enabled: true,
        secret: 'whsec_x',
      },
    });
    const run = await runCli(
      ['webhooks', 'create', 'https://crm.example.com/hook', '--event', 'call.*'],
      env,
    );
    expect(run.stdout).toBe(
      'created webhook wh_1 → https://crm.example.com/hook\nsecret: whsec_x\n',
    );
    expect(server.last().body).toEqual({ url: 'https://crm.example.com/hook', events: ['call.*'] });
  });

  it('lists deliveries with filters', async () => {
    server.on('GET /v1/webhooks/wh_1/deliveries', {
      status: 200,
      body: {
        items: [
          {
            id: 'de_1',
            eventType: 'call.ended',
            status: 'pending',
            attempts: 2,
            lastStatus: 503,
            nextAttemptAt: '2025-01-31T02:05:00Z',
            createdAt: '2025-01-31T02:00:00Z',
          },
        ],
      },
    });
    const run = await runCli(['webhooks', 'deliveries', 'wh_1', '--status', 'pending'], env);
    expect(server.last().query).toEqual({ status: 'pending' });
    expect(run.stdout).toMatch(
      /^de_1 +call\.ended +pending +2 +503 +2025-01-31 02:05:00 +2025-01-31 02:00:00$/m,
    );
  });
});

describe('registrations', () => {
  it('shows who is registered', async () => {
    server.on('GET /v1/registrations', {
      status: 200,
      body: {
        items: [
          {
            aor: 'sip:alice@example.com',
            contact: 'sip:alice@10.0.0.2:5060',
            expiresAt: '2025-01-31T02:10:00Z',
            transport: 'udp',
          },
        ],
      },
    });
    const run = await runCli(['registrations'], env);
    expect(run.stdout).toBe(
      'AOR                    CONTACT                  EXPIRES AT           TRANSPORT\n' +
        'sip:alice@example.com  sip:alice@10.0.0.2:5060  2025-01-31 02:10:00  udp\n',
    );
  });
});

describe('login and the config file', () => {
  it('checks the key, writes the file with mode 600, and later commands use it', async () => {
    server.on('GET /v1/calls', { status: 200, body: { items: [] } });
    const config = join(standIn.dir, 'cfg', 'cli.json');
    const run = await runCli(
      ['login', '--url', server.url, '--key', '-'],
      { HOME: standIn.dir, SWITCHBOARD_CLI_CONFIG: config },
      { stdin: `${KEY}\n` },
    );
    expect(run).toEqual({
      code: 0,
      stdout: `saved ${server.url} and the key to ${config} (mode 600)\n`,
      stderr: '',
    });
    expect(server.last()).toMatchObject({ path: '/v1/calls', query: { limit: '1' } });
    expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ url: server.url, key: KEY });
    if (process.platform !== 'win32') expect((await stat(config)).mode & 0o777).toBe(0o600);
    const list = await runCli(['calls', 'list', '--config', config], { HOME: standIn.dir });
    expect(list).toEqual({ code: 0, stdout: 'no calls\n', stderr: '' });
    expect(server.last().headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('refuses a refused key and writes nothing', async () => {
    const config = join(standIn.dir, 'refused.json');
    const run = await runCli(
      ['login', '--url', server.url, '--key', 'sb_wrong', '--config', config],
      { HOME: standIn.dir },
    );
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toContain('the API key is unknown or revoked');
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });

  it.runIf(process.platform !== 'win32')(
    'refuses a config file others can read (exit 2)',
    async () => {
      const config = join(standIn.dir, 'cfg', 'cli.json');
      await chmod(config, 0o644);
      const run = await runCli(['trunks', 'inbound', 'list'], {
        HOME: standIn.dir,
        SWITCHBOARD_CLI_CONFIG: config,
      });
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toContain(`error: permissions 0644 for '${config}' are too open.`);
      expect(run.stderr).toContain(`chmod 600 '${config}'`);
    },
  );

  it('needs a key', async () => {
    const run = await runCli(['login', '--url', server.url, '--skip-verify'], {
      HOME: standIn.dir,
    });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain("'switchboard login' needs --key");
  });
});
