/**
 * Parser-only fuzzing: 20,000 deterministic mutations of valid messages. Whatever the input,
 * the parser may only return a message or throw SipParseError, and must do so quickly; what
 * it accepts must survive the accessors and a serialize/parse round trip.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/fixtures/prng.js';
import { SipParseError } from './errors.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
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
import type { SipMessage } from './types.js';

const SEEDS = [
  [
    'INVITE sip:bob@biloxi.example.com;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
    'Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK2, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK3',
    'Max-Forwards: 70',
    'To: "Bob \\"B\\"" <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice%20x@atlanta.example.com?Subject=hi>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>;expires=60, sip:alt@192.0.2.9;q=0.5',
    'Date: Sat, 13 Nov 2010 23:29:00 GMT',
    'Content-Type: application/sdp',
    'Content-Length: 19',
    '',
    'v=0\r\no=alice 1 1 IN',
  ].join('\r\n'),
  [
    'SIP/2.0 200 OK',
    'v: SIP/2.0/UDP h1.example.com;branch=z9hG4bK1;received=192.0.2.3',
    'f: <sip:a@b>;tag=1',
    't: <tel:+15550100>;tag=2',
    'i: xyz',
    'CSeq: 2 REGISTER',
    'm: *',
    'Expires: 3600',
    'Retry-After: 5 (soon)',
    'l: 0',
    '',
    '',
  ].join('\r\n'),
  [
    'REGISTER sips:registrar.example.com SIP/2.0',
    'Via : SIP / 2.0 / TLS',
    ' client.example.com ; branch = z9hG4bKreg',
    'From: sip:user@example.com;tag=abc',
    'To: sip:user@example.com',
    'Call-ID: reg@client',
    'CSeq: 1 REGISTER',
    'Contact: <sip:user@[::1]:5061;transport=tls>;+sip.instance="<urn:uuid:1>"',
    '',
    '',
  ].join('\r\n'),
].map((s) => Buffer.from(s, 'utf8'));

const INTERESTING = [
  ...':;,<>"\\%@[]=?&/ \t\r\n\0*',
  '%00',
  '\r\n ',
  '\r\n\r\n',
  'SIP/2.0',
  '999999999999',
];

function mutate(rand: () => number, input: Buffer): Buffer {
  let data = Buffer.from(input);
  const rounds = 1 + Math.floor(rand() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rand() * (data.length + 1));
    switch (Math.floor(rand() * 7)) {
      case 0: // flip a byte
        if (data.length > 0) data[Math.min(at, data.length - 1)] = Math.floor(rand() * 256);
        break;
      case 1: {
        // insert something the grammar cares about
        const pick = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
        data = Buffer.concat([data.subarray(0, at), Buffer.from(pick), data.subarray(at)]);
        break;
      }
      case 2: // delete a range
        data = Buffer.concat([
          data.subarray(0, at),
          data.subarray(at + 1 + Math.floor(rand() * 20)),
        ]);
        break;
      case 3: {
        // duplicate a range (duplicate headers, doubled separators)
        const len = Math.floor(rand() * 60);
        data = Buffer.concat([
          data.subarray(0, at + len),
          data.subarray(at, at + len),
          data.subarray(at + len),
        ]);
        break;
      }
      case 4: // truncate
        data = data.subarray(0, at);
        break;
      case 5: {
        // a long run of one character
        const ch = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
        const run = Buffer.from(ch.repeat(1 + Math.floor(rand() * 2000)));
        data = Buffer.concat([data.subarray(0, at), run, data.subarray(at)]);
        break;
      }
      default: {
        // splice in a line from another seed
        const other = SEEDS[Math.floor(rand() * SEEDS.length)]!.toString().split('\r\n');
        const line = other[Math.floor(rand() * other.length)] ?? '';
        data = Buffer.concat([data.subarray(0, at), Buffer.from(`\r\n${line}`), data.subarray(at)]);
      }
    }
  }
  return data;
}

/** Runs `fn`, letting only SipParseError through silently. */
function onlySipParseError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    expect(err.status).toBe(400);
    expect(err.reason.length).toBeGreaterThan(0);
  }
}

function exercise(m: SipMessage): void {
  for (const read of [getVias, getFrom, getTo, getCallId, getCSeq, getContacts, getMaxForwards]) {
    onlySipParseError(() => read(m));
  }
  if (m.kind === 'request') onlySipParseError(() => getRequestUri(m));
}

describe('parser fuzzing', () => {
  it('the seeds themselves parse', () => {
    for (const seed of SEEDS) expect(() => parseMessage(seed)).not.toThrow();
  });

  it('20,000 seeded mutations only ever yield a message or SipParseError', () => {
    const rand = prng(0x5eed);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = mutate(rand, SEEDS[i % SEEDS.length]!);
      let msg: SipMessage | undefined;
      try {
        msg = parseMessage(input);
      } catch (err) {
        if (!(err instanceof SipParseError)) {
          throw new Error(
            `non-SipParseError for input ${JSON.stringify(input.toString('latin1'))}`,
            {
              cause: err,
            },
          );
        }
        if (err.partial) exercise(err.partial);
      }
      if (!msg) continue;
      accepted++;
      exercise(msg);
      // What was accepted once must be accepted again after serialization.
      const again = parseMessage(serializeMessage(msg));
      expect(again.kind).toBe(msg.kind);
      expect(again.body.equals(msg.body)).toBe(true);
    }
    // Both outcomes must be well represented, or the mutations are too weak or too strong.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(19_000);
  });
});
