import { beforeAll, describe, expect, it } from 'vitest';
import { issueFields, useTestApi } from './test-api.js';

const api = useTestApi();
const { inject } = api;
let readOnly: string;
let trunkId: string;

beforeAll(async () => {
  readOnly = await api.keyWith('read-only');
  trunkId = (await api.store.trunks.createInbound({ name: 'carrier' })).id;
}, 60_000);

describe('/v1/dispatch-rules', () => {
  it('creates with defaults, lists in evaluation order, gets, patches and deletes', async () => {
    const low = await inject('POST', '/v1/dispatch-rules', {
      name: 'fallback',
      action: { type: 'echo' },
    });
    expect(low.statusCode).toBe(201);
    expect(low.json()).toMatchObject({
      name: 'fallback',
      priority: 0,
      enabled: true,
      trunkIds: [],
      timeWindows: [],
      action: { type: 'echo' },
    });
    expect(low.json()).not.toHaveProperty('calledNumber');

    const high = await inject('POST', '/v1/dispatch-rules', {
      name: 'support hours',
      priority: 10,
      trunkIds: [trunkId],
      calledNumber: '_4XXX',
      callingNumber: '/^\\+86/',
      timeWindows: [
        { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' },
      ],
      action: { type: 'enqueue', queueId: 'support', priority: 2, skills: ['zh'] },
    });
    expect(high.statusCode).toBe(201);
    const rule = high.json();
    expect(rule.id).toMatch(/^dr_/);

    const list = await inject('GET', '/v1/dispatch-rules', undefined, readOnly);
    expect(list.statusCode).toBe(200);
    const ids = list.json().items.map((r: { id: string }) => r.id);
    expect(ids.indexOf(rule.id)).toBeLessThan(ids.indexOf(low.json().id));

    expect(
      (await inject('GET', `/v1/dispatch-rules/${rule.id}`, undefined, readOnly)).json(),
    ).toEqual(rule);

    const patched = await inject('PATCH', `/v1/dispatch-rules/${rule.id}`, {
      calledNumber: null,
      enabled: false,
      action: { type: 'pin-room', room: 'standup', pin: '4321' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).not.toHaveProperty('calledNumber');
    expect(patched.json()).toMatchObject({
      enabled: false,
      callingNumber: '/^\\+86/',
      action: { type: 'pin-room', room: 'standup', pin: '4321' },
    });

    expect((await inject('DELETE', `/v1/dispatch-rules/${rule.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/v1/dispatch-rules/${rule.id}`)).statusCode).toBe(404);
  });

  it('answers 400 naming the field, from zod and from validateDispatchRule', async () => {
    const echo = { type: 'echo' };
    const cases: Array<[unknown, string[]]> = [
      [{}, ['action', 'name']],
      [{ name: 'r', action: { type: 'teleport' } }, ['action.type']],
      [{ name: 'r', action: 'echo' }, ['action']],
      [{ name: 'r', action: { type: 'room', romm: 'x' } }, ['action.romm']],
      [{ name: 'r', action: { type: 'room' } }, ['action.room']],
      [{ name: 'r', action: { type: 'pin-room', room: 'a', pin: '12' } }, ['action.pin']],
      [{ name: 'r', action: { type: 'reject', status: 200 } }, ['action.status']],
      [{ name: 'r', action: { type: 'prompt', file: '../../etc/passwd' } }, ['action.file']],
      [{ name: 'r', action: echo, calledNumber: '/(a+)+$/' }, ['calledNumber']],
      [{ name: 'r', action: echo, priority: 'high' }, ['priority']],
      [{ name: 'r', action: echo, priority: 2 ** 40 }, ['priority']],
      [{ name: 'r', action: echo, trunkIds: ['tri_nope'] }, ['trunkIds.0']],
      [
        { name: 'r', action: echo, timeWindows: [{ days: [1], start: '25:00', end: '26:00' }] },
        ['timeWindows.0.end', 'timeWindows.0.start'],
      ],
      [
        {
          name: 'r',
          action: echo,
          timeWindows: [{ days: [1], start: '09:00', end: '17:00', timeZone: 'Mars/Olympus' }],
        },
        ['timeWindows.0.timeZone'],
      ],
      [
        { name: 'r', action: echo, timeWindows: [{ days: [7], start: '09:00', end: '17:00' }] },
        ['timeWindows.0.days.0'],
      ],
      [{ name: 'r', action: echo, timewindows: [] }, ['timewindows']],
    ];
    for (const [payload, fields] of cases) {
      const res = await inject('POST', '/v1/dispatch-rules', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(issueFields(res.json()), JSON.stringify(payload)).toEqual(fields);
    }
    const teleport = await inject('POST', '/v1/dispatch-rules', {
      name: 'r',
      action: { type: 'teleport' },
    });
    expect(teleport.json().message).toContain('echo, prompt, room');
  });

  it('validates the merged rule on PATCH and answers 404 for unknown ids', async () => {
    const rule = (
      await inject('POST', '/v1/dispatch-rules', { name: 'r', action: { type: 'room', room: 'a' } })
    ).json();
    const bad = await inject('PATCH', `/v1/dispatch-rules/${rule.id}`, {
      timeWindows: [{ days: [1], start: '09:00', end: '99:00' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(issueFields(bad.json())).toEqual(['timeWindows.0.end']);
    const unknownTrunk = await inject('PATCH', `/v1/dispatch-rules/${rule.id}`, {
      trunkIds: ['tri_gone'],
    });
    expect(unknownTrunk.statusCode).toBe(400);
    // Nothing was written by the refused patches.
    expect((await inject('GET', `/v1/dispatch-rules/${rule.id}`)).json()).toEqual(rule);

    expect((await inject('PATCH', '/v1/dispatch-rules/dr_missing', { name: 'x' })).statusCode).toBe(
      404,
    );
    expect((await inject('DELETE', '/v1/dispatch-rules/dr_missing')).statusCode).toBe(404);
    expect((await inject('GET', '/v1/dispatch-rules/dr_missing')).statusCode).toBe(404);
  });

  it('lets a read-only key read but not write', async () => {
    expect((await inject('GET', '/v1/dispatch-rules', undefined, readOnly)).statusCode).toBe(200);
    const post = await inject(
      'POST',
      '/v1/dispatch-rules',
      { name: 'x', action: { type: 'echo' } },
      readOnly,
    );
    expect(post.statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: '/v1/dispatch-rules' })).statusCode).toBe(
      401,
    );
  });
});
