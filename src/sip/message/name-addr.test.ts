import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import {
  cloneNameAddr,
  formatNameAddr,
  formatParams,
  parseNameAddr,
  parseParams,
  quote,
  readQuoted,
} from './name-addr.js';

function reasonOf(text: string): string {
  try {
    parseNameAddr(text);
  } catch (err) {
    if (err instanceof SipParseError) return err.reason;
    throw err;
  }
  return 'parsed';
}

describe('parseNameAddr', () => {
  it('reads a quoted display name with escapes', () => {
    const na = parseNameAddr('"Alice \\"A\\" \\\\ B" <sip:alice@example.com>;tag=1928');
    expect(na.displayName).toBe('Alice "A" \\ B');
    expect(na.uri.user).toBe('alice');
    expect(na.params.get('tag')).toBe('1928');
  });

  it('reads token display names, with or without a blank before <', () => {
    expect(parseNameAddr('Bob Smith <sip:bob@b.example>').displayName).toBe('Bob Smith');
    expect(parseNameAddr('bob<sip:bob@b.example>').displayName).toBe('bob');
    expect(parseNameAddr('<sip:bob@b.example>').displayName).toBeUndefined();
    expect(parseNameAddr('"" <sip:bob@b.example>').displayName).toBe('');
  });

  it('gives addr-spec parameters to the header, bracketed ones to the URI', () => {
    const bare = parseNameAddr('sip:bob@b.example;transport=tcp;tag=5');
    expect([...bare.params.keys()]).toEqual(['transport', 'tag']);
    expect(bare.uri.params.size).toBe(0);
    const bracketed = parseNameAddr('<sip:bob@b.example;transport=tcp>;tag=5');
    expect(bracketed.uri.params.get('transport')).toBe('tcp');
    expect([...bracketed.params.keys()]).toEqual(['tag']);
  });

  it('tolerates blanks around ; and = and keeps quoted values quoted', () => {
    const na = parseNameAddr(
      '<sip:a@b> ;  expires = 3600 ; +sip.instance = "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>" ; ob',
    );
    expect([...na.params]).toEqual([
      ['expires', '3600'],
      ['+sip.instance', '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"'],
      ['ob', null],
    ]);
  });

  it('lower-cases parameter names and accepts IPv6 values', () => {
    const na = parseNameAddr('<sip:a@b>;Received=[2001:db8::1];TAG=Xy');
    expect(na.params.get('received')).toBe('[2001:db8::1]');
    expect(na.params.get('tag')).toBe('Xy');
  });

  it('accepts non-SIP URIs', () => {
    expect(parseNameAddr('<tel:+15550100>;tag=1').uri).toMatchObject({
      scheme: 'tel',
      opaque: '+15550100',
    });
    expect(parseNameAddr('tel:+15550100;tag=1').params.get('tag')).toBe('1');
  });

  it.each([
    ['unterminated quotes', '"Alice <sip:a@b>', 'Unbalanced quotes'],
    ['quoted name without <', '"Alice" sip:a@b', 'Missing < after display name'],
    ['missing >', 'Alice <sip:a@b', 'Missing >'],
    ['blank after <', '< sip:a@b>', 'Blank inside <>'],
    ['blank before >', '<sip:a@b >', 'Blank inside <>'],
    ['comma in a token display name', 'Bell, Alexander <sip:a@b>', 'Bad display name'],
    ['? in an addr-spec', 'sip:a@b?Route=x', 'Unbracketed URI with ? or ,'],
    ['two addresses', '<sip:a@b>, <sip:c@d>', 'Unexpected character after address'],
    ['empty parameter', '<sip:a@b>;;tag=1', 'Empty parameter'],
    ['trailing semicolon', '<sip:a@b>;', 'Empty parameter'],
    ['empty value', '<sip:a@b>;tag=', 'Empty parameter value'],
    ['bad URI', '<foo>', 'Bad URI: missing or invalid scheme'],
    ['empty input', '', 'Bad URI: missing or invalid scheme'],
  ])('refuses %s', (_name, text, reason) => {
    expect(reasonOf(text)).toBe(reason);
  });
});

describe('formatNameAddr', () => {
  it('formats with brackets and a quoted name, and round-trips', () => {
    const na = parseNameAddr(
      '"A \\"q\\"" <sip:alice@example.com;lr>;tag=1;+sip.instance="<urn:x>"',
    );
    const text = formatNameAddr(na);
    expect(text).toBe('"A \\"q\\"" <sip:alice@example.com;lr>;tag=1;+sip.instance="<urn:x>"');
    expect(parseNameAddr(text)).toEqual(na);
    expect(reasonOf('Alice "x" <sip:alice@example.com>')).toBe('Bad display name');
  });

  it('quotes parameter values that need it and omits empty display names', () => {
    const na = parseNameAddr('sip:a@b');
    na.params.set('note', 'two words');
    na.params.set('flag', null);
    expect(formatNameAddr(na)).toBe('<sip:a@b>;note="two words";flag');
  });

  it('clones deeply', () => {
    const na = parseNameAddr('"A" <sip:a@b;lr>;tag=1');
    const copy = cloneNameAddr(na);
    copy.params.clear();
    copy.uri.params.clear();
    expect(na.params.size).toBe(1);
    expect(na.uri.params.size).toBe(1);
  });
});

describe('quoted strings and parameters', () => {
  it('quote and readQuoted are inverses', () => {
    const text = 'say "hi" \\ bye';
    const q = quote(text);
    expect(readQuoted(q, 0)).toEqual({ value: text, next: q.length });
  });

  it('readQuoted refuses a dangling backslash', () => {
    expect(() => readQuoted('"abc\\', 0)).toThrow('Unbalanced quotes');
  });

  it('parseParams and formatParams round-trip', () => {
    const params = parseParams(';a=1;b;c="x y"', 0);
    expect(formatParams(params)).toBe(';a=1;b;c="x y"');
  });
});
