import { beforeAll, describe, expect, it } from 'vitest';
import { issueFields, useTestApi } from './test-api.js';

const api = useTestApi();
const { inject } = api;
let readOnly: string;

beforeAll(async () => {
  readOnly = await api.keyWith('read-only');
}, 60_000);

describe('/v1/trunks/inbound', () => {
  it('creates, lists, gets, patches and deletes, never echoing the password', async () => {
    const created = await inject('POST', '/v1/trunks/inbound', {
      name: 'carrier-a',
      numbers: ['+86 10 8888-6666', '+861088886667'],
      allowedAddresses: ['203.0.113.0/24', '2001:db8::/32'],
      credentials: { username: 'carrier', password: 's3cret-pass' },
      headerAttributes: { 'X-Customer-Id': 'customerId' },
      maxConcurrentCalls: 30,
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('s3cret-pass');
    const trunk = created.json();
    expect(trunk).toMatchObject({
      name: 'carrier-a',
      // Stored normalised, so another spelling of the number cannot slip onto a second trunk.
      numbers: ['+861088886666', '+861088886667'],
      allowedAddresses: ['203.0.113.0/24', '2001:db8::/32'],
      credentials: { username: 'carrier', passwordSet: true },
      headerAttributes: { 'X-Customer-Id': 'customerId' },
      maxConcurrentCalls: 30,
    });
    expect(trunk.id).toMatch(/^tri_/);
    expect(new Date(trunk.createdAt).toISOString()).toBe(trunk.createdAt);

    const list = await inject('GET', '/v1/trunks/inbound', undefined, readOnly);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((t: { id: string }) => t.id)).toContain(trunk.id);
    expect(list.body).not.toContain('s3cret-pass');

    const got = await inject('GET', `/v1/trunks/inbound/${trunk.id}`, undefined, readOnly);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(trunk);

    const patched = await inject('PATCH', `/v1/trunks/inbound/${trunk.id}`, {
      name: 'carrier-a2',
      numbers: ['+861088886668'],
      credentials: null,
    });
    expect(patched.statusCode).toBe(200);
    const after = patched.json();
    expect(after).toMatchObject({ name: 'carrier-a2', numbers: ['+861088886668'] });
    expect(after).not.toHaveProperty('credentials');
    expect(after.allowedAddresses).toEqual(trunk.allowedAddresses);

    const deleted = await inject('DELETE', `/v1/trunks/inbound/${trunk.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await inject('GET', `/v1/trunks/inbound/${trunk.id}`)).statusCode).toBe(404);
  });

  it('answers 409 when a number is already on another inbound trunk, in any spelling', async () => {
    const a = await inject('POST', '/v1/trunks/inbound', { name: 'a', numbers: ['+14155550100'] });
    expect(a.statusCode).toBe(201);
    const b = await inject('POST', '/v1/trunks/inbound', {
      name: 'b',
      numbers: ['+1 415-555-0100'],
    });
    expect(b.statusCode).toBe(409);
    expect(b.json()).toMatchObject({ error: 'conflict', field: 'numbers' });
    expect(b.json().message).toContain(a.json().id);

    const fixed = { id: 'tri_fixed', name: 'declared' };
    expect((await inject('POST', '/v1/trunks/inbound', fixed)).statusCode).toBe(201);
    const again = await inject('POST', '/v1/trunks/inbound', fixed);
    expect(again.statusCode).toBe(409);
    expect(again.json().field).toBe('id');

    const c = await inject('POST', '/v1/trunks/inbound', { name: 'c', numbers: ['+14155550101'] });
    const moved = await inject('PATCH', `/v1/trunks/inbound/${c.json().id}`, {
      numbers: ['+14155550101', '+14155550100'],
    });
    expect(moved.statusCode).toBe(409);
    // The refused write left the trunk as it was (one transaction).
    const still = await inject('GET', `/v1/trunks/inbound/${c.json().id}`);
    expect(still.json().numbers).toEqual(['+14155550101']);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{}, ['name']],
      [{ name: '   ' }, ['name']],
      [{ name: 'x', nmae: 'typo' }, ['nmae']],
      [{ name: 'x', numbers: ['+86', 'call me'] }, ['numbers.1']],
      [{ name: 'x', numbers: ['+8610', '+86 10'] }, ['numbers.1']],
      [{ name: 'x', numbers: Array.from({ length: 1001 }, (_, i) => `+1${i}`) }, ['numbers']],
      [{ name: 'x', allowedAddresses: ['10.0.0.0/33'] }, ['allowedAddresses.0']],
      [{ name: 'x', allowedAddresses: 'any' }, ['allowedAddresses']],
      [{ name: 'x', credentials: { username: 'u', pasword: 'p' } }, ['credentials.pasword']],
      [{ name: 'x', credentials: { username: 'u' } }, ['credentials.password']],
      [{ name: 'x', headerAttributes: { 'X-Id': '1bad' } }, ['headerAttributes.X-Id']],
      [{ name: 'x', maxConcurrentCalls: -1 }, ['maxConcurrentCalls']],
      [{ name: 'x', maxConcurrentCalls: 2 ** 31 }, ['maxConcurrentCalls']],
      [{ name: 'x', maxConcurrentCalls: 1.5 }, ['maxConcurrentCalls']],
      [{ name: 'nul\u0000byte' }, ['name']],
      [{ name: 'x', id: 'has space' }, ['id']],
    ];
    for (const [payload, fields] of cases) {
      const res = await inject('POST', '/v1/trunks/inbound', payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(issueFields(res.json()), JSON.stringify(payload).slice(0, 80)).toEqual(fields);
      expect(res.json().error).toBe('bad_request');
    }
    const typo = await inject('POST', '/v1/trunks/inbound', { name: 'x', nubmers: [] });
    expect(typo.json().issues).toEqual([
      { field: 'nubmers', message: 'is not a known field (did you mean numbers?)' },
    ]);
    const badHeader = await inject('POST', '/v1/trunks/inbound', {
      name: 'x',
      headerAttributes: { 'Bad Header': 'a' },
    });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().issues[0].field).toMatch(/^headerAttributes/);
  });

  it('answers 404 for unknown ids and 400 for malformed ones', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await inject(
        method,
        '/v1/trunks/inbound/tri_missing',
        method === 'PATCH' ? {} : undefined,
      );
      expect(res.statusCode, method).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    const bad = await inject('GET', '/v1/trunks/inbound/%00');
    expect(bad.statusCode).toBe(400);
    expect(issueFields(bad.json())).toEqual(['params.id']);
  });

  it('needs a key, and the admin scope to write', async () => {
    expect((await api.app.inject({ url: '/v1/trunks/inbound' })).statusCode).toBe(401);
    const unknown = await inject('GET', '/v1/trunks/inbound', undefined, 'sb_not-a-key');
    expect(unknown.statusCode).toBe(401);
    const post = await inject('POST', '/v1/trunks/inbound', { name: 'ro' }, readOnly);
    expect(post.statusCode).toBe(403);
    const operator = await api.keyWith('operator');
    expect((await inject('DELETE', '/v1/trunks/inbound/x', undefined, operator)).statusCode).toBe(
      403,
    );
    const viaHeader = await api.app.inject({
      url: '/v1/trunks/inbound',
      headers: { 'x-api-key': readOnly },
    });
    expect(viaHeader.statusCode).toBe(200);
  });

  it('refuses to delete a trunk a dispatch rule names (409) until the rule lets go', async () => {
    const trunk = (await inject('POST', '/v1/trunks/inbound', { name: 'ruled' })).json();
    const rule = await inject('POST', '/v1/dispatch-rules', {
      name: 'from ruled',
      trunkIds: [trunk.id],
      action: { type: 'echo' },
    });
    expect(rule.statusCode).toBe(201);
    const refused = await inject('DELETE', `/v1/trunks/inbound/${trunk.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain(rule.json().id);
    await inject('PATCH', `/v1/dispatch-rules/${rule.json().id}`, { trunkIds: [] });
    expect((await inject('DELETE', `/v1/trunks/inbound/${trunk.id}`)).statusCode).toBe(204);
  });
});

describe('/v1/trunks/outbound', () => {
  it('creates, lists, gets, patches and deletes, never echoing the password', async () => {
    const created = await inject('POST', '/v1/trunks/outbound', {
      name: 'carrier-out',
      address: 'sip.example.com:5060',
      numbers: ['+861088880000'],
      credentials: { username: 'acct', password: 'outbound-secret' },
      headers: { 'X-Account': 'abc 123' },
      allowedDestinationPrefixes: ['+86', '+1415'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('outbound-secret');
    const trunk = created.json();
    expect(trunk).toMatchObject({
      address: 'sip.example.com:5060',
      transport: 'udp',
      credentials: { username: 'acct', passwordSet: true },
      headers: { 'X-Account': 'abc 123' },
      maxConcurrentCalls: 0,
      allowedDestinationPrefixes: ['+86', '+1415'],
    });
    expect(trunk.id).toMatch(/^tro_/);

    const list = await inject('GET', '/v1/trunks/outbound', undefined, readOnly);
    expect(list.json().items.map((t: { id: string }) => t.id)).toContain(trunk.id);
    expect(list.body).not.toContain('outbound-secret');
    expect((await inject('GET', `/v1/trunks/outbound/${trunk.id}`)).json()).toEqual(trunk);

    const patched = await inject('PATCH', `/v1/trunks/outbound/${trunk.id}`, {
      transport: 'tls',
      address: '[2001:db8::1]:5061',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ transport: 'tls', address: '[2001:db8::1]:5061' });
    expect(patched.json().credentials).toEqual({ username: 'acct', passwordSet: true });
    const rotated = await inject('PATCH', `/v1/trunks/outbound/${trunk.id}`, {
      credentials: { username: 'acct2', password: 'rotated-password' },
    });
    expect(rotated.json().credentials).toEqual({ username: 'acct2', passwordSet: true });
    expect(rotated.body).not.toContain('rotated-password');
    expect((await api.store.trunks.getOutbound(trunk.id))!.credentials!.password).toBe(
      'rotated-password',
    );

    expect((await inject('DELETE', `/v1/trunks/outbound/${trunk.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/v1/trunks/outbound/${trunk.id}`)).statusCode).toBe(404);
    expect((await inject('DELETE', `/v1/trunks/outbound/${trunk.id}`)).statusCode).toBe(404);
    expect((await inject('PATCH', `/v1/trunks/outbound/${trunk.id}`, {})).statusCode).toBe(404);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const ok = { name: 'o', address: '203.0.113.9:5060' };
    const cases: Array<[unknown, string[]]> = [
      [{ name: 'o' }, ['address']],
      [{ ...ok, address: 'sip.example.com' }, ['address']],
      [{ ...ok, address: 'sip.example.com:70000' }, ['address']],
      [{ ...ok, address: '2001:db8::1:5060' }, ['address']],
      [{ ...ok, address: '-bad-.example:5060' }, ['address']],
      [{ ...ok, transport: 'sctp' }, ['transport']],
      [{ ...ok, allowedDestinationPrefixes: ['+86', '86x'] }, ['allowedDestinationPrefixes.1']],
      [{ ...ok, headers: { 'X-Evil': 'a\r\nVia: injected' } }, ['headers.X-Evil']],
      [{ ...ok, headers: { Via: 'SIP/2.0/UDP evil' } }, ['headers.Via']],
      [{ ...ok, numbers: ['not-a-number'] }, ['numbers.0']],
      [{ ...ok, extra: true }, ['extra']],
    ];
    for (const [payload, fields] of cases) {
      const res = await inject('POST', '/v1/trunks/outbound', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(issueFields(res.json()), JSON.stringify(payload)).toEqual(fields);
    }
    const patch = await inject('PATCH', '/v1/trunks/outbound/tro_x', { transport: 'ws' });
    expect(patch.statusCode).toBe(400);
  });
});
