/**
 * Flows, agents, intents and script trees through the CLI against the REAL API server and the
 * REAL validators: saved from YAML and JSON files, listed, read back by version, refused with
 * one `path: message` line per problem (the path names the step, node or field), deleted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/index.js';
import { EXIT } from '../../src/cli/main.js';
import { runCli } from '../../src/cli/testing/run-cli.js';
import {
  DEMO_INTENT_MODELS,
  DEMO_SERVICE_SCRIPT,
  DIALOG_VALIDATORS,
} from '../../src/dialog/index.js';
import { openStore, type Store } from '../../src/store/index.js';

let dataDir: string;
let store: Store;
let app: FastifyInstance;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-cli-dialog-'));
  store = await openStore({ dataDir });
  app = buildApiServer({
    store,
    health: () => ({ status: 'ok' }),
    metrics: new Registry(),
    dialogValidators: DIALOG_VALIDATORS,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const { key } = await store.apiKeys.create({ name: 'cli dialog admin', scopes: ['admin'] });
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

async function file(name: string, text: string): Promise<string> {
  const path = join(dataDir, name);
  await writeFile(path, text);
  return path;
}

const IVR = `
name: support-ivr
steps:
  - id: hello
    say: { text: "Hello." }
  - id: main-menu
    menu:
      prompt: "Press 1 for sales."
      options: { "1": sales }
      fallback: bye
  - id: sales
    agent: { agentId: claims }
  - id: bye
    hangup:
`;

describe('dialog documents through the CLI', () => {
  it('saves a flow from YAML, versions it, reads it back and deletes it', async () => {
    const put = await runCli(['flows', 'put', 'support-ivr', await file('ivr.yaml', IVR)], env);
    expect(put.code).toBe(EXIT.ok);
    expect(put.stdout).toMatch(/version 1/);
    const again = await runCli(
      [
        'flows',
        'put',
        'support-ivr',
        await file('ivr2.yaml', IVR.replace('Hello.', 'Hi.')),
        '--comment',
        'shorter',
      ],
      env,
    );
    expect(again.stdout).toMatch(/version 2/);
    const list = await runCli(['flows', 'list'], env);
    expect(list.stdout).toMatch(/support-ivr\s+2/);
    const v1 = await runCli(['flows', 'get', 'support-ivr', '--version', '1', '--json'], env);
    const body = JSON.parse(v1.stdout) as {
      version: number;
      document: { steps: Array<{ say?: { text: string } }> };
    };
    expect(body.version).toBe(1);
    expect(body.document.steps[0]!.say!.text).toBe('Hello.');
    // The stored document is the validated one: defaults filled in.
    expect(JSON.stringify(body.document)).toMatch(/"retries":3/);
    const versions = await runCli(['flows', 'versions', 'support-ivr'], env);
    expect(versions.stdout).toMatch(/shorter/);
    expect((await runCli(['flows', 'delete', 'support-ivr'], env)).code).toBe(EXIT.ok);
    expect((await runCli(['flows', 'get', 'support-ivr'], env)).code).not.toBe(EXIT.ok);
  });

  it('refuses an invalid flow with the step and field of each problem', async () => {
    const bad = IVR.replace(
      'options: { "1": sales }',
      'options: { "1": sales, "7": nowhere }',
    ).replace('say: { text: "Hello." }', 'say: { txt: "Hello." }');
    const run = await runCli(['flows', 'put', 'broken', await file('bad.yaml', bad)], env);
    expect(run.code).not.toBe(EXIT.ok);
    expect(run.stderr).toMatch(/steps\[main-menu\]\.menu\.options\.7: no step has id "nowhere"/);
    expect(run.stderr).toMatch(/steps\[hello\]\.say\.txt: unknown key/);
    expect(await store.dialogDocuments.latest('flow', 'broken')).toBeUndefined();
  });

  it('saves and refuses agents, intents and script trees with field paths', async () => {
    const agent = {
      language: 'en-US',
      greeting: { 'en-US': 'Hello.' },
      tools: ['update_claim', 'fly_to_moon'],
      claim: { name: 'c', fields: [{ name: 'policy', type: 'colour' }] },
    };
    const refused = await runCli(
      ['agents', 'put', 'helper', await file('agent.json', JSON.stringify(agent))],
      env,
    );
    expect(refused.code).not.toBe(EXIT.ok);
    expect(refused.stderr).toMatch(/tools\[1\]: unknown built-in tool "fly_to_moon"/);
    expect(refused.stderr).toMatch(/claim\.fields\[policy\]\.type/);
    const fixed = {
      ...agent,
      tools: ['update_claim'],
      claim: { name: 'c', fields: [{ name: 'policy', type: 'text' }] },
    };
    expect(
      (
        await runCli(
          ['agents', 'put', 'helper', await file('agent2.json', JSON.stringify(fixed))],
          env,
        )
      ).code,
    ).toBe(EXIT.ok);

    const intents = await runCli(
      [
        'intents',
        'put',
        'support-en',
        await file('intents.json', JSON.stringify(DEMO_INTENT_MODELS[0])),
      ],
      env,
    );
    expect(intents.code).toBe(EXIT.ok);
    const badIntents = { language: 'en-US', intents: [{ name: 'greet', utterances: [] }] };
    const badRun = await runCli(
      ['intents', 'put', 'x', await file('bad-intents.json', JSON.stringify(badIntents))],
      env,
    );
    expect(badRun.stderr).toMatch(/intents\[greet\]\.utterances/);

    const script = await runCli(
      ['scripts', 'put', 'service', await file('script.json', JSON.stringify(DEMO_SERVICE_SCRIPT))],
      env,
    );
    expect(script.code).toBe(EXIT.ok);
    const broken = {
      ...DEMO_SERVICE_SCRIPT,
      nodes: DEMO_SERVICE_SCRIPT.nodes.map((n) =>
        n.id === 'greet' ? { ...n, expect: { ...n.expect, affirm: 'ghost' } } : n,
      ),
    };
    const brokenRun = await runCli(
      ['scripts', 'put', 'service', await file('bad-script.json', JSON.stringify(broken))],
      env,
    );
    expect(brokenRun.stderr).toMatch(/nodes\[greet\]\.expect\.affirm/);
    expect((await store.dialogDocuments.latest('script', 'service'))?.version).toBe(1);
  });
});
