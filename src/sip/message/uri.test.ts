import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { cloneUri, formatUri, parseHostPort, parseUri } from './uri.js';

function reasonOf(text: string): string {
  try {
    parseUri(text);
  } catch (err) {
    if (err instanceof SipParseError) return err.reason;
    throw err;
  }
  return 'parsed';
}

describe('parseUri', () => {
  it('parses every part of a SIP URI', () => {
    const uri = parseUri(
      'SIP:Alice:secret@Atlanta.Example.COM:5070;Transport=TCP;lr?Subject=hi%20there&X=1',
    );
    expect(uri).toMatchObject({
      scheme: 'sip',
      user: 'Alice',
      password: 'secret',
      host: 'atlanta.example.com',
      port: 5070,
    });
    expect([...uri.params]).toEqual([
      ['transport', 'TCP'],
      ['lr', null],
    ]);
    expect([...uri.headers]).toEqual([
      ['Subject', 'hi there'],
      ['X', '1'],
    ]);
    expect(uri.opaque).toBeUndefined();
  });

  it('parses a host-only sips URI', () => {
    expect(parseUri('sips:example.com')).toMatchObject({ scheme: 'sips', host: 'example.com' });
    expect(parseUri('sip:example.com').user).toBeUndefined();
  });

  it('resolves escapes, including UTF-8 sequences', () => {
    expect(parseUri('sip:%C3%A9t%C3%A9@h').user).toBe('été');
    expect(parseUri('sip:a%2520b@h').user).toBe('a%20b');
  });

  it('accepts an empty password and non-ASCII user text', () => {
    expect(parseUri('sip:bob:@h').password).toBe('');
    expect(parseUri('sip:jürgen@h').user).toBe('jürgen');
  });

  it('parses IPv6 references and strips the brackets', () => {
    expect(parseUri('sip:u@[2001:DB8::1]:5060')).toMatchObject({ host: '2001:db8::1', port: 5060 });
    expect(parseUri('sip:[::1];maddr=[::2]').params.get('maddr')).toBe('[::2]');
  });

  it('keeps other schemes opaque', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toEqual({
      scheme: 'tel',
      host: '',
      params: new Map(),
      headers: new Map(),
      opaque: '+1-201-555-0123;phone-context=example.com',
    });
    expect(parseUri('urn:service:sos').scheme).toBe('urn');
  });

  it.each([
    ['no scheme', 'example.com', 'Bad URI: missing or invalid scheme'],
    ['scheme starting with a digit', '1sip:x', 'Bad URI: missing or invalid scheme'],
    ['angle brackets', '<sip:a@b>', 'Bad URI: missing or invalid scheme'],
    ['empty host', 'sip:', 'Bad URI: missing host'],
    ['empty host after user', 'sip:alice@', 'Bad URI: missing host'],
    ['bad host', 'sip:a@exa mple.com', 'Bad URI: invalid host'],
    ['unbracketed IPv6', 'sip:2001:db8::1', 'Bad URI: invalid port'],
    ['bad IPv6', 'sip:[2001:db8:::1]', 'Bad URI: invalid IPv6 address'],
    ['unterminated IPv6', 'sip:[2001:db8::1', 'Bad URI: unterminated IPv6 reference'],
    ['port too large', 'sip:h:65536', 'Bad URI: invalid port'],
    ['empty port', 'sip:h:', 'Bad URI: invalid port'],
    ['bad escape in user', 'sip:a%zz@h', 'Bad URI: invalid user part'],
    ['empty user', 'sip:@h', 'Bad URI: invalid user part'],
    ['quote in user', 'sip:a"b@h', 'Bad URI: invalid user part'],
    ['empty parameter', 'sip:h;;lr', 'Bad URI: invalid parameter'],
    ['blank in parameter', 'sip:h;a=b c', 'Bad URI: invalid parameter value'],
    ['header without =', 'sip:h?Subject', 'Bad URI: invalid header'],
    ['opaque with blank', 'tel:+1 555', 'Bad URI: invalid characters'],
    ['empty opaque', 'tel:', 'Bad URI: invalid characters'],
  ])('refuses %s', (_name, text, reason) => {
    expect(reasonOf(text)).toBe(reason);
  });

  it('throws SipParseError with status 400', () => {
    expect(() => parseUri('nope')).toThrow(SipParseError);
    try {
      parseUri('nope');
    } catch (err) {
      expect(err).toMatchObject({ status: 400 });
    }
  });
});

describe('formatUri', () => {
  it('writes back a parsed URI', () => {
    const text = 'sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x';
    expect(formatUri(parseUri(text))).toBe(text);
  });

  it('escapes what the grammar does not allow and round-trips', () => {
    const uri = parseUri('sip:sips%3Auser%40example.com@example.net;n%61me=v%25');
    const text = formatUri(uri);
    expect(text).toBe('sip:sips%3Auser%40example.com@example.net;name=v%25');
    expect(parseUri(text)).toEqual(uri);
    expect(formatUri({ ...uri, user: 'a b<c>' })).toContain('a%20b%3Cc%3E@');
  });

  it('brackets IPv6 hosts and writes opaque URIs verbatim', () => {
    expect(formatUri(parseUri('sip:[2001:db8::1]:5060'))).toBe('sip:[2001:db8::1]:5060');
    expect(formatUri(parseUri('tel:+15550100'))).toBe('tel:+15550100');
  });

  it('clones deeply', () => {
    const uri = parseUri('sip:h;lr');
    const copy = cloneUri(uri);
    copy.params.delete('lr');
    expect(uri.params.has('lr')).toBe(true);
  });
});

describe('parseHostPort', () => {
  it('returns host and port or a reason', () => {
    expect(parseHostPort('Example.com:80', 0, 14)).toEqual({ host: 'example.com', port: 80 });
    expect(parseHostPort('[::1]x', 0, 6)).toBe('invalid host');
  });
});

describe('parseUri on hostile input', () => {
  // A backtracking parser would not finish within the test timeout; timing itself is for bench/.
  it('copes with thousands of bare parameters', () => {
    const text = `sip:h${';a'.repeat(8000)}`;
    expect(parseUri(text).params.get('a')).toBeNull();
  });
});
