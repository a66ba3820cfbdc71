import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { MAX_HEADER_LINES, MAX_LINE_LENGTH, isSipVersion, parseMessage } from './parser.js';
import type { SipMessage } from './types.js';

const HEAD = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

function wire(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol + eol + body, 'utf8');
}

function failure(data: Buffer): SipParseError {
  try {
    parseMessage(data);
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
  throw new Error('expected a SipParseError');
}

function request(msg: SipMessage): Extract<SipMessage, { kind: 'request' }> {
  if (msg.kind !== 'request') throw new Error('not a request');
  return msg;
}

describe('parseMessage: start lines', () => {
  it('parses a request line', () => {
    const m = request(parseMessage(wire(HEAD)));
    expect(m).toMatchObject({
      kind: 'request',
      method: 'INVITE',
      uri: 'sip:bob@biloxi.example.com',
      version: 'SIP/2.0',
    });
  });

  it('parses a status line with a multi-word reason', () => {
    const lines = ['SIP/2.0 486 Busy Here Right Now', ...HEAD.slice(1)];
    expect(parseMessage(wire(lines))).toMatchObject({
      kind: 'response',
      status: 486,
      reason: 'Busy Here Right Now',
    });
  });

  it.each([
    ['a status code of two digits', 'SIP/2.0 20 OK'],
    ['a status code above 699', 'SIP/2.0 700 Odd'],
    ['a status code below 100', 'SIP/2.0 099 Odd'],
    ['a bad version in a response', 'SIP/2 200 OK'],
    ['two spaces after the version', 'SIP/2.0  200 OK'],
  ])('refuses %s', (_name, start) => {
    const err = failure(wire([start, ...HEAD.slice(1)]));
    expect(err).toMatchObject({ status: 400, reason: 'Bad status line' });
    expect(err.partial).toBeUndefined();
  });

  it.each([
    ['no version', 'INVITE sip:bob@b'],
    ['a lower-case garbage version', 'INVITE sip:bob@b HTTP/1.1'],
    ['a method with a non-token character', 'INV@TE sip:bob@b SIP/2.0'],
    ['no URI', 'INVITE SIP/2.0'],
    ['an empty line of blanks', '   '],
  ])('treats a request line with %s as garbage (no partial)', (_name, start) => {
    const err = failure(wire([start, ...HEAD.slice(1)]));
    expect(err.reason).toBe('Bad start line');
    expect(err.partial).toBeUndefined();
  });

  it('keeps any syntactically valid version for the UA core to judge', () => {
    expect(isSipVersion('SIP/2.0')).toBe(true);
    expect(isSipVersion('sip/12.34')).toBe(true);
    expect(isSipVersion('SIP/2')).toBe(false);
    expect(isSipVersion('SIP/.0')).toBe(false);
    expect(isSipVersion('SIP/2.')).toBe(false);
    expect(isSipVersion('SIP/2.0a')).toBe(false);
  });
});

describe('parseMessage: header section', () => {
  it('expands compact forms and keeps order and raw values', () => {
    const lines = [
      HEAD[0]!,
      'v: SIP/2.0/UDP h1;branch=z9hG4bK1',
      'f: <sip:a@b>;tag=1',
      't: <sip:c@d>',
      'i: cid-1',
      'CSeq: 1 INVITE',
      'm: <sip:a@h>',
      'k: timer',
      'X-Custom: one, two',
    ];
    const m = parseMessage(wire(lines));
    expect([...m.headers.entries()].map((f) => f.name)).toEqual([
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Contact',
      'Supported',
      'X-Custom',
    ]);
    expect(m.headers.getAll('x-custom')).toEqual(['one', 'two']);
  });

  it('unfolds continuation lines with spaces or tabs into one space', () => {
    const m = parseMessage(wire([...HEAD, 'Subject: first', ' \t second', '\tthird']));
    expect(m.headers.get('Subject')).toBe('first second third');
  });

  it('accepts bare LF line ends', () => {
    const m = parseMessage(wire(HEAD, 'body', '\n'));
    expect(m.body.toString()).toBe('body');
    expect(m.headers.get('CSeq')).toBe('314159 INVITE');
  });

  it('accepts a datagram that ends without the blank line', () => {
    const m = parseMessage(Buffer.from(HEAD.join('\r\n') + '\r\n'));
    expect(m.body.length).toBe(0);
    expect(parseMessage(Buffer.from(HEAD.join('\r\n'))).headers.get('Contact')).toBe(
      '<sip:alice@pc33.atlanta.example.com>',
    );
  });

  it('refuses a continuation line right after the start line', () => {
    expect(failure(wire([HEAD[0]!, ' folded', ...HEAD.slice(1)])).reason).toBe(
      'Bad header folding',
    );
  });

  it('refuses header names that are not tokens', () => {
    expect(failure(wire([...HEAD, 'Bad Name: x'])).reason).toBe('Bad header name');
    expect(failure(wire([...HEAD, ': x'])).reason).toBe('Bad header name');
  });

  it('bounds the number of header lines', () => {
    const many = Array.from({ length: MAX_HEADER_LINES }, (_, i) => `X-H${i}: ${i}`);
    const err = failure(wire([...HEAD, ...many]));
    expect(err.reason).toBe('Too many headers');
    expect(err.partial).toBeDefined();
    expect(() => parseMessage(wire([...HEAD, ...many.slice(HEAD.length)]))).not.toThrow();
  });

  it('bounds the length of a header line, folded or not', () => {
    expect(failure(wire([...HEAD, `X-Long: ${'a'.repeat(MAX_LINE_LENGTH)}`])).reason).toBe(
      'Header line too long',
    );
    const folded = Array.from({ length: 5 }, () => ` ${'b'.repeat(4000)}`);
    expect(failure(wire([...HEAD, 'X-Long: a', ...folded])).reason).toBe('Header line too long');
    const err = failure(
      wire([`INVITE sip:${'u'.repeat(MAX_LINE_LENGTH)}@h SIP/2.0`, ...HEAD.slice(1)]),
    );
    expect(err.reason).toBe('Start line too long');
  });

  it('refuses an empty message', () => {
    expect(failure(Buffer.alloc(0)).reason).toBe('Empty message');
    expect(failure(Buffer.from('\r\n\r\n')).reason).toBe('Empty message');
  });
});

describe('parseMessage: body framing', () => {
  it('truncates the body to Content-Length', () => {
    const m = parseMessage(wire([...HEAD, 'Content-Length: 3'], 'abcdef'));
    expect(m.body.toString()).toBe('abc');
  });

  it('counts Content-Length in bytes, not characters', () => {
    const m = parseMessage(wire([...HEAD, 'Content-Length: 3'], 'héé'));
    expect(m.body.toString()).toBe('hé');
    expect(m.body.length).toBe(3);
  });

  it('copies the body out of the receive buffer', () => {
    const data = wire([...HEAD, 'Content-Length: 3'], 'abc');
    const m = parseMessage(data);
    data.fill(0x21);
    expect(m.body.toString()).toBe('abc');
  });

  it.each([
    ['larger than the body', 'Content-Length: 10', 'Content-Length exceeds body'],
    ['negative', 'Content-Length: -1', 'Bad Content-Length'],
    ['not a number', 'Content-Length: ten', 'Bad Content-Length'],
    ['a list', 'Content-Length: 3, 3', 'Bad Content-Length'],
    ['empty', 'Content-Length:', 'Bad Content-Length'],
  ])('refuses a Content-Length %s, with the partial request', (_name, line, reason) => {
    const err = failure(wire([...HEAD, line], 'abc'));
    expect(err.reason).toBe(reason);
    expect(err.partial?.body.toString()).toBe('abc');
  });
});

describe('parseMessage: semantic checks', () => {
  function without(name: string): string[] {
    return HEAD.filter((l) => !l.startsWith(`${name}:`));
  }

  it.each(['From', 'To', 'Call-ID', 'CSeq', 'Via'])(
    'refuses a request without %s, without partial',
    (name) => {
      const err = failure(wire(without(name)));
      expect(err.reason).toBe(`Missing header: ${name}`);
      expect(err.partial).toBeUndefined();
    },
  );

  it('accepts a request without Max-Forwards (the UA core decides)', () => {
    expect(() => parseMessage(wire(without('Max-Forwards')))).not.toThrow();
  });

  it.each([
    ['Max-Forwards: 70', 'Duplicate header: Max-Forwards'],
    ['Expires: soon', 'Bad Expires'],
    ['Expires: -5', 'Bad Expires'],
    ['Min-Expires: 4294967296', 'Bad Min-Expires'],
    ['Date: 13 Nov 2010 23:29:00 GMT', 'Bad Date'],
    ['Content-Type: sdp', 'Bad Content-Type'],
    ['Retry-After: forever', 'Bad Retry-After'],
    ['Contact: <sip:x@y', 'Bad Contact: missing >'],
    ['Call-ID: other', 'Duplicate header: Call-ID'],
    ['To: <sip:x@y>', 'Duplicate header: To'],
    ['CSeq: 1 INVITE', 'Duplicate header: CSeq'],
  ])('refuses %s', (line, reason) => {
    const err = failure(wire([...HEAD, line]));
    expect(err.reason).toBe(reason);
    expect(err.status).toBe(400);
    expect(err.partial).toBeDefined();
  });

  it.each(['256', '-1', '1e2', ''])('refuses Max-Forwards: %s', (value) => {
    const lines = HEAD.map((l) => (l.startsWith('Max-Forwards') ? `Max-Forwards: ${value}` : l));
    expect(failure(wire(lines)).reason).toBe('Bad Max-Forwards');
  });

  it('refuses a Call-ID with blanks or two values', () => {
    const lines = HEAD.map((l) => (l.startsWith('Call-ID') ? 'Call-ID: a b' : l));
    expect(failure(wire(lines)).reason).toBe('Bad Call-ID');
    const list = HEAD.map((l) => (l.startsWith('Call-ID') ? 'Call-ID: a@b, c@d' : l));
    expect(failure(wire(list)).reason).toBe('Bad Call-ID');
  });

  it('accepts valid optional scalars', () => {
    const m = parseMessage(
      wire([
        ...HEAD,
        'Expires: 0',
        'Date: Sat, 13 Nov 2010 23:29:00 GMT',
        'Content-Type: application/sdp; charset=utf-8',
        'Retry-After: 120 (lunch);duration=60',
      ]),
    );
    expect(m.headers.get('Expires')).toBe('0');
  });

  it('gives no partial when the top Via does not parse', () => {
    const lines = HEAD.map((l) => (l.startsWith('Via') ? 'Via: garbage' : l));
    const err = failure(wire(lines));
    expect(err.reason).toBe('Bad Via: invalid sent-protocol');
    expect(err.partial).toBeUndefined();
  });

  it('gives a partial when only a lower Via is bad', () => {
    const err = failure(wire([...HEAD, 'Via: SIP/2.0/UDP bad host']));
    expect(err.reason).toBe('Bad Via: unexpected character after address');
    expect(err.partial).toBeDefined();
  });

  it('refuses responses with problems, never with a partial', () => {
    const lines = ['SIP/2.0 200 OK', ...HEAD.slice(1).filter((l) => !l.startsWith('Call-ID'))];
    const err = failure(wire(lines));
    expect(err.reason).toBe('Missing header: Call-ID');
    expect(err.partial).toBeUndefined();
  });

  it('does not compare the CSeq method of a response with anything', () => {
    const lines = [
      'SIP/2.0 200 OK',
      ...HEAD.slice(1).map((l) => (l.startsWith('CSeq') ? 'CSeq: 2 BYE' : l)),
    ];
    expect(() => parseMessage(wire(lines))).not.toThrow();
  });

  it('reports the first problem when there are several', () => {
    const err = failure(wire([...HEAD, 'Max-Forwards: 999', 'Content-Length: 50']));
    expect(err.reason).toBe('Content-Length exceeds body');
  });
});

describe('parseMessage on hostile input', () => {
  // A backtracking parser would not finish within the test timeout; timing itself is for bench/.
  it('copes with a datagram of many parameters and list values', () => {
    const lines = [
      ...HEAD,
      `Via: SIP/2.0/UDP h${';a'.repeat(7000)}`,
      `Contact: ${Array.from({ length: 1000 }, (_, i) => `<sip:c${i}@h>`).join(',')}`,
    ];
    const m = parseMessage(wire(lines));
    expect(m.headers.getLines('Contact')).toHaveLength(2);
  });
});
