import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { cloneVia, formatVia, parseCSeq, parseVia } from './via.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError) return err.reason;
    throw err;
  }
  return 'parsed';
}

describe('parseVia', () => {
  it('parses transport, host, port and parameters', () => {
    const via = parseVia(
      'SIP/2.0/udp Pc33.Atlanta.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1',
    );
    expect(via).toEqual({
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      port: 5066,
      params: new Map<string, string | null>([
        ['branch', 'z9hG4bK776asdhds'],
        ['rport', null],
        ['received', '192.0.2.1'],
      ]),
    });
  });

  it('tolerates blanks around /, :, ; and =', () => {
    const via = parseVia(
      'SIP  /  2.0 /  TCP   relay.example.net  :  5070 ;  branch =  z9hG4bKx ; rport',
    );
    expect(via).toMatchObject({ transport: 'TCP', host: 'relay.example.net', port: 5070 });
    expect(via.params.get('branch')).toBe('z9hG4bKx');
    expect(via.params.get('rport')).toBeNull();
  });

  it('parses bracketed IPv6 and unbracketed IPv6 received values', () => {
    const via = parseVia('SIP/2.0/TLS [2001:db8::1]:5061;received=2001:db8::2;branch=z9hG4bK1');
    expect(via).toMatchObject({ host: '2001:db8::1', port: 5061 });
    expect(via.params.get('received')).toBe('2001:db8::2');
  });

  it('accepts a Via without parameters (RFC 2543 peers)', () => {
    expect(parseVia('SIP/2.0/UDP 192.0.2.4')).toMatchObject({
      host: '192.0.2.4',
      params: new Map(),
    });
  });

  it.each([
    ['empty', '', 'Bad Via: invalid sent-protocol'],
    ['missing transport', 'SIP/2.0/ host', 'Bad Via: missing sent-by'],
    ['missing version', 'SIP/UDP host', 'Bad Via: invalid sent-protocol'],
    ['missing host', 'SIP/2.0/UDP', 'Bad Via: missing sent-by'],
    ['missing blank before host', 'SIP/2.0/UDP;branch=1', 'Bad Via: missing sent-by'],
    ['unbracketed IPv6 host', 'SIP/2.0/UDP 2001:db8::1;branch=z9hG4bK1', 'Bad Via: invalid port'],
    ['bad port', 'SIP/2.0/UDP host:99999', 'Bad Via: invalid port'],
    ['empty parameters', 'SIP/2.0/UDP host;;', 'Bad Via: empty parameter'],
    ['only a semicolon', ';', 'Bad Via: invalid sent-protocol'],
    ['garbage after host', 'SIP/2.0/UDP host junk', 'Bad Via: unexpected character after address'],
    ['unterminated IPv6', 'SIP/2.0/UDP [::1', 'Bad Via: unterminated IPv6 reference'],
  ])('refuses %s', (_name, text, reason) => {
    expect(reasonOf(() => parseVia(text))).toBe(reason);
  });
});

describe('formatVia', () => {
  it('formats and round-trips', () => {
    const text = 'SIP/2.0/WSS [2001:db8::1]:443;branch=z9hG4bKabc;rport=5060;received=2001:db8::2';
    const via = parseVia(text);
    expect(formatVia(via)).toBe(text);
    expect(parseVia(formatVia(via))).toEqual(via);
  });

  it('clones deeply', () => {
    const via = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1');
    const copy = cloneVia(via);
    copy.params.set('received', '1.2.3.4');
    expect(via.params.has('received')).toBe(false);
  });
});

describe('parseCSeq', () => {
  it('parses number and method, with leading zeros and several blanks', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('  0009 \t  OPTIONS ')).toEqual({ seq: 9, method: 'OPTIONS' });
    expect(parseCSeq(`${2 ** 31 - 1} ACK`).seq).toBe(2 ** 31 - 1);
  });

  it.each([
    ['a number too large', `${2 ** 31} INVITE`, 'Bad CSeq: sequence number out of range'],
    ['a huge number', '36893488147419103232 INVITE', 'Bad CSeq: sequence number out of range'],
    ['a negative number', '-1 INVITE', 'Bad CSeq: invalid number'],
    ['no number', 'INVITE', 'Bad CSeq: invalid method'],
    ['no method', '1', 'Bad CSeq: invalid method'],
    ['two methods', '1 INVITE BYE', 'Bad CSeq: invalid method'],
    ['a decimal number', '1.5 INVITE', 'Bad CSeq: invalid number'],
  ])('refuses %s', (_name, text, reason) => {
    expect(reasonOf(() => parseCSeq(text))).toBe(reason);
  });
});
