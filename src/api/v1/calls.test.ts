import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueFields, openTestApi, type TestApi } from './test-api.js';

let api: TestApi;
let readOnly: string;
const callIds: string[] = [];
const base = Date.parse('2025-03-01T08:00:00Z');

beforeAll(async () => {
  api = await openTestApi();
  readOnly = await api.keyWith('read-only');
  // Seven calls a minute apart; the last two share one millisecond (the keyset's tie-breaker).
  for (let i = 0; i < 7; i++) {
    const call = await api.store.calls.createCall({
      direction: i % 2 === 0 ? 'inbound' : 'outbound',
      state: i < 3 ? 'ended' : 'answered',
      caller: `+8613800000${i}`,
      callee: '+861088886666',
      createdAt: new Date(base + Math.min(i, 5) * 60_000),
      attributes: { n: String(i) },
    });
    callIds.push(call.id);
  }
  await api.store.calls.updateCall(callIds[0]!, {
    endedAt: new Date(base + 30_000),
    endReason: 'hangup',
    sipStatus: 200,
  });
}, 60_000);
afterAll(() => api?.close());

const get = (url: string, key?: string) =>
  api.app.inject({ url, headers: api.auth(key ?? readOnly) });

describe('/v1/calls', () => {
  it('pages through every call newest first with nextCursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(
        `/v1/calls?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    // Newest first: the last two created share a millisecond, the rest are in reverse order.
    expect(seen.slice(2)).toEqual(callIds.slice(0, 5).reverse());
    expect(new Set(seen.slice(0, 2))).toEqual(new Set(callIds.slice(5)));
  });

  it('filters by state and since, and leaves nextCursor out on the last page', async () => {
    const ended = (await get('/v1/calls?state=ended')).json();
    expect(ended.items.map((c: { id: string }) => c.id)).toEqual(callIds.slice(0, 3).reverse());
    expect(ended).not.toHaveProperty('nextCursor');
    const since = new Date(base + 4 * 60_000).toISOString();
    const recent = (await get(`/v1/calls?since=${since}`)).json();
    expect(recent.items).toHaveLength(3);
    const offset = (await get('/v1/calls?since=2025-03-01T16:04:00%2B08:00')).json();
    expect(offset.items).toHaveLength(3);
  });

  it('answers a call with ISO dates and its optional fields omitted', async () => {
    const first = (await get(`/v1/calls/${callIds[0]}`)).json();
    expect(first).toMatchObject({
      id: callIds[0],
      direction: 'inbound',
      state: 'ended',
      endReason: 'hangup',
      sipStatus: 200,
      createdAt: '2025-03-01T08:00:00.000Z',
      endedAt: '2025-03-01T08:00:30.000Z',
      attributes: { n: '0' },
      matchExplanation: [],
    });
    expect(first).not.toHaveProperty('answeredAt');
    expect(first).not.toHaveProperty('trunkId');
  });

  it('answers 400 naming the query parameter', async () => {
    const cases: Array<[string, string[]]> = [
      ['limit=0', ['query.limit']],
      ['limit=1001', ['query.limit']],
      ['limit=ten', ['query.limit']],
      ['state=lost', ['query.state']],
      ['since=yesterday', ['query.since']],
      ['cursor=not-a-cursor', ['query.cursor']],
      ['stat=ended', ['query.stat']],
    ];
    for (const [query, fields] of cases) {
      const res = await get(`/v1/calls?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(issueFields(res.json()), query).toEqual(fields);
    }
  });

  it('lists participants of a call and answers 404 for unknown calls', async () => {
    const callId = callIds[3]!;
    await api.store.calls.addParticipant({
      callId,
      kind: 'sip',
      identity: '+86138000003',
      state: 'answered',
      joinedAt: new Date(base + 3 * 60_000),
    });
    await api.store.calls.addParticipant({
      callId,
      kind: 'agent',
      identity: 'alice',
      room: 'support',
      joinedAt: new Date(base + 3 * 60_000 + 5000),
    });
    const res = await get(`/v1/calls/${callId}/participants`);
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((p: { identity: string }) => p.identity)).toEqual(['+86138000003', 'alice']);
    expect(items[1]).toMatchObject({
      kind: 'agent',
      room: 'support',
      muted: false,
      state: 'ringing',
    });
    expect(items[0]).not.toHaveProperty('room');
    expect((await get(`/v1/calls/${callIds[4]}/participants`)).json()).toEqual({ items: [] });

    expect((await get('/v1/calls/call_missing')).statusCode).toBe(404);
    expect((await get('/v1/calls/call_missing/participants')).statusCode).toBe(404);
  });

  it('lists the voice-bot turns of a call in order and answers 404 for unknown calls', async () => {
    const callId = callIds[5]!;
    const participant = await api.store.calls.addParticipant({
      callId,
      kind: 'sip',
      identity: '+86138000005',
    });
    const startedAt = new Date(base + 5 * 60_000 + 2000);
    await api.store.voiceTurns.addTurn({
      callId,
      participantId: participant.id,
      index: 1,
      userText: 'And on Sunday?',
      assistantText: 'On Sunday we',
      interrupted: true,
      latency: { sttFinal: 190, responderFirstToken: 2100, ttsFirstAudio: 2400, responderMs: 1900 },
      events: [
        { type: 'soft-timeout', atMs: 1200 },
        { type: 'provider-switch', from: 'primary', to: 'backup', reason: 'timeout' },
        { type: 'barge-in', heardMs: 640 },
      ],
      startedAt: new Date(startedAt.getTime() + 8000),
    });
    const first = await api.store.voiceTurns.addTurn({
      callId,
      participantId: participant.id,
      index: 0,
      userText: 'When are you open?',
      assistantText: 'From nine to six.',
      latency: { sttFinal: 150, firstPacket: 900 },
      startedAt,
      endedAt: new Date(startedAt.getTime() + 3500),
    });

    const res = await get(`/v1/calls/${callId}/turns`);
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items).toEqual([
      {
        id: first.id,
        callId,
        participantId: participant.id,
        index: 0,
        userText: 'When are you open?',
        assistantText: 'From nine to six.',
        interrupted: false,
        latency: { sttFinal: 150, firstPacket: 900 },
        events: [],
        startedAt: '2025-03-01T08:05:02.000Z',
        endedAt: '2025-03-01T08:05:05.500Z',
      },
      {
        id: expect.stringMatching(/^vt_[0-9a-f]{32}$/),
        callId,
        participantId: participant.id,
        index: 1,
        userText: 'And on Sunday?',
        assistantText: 'On Sunday we',
        interrupted: true,
        latency: {
          sttFinal: 190,
          responderFirstToken: 2100,
          ttsFirstAudio: 2400,
          responderMs: 1900,
        },
        events: [
          { type: 'soft-timeout', atMs: 1200 },
          { type: 'provider-switch', from: 'primary', to: 'backup', reason: 'timeout' },
          { type: 'barge-in', heardMs: 640 },
        ],
        startedAt: '2025-03-01T08:05:10.000Z',
      },
    ]);
    expect((await get(`/v1/calls/${callIds[6]}/turns`)).json()).toEqual({ items: [] });
    const missing = await get('/v1/calls/call_missing/turns');
    expect(missing.statusCode).toBe(404);
    expect((await get('/v1/calls/bad%20id/turns')).statusCode).toBe(400);
    expect((await api.app.inject({ url: `/v1/calls/${callId}/turns` })).statusCode).toBe(401);
  });

  it('needs a key', async () => {
    expect((await api.app.inject({ url: '/v1/calls' })).statusCode).toBe(401);
    expect((await api.app.inject({ url: `/v1/calls/${callIds[0]}` })).statusCode).toBe(401);
  });
});
