/**
 * A corpus in the spirit of RFC 4475 §3.1.2 (SIP torture tests, invalid messages): messages
 * written for this project that the parser must refuse with a precise reason, and with a
 * partial request exactly when a 400 can still be built. Named after the RFC case each one
 * imitates; the valid half of the corpus is torture-valid.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { parseMessage } from './parser.js';
import { getCallId } from './accessors.js';

const CRLF = '\r\n';

/** Joins header lines with CRLF, adds the blank line and the body. */
function wire(lines: string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** Parses and returns the SipParseError, failing the test when parsing succeeds. */
function failure(data: Buffer): SipParseError {
  try {
    parseMessage(data);
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
  throw new Error('expected a SipParseError');
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

describe('RFC 4475 §3.1.2 style: invalid messages the parser must refuse', () => {
  const cases: Array<{ name: string; data: Buffer; reason: string; partial: boolean }> = [
    {
      name: 'badinv01: empty parameters in Via',
      data: wire(basicRequest('INVITE', ['Via: SIP/2.0/UDP 192.0.2.15;;,;,,'])),
      reason: 'Bad Via: empty parameter',
      partial: true,
    },
    {
      name: 'badinv01: empty parameters after a Contact',
      data: wire(basicRequest('INVITE', ['Contact: "Joe" <sip:joe@example.org>;;;;'])),
      reason: 'Bad Contact: empty parameter',
      partial: true,
    },
    {
      name: 'clerr: Content-Length larger than the body',
      data: wire(basicRequest('INVITE', ['Content-Length: 9999']), 'short'),
      reason: 'Content-Length exceeds body',
      partial: true,
    },
    {
      name: 'ncl: negative Content-Length',
      data: wire(basicRequest('INVITE', ['Content-Length: -999']), 'x'),
      reason: 'Bad Content-Length',
      partial: true,
    },
    {
      name: 'scalar02: CSeq beyond 2**31-1',
      data: wire(
        basicRequest('REGISTER').map((l) =>
          l.startsWith('CSeq') ? 'CSeq: 36893488147419103232 REGISTER' : l,
        ),
      ),
      reason: 'Bad CSeq: sequence number out of range',
      partial: true,
    },
    {
      name: 'scalar02: Max-Forwards beyond 255',
      data: wire(
        basicRequest('REGISTER').map((l) => (l.startsWith('Max-') ? 'Max-Forwards: 300' : l)),
      ),
      reason: 'Bad Max-Forwards',
      partial: true,
    },
    {
      name: 'scalar02: Expires beyond 2**32-1',
      data: wire(basicRequest('REGISTER', ['Expires: 10293847562984756'])),
      reason: 'Bad Expires',
      partial: true,
    },
    {
      name: 'quotbal: unterminated quoted display name',
      data: wire(
        basicRequest('INVITE').map((l) =>
          l.startsWith('To') ? 'To: "Mr. J. User <sip:j.user@example.com>' : l,
        ),
      ),
      reason: 'Bad To: unbalanced quotes',
      partial: true,
    },
    {
      name: 'ltgtruri: Request-URI in angle brackets',
      data: wire(basicRequest('INVITE', [], '<sip:user@example.com>')),
      reason: 'Bad Request-URI: bad URI: missing or invalid scheme',
      partial: true,
    },
    {
      name: 'lwsruri: blank inside the Request-URI',
      data: wire(basicRequest('INVITE', [], 'sip:user@example.com; lr')),
      reason: 'Bad Request-URI: contains blanks',
      partial: true,
    },
    {
      name: 'lwsstart: several spaces between request-line elements',
      data: wire(basicRequest('INVITE', [], ' sip:user@example.com ')),
      reason: 'Bad request line: elements not separated by single spaces',
      partial: true,
    },
    {
      name: 'trws: trailing blank on the request line',
      data: wire(basicRequest('OPTIONS').map((l, i) => (i === 0 ? `${l} ` : l))),
      reason: 'Bad request line: leading or trailing blanks',
      partial: true,
    },
    {
      name: 'escruri: escaped headers in the Request-URI',
      data: wire(basicRequest('INVITE', [], 'sip:user@example.com?Route=%3Csip:example.com%3E')),
      reason: 'Bad Request-URI: headers not allowed',
      partial: true,
    },
    {
      name: 'baddate: a Date not in GMT',
      data: wire(basicRequest('INVITE', ['Date: Fri, 01 Jan 2010 16:00:00 EST'])),
      reason: 'Bad Date',
      partial: true,
    },
    {
      name: 'regbadct: a Contact URI with headers must be bracketed',
      data: wire(
        basicRequest('REGISTER', ['Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E']),
      ),
      reason: 'Bad Contact: unbracketed URI with ? or ,',
      partial: true,
    },
    {
      name: 'badaspec: blanks inside the angle brackets',
      data: wire(
        basicRequest('OPTIONS').map((l) =>
          l.startsWith('To') ? 'To: "Watson, T." < sip:t.watson@example.org >' : l,
        ),
      ),
      reason: 'Bad To: blank inside <>',
      partial: true,
    },
    {
      name: 'baddn: unquoted display name with a comma',
      data: wire(
        basicRequest('OPTIONS').map((l) =>
          l.startsWith('From') ? 'From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43' : l,
        ),
      ),
      reason: 'Bad From: bad display name',
      partial: true,
    },
    {
      name: 'mismatch01: CSeq method differs from the request method',
      data: wire(basicRequest('OPTIONS').map((l) => (l.startsWith('CSeq') ? 'CSeq: 8 INVITE' : l))),
      reason: 'Bad CSeq: method does not match request',
      partial: true,
    },
    {
      name: 'mismatch02: unknown method with a different CSeq method',
      data: wire(
        basicRequest('NEWMETHOD').map((l) => (l.startsWith('CSeq') ? 'CSeq: 3 INVITE' : l)),
      ),
      reason: 'Bad CSeq: method does not match request',
      partial: true,
    },
    {
      name: 'multi01: two Call-ID lines',
      data: wire(basicRequest('INVITE', ['Call-ID: another@example.com'])),
      reason: 'Duplicate header: Call-ID',
      partial: true,
    },
    {
      name: 'multi01: two From lines',
      data: wire(basicRequest('INVITE', ['From: <sip:mallory@example.com>;tag=2'])),
      reason: 'Duplicate header: From',
      partial: true,
    },
    {
      name: 'mcl01: two Content-Length lines',
      data: wire(basicRequest('INVITE', ['Content-Length: 0', 'l: 0'])),
      reason: 'Duplicate header: Content-Length',
      partial: true,
    },
    {
      name: 'insuf: From, To and Call-ID missing, so no response can be built',
      data: wire(basicRequest('INVITE').filter((l) => !/^(From|To|Call-ID)/.test(l))),
      reason: 'Missing header: From',
      partial: false,
    },
    {
      name: 'insuf: Via missing',
      data: wire(basicRequest('INVITE').filter((l) => !l.startsWith('Via'))),
      reason: 'Missing header: Via',
      partial: false,
    },
    {
      name: 'RFC 5118 style: unbracketed IPv6 host in the Request-URI',
      data: wire(basicRequest('INVITE', [], 'sip:user@2001:db8::10')),
      reason: 'Bad Request-URI: bad URI: invalid port',
      partial: true,
    },
    {
      name: 'a NUL byte in the header section',
      data: wire(basicRequest('INVITE', ['Subject: nul\u0000here'])),
      reason: 'NUL byte in header section',
      partial: true,
    },
    {
      name: 'a header line without a colon',
      data: wire(basicRequest('INVITE', ['this line is not a header'])),
      reason: 'Bad header line: missing colon',
      partial: true,
    },
    {
      name: 'a garbage start line',
      data: wire(['HELLO THERE', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1']),
      reason: 'Bad start line',
      partial: false,
    },
    {
      name: 'bigcode: an over-large status code in a response',
      data: wire([
        'SIP/2.0 4294967301 better not break the receiver',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      ]),
      reason: 'Bad status line',
      partial: false,
    },
    {
      name: 'scalarlg: a response with an over-large CSeq is refused without partial',
      data: wire([
        'SIP/2.0 503 Service Unavailable',
        'Via: SIP/2.0/TCP 192.0.2.129;branch=z9hG4bKlg',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:b@example.com>;tag=2',
        'Call-ID: scalarlg@192.0.2.129',
        'CSeq: 36893488147419103232 OPTIONS',
        'Retry-After: 949302838503028349304',
      ]),
      reason: 'Bad CSeq: sequence number out of range',
      partial: false,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const err = failure(c.data);
      expect(err.status).toBe(400);
      expect(err.reason).toBe(c.reason);
      expect(err.partial !== undefined).toBe(c.partial);
    });
  }

  it('the partial request of a refused message can still be read', () => {
    const err = failure(
      wire(basicRequest('OPTIONS').map((l) => (l.startsWith('CSeq') ? 'CSeq: 8 INVITE' : l))),
    );
    expect(err.partial?.method).toBe('OPTIONS');
    expect(err.partial && getCallId(err.partial)).toBe('torture-1@atlanta.example');
  });
});
