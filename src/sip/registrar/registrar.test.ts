import { describe, expect, it } from 'vitest';
import { SipHeaders, parseMessage, serializeMessage } from '../message/index.js';
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { DigestChallenger, DigestClient } from '../auth/index.js';
import type { RegistrarAuthenticator } from './registrar.js';
import { MemoryRegistrationStore } from './memory-store.js';
import { Registrar } from './registrar.js';
import type { RegistrarOptions } from './registrar.js';
import type { RegistrationChange } from './types.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const SOURCE: TransportEndpoint = {
  protocol: 'tcp',
  host: '198.51.100.7',
  port: 40000,
  connectionId: 'c1',
};

interface RegisterInit {
  user?: string;
  domain?: string;
  contacts?: string[];
  expires?: string;
  callId?: string;
  cseq?: number;
  extra?: Array<[string, string]>;
}

function register(init: RegisterInit = {}): SipRequest {
  const user = init.user ?? 'alice';
  const domain = init.domain ?? 'example.com';
  const headers: Array<[string, string]> = [
    ['Via', 'SIP/2.0/TCP 198.51.100.7:40000;branch=z9hG4bK-reg'],
    ['Max-Forwards', '70'],
    ['From', `<sip:${user}@${domain}>;tag=f1`],
    ['To', `<sip:${user}@${domain}>`],
    ['Call-ID', init.callId ?? 'reg-1'],
    ['CSeq', `${init.cseq ?? 1} REGISTER`],
    ['User-Agent', 'TestPhone/1.0'],
    ...(init.contacts ?? ['<sip:alice@198.51.100.7:40000;transport=tcp>']).map(
      (c): [string, string] => ['Contact', c],
    ),
    ...(init.expires !== undefined ? [['Expires', init.expires] as [string, string]] : []),
    ...(init.extra ?? []),
  ];
  return {
    kind: 'request',
    version: 'SIP/2.0',
    method: 'REGISTER',
    uri: `sip:${domain}`,
    headers: SipHeaders.from(headers),
    body: Buffer.alloc(0),
    source: SOURCE,
  };
}

function setup(options: Partial<RegistrarOptions> = {}) {
  const clock = { t: T0 };
  const changes: RegistrationChange[] = [];
  const store = new MemoryRegistrationStore();
  const registrar = new Registrar({
    store,
    now: () => clock.t,
    onChange: (c) => changes.push(c),
    ...options,
  });
  return { clock, registrar, store, changes };
}

function contacts(res: SipResponse): string[] {
  return res.headers.getAll('Contact');
}

describe('Registrar.handle', () => {
  it('registers a contact and answers 200 with the binding, Date and a To tag', async () => {
    const { registrar, changes } = setup();
    const res = await registrar.handle(register());
    expect(res.status).toBe(200);
    expect(contacts(res)).toEqual(['<sip:alice@198.51.100.7:40000;transport=tcp>;expires=3600']);
    expect(res.headers.get('Date')).toBe('Wed, 01 Jan 2025 12:00:00 GMT');
    expect(res.headers.get('To')).toMatch(/;tag=/);
    expect(res.headers.get('Call-ID')).toBe('reg-1');
    const [binding] = await registrar.lookup('sip:alice@example.com');
    expect(binding).toMatchObject({
      contact: 'sip:alice@198.51.100.7:40000;transport=tcp',
      expiresAt: T0 + 3_600_000,
      q: 1,
      callId: 'reg-1',
      cseq: 1,
      source: SOURCE,
      userAgent: 'TestPhone/1.0',
    });
    expect(changes.map((c) => [c.type, c.aor])).toEqual([['added', 'sip:alice@example.com']]);
  });

  it('refreshes a binding with a later CSeq and reports the remaining time', async () => {
    const { registrar, clock, changes } = setup();
    await registrar.handle(register({ expires: '600' }));
    clock.t += 100_000;
    const res = await registrar.handle(register({ expires: '600', cseq: 2 }));
    expect(contacts(res)).toEqual(['<sip:alice@198.51.100.7:40000;transport=tcp>;expires=600']);
    expect(await registrar.lookup('alice@example.com')).toHaveLength(1);
    expect(changes.map((c) => c.type)).toEqual(['added', 'refreshed']);
  });

  it('matches contacts by URI equality, not text', async () => {
    const { registrar } = setup();
    await registrar.handle(register({ contacts: ['<sip:alice@HOST.example;transport=TCP>'] }));
    await registrar.handle(
      register({ contacts: ['"Alice" <sip:alice@host.example;transport=tcp>'], cseq: 2 }),
    );
    expect(await registrar.lookup('sip:alice@example.com')).toHaveLength(1);
  });

  it('removes one binding with expires=0 and keeps the others', async () => {
    const { registrar, changes } = setup();
    await registrar.handle(
      register({ contacts: ['<sip:a@192.0.2.1>', '<sip:a@192.0.2.2>'], expires: '300' }),
    );
    const res = await registrar.handle(
      register({ contacts: ['<sip:a@192.0.2.1>;expires=0'], cseq: 2 }),
    );
    expect(contacts(res)).toEqual(['<sip:a@192.0.2.2>;expires=300']);
    expect(changes.map((c) => c.type)).toEqual(['added', 'added', 'removed']);
  });

  it('removes every binding for Contact: * with Expires: 0', async () => {
    const { registrar, changes } = setup();
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.1>', '<sip:a@192.0.2.2>'] }));
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.3>'], callId: 'other' }));
    const res = await registrar.handle(register({ contacts: ['*'], expires: '0', cseq: 5 }));
    expect(res.status).toBe(200);
    expect(contacts(res)).toEqual([]);
    expect(await registrar.lookup('sip:alice@example.com')).toEqual([]);
    expect(changes.filter((c) => c.type === 'removed')).toHaveLength(3);
  });

  it('answers 400 for a wildcard with other contacts or a non-zero Expires', async () => {
    const { registrar } = setup();
    expect((await registrar.handle(register({ contacts: ['*'], expires: '60' }))).status).toBe(400);
    expect((await registrar.handle(register({ contacts: ['*'] }))).status).toBe(400);
    expect(
      (await registrar.handle(register({ contacts: ['*', '<sip:a@192.0.2.1>'], expires: '0' })))
        .status,
    ).toBe(400);
  });

  it('answers 400 for malformed Expires and q values', async () => {
    const { registrar } = setup();
    expect((await registrar.handle(register({ expires: 'soon' }))).status).toBe(400);
    expect((await registrar.handle(register({ contacts: ['<sip:a@h>;expires=x'] }))).status).toBe(
      400,
    );
    expect((await registrar.handle(register({ contacts: ['<sip:a@h>;q=1.5'] }))).status).toBe(400);
  });

  it('answers 423 with Min-Expires for a too short interval and changes nothing', async () => {
    const { registrar } = setup({ minExpiresS: 120 });
    const res = await registrar.handle(
      register({ contacts: ['<sip:a@192.0.2.1>', '<sip:a@192.0.2.2>;expires=30'] }),
    );
    expect(res.status).toBe(423);
    expect(res.headers.get('Min-Expires')).toBe('120');
    expect(await registrar.lookup('sip:alice@example.com')).toEqual([]);
  });

  it('caps the interval at maxExpires and uses the default when none is given', async () => {
    const { registrar } = setup({ maxExpiresS: 1800, defaultExpiresS: 900 });
    const res = await registrar.handle(
      register({ contacts: ['<sip:a@192.0.2.1>;expires=86400', '<sip:a@192.0.2.2>'] }),
    );
    expect(contacts(res)).toEqual([
      '<sip:a@192.0.2.1>;expires=1800',
      '<sip:a@192.0.2.2>;expires=900',
    ]);
  });

  it('keeps several bindings and returns them by q descending', async () => {
    const { registrar } = setup();
    const res = await registrar.handle(
      register({
        contacts: ['<sip:a@192.0.2.1>;q=0.1', '<sip:a@192.0.2.2>', '<sip:a@192.0.2.3>;q=0.7'],
      }),
    );
    expect(contacts(res)).toContain('<sip:a@192.0.2.1>;expires=3600;q=0.1');
    const found = await registrar.lookup('sip:alice@example.com');
    expect(found.map((b) => [b.contact, b.q])).toEqual([
      ['sip:a@192.0.2.2', 1],
      ['sip:a@192.0.2.3', 0.7],
      ['sip:a@192.0.2.1', 0.1],
    ]);
  });

  it('answers a query (no Contact) with the current bindings', async () => {
    const { registrar, changes } = setup();
    await registrar.handle(register());
    const res = await registrar.handle(register({ contacts: [], cseq: 2 }));
    expect(res.status).toBe(200);
    expect(contacts(res)).toHaveLength(1);
    expect(changes).toHaveLength(1);
  });

  it('refuses an out-of-order CSeq within the same Call-ID with 500', async () => {
    const { registrar } = setup();
    await registrar.handle(register({ cseq: 5 }));
    const stale = await registrar.handle(register({ cseq: 5, expires: '0' }));
    expect(stale.status).toBe(500);
    expect(
      (await registrar.handle(register({ cseq: 4, contacts: ['*'], expires: '0' }))).status,
    ).toBe(500);
    expect(await registrar.lookup('sip:alice@example.com')).toHaveLength(1);
    // A different Call-ID (a rebooted phone) may overwrite regardless of CSeq.
    const reboot = await registrar.handle(register({ cseq: 1, callId: 'reg-2', expires: '0' }));
    expect(reboot.status).toBe(200);
    expect(await registrar.lookup('sip:alice@example.com')).toEqual([]);
  });

  it('expires bindings by the injected clock, lazily and through prune()', async () => {
    const { registrar, clock, store, changes } = setup();
    await registrar.handle(register({ user: 'alice', expires: '60' }));
    await registrar.handle(register({ user: 'bob', expires: '120', callId: 'b' }));
    clock.t += 59_000;
    expect(await registrar.lookup('sip:alice@example.com')).toHaveLength(1);
    clock.t += 1_000;
    expect(await registrar.lookup('sip:alice@example.com')).toEqual([]);
    expect(changes.at(-1)).toMatchObject({ type: 'expired', aor: 'sip:alice@example.com' });
    expect((await store.all()).has('sip:alice@example.com')).toBe(false);
    clock.t += 60_000;
    expect(await registrar.prune()).toBe(1);
    expect(await store.all()).toEqual(new Map());
    expect(await registrar.prune()).toBe(0);
  });

  it('normalises AOR keys', async () => {
    const { registrar, store } = setup();
    const req = register({ domain: 'Example.COM' });
    req.headers.set('To', '<sips:alice@Example.COM:5061;transport=tls>');
    await registrar.handle(req);
    expect([...(await store.all()).keys()]).toEqual(['sip:alice@example.com']);
    expect(await registrar.lookup('sips:alice@EXAMPLE.com;user=phone')).toHaveLength(1);
    expect(await registrar.lookup('sip:bob@example.com')).toEqual([]);
    expect(await registrar.lookup('sip:<<bad')).toEqual([]);
  });

  it('drops the bindings closest to expiry beyond maxBindingsPerAor', async () => {
    const { registrar } = setup({ maxBindingsPerAor: 2 });
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.1>;expires=100'] }));
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.2>;expires=200'], callId: 'x' }));
    await registrar.handle(register({ contacts: ['<sip:a@192.0.2.3>;expires=300'], callId: 'y' }));
    const found = await registrar.lookup('sip:alice@example.com');
    expect(found.map((b) => b.contact).sort()).toEqual(['sip:a@192.0.2.2', 'sip:a@192.0.2.3']);
  });

  it('checks the domain, the scheme, the user and Require', async () => {
    const { registrar } = setup({ domains: ['example.com'] });
    expect((await registrar.handle(register({ domain: 'EXAMPLE.com' }))).status).toBe(200);
    expect((await registrar.handle(register({ domain: 'evil.example' }))).status).toBe(404);
    const tel = register();
    tel.headers.set('To', '<tel:+15551234>');
    expect((await registrar.handle(tel)).status).toBe(416);
    const noUser = register();
    noUser.headers.set('To', '<sip:example.com>');
    expect((await registrar.handle(noUser)).status).toBe(404);
    const req = await registrar.handle(register({ extra: [['Require', 'path, gruu']] }));
    expect(req.status).toBe(420);
    expect(req.headers.get('Unsupported')).toBe('path, gruu');
    expect((await registrar.handle({ ...register(), method: 'INVITE' })).status).toBe(405);
  });

  it('serialises concurrent REGISTERs for one AOR', async () => {
    const { registrar } = setup();
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        registrar.handle(register({ contacts: [`<sip:a@192.0.2.${n}>`], callId: `c${n}` })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await registrar.lookup('sip:alice@example.com')).toHaveLength(4);
  });

  it('keeps working when a change listener throws, and unsubscribes', async () => {
    const { registrar } = setup();
    const seen: string[] = [];
    const off = registrar.onChange(() => {
      throw new Error('listener failure');
    });
    const off2 = registrar.onChange((c) => seen.push(c.type));
    expect((await registrar.handle(register())).status).toBe(200);
    off();
    off2();
    await registrar.handle(register({ cseq: 2 }));
    expect(seen).toEqual(['added']);
  });
});

describe('Registrar with digest authentication', () => {
  function authSetup() {
    const clock = { t: T0 };
    const challenger = new DigestChallenger({
      realm: 'example.com',
      secret: 's3cret',
      nonceTtlMs: 60_000,
      now: () => clock.t,
      lookup: (username) =>
        username === 'alice' || username === 'bob' ? { password: `${username}-pw` } : undefined,
    });
    const registrar = new Registrar({
      store: new MemoryRegistrationStore(),
      challenger,
      now: () => clock.t,
    });
    return { clock, registrar };
  }

  it('works over the wire: serialized, re-parsed requests and responses', async () => {
    const { registrar } = authSetup();
    const wire = <T extends SipRequest | SipResponse>(m: T): T =>
      parseMessage(serializeMessage(m)) as T;
    const first = wire(register({ contacts: ['<sip:a@192.0.2.1>;q=0.5', '<sip:a@192.0.2.2>'] }));
    const challenge = wire(await registrar.handle(first));
    const client = new DigestClient({ username: 'alice', password: 'alice-pw' });
    const ok = wire(await registrar.handle(wire(client.authorize(first, challenge)!)));
    expect(ok.status).toBe(200);
    expect(contacts(ok)).toEqual([
      '<sip:a@192.0.2.1>;expires=3600;q=0.5',
      '<sip:a@192.0.2.2>;expires=3600',
    ]);
  });

  it('challenges, then accepts the authorized retry', async () => {
    const { registrar } = authSetup();
    const first = register();
    const challenge = await registrar.handle(first);
    expect(challenge.status).toBe(401);
    const www = challenge.headers.getLines('WWW-Authenticate');
    expect(www).toHaveLength(2);
    expect(www[0]).toMatch(/algorithm=SHA-256/);
    expect(www[1]).toMatch(/algorithm=MD5/);
    const client = new DigestClient({ username: 'alice', password: 'alice-pw' });
    const retry = client.authorize(first, challenge)!;
    const ok = await registrar.handle({ ...retry, source: SOURCE });
    expect(ok.status).toBe(200);
    expect(await registrar.lookup('sip:alice@example.com')).toHaveLength(1);
  });

  it('challenges again on a wrong password and the client gives up', async () => {
    const { registrar } = authSetup();
    const client = new DigestClient({ username: 'alice', password: 'nope' });
    const first = register();
    const retry = client.authorize(first, await registrar.handle(first))!;
    const again = await registrar.handle(retry);
    expect(again.status).toBe(401);
    expect(again.headers.get('WWW-Authenticate')).not.toMatch(/stale/);
    expect(client.authorize(retry, again)).toBeUndefined();
    expect(await registrar.lookup('sip:alice@example.com')).toEqual([]);
  });

  it('answers a stale nonce with stale=TRUE and the client retries', async () => {
    const { registrar, clock } = authSetup();
    const client = new DigestClient({ username: 'alice', password: 'alice-pw' });
    const first = register();
    const retry = client.authorize(first, await registrar.handle(first))!;
    clock.t += 61_000;
    const stale = await registrar.handle(retry);
    expect(stale.status).toBe(401);
    expect(stale.headers.get('WWW-Authenticate')).toMatch(/stale=TRUE/);
    const third = client.authorize(retry, stale)!;
    expect((await registrar.handle(third)).status).toBe(200);
  });

  it('answers 403 when the authenticated user is not the To user', async () => {
    const { registrar } = authSetup();
    const client = new DigestClient({ username: 'bob', password: 'bob-pw' });
    const first = register({ user: 'alice' });
    const retry = client.authorize(first, await registrar.handle(first))!;
    expect((await registrar.handle(retry)).status).toBe(403);
  });

  it('fails an unknown user like a wrong password', async () => {
    const { registrar } = authSetup();
    const client = new DigestClient({ username: 'mallory', password: 'x' });
    const first = register({ user: 'mallory' });
    const retry = client.authorize(first, await registrar.handle(first))!;
    expect((await registrar.handle(retry)).status).toBe(401);
  });

  it('accepts any authenticator with verify and challengeHeaders', async () => {
    const stub: RegistrarAuthenticator = {
      verify: async () => ({ ok: true, username: 'alice' }),
      challengeHeaders: () => ['Digest realm="x", nonce="y"'],
    };
    const registrar = new Registrar({ store: new MemoryRegistrationStore(), challenger: stub });
    expect((await registrar.handle(register())).status).toBe(200);
  });
});
