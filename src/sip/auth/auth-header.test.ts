import { describe, expect, it } from 'vitest';
import {
  AuthHeaderParseError,
  formatAuthHeader,
  parseAuthHeader,
  quoteString,
} from './auth-header.js';

describe('parseAuthHeader', () => {
  it('parses an RFC 2617 challenge with quoted and token values', () => {
    const [c, ...rest] = parseAuthHeader(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", algorithm=MD5, stale=FALSE',
    );
    expect(rest).toHaveLength(0);
    expect(c?.scheme).toBe('Digest');
    expect(c?.params.get('realm')).toBe('testrealm@host.com');
    expect(c?.params.get('qop')).toBe('auth,auth-int');
    expect(c?.params.get('algorithm')).toBe('MD5');
    expect(c?.params.get('stale')).toBe('FALSE');
  });

  it('lower-cases names, tolerates whitespace around = and empty list elements', () => {
    const [c] = parseAuthHeader('digest  Realm = "a" ,, NONCE=abc ,');
    expect(c?.params.get('realm')).toBe('a');
    expect(c?.params.get('nonce')).toBe('abc');
  });

  it('resolves escapes in quoted strings and keeps commas inside them', () => {
    const [c] = parseAuthHeader('Digest realm="a \\"b\\", c\\\\d", nonce="x"');
    expect(c?.params.get('realm')).toBe('a "b", c\\d');
    expect(c?.params.get('nonce')).toBe('x');
  });

  it('accepts unquoted values containing / and =', () => {
    const [c] = parseAuthHeader('Digest nonce=ab/c+d==, realm="r"');
    expect(c?.params.get('nonce')).toBe('ab/c+d==');
    expect(c?.params.get('realm')).toBe('r');
  });

  it('keeps the first of a repeated parameter', () => {
    const [c] = parseAuthHeader('Digest realm="one", realm="two"');
    expect(c?.params.get('realm')).toBe('one');
  });

  it('splits several challenges on one line, including token68 forms', () => {
    const values = parseAuthHeader('Basic dXNlcjpwYXNz==, Digest realm="r", nonce="n"');
    expect(values.map((v) => v.scheme)).toEqual(['Basic', 'Digest']);
    expect(values[0]?.token68).toBe('dXNlcjpwYXNz==');
    expect(values[1]?.params.get('nonce')).toBe('n');
  });

  it('parses a scheme without parameters', () => {
    expect(parseAuthHeader('Negotiate')).toEqual([{ scheme: 'Negotiate', params: new Map() }]);
  });

  it('rejects malformed input', () => {
    expect(() => parseAuthHeader('')).toThrow(AuthHeaderParseError);
    expect(() => parseAuthHeader('Digest realm="open')).toThrow(AuthHeaderParseError);
    expect(() => parseAuthHeader('=x')).toThrow(AuthHeaderParseError);
    expect(() => parseAuthHeader('Digest realm="a"; nonce="b"')).toThrow(AuthHeaderParseError);
  });
});

describe('formatAuthHeader', () => {
  it('quotes only what is marked quoted and escapes quotes and backslashes', () => {
    const text = formatAuthHeader('Digest', [
      { name: 'realm', value: 'a "b" \\c', quoted: true },
      { name: 'algorithm', value: 'SHA-256', quoted: false },
    ]);
    expect(text).toBe('Digest realm="a \\"b\\" \\\\c", algorithm=SHA-256');
  });

  it('round-trips through the parser', () => {
    const text = formatAuthHeader('Digest', [
      { name: 'username', value: 'al"ice', quoted: true },
      { name: 'qop', value: 'auth', quoted: false },
      { name: 'nc', value: '00000001', quoted: false },
    ]);
    const [v] = parseAuthHeader(text);
    expect([...(v?.params ?? [])]).toEqual([
      ['username', 'al"ice'],
      ['qop', 'auth'],
      ['nc', '00000001'],
    ]);
  });

  it('quoteString wraps plain text', () => {
    expect(quoteString('x')).toBe('"x"');
  });
});
