import { describe, expect, it } from 'vitest';
import { SipHeaders } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import { parseAuthHeader } from './auth-header.js';
import { DigestClient } from './client.js';

function request(method: string, uri: string, extra: Array<[string, string]> = []): SipRequest {
  return {
    kind: 'request',
    version: 'SIP/2.0',
    method,
    uri,
    headers: SipHeaders.from([
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-first;rport'],
      ['Via', 'SIP/2.0/TCP 192.0.2.99;branch=z9hG4bK-below'],
      ['From', '<sip:alice@example.com>;tag=abc'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'call-1@192.0.2.10'],
      ['CSeq', `7 ${method}`],
      ...extra,
    ]),
    body: Buffer.alloc(0),
  };
}

function challenge(values: string[], status = 401): SipResponse {
  const name = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: status === 401 ? 'Unauthorized' : 'Proxy Authentication Required',
    headers: SipHeaders.from(values.map((v): [string, string] => [name, v])),
    body: Buffer.alloc(0),
  };
}

function params(req: SipRequest | undefined, header = 'Authorization'): Map<string, string> {
  const line = req?.headers.get(header);
  if (!line) throw new Error(`no ${header}`);
  return parseAuthHeader(line)[0]!.params;
}

const RFC2617_CHALLENGE =
  'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
  'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

describe('DigestClient', () => {
  it('reproduces the RFC 2617 §3.5 worked example', () => {
    const client = new DigestClient({
      username: 'Mufasa',
      password: 'Circle Of Life',
      cnonce: () => '0a4f113b',
    });
    const retry = client.authorize(
      request('GET', '/dir/index.html'),
      challenge([RFC2617_CHALLENGE]),
    );
    const p = params(retry);
    expect(p.get('response')).toBe('6629fae49393a05397450978507c4ef1');
    expect(p.get('username')).toBe('Mufasa');
    expect(p.get('uri')).toBe('/dir/index.html');
    expect(p.get('qop')).toBe('auth');
    expect(p.get('nc')).toBe('00000001');
    expect(p.get('cnonce')).toBe('0a4f113b');
    expect(p.get('opaque')).toBe('5ccc069c403ebaf9f0171e9517f40e41');
    expect(p.has('algorithm')).toBe(false);
    expect(retry!.headers.get('Authorization')).toMatch(/qop=auth, nc=00000001/);
  });

  it('prefers SHA-256 over MD5 and reproduces the RFC 7616 §3.9.1 example', () => {
    const common =
      'realm="http-auth@example.org", qop="auth, auth-int", ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const client = new DigestClient({
      username: 'Mufasa',
      password: 'Circle of Life',
      cnonce: () => 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    const retry = client.authorize(
      request('GET', '/dir/index.html'),
      challenge([`Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`]),
    );
    const p = params(retry);
    expect(p.get('algorithm')).toBe('SHA-256');
    expect(p.get('response')).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('copies the request: CSeq + 1, same Call-ID and From tag, new top Via branch only', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const original = request('INVITE', 'sip:bob@example.com');
    original.body = Buffer.from('v=0\r\n');
    const retry = client.authorize(original, challenge(['Digest realm="r", nonce="n"']))!;
    expect(retry.headers.get('CSeq')).toBe('8 INVITE');
    expect(retry.headers.get('Call-ID')).toBe('call-1@192.0.2.10');
    expect(retry.headers.get('From')).toBe('<sip:alice@example.com>;tag=abc');
    const vias = retry.headers.getLines('Via');
    expect(vias).toHaveLength(2);
    expect(vias[0]).toMatch(/^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;/);
    expect(vias[0]).toMatch(/branch=z9hG4bK/);
    expect(vias[0]).not.toMatch(/z9hG4bK-first/);
    expect(vias[1]).toBe('SIP/2.0/TCP 192.0.2.99;branch=z9hG4bK-below');
    expect(retry.body.toString()).toBe('v=0\r\n');
    // The original is untouched.
    expect(original.headers.get('CSeq')).toBe('7 INVITE');
    expect(original.headers.has('Authorization')).toBe(false);
  });

  it('answers without qop when the challenge offers none', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const p = params(
      client.authorize(request('REGISTER', 'sip:r'), challenge(['Digest realm="r", nonce="n"'])),
    );
    expect(p.has('qop')).toBe(false);
    expect(p.has('nc')).toBe(false);
    expect(p.has('cnonce')).toBe(false);
  });

  it('answers a 407 with Proxy-Authorization and keeps credentials for other realms', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const req = request('INVITE', 'sip:bob@example.com', [
      ['Authorization', 'Digest realm="uas", username="alice", nonce="x", uri="u", response="r"'],
    ]);
    const retry = client.authorize(req, challenge(['Digest realm="proxy", nonce="p"'], 407));
    expect(params(retry, 'Proxy-Authorization').get('realm')).toBe('proxy');
    expect(params(retry).get('realm')).toBe('uas');
  });

  it('gives up when credentials it sent are challenged again without stale', () => {
    const client = new DigestClient({ username: 'alice', password: 'wrong' });
    const first = client.authorize(
      request('REGISTER', 'sip:r'),
      challenge(['Digest realm="r", nonce="n1", qop="auth"']),
    )!;
    expect(
      client.authorize(first, challenge(['Digest realm="r", nonce="n2", qop="auth"'])),
    ).toBeUndefined();
  });

  it('retries on a stale challenge, replacing the old credentials, but not on the same nonce', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const first = client.authorize(
      request('REGISTER', 'sip:r'),
      challenge(['Digest realm="r", nonce="n1", qop="auth"']),
    )!;
    const second = client.authorize(
      first,
      challenge(['Digest realm="r", nonce="n2", qop="auth", stale=TRUE']),
    )!;
    expect(second.headers.getLines('Authorization')).toHaveLength(1);
    expect(params(second).get('nonce')).toBe('n2');
    expect(second.headers.get('CSeq')).toBe('9 REGISTER');
    expect(
      client.authorize(second, challenge(['Digest realm="r", nonce="n2", qop="auth", stale=true'])),
    ).toBeUndefined();
  });

  it('gives up on a nonce it already answered unless stale, and counts nc per nonce', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const c = 'Digest realm="r", nonce="n1", qop="auth"';
    expect(params(client.authorize(request('REGISTER', 'sip:r'), challenge([c]))).get('nc')).toBe(
      '00000001',
    );
    expect(client.authorize(request('REGISTER', 'sip:r'), challenge([c]))).toBeUndefined();
    const again = client.authorize(request('REGISTER', 'sip:r'), challenge([`${c}, stale=true`]));
    expect(params(again).get('nc')).toBe('00000002');
  });

  it('returns undefined for unusable challenges', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw', realm: 'mine' });
    const req = request('REGISTER', 'sip:r');
    expect(client.authorize(req, challenge(['Digest realm="other", nonce="n"']))).toBeUndefined();
    expect(
      client.authorize(req, challenge(['Digest realm="mine", nonce="n", algorithm=SHA-1'])),
    ).toBeUndefined();
    expect(
      client.authorize(req, challenge(['Digest realm="mine", nonce="n", qop="auth-conf"'])),
    ).toBeUndefined();
    expect(client.authorize(req, challenge(['Basic realm="mine"']))).toBeUndefined();
    expect(client.authorize(req, { ...challenge([]), status: 403 })).toBeUndefined();
  });

  it('supports -sess algorithms, auth-int and userhash', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw', cnonce: () => 'cn' });
    const p = params(
      client.authorize(
        request('REGISTER', 'sip:r'),
        challenge([
          'Digest realm="r", nonce="n", qop="auth-int", algorithm=SHA-256-sess, userhash=true',
        ]),
      ),
    );
    expect(p.get('algorithm')).toBe('SHA-256-sess');
    expect(p.get('qop')).toBe('auth-int');
    expect(p.get('userhash')).toBe('true');
    expect(p.get('username')).toMatch(/^[0-9a-f]{64}$/);
  });
});
