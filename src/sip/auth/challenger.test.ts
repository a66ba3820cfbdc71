import { describe, expect, it } from 'vitest';
import { SipHeaders } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import { formatAuthHeader, parseAuthHeader } from './auth-header.js';
import { DigestChallenger, uriMatches } from './challenger.js';
import type { DigestChallengerOptions, DigestSecret } from './challenger.js';
import { DigestClient } from './client.js';
import { computeDigestResponse, computeHa1 } from './digest.js';

const REALM = 'example.com';
const users: Record<string, string> = { alice: 'wonderland', bob: 'builder' };

function request(method = 'REGISTER', uri = 'sip:example.com'): SipRequest {
  return {
    kind: 'request',
    version: 'SIP/2.0',
    method,
    uri,
    headers: SipHeaders.from([
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-first;rport'],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.com>;tag=abc'],
      ['To', '<sip:alice@example.com>'],
      ['Call-ID', 'call-1@192.0.2.10'],
      ['CSeq', `1 ${method}`],
      ['Contact', '<sip:alice@192.0.2.10:5060>'],
    ]),
    body: Buffer.alloc(0),
  };
}

function challengeResponse(values: string[], status = 401): SipResponse {
  const name = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: 'Unauthorized',
    headers: SipHeaders.from(values.map((v): [string, string] => [name, v])),
    body: Buffer.alloc(0),
  };
}

function setup(extra: Partial<DigestChallengerOptions> = {}) {
  const clock = { t: 1_700_000_000_000 };
  const challenger = new DigestChallenger({
    realm: REALM,
    secret: 'test-secret',
    now: () => clock.t,
    lookup: (username): DigestSecret | undefined => {
      const password = users[username];
      return password === undefined ? undefined : { password };
    },
    ...extra,
  });
  return { clock, challenger };
}

/** Runs the 401 exchange and returns the authorized request. */
function authorized(
  challenger: DigestChallenger,
  password = 'wonderland',
  req: SipRequest = request(),
): SipRequest {
  const client = new DigestClient({ username: 'alice', password });
  const retry = client.authorize(req, challengeResponse(challenger.challengeHeaders()));
  if (!retry) throw new Error('client refused the challenge');
  return retry;
}

function credentialParams(req: SipRequest, header = 'Authorization'): Map<string, string> {
  const line = req.headers.get(header);
  if (!line) throw new Error(`no ${header}`);
  return parseAuthHeader(line)[0]?.params ?? new Map();
}

/** Re-signs credentials with changed parameters, as a client with the right password would. */
function resign(req: SipRequest, changes: Record<string, string>, password = 'wonderland') {
  const p = new Map([...credentialParams(req), ...Object.entries(changes)]);
  const algorithm = p.get('algorithm') === 'MD5' ? 'MD5' : 'SHA-256';
  const get = (k: string) => p.get(k) ?? '';
  p.set(
    'response',
    computeDigestResponse({
      algorithm: { algorithm, session: false },
      ha1: computeHa1(algorithm, get('username'), get('realm'), password),
      nonce: get('nonce'),
      method: req.method,
      uri: get('uri'),
      qop: 'auth',
      nc: get('nc'),
      cnonce: get('cnonce'),
    }),
  );
  const tokens = new Set(['algorithm', 'qop', 'nc']);
  const value = formatAuthHeader(
    'Digest',
    [...p].map(([name, v]) => ({ name, value: v, quoted: !tokens.has(name) })),
  );
  const copy = { ...req, headers: req.headers.clone() };
  copy.headers.set('Authorization', value);
  return copy;
}

describe('DigestChallenger.challengeHeaders', () => {
  it('offers SHA-256 then MD5 with qop=auth and one shared nonce', () => {
    const { challenger } = setup();
    const values = challenger.challengeHeaders().map((v) => parseAuthHeader(v)[0]!);
    expect(values.map((v) => v.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
    for (const v of values) {
      expect(v.scheme).toBe('Digest');
      expect(v.params.get('realm')).toBe(REALM);
      expect(v.params.get('qop')).toBe('auth');
      expect(v.params.has('stale')).toBe(false);
    }
    expect(values[0]?.params.get('nonce')).toBe(values[1]?.params.get('nonce'));
    expect(challenger.challengeHeaders({ stale: true })[0]).toMatch(/stale=TRUE$/);
  });

  it('issues a new nonce per challenge', () => {
    const { challenger } = setup();
    const nonce = () => parseAuthHeader(challenger.challengeHeaders()[0]!)[0]?.params.get('nonce');
    expect(nonce()).not.toBe(nonce());
  });
});

describe('DigestChallenger.verify', () => {
  it('accepts a client that answered its challenge (SHA-256 chosen)', async () => {
    const { challenger } = setup();
    const req = authorized(challenger);
    expect(credentialParams(req).get('algorithm')).toBe('SHA-256');
    expect(await challenger.verify(req, false)).toEqual({ ok: true, username: 'alice' });
  });

  it('accepts MD5 when only MD5 is offered, and precomputed HA1', async () => {
    const ha1 = computeHa1('MD5', 'alice', REALM, 'wonderland');
    const { challenger } = setup({ algorithms: ['MD5'], lookup: () => ({ ha1 }) });
    const req = authorized(challenger);
    expect(credentialParams(req).get('algorithm')).toBe('MD5');
    expect(await challenger.verify(req, false)).toEqual({ ok: true, username: 'alice' });
  });

  it('refuses SHA-256 when the lookup only has an MD5 HA1', async () => {
    const ha1 = computeHa1('MD5', 'alice', REALM, 'wonderland');
    const { challenger } = setup({ lookup: () => ({ ha1 }) });
    expect(await challenger.verify(authorized(challenger), false)).toMatchObject({
      ok: false,
      reason: 'no credentials for algorithm',
    });
  });

  it('accepts an HA1 record per algorithm', async () => {
    const ha1 = { 'SHA-256': computeHa1('SHA-256', 'alice', REALM, 'wonderland') };
    const { challenger } = setup({ lookup: () => ({ ha1 }) });
    expect((await challenger.verify(authorized(challenger), false)).ok).toBe(true);
  });

  it('rejects a wrong password without stale', async () => {
    const { challenger } = setup();
    const result = await challenger.verify(authorized(challenger, 'guess'), false);
    expect(result).toEqual({ ok: false, stale: false, reason: 'wrong credentials' });
  });

  it('rejects unknown users and missing credentials', async () => {
    const { challenger } = setup();
    const client = new DigestClient({ username: 'mallory', password: 'x' });
    const req = client.authorize(request(), challengeResponse(challenger.challengeHeaders()));
    expect(await challenger.verify(req!, false)).toMatchObject({
      ok: false,
      reason: 'unknown user',
    });
    expect(await challenger.verify(request(), false)).toEqual({
      ok: false,
      stale: false,
      reason: 'no credentials',
    });
  });

  it('reports stale for an expired nonce with correct credentials', async () => {
    const { challenger, clock } = setup({ nonceTtlMs: 60_000 });
    const req = authorized(challenger);
    clock.t += 60_001;
    expect(await challenger.verify(req, false)).toEqual({
      ok: false,
      stale: true,
      reason: 'stale nonce',
    });
  });

  it('reports wrong credentials, not stale, for an expired nonce with a wrong password', async () => {
    const { challenger, clock } = setup({ nonceTtlMs: 60_000 });
    const req = authorized(challenger, 'guess');
    clock.t += 120_000;
    expect(await challenger.verify(req, false)).toMatchObject({ stale: false });
  });

  it('treats a correct digest over a nonce from another secret as stale (restart)', async () => {
    const before = setup({ secret: 'old-secret' }).challenger;
    const { challenger } = setup({ secret: 'new-secret' });
    expect(await challenger.verify(authorized(before), false)).toMatchObject({
      ok: false,
      stale: true,
    });
  });

  it('rejects a replayed nonce-count and accepts a higher one', async () => {
    const { challenger } = setup();
    const req = authorized(challenger);
    expect((await challenger.verify(req, false)).ok).toBe(true);
    expect(await challenger.verify(req, false)).toEqual({
      ok: false,
      stale: false,
      reason: 'nonce-count replay',
    });
    expect((await challenger.verify(resign(req, { nc: '00000003' }), false)).ok).toBe(true);
    expect((await challenger.verify(resign(req, { nc: '00000002' }), false)).ok).toBe(false);
  });

  it('does not let a failed attempt raise the nonce-count', async () => {
    const { challenger } = setup();
    const good = authorized(challenger);
    const forged = resign(good, { nc: '000000ff' }, 'guess');
    expect((await challenger.verify(forged, false)).ok).toBe(false);
    expect((await challenger.verify(good, false)).ok).toBe(true);
  });

  it('checks the uri parameter against the Request-URI', async () => {
    const { challenger } = setup();
    const req = authorized(challenger, 'wonderland', request('REGISTER', 'sip:EXAMPLE.com'));
    expect((await challenger.verify({ ...req, uri: 'sip:example.com' }, false)).ok).toBe(true);
    const other = authorized(challenger);
    expect(await challenger.verify({ ...other, uri: 'sip:other.example' }, false)).toMatchObject({
      ok: false,
      reason: 'uri mismatch',
    });
  });

  it('picks the credentials of its own realm among several', async () => {
    const { challenger } = setup();
    const req = authorized(challenger);
    req.headers.prepend('Authorization', 'Digest realm="elsewhere", username="x", nonce="n"');
    expect((await challenger.verify(req, false)).ok).toBe(true);
    const foreign = request();
    foreign.headers.append('Authorization', 'Digest realm="elsewhere", username="alice"');
    expect(await challenger.verify(foreign, false)).toMatchObject({
      reason: 'no credentials for realm',
    });
  });

  it('reads Proxy-Authorization when proxy is true', async () => {
    const { challenger } = setup();
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const resp = challengeResponse(challenger.challengeHeaders(), 407);
    const req = client.authorize(request('INVITE', 'sip:bob@example.com'), resp)!;
    expect(req.headers.has('Authorization')).toBe(false);
    expect((await challenger.verify(req, true)).ok).toBe(true);
    expect((await challenger.verify(req, false)).ok).toBe(false);
  });

  it('requires qop unless RFC 2069 compatibility is enabled (MD5 only)', async () => {
    const noQop = 'Digest realm="example.com", nonce="NONCE", algorithm=MD5';
    const answer = (challenger: DigestChallenger) => {
      const nonce = parseAuthHeader(challenger.challengeHeaders()[0]!)[0]!.params.get('nonce')!;
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      return client.authorize(request(), challengeResponse([noQop.replace('NONCE', nonce)]))!;
    };
    const strict = setup({ algorithms: ['MD5'] }).challenger;
    expect(await strict.verify(answer(strict), false)).toMatchObject({ reason: 'qop required' });
    const lenient = setup({ algorithms: ['MD5'], acceptRfc2069: true }).challenger;
    expect(await lenient.verify(answer(lenient), false)).toEqual({ ok: true, username: 'alice' });
  });

  it('rejects algorithms it did not offer and malformed credentials', async () => {
    const { challenger } = setup({ algorithms: ['SHA-256'] });
    const md5 = authorized(setup({ algorithms: ['MD5'] }).challenger);
    expect(await challenger.verify(md5, false)).toMatchObject({ reason: 'unsupported algorithm' });
    const req = request();
    req.headers.append('Authorization', 'Digest realm="example.com", username="alice"');
    expect(await challenger.verify(req, false)).toMatchObject({ reason: 'malformed credentials' });
    const bad = authorized(challenger);
    expect(await challenger.verify(resign(bad, { nc: 'zz' }), false)).toMatchObject({
      reason: 'malformed credentials',
    });
  });
});

describe('uriMatches', () => {
  it('compares SIP URIs by their parts', () => {
    expect(uriMatches('sip:a@Example.com;transport=TCP', 'sip:a@example.com;transport=tcp')).toBe(
      true,
    );
    expect(uriMatches('sip:a@example.com', 'sip:a@example.com:5060')).toBe(false);
    expect(uriMatches('sip:a@example.com', 'sip:b@example.com')).toBe(false);
    expect(uriMatches('sip:a@example.com', 'sips:a@example.com')).toBe(false);
  });
});
