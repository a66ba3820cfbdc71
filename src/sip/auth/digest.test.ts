import { describe, expect, it } from 'vitest';
import {
  algorithmName,
  computeDigestResponse,
  computeHa1,
  digestEquals,
  digestHash,
  resolveAlgorithm,
} from './digest.js';

describe('resolveAlgorithm', () => {
  it('defaults to MD5 and understands -sess and case variants', () => {
    expect(resolveAlgorithm(undefined)).toEqual({ algorithm: 'MD5', session: false });
    expect(resolveAlgorithm('sha-256')).toEqual({ algorithm: 'SHA-256', session: false });
    expect(resolveAlgorithm('MD5-sess')).toEqual({ algorithm: 'MD5', session: true });
    expect(resolveAlgorithm('SHA-512-256-SESS')).toEqual({
      algorithm: 'SHA-512-256',
      session: true,
    });
    expect(resolveAlgorithm('SHA-1')).toBeUndefined();
    expect(algorithmName({ algorithm: 'SHA-256', session: true })).toBe('SHA-256-sess');
  });
});

describe('computeDigestResponse', () => {
  it('reproduces the RFC 2617 §3.5 example (Mufasa / Circle Of Life)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const response = computeDigestResponse({
      algorithm: { algorithm: 'MD5', session: false },
      ha1,
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth' as const,
    nc: '00000001',
  };

  it('reproduces the RFC 7616 §3.9.1 SHA-256 example', () => {
    const ha1 = computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    const response = computeDigestResponse({
      ...rfc7616,
      algorithm: { algorithm: 'SHA-256', session: false },
      ha1,
    });
    expect(response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('reproduces the RFC 7616 §3.9.1 MD5 example', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    const response = computeDigestResponse({
      ...rfc7616,
      algorithm: { algorithm: 'MD5', session: false },
      ha1,
    });
    expect(response).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('computes the RFC 2069 form without qop', () => {
    const ha1 = computeHa1('MD5', 'u', 'r', 'p');
    const ha2 = digestHash('MD5', 'REGISTER:sip:example.com');
    const response = computeDigestResponse({
      algorithm: { algorithm: 'MD5', session: false },
      ha1,
      nonce: 'n',
      method: 'REGISTER',
      uri: 'sip:example.com',
    });
    expect(response).toBe(digestHash('MD5', `${ha1}:n:${ha2}`));
  });

  it('applies the -sess step and hashes the body for auth-int', () => {
    const ha1 = computeHa1('SHA-256', 'u', 'r', 'p');
    const body = Buffer.from('v=0\r\n');
    const sessHa1 = digestHash('SHA-256', `${ha1}:n:c`);
    const ha2 = digestHash('SHA-256', `INVITE:sip:b@x:${digestHash('SHA-256', body)}`);
    const response = computeDigestResponse({
      algorithm: { algorithm: 'SHA-256', session: true },
      ha1,
      nonce: 'n',
      method: 'INVITE',
      uri: 'sip:b@x',
      qop: 'auth-int',
      nc: '00000002',
      cnonce: 'c',
      body,
    });
    expect(response).toBe(digestHash('SHA-256', `${sessHa1}:n:00000002:c:auth-int:${ha2}`));
  });
});

describe('digestEquals', () => {
  it('compares case-insensitively and rejects different lengths', () => {
    expect(digestEquals('abcdef', 'ABCDEF')).toBe(true);
    expect(digestEquals('abcdef', 'abcdee')).toBe(false);
    expect(digestEquals('abcdef', 'abcde')).toBe(false);
  });
});
