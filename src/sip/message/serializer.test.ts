import { describe, expect, it } from 'vitest';
import { SipHeaders } from './headers.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import type { SipMessage, SipResponse } from './types.js';

const CRLF = '\r\n';

function wire(lines: string[], body: string | Buffer = ''): Buffer {
  return Buffer.concat([
    Buffer.from(lines.join(CRLF) + CRLF + CRLF),
    typeof body === 'string' ? Buffer.from(body) : body,
  ]);
}

/** A plain object view of a message, for structural comparison. */
function shape(m: SipMessage): unknown {
  return {
    ...m,
    headers: [...m.headers.entries()].map((f) => [f.name, f.value]),
    body: m.body.toString('hex'),
  };
}

const SAMPLES: Buffer[] = [
  wire(
    [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
      'Via: SIP/2.0/TCP relay.example.com;branch=z9hG4bK2, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK3',
      'max-forwards: 70',
      'To: Bob <sip:bob@biloxi.example.com>',
      'f: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
      'i: a84b4c76e66710@pc33.atlanta.example.com',
      'CSeq: 314159 INVITE',
      'X-Folded: one',
      '  two',
      'c: application/sdp',
      'l: 14',
    ],
    'v=0\r\no=- 1 1\r\n',
  ),
  wire([
    'SIP/2.0 180 Ringing',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1',
    'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Contact: <sip:bob@192.0.2.4>',
    'Content-Length: 0',
  ]),
  wire(
    [
      'MESSAGE sip:x@y SIP/2.0',
      'Via: SIP/2.0/TCP h;branch=z9hG4bK9',
      'From: <sip:a@b>;tag=1',
      'To: <sip:x@y>',
      'Call-ID: m1',
      'CSeq: 2 MESSAGE',
      'Content-Type: application/octet-stream',
      'Content-Length: 6',
    ],
    Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]),
  ),
];

describe('serializeMessage', () => {
  it.each(SAMPLES.map((s, i) => [i, s] as const))(
    'round-trips sample %i structurally',
    (_i, data) => {
      const first = parseMessage(data);
      const again = parseMessage(serializeMessage(first));
      expect(shape(again)).toEqual(shape(first));
    },
  );

  it('writes canonical names, CRLF line ends and the body verbatim', () => {
    const text = serializeMessage(parseMessage(SAMPLES[0]!)).toString('utf8');
    expect(text.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP')).toBe(
      true,
    );
    expect(text).toContain('\r\nMax-Forwards: 70\r\n');
    expect(text).toContain('\r\nCall-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n');
    expect(text).toContain('\r\nX-Folded: one two\r\n');
    expect(text.endsWith('Content-Length: 14\r\n\r\nv=0\r\no=- 1 1\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('sets Content-Length from the body, in place of the first one, dropping extras', () => {
    const headers = SipHeaders.from([
      ['Content-Length', '99'],
      ['Via', 'SIP/2.0/UDP h'],
      ['l', '5'],
    ]);
    const res: SipResponse = {
      kind: 'response',
      version: 'SIP/2.0',
      status: 200,
      reason: 'OK',
      headers,
      body: Buffer.from('héllo'),
    };
    expect(serializeMessage(res).toString()).toBe(
      'SIP/2.0 200 OK\r\nContent-Length: 6\r\nVia: SIP/2.0/UDP h\r\n\r\nhéllo',
    );
  });

  it('appends Content-Length when absent, also for an empty body', () => {
    const res: SipResponse = {
      kind: 'response',
      version: 'SIP/2.0',
      status: 100,
      reason: '',
      headers: SipHeaders.from([['Via', 'SIP/2.0/UDP h']]),
      body: Buffer.alloc(0),
    };
    expect(serializeMessage(res).toString()).toBe(
      'SIP/2.0 100 \r\nVia: SIP/2.0/UDP h\r\nContent-Length: 0\r\n\r\n',
    );
  });

  it('flattens line breaks in values so nothing can be injected', () => {
    const res: SipResponse = {
      kind: 'response',
      version: 'SIP/2.0',
      status: 403,
      reason: 'No\r\nX-Evil: 1',
      headers: SipHeaders.from([['Subject', 'a\r\nX-Evil: 2\nb']]),
      body: Buffer.alloc(0),
    };
    const text = serializeMessage(res).toString();
    expect(text).toBe(
      'SIP/2.0 403 No X-Evil: 1\r\nSubject: a X-Evil: 2 b\r\nContent-Length: 0\r\n\r\n',
    );
  });
});
