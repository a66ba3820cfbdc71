/**
 * `switchboard flows|agents|intents|scripts` against the STAND-IN server: the requests each
 * command sends and what it prints. YAML bodies go through an in-process fetch instead (the
 * stand-in reads every body as JSON).
 */
process.env.TZ = 'UTC';

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../main.js';
import { runCli } from '../testing/run-cli.js';
import { useStandIn } from '../testing/stand-in-suite.js';

const KEY = 'sb_test_admin';
const standIn = useStandIn(KEY, { tempDirPrefix: 'sb-cli-dialog-' });
const { server, env } = standIn;

const T0 = '2025-01-31T02:00:00.000Z';
const DOC = { name: 'ivr', steps: [{ id: 'bye', hangup: {} }] };
const V3 = { name: 'main', version: 3, createdAt: T0, comment: 'holiday hours', document: DOC };

describe('flows list, versions, get', () => {
  it('lists the latest version of each flow as a table', async () => {
    server.on('GET /v1/flows', {
      status: 200,
      body: {
        items: [
          { name: 'after-hours', version: 1, createdAt: T0 },
          { name: 'main', version: 12, createdAt: T0, comment: 'holiday hours' },
        ],
      },
    });
    const run = await runCli(['flows', 'list'], env);
    expect(run).toEqual({
      code: EXIT.ok,
      stderr: '',
      stdout: [
        'NAME         VERSION  SAVED                COMMENT',
        'after-hours        1  2025-01-31 02:00:00  -',
        'main              12  2025-01-31 02:00:00  holiday hours',
        '',
      ].join('\n'),
    });
    server.on('GET /v1/scripts', { status: 200, body: { items: [] } });
    expect((await runCli(['scripts', 'list'], env)).stdout).toBe('no script trees\n');
  });

  it('lists the versions of one flow, newest first', async () => {
    server.on('GET /v1/agents/claims/versions', {
      status: 200,
      body: {
        items: [
          { name: 'claims', version: 2, createdAt: T0, comment: 'calmer voice' },
          { name: 'claims', version: 1, createdAt: T0 },
        ],
      },
    });
    const run = await runCli(['agents', 'versions', 'claims'], env);
    expect(run.stdout).toBe(
      [
        'VERSION  SAVED                COMMENT',
        '      2  2025-01-31 02:00:00  calmer voice',
        '      1  2025-01-31 02:00:00  -',
        '',
      ].join('\n'),
    );
  });

  it('prints the document as JSON, as YAML with its version, or the whole answer', async () => {
    server.on('GET /v1/flows/main', { status: 200, body: V3 });
    const plain = await runCli(['flows', 'get', 'main'], env);
    expect(plain.code).toBe(EXIT.ok);
    expect(JSON.parse(plain.stdout)).toEqual(DOC);
    expect(server.last().query).toEqual({});

    const yaml = await runCli(['flows', 'get', 'main', '--yaml', '--version', '3'], env);
    expect(yaml.stdout).toBe(
      [
        '# main version 3, saved 2025-01-31 02:00:00: holiday hours',
        'name: ivr',
        'steps:',
        '  - id: bye',
        '    hangup: {}',
        '',
      ].join('\n'),
    );
    expect(server.last()).toMatchObject({ path: '/v1/flows/main', query: { version: '3' } });

    const json = await runCli(['flows', 'get', 'main', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual(V3);

    const bad = await runCli(['flows', 'get', 'main', '--version', 'latest'], env);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain("--version must be a whole number, not 'latest'");
  });
});

describe('flows put', () => {
  it('sends a JSON file with the comment and the expected version', async () => {
    const file = join(standIn.dir, 'main.json');
    await writeFile(file, JSON.stringify(DOC));
    server.on('PUT /v1/flows/main', { status: 200, body: { ...V3, version: 4 } });
    const run = await runCli(
      ['flows', 'put', 'main', file, '--comment', 'holiday hours', '--if-version', '3'],
      env,
    );
    expect(run).toEqual({ code: EXIT.ok, stdout: 'saved flow main version 4\n', stderr: '' });
    const sent = server.last();
    expect(sent).toMatchObject({
      method: 'PUT',
      path: '/v1/flows/main',
      query: { comment: 'holiday hours' },
      body: DOC,
    });
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['if-match']).toBe('"3"');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('sends a YAML file as YAML, byte for byte', async () => {
    const text = '# our menu\nname: ivr\nsteps:\n  - id: bye\n    hangup: {}\n';
    const file = join(standIn.dir, 'main.yaml');
    await writeFile(file, text);
    const seen: Array<{ url: string; method: string; headers: Headers; body: string }> = [];
    const fetchStub: typeof fetch = async (input, init) => {
      seen.push({
        url: String(input),
        method: init?.method ?? 'GET',
        headers: new Headers(init?.headers),
        body: String(init?.body),
      });
      return new Response(JSON.stringify({ ...V3, version: 1 }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    };
    let stdout = '';
    const code = await main(['scripts', 'put', 'claims-v2', file], {
      env: { ...env },
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      fetch: fetchStub,
    });
    expect(code).toBe(EXIT.ok);
    expect(stdout).toBe('saved script tree main version 1\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: `${server.url}/v1/scripts/claims-v2`, method: 'PUT' });
    expect(seen[0]!.body).toBe(text);
    expect(seen[0]!.headers.get('content-type')).toBe('application/yaml');
    expect(seen[0]!.headers.get('if-match')).toBeNull();
  });

  it('prints every problem of a refused document, one line each, and fails', async () => {
    const file = join(standIn.dir, 'bad.json');
    await writeFile(file, JSON.stringify(DOC));
    const issues = [
      { field: 'steps[main-menu].menu.options.7', message: 'no step has id "nowhere"' },
      { field: 'steps[main-menu].menu.fallback', message: 'is required' },
    ];
    server.on('PUT /v1/flows/bad', {
      status: 400,
      body: {
        error: 'bad_request',
        message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
        issues,
      },
    });
    const run = await runCli(['flows', 'put', 'bad', file], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      'error: the server refused the request (HTTP 400 bad_request)',
      '  steps[main-menu].menu.options.7: no step has id "nowhere"',
      '  steps[main-menu].menu.fallback: is required',
      '',
    ]);
  });

  it('reports a lost race on --if-version as a conflict', async () => {
    const file = join(standIn.dir, 'race.json');
    await writeFile(file, JSON.stringify(DOC));
    server.on('PUT /v1/flows/race', {
      status: 409,
      body: { error: 'conflict', field: 'version', message: 'flow race is at version 4, not 3' },
    });
    const run = await runCli(['flows', 'put', 'race', file, '--if-version', '3'], env);
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toContain('error: flow race is at version 4, not 3 (HTTP 409 conflict)');
  });

  it('refuses files it cannot send before asking the server', async () => {
    const before = server.requests.length;
    const txt = join(standIn.dir, 'notes.txt');
    await writeFile(txt, 'hello');
    const wrongKind = await runCli(['flows', 'put', 'x', txt], env);
    expect(wrongKind.code).toBe(EXIT.usage);
    expect(wrongKind.stderr).toContain('give a .json, .yaml or .yml file');
    const broken = join(standIn.dir, 'broken.json');
    await writeFile(broken, '{"name": ');
    const badJson = await runCli(['flows', 'put', 'x', broken], env);
    expect(badJson.code).toBe(EXIT.usage);
    expect(badJson.stderr).toContain('is not valid JSON');
    const missing = await runCli(['flows', 'put', 'x', join(standIn.dir, 'none.yaml')], env);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain('cannot read');
    const version = await runCli(['flows', 'put', 'x', broken, '--if-version', '-1'], env);
    expect(version.code).toBe(EXIT.usage);
    expect(server.requests.length).toBe(before);
  });

  it('reads standard input with -', async () => {
    server.on('PUT /v1/intents/demo', { status: 201, body: { ...V3, name: 'demo', version: 1 } });
    const run = await runCli(['intents', 'put', 'demo', '-'], env, {
      stdin: '{"language":"en-US"}',
    });
    expect(run.stdout).toBe('saved intents set demo version 1\n');
    expect(server.last().body).toEqual({ language: 'en-US' });
    expect(server.last().headers['content-type']).toBe('application/json');
  });
});

describe('flows delete', () => {
  it('deletes all versions and confirms', async () => {
    server.on('DELETE /v1/flows/old', { status: 204 });
    const run = await runCli(['flows', 'delete', 'old'], env);
    expect(run).toEqual({ code: EXIT.ok, stdout: 'deleted flow old (all versions)\n', stderr: '' });
    expect(server.last()).toMatchObject({ method: 'DELETE', path: '/v1/flows/old' });
    server.on('DELETE /v1/flows/none', {
      status: 404,
      body: { error: 'not_found', message: 'flow none not found' },
    });
    const missing = await runCli(['flows', 'delete', 'none'], env);
    expect(missing.code).toBe(EXIT.api);
    expect(missing.stderr).toContain('flow none not found (HTTP 404 not_found)');
  });
});
