/**
 * The CLI end to end against a STAND-IN server (src/cli/testing/stand-in-server.ts): call
 * control routes with answers the real server gives only with live calls (a callee that is
 * busy), what the CLI does when a route is missing, transport failures, and the exact
 * requests each command sends.
 */
process.env.TZ = 'UTC';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './main.js';
import { runCli } from './testing/run-cli.js';
import { startStandIn, type StandInServer } from './testing/stand-in-server.js';

const KEY = 'sb_test_operator';
let server: StandInServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startStandIn(KEY);
  env = { SWITCHBOARD_API_URL: server.url, SWITCHBOARD_API_KEY: KEY, HOME: '/nonexistent' };
});
afterAll(() => server.close());

const CALL = {
  id: 'ca_1',
  direction: 'outbound',
  state: 'ringing',
  caller: '+861088886666',
  callee: '+8613800000000',
  trunkId: 't1',
  matchExplanation: [],
  attributes: {},
  createdAt: '2025-01-31T02:00:00.000Z',
};

describe('call dial', () => {
  it('posts the dial request and confirms with the call id', async () => {
    server.on('POST /v1/calls', { status: 201, body: CALL });
    const run = await runCli(
      ['call', 'dial', '--trunk', 't1', '--to', '+8613800000000', '--room', 'demo'],
      env,
    );
    expect(run).toEqual({
      code: EXIT.ok,
      stdout: 'dialled +8613800000000: call ca_1 (ringing)\n',
      stderr: '',
    });
    expect(server.last()).toMatchObject({
      method: 'POST',
      path: '/v1/calls',
      body: { to: '+8613800000000', trunkId: 't1', room: 'demo' },
    });
    expect(server.last().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.last().headers['content-type']).toBe('application/json');
  });

  it('sends every dial option under its API name', async () => {
    server.on('POST /v1/calls', { status: 201, body: { call: { ...CALL, state: 'answered' } } });
    const run = await runCli(
      [
        'call',
        'dial',
        '--to',
        'sip:alice@example.com',
        '--trunk',
        't1',
        '--from',
        '+861088886666',
        '--join',
        'ca_9',
        '--wait',
        '--ring-timeout',
        '20',
        '--max-duration',
        '600',
        '--dtmf',
        '12#',
        '--header',
        'X-Ticket=4711',
        '--header',
        'X-Team=support desk',
      ],
      env,
    );
    expect(run.stdout).toBe('dialled sip:alice@example.com: call ca_1 (answered)\n');
    expect(server.last().body).toEqual({
      to: 'sip:alice@example.com',
      trunkId: 't1',
      from: '+861088886666',
      callId: 'ca_9',
      waitUntilAnswered: true,
      ringTimeoutS: 20,
      maxDurationS: 600,
      dtmf: '12#',
      headers: { 'X-Ticket': '4711', 'X-Team': 'support desk' },
    });
  });

  it.each([
    [['--echo'], { echo: true }],
    [['--prompt', 'prompts/welcome.wav'], { prompt: 'prompts/welcome.wav' }],
    [['--room', 'demo'], { room: 'demo' }],
    // The server says whether it has flows and AI agents; the CLI only passes them on.
    [['--flow', 'fl_1'], { flow: 'fl_1' }],
    [['--agent', 'support'], { agent: 'support' }],
  ])('sends the target %j', async (flags, target) => {
    server.on('POST /v1/calls', { status: 201, body: { call: CALL, participants: [] } });
    const run = await runCli(['call', 'dial', '--to', '+1', ...flags], env);
    expect(run.code).toBe(EXIT.ok);
    expect(server.last().body).toEqual({ to: '+1', ...target });
  });

  it('takes at most one target, and headers as Name=Value', async () => {
    const before = server.requests.length;
    const two = await runCli(['call', 'dial', '--to', '+1', '--room', 'demo', '--echo'], env);
    expect(two.code).toBe(EXIT.usage);
    expect(two.stderr).toBe(
      "error: 'switchboard call dial' takes at most one of --room, --echo, --prompt, --join, --flow, --agent\n" +
        '--room and --echo were both given\n',
    );
    const header = await runCli(['call', 'dial', '--to', '+1', '--header', 'X-Ticket'], env);
    expect(header.code).toBe(EXIT.usage);
    expect(header.stderr).toContain("--header takes NAME=VALUE, not 'X-Ticket'");
    expect(server.requests.length).toBe(before);
  });

  it('exits 1 with the reason when the call ends unanswered', async () => {
    const busy = {
      call: {
        ...CALL,
        state: 'ended',
        endReason: 'busy',
        sipStatus: 486,
        endedAt: '2025-01-31T02:00:04.000Z',
      },
      participants: [],
    };
    server.on('POST /v1/calls', { status: 201, body: busy });
    const run = await runCli(['call', 'dial', '--to', '+8613800000000', '--wait'], env);
    expect(run).toEqual({
      code: EXIT.api,
      stdout: '',
      stderr: 'error: call ca_1 to +8613800000000 ended unanswered: busy (486)\n',
    });
    // Scripts asking for JSON still get the answer, and the exit code tells.
    const json = await runCli(['call', 'dial', '--to', '+8613800000000', '--wait', '--json'], env);
    expect(json.code).toBe(EXIT.api);
    expect(JSON.parse(json.stdout)).toEqual(busy);
    server.on('POST /v1/calls', {
      status: 201,
      body: { call: { ...busy.call, endReason: undefined } },
    });
    const bare = await runCli(['call', 'dial', '--to', '+1', '--wait'], env);
    expect(bare.stderr).toBe('error: call ca_1 to +1 ended unanswered: SIP 486\n');
  });

  it('a call that was answered and has ended already is no failure', async () => {
    server.on('POST /v1/calls', {
      status: 201,
      body: { call: { ...CALL, state: 'ended', answeredAt: '2025-01-31T02:00:02.000Z' } },
    });
    const run = await runCli(['call', 'dial', '--to', '+1', '--prompt', 'bye.wav', '--wait'], env);
    expect(run).toEqual({ code: EXIT.ok, stdout: 'dialled +1: call ca_1 (ended)\n', stderr: '' });
  });

  it('prints the raw answer with --json', async () => {
    server.on('POST /v1/calls', { status: 201, body: CALL });
    const run = await runCli(['call', 'dial', '--to', '+1', '--json'], env);
    expect(JSON.parse(run.stdout)).toEqual(CALL);
  });

  it('needs --to, and whole seconds', async () => {
    const before = server.requests.length;
    const noTo = await runCli(['call', 'dial', '--trunk', 't1'], env);
    expect(noTo.code).toBe(EXIT.usage);
    expect(noTo.stderr).toContain("error: 'switchboard call dial' needs --to");
    const badTimeout = await runCli(['call', 'dial', '--to', '+1', '--ring-timeout', 'soon'], env);
    expect(badTimeout.code).toBe(EXIT.usage);
    expect(badTimeout.stderr).toContain("--ring-timeout must be a whole number, not 'soon'");
    // Usage errors are caught before anything is sent.
    expect(server.requests.length).toBe(before);
  });
});

describe('call control', () => {
  it.each([
    [['hangup', 'ca_1'], '/v1/calls/ca_1/hangup', undefined, 'hung up call ca_1'],
    [
      ['dtmf', 'ca_1', '1234#'],
      '/v1/calls/ca_1/dtmf',
      { digits: '1234#' },
      'sent 1234# to call ca_1',
    ],
    [
      ['dtmf', 'ca_1', '1', '--participant', 'pa_2'],
      '/v1/calls/ca_1/dtmf',
      { digits: '1', participantId: 'pa_2' },
      'sent 1 to call ca_1',
    ],
    [
      ['play', 'ca_1', 'prompts/welcome.wav'],
      '/v1/calls/ca_1/play',
      { file: 'prompts/welcome.wav' },
      'playing prompts/welcome.wav on call ca_1',
    ],
    [
      ['play', 'ca_1', 'hold.wav', '--participant', 'pa_2'],
      '/v1/calls/ca_1/play',
      { file: 'hold.wav', participantId: 'pa_2' },
      'playing hold.wav on call ca_1',
    ],
    [
      ['mute', 'ca_1', 'pa_2'],
      '/v1/calls/ca_1/participants/pa_2/mute',
      { muted: true },
      'muted participant pa_2 of call ca_1',
    ],
    [
      ['mute', 'ca_1', 'pa_2', '--off'],
      '/v1/calls/ca_1/participants/pa_2/mute',
      { muted: false },
      'unmuted participant pa_2 of call ca_1',
    ],
    [
      ['hold', 'ca_1', 'pa_2'],
      '/v1/calls/ca_1/participants/pa_2/hold',
      { held: true },
      'held participant pa_2 of call ca_1',
    ],
    [
      ['hold', 'ca_1', 'pa_2', '--off'],
      '/v1/calls/ca_1/participants/pa_2/hold',
      { held: false },
      'resumed participant pa_2 of call ca_1',
    ],
    [
      ['transfer', 'ca_1', '+8613900000000'],
      '/v1/calls/ca_1/transfer',
      { to: '+8613900000000' },
      'transferring call ca_1 to +8613900000000',
    ],
    [
      ['transfer', 'ca_1', 'sip:desk@pbx', '--participant', 'pa_2', '--trunk', 't1'],
      '/v1/calls/ca_1/transfer',
      { to: 'sip:desk@pbx', participantId: 'pa_2', trunkId: 't1' },
      'transferring call ca_1 to sip:desk@pbx',
    ],
    [
      ['move', 'ca_1', 'pa_2', '--room', 'support'],
      '/v1/calls/ca_1/participants/pa_2/move',
      { room: 'support' },
      'moved participant pa_2 to room support',
    ],
    [
      ['move', 'ca_1', 'pa_2', '--call', 'ca_9'],
      '/v1/calls/ca_1/participants/pa_2/move',
      { callId: 'ca_9' },
      'moved participant pa_2 to call ca_9',
    ],
  ])('call %j', async (args, path, body, line) => {
    server.on(`POST ${path}`, { status: 202, body: { ok: true } });
    const run = await runCli(['call', ...args], env);
    expect(run).toEqual({ code: EXIT.ok, stdout: `${line}\n`, stderr: '' });
    expect(server.last()).toMatchObject({ method: 'POST', path });
    expect(server.last().body).toEqual(body);
  });

  it('escapes ids in the path', async () => {
    const run = await runCli(['call', 'hangup', '../trunks'], env);
    expect(run.code).toBe(EXIT.api);
    expect(server.last().path).toBe('/v1/calls/..%2Ftrunks/hangup');
  });

  it('move needs exactly one destination', async () => {
    const run = await runCli(['call', 'move', 'ca_1', 'pa_2'], env);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('needs exactly one of --room and --call');
  });

  it('says clearly when the server has no such route', async () => {
    // Nothing answers POST /v1/calls/ca_404/play on the stand-in: its not-found is the API's.
    const missing = await runCli(['call', 'play', 'ca_404', 'x.wav'], env);
    expect(missing.code).toBe(EXIT.api);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'error: no route POST /v1/calls/ca_404/play (HTTP 404 not_found)\n' +
        'the server has no POST /v1/calls/ca_404/play route: it is older than this CLI, or the feature is off\n',
    );
  });

  it('tells a missing call from a missing route', async () => {
    server.on('POST /v1/calls/ca_gone/hangup', {
      status: 404,
      body: { error: 'not_found', message: 'call ca_gone not found' },
    });
    const run = await runCli(['call', 'hangup', 'ca_gone'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toBe('error: call ca_gone not found (HTTP 404 not_found)\n');
  });
});

describe('failures', () => {
  it('exit 1 with each field issue of a 400', async () => {
    server.on('POST /v1/calls', {
      status: 400,
      body: {
        error: 'bad_request',
        message: 'to: must be a number or SIP URI; ringTimeoutS: too big',
        issues: [
          { field: 'to', message: 'must be a number or SIP URI' },
          { field: 'ringTimeoutS', message: 'too big' },
        ],
      },
    });
    const run = await runCli(['call', 'dial', '--to', 'x', '--ring-timeout', '99999'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toBe(
      'error: the server refused the request (HTTP 400 bad_request)\n' +
        '  to: must be a number or SIP URI\n' +
        '  ringTimeoutS: too big\n',
    );
  });

  it('with --json also prints the error body on stdout', async () => {
    server.on('POST /v1/calls/ca_1/hangup', {
      status: 409,
      body: { error: 'conflict', message: 'the call has ended' },
    });
    const run = await runCli(['call', 'hangup', 'ca_1', '--json'], env);
    expect(run.code).toBe(EXIT.api);
    expect(JSON.parse(run.stdout)).toEqual({ error: 'conflict', message: 'the call has ended' });
    expect(run.stderr).toBe('error: the call has ended (HTTP 409 conflict)\n');
  });

  it('401 without a key says how to give one; with a bad key says it was refused', async () => {
    const none = await runCli(['calls', 'list'], { SWITCHBOARD_API_URL: server.url, HOME: '/x' });
    expect(none.code).toBe(EXIT.api);
    expect(none.stderr).toContain('error: an API key is required');
    expect(none.stderr).toContain("run 'switchboard login'");
    expect(server.last().headers.authorization).toBeUndefined();
    const bad = await runCli(['calls', 'list', '--key', 'sb_wrong'], env);
    expect(bad.code).toBe(EXIT.api);
    expect(bad.stderr).toContain(
      'error: the API key is unknown or revoked (HTTP 401 unauthorized)',
    );
    expect(bad.stderr).toContain('the key was refused');
  });

  it('a non-JSON error page becomes a readable message', async () => {
    server.on('GET /v1/registrations', {
      status: 502,
      body: '<html><body>Bad Gateway</body></html>',
      contentType: 'text/html',
    });
    const run = await runCli(['registrations'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toBe(
      'error: HTTP 502 Bad Gateway: <html><body>Bad Gateway</body></html> (HTTP 502)\n',
    );
  });

  it('exit 3 with the URL and the reason when nothing answers', async () => {
    const closed = await startStandIn(undefined);
    const url = closed.url;
    await closed.close();
    const run = await runCli(['trunks', 'inbound', 'list'], { ...env, SWITCHBOARD_API_URL: url });
    expect(run.code).toBe(EXIT.unreachable);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: cannot reach the server at ${url}: `);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('exit 3 on a timeout, through an injected fetch', async () => {
    let stderr = '';
    const { main } = await import('./main.js');
    const code = await main(['calls', 'list'], {
      env,
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      fetch: () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError')),
    });
    expect(code).toBe(EXIT.unreachable);
    expect(stderr).toContain('no answer in time (timed out)');
  });
});
