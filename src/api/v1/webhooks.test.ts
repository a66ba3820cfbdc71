import { describe, expect, it } from 'vitest';
import { issueFields, useTestApi } from './test-api.js';

const api = useTestApi({ eventTypes: ['call.ringing', 'call.answered', 'call.ended'] });
const { inject } = api;

describe('/v1/webhooks', () => {
  it('shows a generated secret once, then only secretSet', async () => {
    const created = await inject('POST', '/v1/webhooks', {
      url: 'https://hooks.example.com/switchboard',
      events: ['call.*'],
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook.secret).toMatch(/^whsec_.{16,}/);
    expect(hook).toMatchObject({ events: ['call.*'], enabled: true, secretSet: true });

    const got = await inject('GET', `/v1/webhooks/${hook.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    expect(got.json().secretSet).toBe(true);
    expect(got.body).not.toContain(hook.secret);

    const list = await inject('GET', '/v1/webhooks');
    expect(list.json().items.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(list.body).not.toContain(hook.secret);

    // The store holds what was shown: deliveries will be signed with it.
    expect((await api.store.webhooks.get(hook.id))!.secret).toBe(hook.secret);
  });

  it('keeps a client secret write-only, patches and deletes', async () => {
    const secret = 'my-own-secret-0123456789';
    const created = await inject('POST', '/v1/webhooks', {
      url: 'http://10.0.0.5:8080/in',
      secret,
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook.secret).toBe(secret);
    expect(hook.events).toEqual([]);

    const patched = await inject('PATCH', `/v1/webhooks/${hook.id}`, {
      enabled: false,
      events: ['call.answered', 'call.ended'],
      secret: 'rotated-secret-0123456789',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      enabled: false,
      events: ['call.answered', 'call.ended'],
    });
    expect(patched.body).not.toContain('rotated-secret');
    expect((await api.store.webhooks.get(hook.id))!.secret).toBe('rotated-secret-0123456789');

    expect((await inject('DELETE', `/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await inject('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true })).statusCode).toBe(
      404,
    );
    expect((await inject('DELETE', `/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const url = 'https://hooks.example.com/x';
    const cases: Array<[unknown, string[]]> = [
      [{}, ['url']],
      [{ url: 'ftp://files.example.com/x' }, ['url']],
      [{ url: 'not a url' }, ['url']],
      [{ url: 'https://hooks.example.com/\nx' }, ['url']],
      [{ url, events: ['call..answered'] }, ['events.0']],
      [{ url, events: ['call.answered', 'call.answerd'] }, ['events.1']],
      [{ url, events: ['call.answered', 'call.answered'] }, ['events.1']],
      [{ url, secret: 'short' }, ['secret']],
      [{ url, secret: 'has spaces in the secret' }, ['secret']],
      [{ url, enabled: 'yes' }, ['enabled']],
      [{ url, evnets: ['call.*'] }, ['evnets']],
    ];
    for (const [payload, fields] of cases) {
      const res = await inject('POST', '/v1/webhooks', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(issueFields(res.json()), JSON.stringify(payload)).toEqual(fields);
    }
  });

  it('serves the delivery log, newest first, filtered by status and limited', async () => {
    const hook = (await inject('POST', '/v1/webhooks', { url: 'https://h.example.com/' })).json();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await api.store.webhooks.createDelivery({
        webhookId: hook.id,
        eventId: `evt_${i}`,
        eventType: 'call.ended',
        payload: JSON.stringify({ n: i }),
      });
      ids.push(d.id);
    }
    await api.store.webhooks.updateDelivery(ids[1]!, {
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
      nextAttemptAt: null,
    });
    const all = await inject('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((d: { id: string }) => d.id)).toEqual([...ids].reverse());
    const delivered = (
      await inject('GET', `/v1/webhooks/${hook.id}/deliveries?status=delivered`)
    ).json();
    expect(delivered.items).toHaveLength(1);
    expect(delivered.items[0]).toMatchObject({
      id: ids[1],
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
      payload: '{"n":1}',
    });
    expect(delivered.items[0]).not.toHaveProperty('nextAttemptAt');
    const limited = (await inject('GET', `/v1/webhooks/${hook.id}/deliveries?limit=1`)).json();
    expect(limited.items.map((d: { id: string }) => d.id)).toEqual([ids[2]]);

    const bad = await inject('GET', `/v1/webhooks/${hook.id}/deliveries?status=lost`);
    expect(bad.statusCode).toBe(400);
    expect(issueFields(bad.json())).toEqual(['query.status']);
    expect((await inject('GET', '/v1/webhooks/wh_missing/deliveries')).statusCode).toBe(404);
  });

  it('is admin only', async () => {
    const operator = await api.keyWith('operator');
    expect((await inject('GET', '/v1/webhooks', undefined, operator)).statusCode).toBe(403);
    const post = await inject('POST', '/v1/webhooks', { url: 'https://x.example.com/' }, operator);
    expect(post.statusCode).toBe(403);
    expect((await api.app.inject({ url: '/v1/webhooks' })).statusCode).toBe(401);
  });
});
