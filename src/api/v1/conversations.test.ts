import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationRecord } from '../../store/index.js';
import { issueFields, openTestApi, type TestApi } from './test-api.js';

let api: TestApi;
let readOnly: string;
let firstCall: string;
let secondCall: string;
let quietCall: string;
/** The claim conversation: started on the first call, resumed on the second. */
let claim: ConversationRecord;
/** A short one on the first call only, created after `claim`. */
let transfer: ConversationRecord;
const toolCalls = [{ id: 'tc_1', name: 'lookup_policy', arguments: '{"policy":"P-1"}' }];
const at = (seconds: number) => new Date(Date.parse('2025-03-01T08:00:00Z') + seconds * 1000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  api = await openTestApi();
  readOnly = await api.keyWith('read-only');
  const call = (caller: string) =>
    api.store.calls.createCall({
      direction: 'inbound',
      state: 'ended',
      caller,
      callee: '2000',
      createdAt: at(0),
    });
  firstCall = (await call('+8613800000001')).id;
  secondCall = (await call('+8613800000001')).id;
  quietCall = (await call('+8613800000002')).id;

  const { conversations } = api.store;
  claim = await conversations.create({
    key: '+8613800000001',
    channel: 'voice',
    agentId: 'claims',
    language: 'en-US',
    callId: firstCall,
  });
  await conversations.recordTurn(
    claim.id,
    [
      { persona: 'assistant', content: 'Hello, how can I help?', createdAt: at(1) },
      { persona: 'human', content: 'I had an accident.', createdAt: at(3) },
      { persona: 'assistant', content: 'Let me check', heard: false, toolCalls, createdAt: at(4) },
      { persona: 'tool', content: '{"ok":true}', toolCallId: 'tc_1', createdAt: at(5) },
    ],
    { state: 'gathering', claim: { name: 'Ada Lovelace' } },
  );
  // Resumed on the second call, then closed with a summary.
  await conversations.update(claim.id, { callId: secondCall, resumeCount: 1 });
  await conversations.recordTurn(
    claim.id,
    [{ persona: 'assistant', content: 'Welcome back.', createdAt: at(60) }],
    {
      state: 'closed',
      claim: { name: 'Ada Lovelace', location: 'Main Street' },
      nextAction: 'send-sms',
      reminders: [{ at: '2025-03-02T09:00:00Z', text: 'call back' }],
      synthesis: {
        summary: 'Reported an accident on Main Street.',
        satisfaction: 'high',
        suggestions: [],
        by: 'extractive',
      },
      closedAt: at(70),
    },
  );
  claim = (await conversations.get(claim.id))!;
  await sleep(5); // `transfer` is newer than `claim` (listing order)
  transfer = await conversations.create({
    key: '+8613800000001',
    channel: 'voice',
    agentId: 'front-desk',
    language: 'zh-CN',
    callId: firstCall,
  });
  await conversations.recordTurn(transfer.id, [{ persona: 'human', content: '转人工' }], {
    state: 'transferred',
  });
  transfer = (await conversations.get(transfer.id))!;
}, 60_000);
afterAll(() => api?.close());

const get = (url: string, key?: string) =>
  api.app.inject({ url, headers: api.auth(key ?? readOnly) });

describe('GET /v1/conversations/{id}', () => {
  it('answers the conversation and its messages in order', async () => {
    const res = await get(`/v1/conversations/${claim.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: claim.id,
      key: '+8613800000001',
      channel: 'voice',
      agentId: 'claims',
      callId: secondCall,
      state: 'closed',
      nextAction: 'send-sms',
      language: 'en-US',
      claim: { name: 'Ada Lovelace', location: 'Main Street' },
      memory: {},
      reminders: [{ at: '2025-03-02T09:00:00Z', text: 'call back' }],
      synthesis: {
        summary: 'Reported an accident on Main Street.',
        satisfaction: 'high',
        suggestions: [],
        by: 'extractive',
      },
      resumeCount: 1,
      createdAt: claim.createdAt.toISOString(),
      updatedAt: claim.updatedAt.toISOString(),
      closedAt: '2025-03-01T08:01:10.000Z',
      messages: [
        {
          seq: 0,
          persona: 'assistant',
          content: 'Hello, how can I help?',
          heard: true,
          callId: firstCall,
          createdAt: '2025-03-01T08:00:01.000Z',
        },
        {
          seq: 1,
          persona: 'human',
          content: 'I had an accident.',
          heard: true,
          callId: firstCall,
          createdAt: '2025-03-01T08:00:03.000Z',
        },
        {
          seq: 2,
          persona: 'assistant',
          content: 'Let me check',
          heard: false,
          toolCalls,
          callId: firstCall,
          createdAt: '2025-03-01T08:00:04.000Z',
        },
        {
          seq: 3,
          persona: 'tool',
          content: '{"ok":true}',
          heard: true,
          toolCallId: 'tc_1',
          callId: firstCall,
          createdAt: '2025-03-01T08:00:05.000Z',
        },
        {
          seq: 4,
          persona: 'assistant',
          content: 'Welcome back.',
          heard: true,
          callId: secondCall,
          createdAt: '2025-03-01T08:01:00.000Z',
        },
      ],
    });
  });

  it('leaves the messages out with ?messages=false, and the optional fields when unset', async () => {
    const res = await get(`/v1/conversations/${transfer.id}?messages=false`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: transfer.id, state: 'transferred', resumeCount: 0 });
    expect(body).not.toHaveProperty('messages');
    for (const field of ['synthesis', 'closedAt', 'nextAction']) {
      expect(body, field).not.toHaveProperty(field);
    }
    const withMessages = (await get(`/v1/conversations/${transfer.id}?messages=true`)).json();
    expect(withMessages.messages).toHaveLength(1);
    expect(withMessages.messages[0]).not.toHaveProperty('toolCalls');
  });

  it('answers 404 for an unknown id and 400 for a bad id or query', async () => {
    const missing = await get('/v1/conversations/cv_missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: 'not_found',
      message: 'conversation cv_missing not found',
    });
    expect((await get('/v1/conversations/bad%20id')).statusCode).toBe(400);
    const cases: Array<[string, string[]]> = [
      ['messages=no', ['query.messages']],
      ['message=false', ['query.message']],
    ];
    for (const [query, fields] of cases) {
      const res = await get(`/v1/conversations/${claim.id}?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(issueFields(res.json()), query).toEqual(fields);
    }
  });
});

describe('GET /v1/calls/{id}/conversations', () => {
  it('lists the conversations that ran on a call, newest first, without messages', async () => {
    const res = await get(`/v1/calls/${firstCall}/conversations`);
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    // `claim` moved on to the second call, but messages of it were said on the first.
    expect(items.map((c: { id: string }) => c.id)).toEqual([transfer.id, claim.id]);
    expect(items[0]).toMatchObject({ agentId: 'front-desk', state: 'transferred' });
    for (const item of items) expect(item).not.toHaveProperty('messages');

    const second = (await get(`/v1/calls/${secondCall}/conversations`)).json();
    expect(second.items.map((c: { id: string }) => c.id)).toEqual([claim.id]);
    expect(second.items[0]).toMatchObject({ resumeCount: 1, callId: secondCall });
    expect((await get(`/v1/calls/${quietCall}/conversations`)).json()).toEqual({ items: [] });
  });

  it('answers 404 for an unknown call and 400 for a bad id', async () => {
    const missing = await get('/v1/calls/call_missing/conversations');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'call call_missing not found' });
    expect((await get('/v1/calls/bad%20id/conversations')).statusCode).toBe(400);
  });
});

describe('scope and document', () => {
  it('need the scope the call turns need: a key, read-only is enough', async () => {
    const doc = (await api.app.inject({ url: '/docs/openapi.json' })).json();
    const turnsScope = doc.paths['/v1/calls/{id}/turns'].get['x-required-scope'];
    expect(turnsScope).toBe('read-only');
    const urls = [`/v1/conversations/${claim.id}`, `/v1/calls/${firstCall}/conversations`];
    for (const url of urls) {
      expect((await api.app.inject({ url })).statusCode, url).toBe(401);
      const wrong = await api.app.inject({ url, headers: api.auth('sb_not_a_key') });
      expect(wrong.statusCode, url).toBe(401);
      expect((await get(url, readOnly)).statusCode, url).toBe(200);
      expect((await get(url, await api.keyWith('agent'))).statusCode, url).toBe(200);
    }
    const revoked = await api.store.apiKeys.create({ name: 'gone', scopes: ['admin'] });
    await api.store.apiKeys.revoke(revoked.record.id);
    expect((await get(urls[0]!, revoked.key)).statusCode).toBe(401);

    const one = doc.paths['/v1/conversations/{id}'].get;
    const list = doc.paths['/v1/calls/{id}/conversations'].get;
    for (const op of [one, list]) {
      expect(op['x-required-scope']).toBe(turnsScope);
      expect(op.summary.length).toBeGreaterThan(20);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    }
    expect(one.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'query:messages',
    ]);
    const schema = one.responses['200'].content['application/json'].schema;
    expect(schema.properties.messages.items.properties.persona.enum).toEqual([
      'human',
      'assistant',
      'tool',
      'system',
    ]);
  });
});
