import { describe, expect, it } from 'vitest';
import type { DialogValidators, Validate } from './dialog-documents.js';
import { issueFields, openTestApi, useTestApi } from './test-api.js';

interface TestFlow {
  name?: unknown;
  steps?: Array<{
    id: string;
    menu?: { options?: Record<string, string>; fallback?: string; retries?: number };
  }>;
}

/**
 * A flow validator in the dialog room's style (src/dialog/flows/flow-schema.ts: problem paths
 * name the step by id, defaults filled in the value). The real one cannot be imported here
 * until src/dialog has a public index.ts.
 */
const flow: Validate = (doc) => {
  const d = doc as TestFlow;
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof d?.name !== 'string') problems.push({ path: 'name', message: 'is required' });
  if (!Array.isArray(d?.steps)) {
    problems.push({ path: 'steps', message: 'is required' });
    return { ok: false, problems };
  }
  const ids = new Set(d.steps.map((s) => s.id));
  const steps = d.steps.map((step) => {
    if (!step.menu) return step;
    for (const [key, next] of Object.entries(step.menu.options ?? {})) {
      if (!ids.has(next)) {
        problems.push({
          path: `steps[${step.id}].menu.options.${key}`,
          message: `no step has id "${next}"`,
        });
      }
    }
    if (step.menu.fallback === undefined || !ids.has(step.menu.fallback)) {
      problems.push({ path: `steps[${step.id}].menu.fallback`, message: 'must name a step' });
    }
    return { ...step, menu: { retries: 3, ...step.menu } };
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { ...d, steps } };
};

/** A stand-in for the other kinds: wants an object with a string `title`, fills `tags`. */
const titled: Validate = (doc) => {
  const d = doc as { title?: unknown; tags?: unknown };
  if (typeof doc !== 'object' || doc === null || typeof d.title !== 'string') {
    return { ok: false, problems: [{ path: 'title', message: 'is required' }] };
  }
  return { ok: true, value: { tags: [], ...d } };
};

const validators: DialogValidators = { flow, agent: titled, intents: titled, script: titled };

const api = useTestApi({ dialogValidators: validators });
const { inject } = api;

const MENU = {
  name: 'ivr',
  steps: [
    { id: 'main-menu', menu: { prompt: 'Press 1', options: { '1': 'sales' }, fallback: 'sales' } },
    { id: 'sales', agent: { agentId: 'a1' } },
  ],
};

const MENU_YAML = `# hand-written
name: ivr
steps:
  - id: main-menu
    menu: { prompt: "Press 1 or 2", options: { "1": sales, "2": sales }, fallback: sales }
  - id: sales
    agent: { agentId: a1 }
`;

/** A request with a raw body of the given content type. */
function send(
  method: 'PUT' | 'POST',
  url: string,
  payload: string,
  contentType: string,
  headers: Record<string, string> = {},
) {
  return api.app.inject({
    method,
    url,
    payload,
    headers: { ...api.auth(), 'content-type': contentType, ...headers },
  });
}

describe('/v1/flows', () => {
  it('saves JSON and YAML as versions, reads latest, older, list and history', async () => {
    const first = await inject('PUT', '/v1/flows/main-ivr?comment=first%20cut', MENU);
    expect(first.statusCode).toBe(201);
    expect(first.headers.etag).toBe('"1"');
    const v1 = first.json();
    // Stored as validated: the menu's default retries filled in.
    expect(v1).toEqual({
      name: 'main-ivr',
      version: 1,
      createdAt: v1.createdAt,
      comment: 'first cut',
      document: (flow(MENU) as { value: unknown }).value,
    });
    expect(v1.document.steps[0].menu.retries).toBe(3);
    expect(new Date(v1.createdAt).toISOString()).toBe(v1.createdAt);

    const second = await send('PUT', '/v1/flows/main-ivr', MENU_YAML, 'application/yaml');
    expect(second.statusCode).toBe(200);
    const v2 = second.json();
    expect(v2).toMatchObject({ name: 'main-ivr', version: 2 });
    expect(v2).not.toHaveProperty('comment');
    expect(v2.document.steps[0].menu.options).toEqual({ '1': 'sales', '2': 'sales' });
    const third = await send('PUT', '/v1/flows/main-ivr', MENU_YAML, 'text/yaml; charset=utf-8');
    expect(third.statusCode).toBe(200);
    expect(third.json().version).toBe(3);

    const latest = await inject('GET', '/v1/flows/main-ivr');
    expect(latest.statusCode).toBe(200);
    expect(latest.headers.etag).toBe('"3"');
    expect(latest.json()).toEqual(third.json());
    expect((await inject('GET', '/v1/flows/main-ivr?version=1')).json()).toEqual(v1);
    const missing = await inject('GET', '/v1/flows/main-ivr?version=9');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('flow main-ivr version 9 not found');

    const versions = await inject('GET', '/v1/flows/main-ivr/versions');
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(versions.json().items[2]).toEqual({
      name: 'main-ivr',
      version: 1,
      createdAt: v1.createdAt,
      comment: 'first cut',
    });

    await inject('PUT', '/v1/flows/after-hours', MENU);
    const list = await inject('GET', '/v1/flows');
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<{ name: string; version: number }>;
    expect(items.map((i) => [i.name, i.version])).toEqual([
      ['after-hours', 1],
      ['main-ivr', 3],
    ]);
    expect(items[0]).not.toHaveProperty('document');
  });

  it('refuses an invalid document with every problem, each naming its path', async () => {
    const bad = {
      name: 'ivr',
      steps: [
        { id: 'main-menu', menu: { prompt: 'P', options: { '7': 'nowhere' }, fallback: 'gone' } },
      ],
    };
    const res = await inject('PUT', '/v1/flows/broken', bad);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('bad_request');
    expect(body.issues).toContainEqual({
      field: 'steps[main-menu].menu.options.7',
      message: 'no step has id "nowhere"',
    });
    expect(issueFields(body)).toEqual([
      'steps[main-menu].menu.fallback',
      'steps[main-menu].menu.options.7',
    ]);
    expect(body.message).toContain('steps[main-menu].menu.options.7: no step has id "nowhere"');
    expect((await inject('GET', '/v1/flows/broken')).statusCode).toBe(404);

    const yaml = await send('PUT', '/v1/flows/broken', 'name: [unclosed', 'application/yaml');
    expect(yaml.statusCode).toBe(400);
    expect(yaml.json().issues[0].field).toBe('body');
    expect(yaml.json().message).toMatch(/^not valid YAML: /);
    const dup = await send('PUT', '/v1/flows/broken', 'name: a\nname: b\n', 'application/yaml');
    expect(dup.statusCode).toBe(400);
  });

  it('saves conditionally with If-Match: 409 naming version when another save came first', async () => {
    expect((await inject('PUT', '/v1/flows/guarded', MENU)).statusCode).toBe(201);
    const put = (ifMatch: string) =>
      send('PUT', '/v1/flows/guarded', JSON.stringify(MENU), 'application/json', {
        'if-match': ifMatch,
      });
    const ok = await put('1');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().version).toBe(2);
    const stale = await put('1');
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'conflict', field: 'version' });
    // The ETag form as GET answers it.
    expect((await put('"2"')).json().version).toBe(3);
    const bad = await put('latest');
    expect(bad.statusCode).toBe(400);
    expect(issueFields(bad.json())).toEqual(['If-Match']);
    // 0: only when it does not exist yet.
    const fresh = await send(
      'PUT',
      '/v1/flows/guarded-new',
      JSON.stringify(MENU),
      'application/json',
      {
        'if-match': '0',
      },
    );
    expect(fresh.statusCode).toBe(201);
    expect((await inject('GET', '/v1/flows/guarded/versions')).json().items).toHaveLength(3);
  });

  it('deletes every version: 204, then 404', async () => {
    await inject('PUT', '/v1/flows/doomed', MENU);
    await inject('PUT', '/v1/flows/doomed', MENU);
    const del = await inject('DELETE', '/v1/flows/doomed');
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await inject('DELETE', '/v1/flows/doomed')).statusCode).toBe(404);
    expect((await inject('GET', '/v1/flows/doomed')).statusCode).toBe(404);
    expect((await inject('GET', '/v1/flows/doomed/versions')).statusCode).toBe(404);
    expect((await inject('PUT', '/v1/flows/doomed', MENU)).json().version).toBe(1);
  });

  it('checks names, versions and comments', async () => {
    const name = await inject('PUT', '/v1/flows/Bad%20Name', MENU);
    expect(name.statusCode).toBe(400);
    expect(issueFields(name.json())).toEqual(['params.name']);
    expect(issueFields((await inject('GET', '/v1/flows/x?version=abc')).json())).toEqual([
      'query.version',
    ]);
    expect(issueFields((await inject('GET', '/v1/flows/x?version=0')).json())).toEqual([
      'query.version',
    ]);
    const comment = await inject('PUT', `/v1/flows/x?comment=${'c'.repeat(501)}`, MENU);
    expect(issueFields(comment.json())).toEqual(['query.comment']);
  });

  it('needs read-only to read and admin to write', async () => {
    const readOnly = await api.keyWith('read-only');
    const operator = await api.keyWith('operator');
    await inject('PUT', '/v1/flows/scoped', MENU);
    expect((await inject('GET', '/v1/flows', undefined, readOnly)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/flows/scoped', undefined, readOnly)).statusCode).toBe(200);
    expect((await inject('PUT', '/v1/flows/scoped', MENU, operator)).statusCode).toBe(403);
    expect((await inject('DELETE', '/v1/flows/scoped', undefined, readOnly)).statusCode).toBe(403);
    const anonymous = await api.app.inject({ method: 'GET', url: '/v1/flows' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('/v1/agents, /v1/intents, /v1/scripts', () => {
  it('runs each kind through its own validator and keeps the kinds apart', async () => {
    for (const path of ['agents', 'intents', 'scripts']) {
      const bad = await inject('PUT', `/v1/${path}/shared-name`, { nope: 1 });
      expect(bad.statusCode, path).toBe(400);
      expect(issueFields(bad.json())).toEqual(['title']);
      const ok = await send('PUT', `/v1/${path}/shared-name`, `title: ${path}\n`, 'text/yaml');
      expect(ok.statusCode, path).toBe(201);
      expect(ok.json().document).toEqual({ title: path, tags: [] });
    }
    expect((await inject('GET', '/v1/agents/shared-name')).json().document.title).toBe('agents');
    expect((await inject('GET', '/v1/scripts')).json().items).toEqual([
      expect.objectContaining({ name: 'shared-name', version: 1 }),
    ]);
    // The flow validator is not the agents': a flow document is not an agent.
    expect((await inject('PUT', '/v1/agents/ivr', MENU)).statusCode).toBe(400);
  });
});

describe('dialog routes in the API', () => {
  it('are documented in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    for (const path of ['flows', 'agents', 'intents', 'scripts']) {
      expect(Object.keys(doc.paths[`/v1/${path}/{name}`])).toEqual(['get', 'put', 'delete']);
      expect(doc.paths[`/v1/${path}/{name}`].put['x-required-scope']).toBe('admin');
      expect(doc.paths[`/v1/${path}`].get['x-required-scope']).toBe('read-only');
      expect(doc.paths[`/v1/${path}/{name}/versions`].get).toBeDefined();
    }
  });

  it('leave YAML refused (415) on the other routes', async () => {
    const res = await send('POST', '/v1/trunks/inbound', 'name: carrier\n', 'application/yaml');
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toBe('unsupported_media_type');
  });

  it('are not registered without validators', async () => {
    const bare = await openTestApi();
    try {
      const res = await bare.app.inject({ method: 'GET', url: '/v1/flows', headers: bare.auth() });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('no route GET /v1/flows');
    } finally {
      await bare.close();
    }
  });
});
