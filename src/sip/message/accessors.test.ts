import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { parseMessage } from './parser.js';
import {
  contactsOf,
  cseqOf,
  fromOf,
  requestUriOf,
  toOf,
  viasOf,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
  getRequestUri,
  getTo,
  getVias,
} from './accessors.js';
import { createRequest } from './builders.js';
import type { SipRequest } from './types.js';

function sample(extra: string[] = []): SipRequest {
  const m = parseMessage(
    Buffer.from(
      [
        'REGISTER sip:registrar.example.com;transport=tcp SIP/2.0',
        'Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com:5070;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3',
        'Max-Forwards: 69',
        'From: "Al" <sip:al@example.com>;tag=f1',
        'To: <sip:al@example.com>',
        'Call-ID:   reg-1@a.example.com  ',
        'CSeq: 7 REGISTER',
        'Contact: <sip:al@10.0.0.1>;q=0.7, "Desk" <sip:al@10.0.0.2>;expires=60',
        'Contact: sip:al@10.0.0.3',
        ...extra,
        '',
        '',
      ].join('\r\n'),
    ),
  );
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

describe('accessors', () => {
  it('getVias returns every value across lines, in order', () => {
    expect(getVias(sample()).map((v) => `${v.host}:${v.port ?? ''}`)).toEqual([
      'a.example.com:',
      'b.example.com:5070',
      'c.example.com:',
    ]);
  });

  it('reads From, To, Call-ID, CSeq, Max-Forwards and the Request-URI', () => {
    const m = sample();
    expect(getFrom(m)).toMatchObject({ displayName: 'Al', uri: { user: 'al' } });
    expect(getFrom(m).params.get('tag')).toBe('f1');
    expect(getTo(m).params.has('tag')).toBe(false);
    expect(getCallId(m)).toBe('reg-1@a.example.com');
    expect(getCSeq(m)).toEqual({ seq: 7, method: 'REGISTER' });
    expect(getMaxForwards(m)).toBe(69);
    expect(getRequestUri(m)).toMatchObject({ host: 'registrar.example.com' });
    expect(getRequestUri(m).params.get('transport')).toBe('tcp');
  });

  it('getContacts returns every value, and * as a string', () => {
    const contacts = getContacts(sample());
    expect(contacts).toHaveLength(3);
    expect(contacts.map((c) => (c === '*' ? c : c.uri.host))).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
    ]);
    const star = createRequest({ method: 'REGISTER', uri: 'sip:r', headers: [['Contact', '*']] });
    expect(getContacts(star)).toEqual(['*']);
    expect(getContacts(createRequest({ method: 'OPTIONS', uri: 'sip:r' }))).toEqual([]);
  });

  it('hands out copies: mutating a result does not affect the next call', () => {
    const m = sample();
    getVias(m)[0]!.params.set('received', '1.2.3.4');
    getFrom(m).params.delete('tag');
    getTo(m).uri.host = 'evil';
    getCSeq(m).seq = 99;
    const c = getContacts(m)[0];
    if (c !== '*' && c) c.params.clear();
    getRequestUri(m).params.clear();
    expect(getVias(m)[0]!.params.has('received')).toBe(false);
    expect(getFrom(m).params.get('tag')).toBe('f1');
    expect(getTo(m).uri.host).toBe('example.com');
    expect(getCSeq(m).seq).toBe(7);
    expect(getContacts(m)[0]).toMatchObject({ params: new Map([['q', '0.7']]) });
    expect(getRequestUri(m).params.size).toBe(1);
  });

  it('re-parses after a header changes', () => {
    const m = sample();
    expect(getVias(m)).toHaveLength(3);
    m.headers.prepend('Via', 'SIP/2.0/UDP top.example.com;branch=z9hG4bK0');
    expect(getVias(m)[0]?.host).toBe('top.example.com');
    m.headers.set('To', '<sip:al@example.com>;tag=t9');
    expect(getTo(m).params.get('tag')).toBe('t9');
    m.headers.set('CSeq', '8 REGISTER');
    expect(getCSeq(m).seq).toBe(8);
    m.uri = 'sip:other.example.com';
    expect(getRequestUri(m).host).toBe('other.example.com');
    m.headers.delete('Contact');
    expect(getContacts(m)).toEqual([]);
  });

  it('throws SipParseError for missing or malformed headers', () => {
    const bare = createRequest({ method: 'OPTIONS', uri: 'sip:h' });
    expect(() => getFrom(bare)).toThrow('Missing header: From');
    expect(() => getTo(bare)).toThrow('Missing header: To');
    expect(() => getCallId(bare)).toThrow('Missing header: Call-ID');
    expect(() => getCSeq(bare)).toThrow('Missing header: CSeq');
    expect(getVias(bare)).toEqual([]);
    bare.headers.set('Call-ID', '  ');
    expect(() => getCallId(bare)).toThrow('Bad Call-ID: empty');
    bare.headers.set('Max-Forwards', '300');
    expect(() => getMaxForwards(bare)).toThrow(SipParseError);
    bare.headers.delete('Max-Forwards');
    expect(getMaxForwards(bare)).toBeUndefined();
    bare.uri = '<sip:h>';
    expect(() => getRequestUri(bare)).toThrow(
      'Bad Request-URI: bad URI: missing or invalid scheme',
    );
    bare.headers.set('CSeq', 'x INVITE');
    expect(() => getCSeq(bare)).toThrow('Bad CSeq: invalid number');
  });
});

describe('parse cache across an in-place Via edit', () => {
  it('keeps other headers cached and reparses only the changed Via line', () => {
    const req = sample();
    const h = req.headers;
    const from = fromOf(h, h.get('From')!);
    const to = toOf(h, h.get('To')!);
    const cseq = cseqOf(h, h.get('CSeq')!);
    const contacts = contactsOf(h, h.getLines('Contact'));
    const uri = requestUriOf(h, req.uri);
    const before = viasOf(h, h.getLines('Via'));
    h.replaceLine('Via', 0, `${h.getLines('Via')[0]!};received=192.0.2.1`);
    expect(fromOf(h, h.get('From')!)).toBe(from);
    expect(toOf(h, h.get('To')!)).toBe(to);
    expect(cseqOf(h, h.get('CSeq')!)).toBe(cseq);
    expect(contactsOf(h, h.getLines('Contact'))).toBe(contacts);
    expect(requestUriOf(h, req.uri)).toBe(uri);
    const after = viasOf(h, h.getLines('Via'));
    expect(after).toHaveLength(3);
    // The edited first line is parsed afresh; the untouched second line's parse is reused.
    expect(after[1]?.params.get('received')).toBe('192.0.2.1');
    expect(after[0]).not.toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(getVias(req).map((v) => v.host)).toEqual([
      'a.example.com',
      'b.example.com',
      'c.example.com',
    ]);
  });
});
