/**
 * A corpus in the spirit of RFC 4475 §3.1.1 (SIP torture tests, valid messages): messages
 * written for this project that exercise the same tolerances, named after the RFC case each
 * one imitates. The invalid half of the corpus is torture.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from './parser.js';
import {
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
  getRequestUri,
  getTo,
  getVias,
} from './accessors.js';
import type { NameAddr, SipMessage, SipRequest, SipResponse } from './types.js';

const CRLF = '\r\n';

/** Joins header lines with CRLF, adds the blank line and the body. */
function wire(lines: string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

function req(msg: SipMessage): SipRequest {
  if (msg.kind !== 'request') throw new Error('expected a request');
  return msg;
}

function res(msg: SipMessage): SipResponse {
  if (msg.kind !== 'response') throw new Error('expected a response');
  return msg;
}

function addr(c: NameAddr | '*' | undefined): NameAddr {
  if (c === undefined || c === '*') throw new Error('expected an address');
  return c;
}

/** Headers every request below needs, with per-case overrides. */
function basicRequest(
  method: string,
  extra: string[] = [],
  ruri = 'sip:bob@biloxi.example',
): string[] {
  return [
    `${method} ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP pc33.atlanta.example;branch=z9hG4bKtort1',
    'Max-Forwards: 70',
    'From: <sip:alice@atlanta.example>;tag=t0rture',
    'To: <sip:bob@biloxi.example>',
    'Call-ID: torture-1@atlanta.example',
    `CSeq: 17 ${method}`,
    ...extra,
  ];
}

describe('RFC 4475 §3.1.1 style: valid messages the parser must tolerate', () => {
  it('wsinv: blanks around colons, folding, mixed case, compact forms, escaped quotes', () => {
    const body = 'v=0\r\n';
    const m = req(
      parseMessage(
        wire(
          [
            'OPTIONS sip:carol@chicago.example;oddflag SIP/2.0',
            'tO    :',
            '   sip:carol@chicago.example  ;  tag   =  55aa',
            'fROM\t: "Ann \\"the\\" Admin \\\\"     <sip:ann@example.org>',
            ' ;',
            '\ttag = x1y2',
            'mAx-FoRwArDs: 0042',
            'i: ws.torture.1@198.51.100.4',
            'Content-Length    :   5',
            'cseq: 00031',
            '   OPTIONS',
            'Via :   SIP  /  2.0',
            '     /  UDP',
            '  198.51.100.4;branch=z9hG4bKws1',
            's  :',
            'X-Wrapped:   first part',
            '  second part',
            'X-Odd-Value: ;;,,;;,;',
            'v:  SIP / 2.0 / TCP    relay.example.net  ;',
            '  branch  =  z9hG4bKws2 ,',
            ' SIP /2.0/ UDP  203.0.113.9   ; branch=',
            ' z9hG4bKws3',
            'm:"Quoted \\"\\"" <sip:ann@example.org> ; extra =',
            '     value ;',
            '  flag ; q = 0.5',
          ],
          body,
        ),
      ),
    );
    expect(m.method).toBe('OPTIONS');
    expect(getTo(m).params.get('tag')).toBe('55aa');
    expect(getTo(m).uri.user).toBe('carol');
    expect(getFrom(m).displayName).toBe('Ann "the" Admin \\');
    expect(getFrom(m).params.get('tag')).toBe('x1y2');
    expect(getMaxForwards(m)).toBe(42);
    expect(getCallId(m)).toBe('ws.torture.1@198.51.100.4');
    expect(getCSeq(m)).toEqual({ seq: 31, method: 'OPTIONS' });
    expect(m.headers.get('Subject')).toBe('');
    expect(m.headers.get('x-wrapped')).toBe('first part second part');
    expect(m.headers.get('X-Odd-Value')).toBe(';;,,;;,;');
    const vias = getVias(m);
    expect(vias.map((v) => [v.transport, v.host, v.params.get('branch')])).toEqual([
      ['UDP', '198.51.100.4', 'z9hG4bKws1'],
      ['TCP', 'relay.example.net', 'z9hG4bKws2'],
      ['UDP', '203.0.113.9', 'z9hG4bKws3'],
    ]);
    const contact = addr(getContacts(m)[0]);
    expect(contact.displayName).toBe('Quoted ""');
    expect([...contact.params]).toEqual([
      ['extra', 'value'],
      ['flag', null],
      ['q', '0.5'],
    ]);
    expect(m.body.toString()).toBe(body);
  });

  it('intmeth: unusual method token and a URI full of legal punctuation', () => {
    const method = "!odd-Method_0987*+`.%yes'~";
    const ruri =
      "sip:1_odd.user~(really!)&isn't+it$/fine?,/;;*:&pass+word=2,ok!*pa$s~_(x)@example.com";
    const m = req(parseMessage(wire(basicRequest(method, [], ruri))));
    expect(m.method).toBe(method);
    const uri = getRequestUri(m);
    expect(uri.user).toBe("1_odd.user~(really!)&isn't+it$/fine?,/;;*");
    expect(uri.password).toBe('&pass+word=2,ok!*pa$s~_(x)');
    expect(uri.host).toBe('example.com');
  });

  it('esc01: escaped characters in user part and in parameter names and values', () => {
    const m = req(
      parseMessage(
        wire(
          basicRequest(
            'INVITE',
            ['Contact: <sip:dia%6Cer@host9.example.net;%6C%72;n%61me=v%61l%25%34%31>'],
            'sip:sips%3Auser%40example.com@example.net',
          ),
        ),
      ),
    );
    expect(getRequestUri(m).user).toBe('sips:user@example.com');
    const c = addr(getContacts(m)[0]);
    expect(c.uri.user).toBe('dialer');
    expect(c.uri.params.get('lr')).toBeNull();
    expect(c.uri.params.get('name')).toBe('val%41');
  });

  it('escnull: an escaped NUL in a user part is data, not a NUL byte', () => {
    const m = req(
      parseMessage(
        wire(
          basicRequest('REGISTER', [
            'Contact: <sip:%00@h1.example.com>, <sip:%00%00@h2.example.com>',
          ]),
        ),
      ),
    );
    expect(getContacts(m).map((c) => addr(c).uri.user)).toEqual(['\u0000', '\u0000\u0000']);
  });

  it('esc02: a method with escapes is compared literally with the CSeq method', () => {
    const m = req(parseMessage(wire(basicRequest('RE%47ISTER', [], 'sip:registrar.example.com'))));
    expect(m.method).toBe('RE%47ISTER');
    expect(getCSeq(m).method).toBe('RE%47ISTER');
  });

  it('lwsdisp: a token display name touching the <', () => {
    const lines = basicRequest('OPTIONS').map((l) =>
      l.startsWith('From:') ? 'From: dialer<sip:dialer@example.com>;tag=9' : l,
    );
    const from = getFrom(parseMessage(wire(lines)));
    expect(from.displayName).toBe('dialer');
    expect(from.params.get('tag')).toBe('9');
  });

  it('longreq: very long names, values and many Via lines', () => {
    const longName = `X-${'Long'.repeat(300)}`;
    const longValue = 'v'.repeat(8000);
    const vias = Array.from(
      { length: 40 },
      (_, i) => `Via: SIP/2.0/TCP hop${i}.example.net;branch=z9hG4bK${'b'.repeat(200)}${i}`,
    );
    const lines = basicRequest('INVITE', [
      ...vias,
      `${longName}: ${longValue}`,
      `To: "${'Very long display name '.repeat(40)}" <sip:${'u'.repeat(500)}@example.com>`,
    ]).filter((l, i) => !(l.startsWith('To: <') && i < 6));
    const m = parseMessage(wire(lines));
    expect(getVias(m)).toHaveLength(41);
    expect(m.headers.get(longName)).toBe(longValue);
    expect(getTo(m).uri.user).toHaveLength(500);
  });

  it('dblreq: a second message after Content-Length 0 is ignored', () => {
    const first = wire(basicRequest('REGISTER', ['Content-Length: 0']));
    const second = wire(basicRequest('INVITE', ['Content-Length: 0']));
    const m = req(parseMessage(Buffer.concat([first, second])));
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('semiuri: a semicolon inside the user part is not a parameter', () => {
    const m = req(
      parseMessage(wire(basicRequest('OPTIONS', [], 'sip:user;par=u%40example.net@example.com'))),
    );
    const uri = getRequestUri(m);
    expect(uri.user).toBe('user;par=u@example.net');
    expect(uri.host).toBe('example.com');
    expect(uri.params.size).toBe(0);
  });

  it('transports: known and unknown transport tokens in Via', () => {
    const m = parseMessage(
      wire([
        ...basicRequest('OPTIONS').filter((l) => !l.startsWith('Via')),
        'Via: SIP/2.0/SCTP t1.example.com;branch=z9hG4bKs1',
        'Via: SIP/2.0/tls t2.example.com;branch=z9hG4bKs2',
        'Via: SIP/2.0/QUANTUM t3.example.com;branch=z9hG4bKs3, SIP/2.0/TLS-SCTP t4.example.com;branch=z9hG4bKs4',
      ]),
    );
    expect(getVias(m).map((v) => v.transport)).toEqual(['SCTP', 'TLS', 'QUANTUM', 'TLS-SCTP']);
  });

  it('mpart01: a multipart body with binary bytes passes through untouched', () => {
    const binary = Buffer.from([0x30, 0x82, 0x00, 0x01, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x00]);
    const body = Buffer.concat([
      Buffer.from('--sep42\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--sep42\r\n'),
      Buffer.from('Content-Type: application/pkcs7-mime\r\n\r\n'),
      binary,
      Buffer.from('\r\n--sep42--\r\n'),
    ]);
    const m = parseMessage(
      wire(
        basicRequest('MESSAGE', [
          'Content-Type: multipart/mixed;boundary=sep42',
          `Content-Length: ${body.length}`,
        ]),
        body,
      ),
    );
    expect(m.body.equals(body)).toBe(true);
  });

  it('unreason: a UTF-8 reason phrase with digits and symbols', () => {
    const reason = '= 2**3 * 5**2 — это восемь на двадцать пять';
    const m = res(
      parseMessage(
        wire([
          `SIP/2.0 200 ${reason}`,
          'Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bKunr',
          'From: <sip:a@example.com>;tag=1',
          'To: <sip:b@example.com>;tag=2',
          'Call-ID: unreason@192.0.2.198',
          'CSeq: 8 INVITE',
          'Content-Length: 0',
        ]),
      ),
    );
    expect(m.status).toBe(200);
    expect(m.reason).toBe(reason);
  });

  it('noreason: an empty reason phrase, with or without the trailing space', () => {
    for (const start of ['SIP/2.0 100 ', 'SIP/2.0 100']) {
      const m = res(
        parseMessage(
          wire([
            start,
            'Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bKnor',
            'From: <sip:a@example.com>;tag=1',
            'To: <sip:b@example.com>',
            'Call-ID: noreason@192.0.2.105',
            'CSeq: 1 INVITE',
          ]),
        ),
      );
      expect(m.status).toBe(100);
      expect(m.reason).toBe('');
    }
  });

  it('badvers: an unknown protocol version is syntax the UA core answers with 505', () => {
    const lines = basicRequest('OPTIONS');
    lines[0] = 'OPTIONS sip:bob@biloxi.example SIP/7.0';
    expect(parseMessage(wire(lines)).version).toBe('SIP/7.0');
  });

  it('zeromf: Max-Forwards 0 is well-formed (the UA core answers 483)', () => {
    const lines = basicRequest('OPTIONS').map((l) =>
      l.startsWith('Max-') ? 'Max-Forwards: 0' : l,
    );
    expect(getMaxForwards(parseMessage(wire(lines)))).toBe(0);
  });

  it('bcast: a broadcast address in Via is well-formed', () => {
    const lines = basicRequest('OPTIONS').map((l) =>
      l.startsWith('Via') ? 'Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKbc' : l,
    );
    expect(getVias(parseMessage(wire(lines)))[0]?.host).toBe('255.255.255.255');
  });

  it('cparam01: parameters after an unbracketed Contact belong to the header', () => {
    const m = parseMessage(
      wire(basicRequest('REGISTER', ['Contact: sip:+15551234@gw.example.net;oddparam'])),
    );
    const c = addr(getContacts(m)[0]);
    expect(c.params.has('oddparam')).toBe(true);
    expect(c.uri.params.size).toBe(0);
    expect(c.uri.user).toBe('+15551234');
  });

  it('cparam02: parameters inside the brackets belong to the URI', () => {
    const m = parseMessage(
      wire(basicRequest('REGISTER', ['Contact: <sip:+15551234@gw.example.net;oddparam>'])),
    );
    const c = addr(getContacts(m)[0]);
    expect(c.uri.params.has('oddparam')).toBe(true);
    expect(c.params.size).toBe(0);
  });

  it('regescrt: escaped headers inside a bracketed Contact URI', () => {
    const m = parseMessage(
      wire(
        basicRequest('REGISTER', [
          'Contact: <sip:user@example.com?Route=%3Csip:proxy.example.com%3E>',
        ]),
      ),
    );
    expect(addr(getContacts(m)[0]).uri.headers.get('Route')).toBe('<sip:proxy.example.com>');
  });

  it('unkscm / unksm2: other schemes are kept opaque so the UA core can answer 416', () => {
    const lines = basicRequest('OPTIONS', [], 'nobodyKnowsThis:opaque-content-1').map((l) =>
      l.startsWith('To:') ? 'To: <isbn:2983792873>' : l,
    );
    const m = req(parseMessage(wire(lines)));
    expect(getRequestUri(m)).toMatchObject({
      scheme: 'nobodyknowsthis',
      opaque: 'opaque-content-1',
    });
    expect(getTo(m).uri).toMatchObject({ scheme: 'isbn', opaque: '2983792873' });
    const tel = req(parseMessage(wire(basicRequest('INVITE', [], 'tel:+1-201-555-0123'))));
    expect(getRequestUri(tel)).toMatchObject({
      scheme: 'tel',
      opaque: '+1-201-555-0123',
      host: '',
    });
  });

  it('IPv6 references in the Request-URI and in Via', () => {
    const lines = basicRequest('OPTIONS', [], 'sip:[2001:db8::10]:5070;transport=tcp').map((l) =>
      l.startsWith('Via')
        ? 'Via: SIP/2.0/UDP [2001:db8::9:1]:5061;branch=z9hG4bK6;received=2001:db8::9:255'
        : l,
    );
    const m = req(parseMessage(wire(lines)));
    expect(getRequestUri(m)).toMatchObject({ host: '2001:db8::10', port: 5070 });
    expect(getVias(m)[0]).toMatchObject({ host: '2001:db8::9:1', port: 5061 });
    expect(getVias(m)[0]?.params.get('received')).toBe('2001:db8::9:255');
  });

  it('a datagram without Content-Length takes the rest as body; leading CRLFs are skipped', () => {
    const m = parseMessage(
      Buffer.concat([Buffer.from('\r\n\r\n'), wire(basicRequest('MESSAGE'), 'hello')]),
    );
    expect(m.body.toString()).toBe('hello');
  });
});
