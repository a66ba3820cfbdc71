import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import {
  BRANCH_COOKIE,
  createRequest,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
} from './builders.js';
import { reasonPhrase } from './reason-phrases.js';
import { getTo } from './accessors.js';
import { parseUri } from './uri.js';
import type { SipRequest } from './types.js';

function invite(to = 'Bob <sip:bob@biloxi.example.com>', extra: string[] = []): SipRequest {
  const m = parseMessage(
    Buffer.from(
      [
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2;received=192.0.2.3',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1',
        'Max-Forwards: 69',
        `To: ${to}`,
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710',
        'CSeq: 314159 INVITE',
        'Record-Route: <sip:proxy.example.com;lr>',
        'Timestamp: 54',
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

describe('createRequest', () => {
  it('builds a SIP/2.0 request with Max-Forwards 70 by default', () => {
    const req = createRequest({
      method: 'OPTIONS',
      uri: parseUri('sip:bob@example.com;transport=tcp'),
      headers: [
        ['Via', `SIP/2.0/TCP h;branch=${generateBranch()}`],
        ['f', '<sip:a@b>;tag=1'],
      ],
    });
    expect(req).toMatchObject({ kind: 'request', method: 'OPTIONS', version: 'SIP/2.0' });
    expect(req.uri).toBe('sip:bob@example.com;transport=tcp');
    expect(req.headers.get('Max-Forwards')).toBe('70');
    expect(req.headers.get('From')).toBe('<sip:a@b>;tag=1');
    expect(req.body.length).toBe(0);
  });

  it('keeps a given Max-Forwards and sets Content-Type with a body', () => {
    const req = createRequest({
      method: 'MESSAGE',
      uri: 'sip:x@y',
      headers: [['Max-Forwards', '10']],
      body: 'hello',
      contentType: 'text/plain',
    });
    expect(req.headers.getLines('Max-Forwards')).toEqual(['10']);
    expect(req.headers.get('Content-Type')).toBe('text/plain');
    expect(serializeMessage(req).toString()).toContain('Content-Length: 5\r\n\r\nhello');
  });
});

describe('createResponse', () => {
  it('copies Via (all, in order), From, To, Call-ID and CSeq, nothing else', () => {
    const res = createResponse(invite(), 180, { toTag: 'tt1' });
    expect([...res.headers.entries()].map((f) => f.name)).toEqual([
      'Via',
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
    ]);
    expect(res.headers.getLines('Via')).toEqual([
      'SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2;received=192.0.2.3',
      'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1',
    ]);
    expect(res).toMatchObject({
      kind: 'response',
      status: 180,
      reason: 'Ringing',
      version: 'SIP/2.0',
    });
    expect(getTo(res).params.get('tag')).toBe('tt1');
  });

  it('never adds a tag to a 100 Trying, which echoes Timestamp', () => {
    const res = createResponse(invite(), 100, { toTag: 'tt1' });
    expect(res.headers.get('To')).toBe('Bob <sip:bob@biloxi.example.com>');
    expect(res.headers.get('Timestamp')).toBe('54');
    expect(createResponse(invite(), 200).headers.has('Timestamp')).toBe(false);
  });

  it('keeps an existing To tag', () => {
    const res = createResponse(invite('<sip:bob@b>;tag=old'), 200, { toTag: 'new' });
    expect(res.headers.get('To')).toBe('<sip:bob@b>;tag=old');
  });

  it('adds extra headers, reason and body', () => {
    const res = createResponse(invite(), 200, {
      reason: 'Fine',
      toTag: 'x',
      headers: [['Contact', '<sip:me@h>']],
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
    });
    expect(res.reason).toBe('Fine');
    expect(res.headers.get('Contact')).toBe('<sip:me@h>');
    expect(res.headers.get('Content-Type')).toBe('application/sdp');
    expect(res.body.toString()).toBe('v=0\r\n');
  });

  it('answers the partial request of a refused message without throwing', () => {
    let partial: SipRequest | undefined;
    try {
      invite('"unterminated <sip:bob@b>');
    } catch (err) {
      if (err instanceof SipParseError) partial = err.partial;
    }
    expect(partial).toBeDefined();
    const res = createResponse(partial!, 400, { reason: 'Bad To', toTag: 'z' });
    expect(res.headers.get('To')).toBe('"unterminated <sip:bob@b>;tag=z');
    const tagged = createResponse(
      { ...partial!, headers: partial!.headers.clone().set('To', '"x <sip:b>;tag=1') },
      400,
      {
        toTag: 'z',
      },
    );
    expect(tagged.headers.get('To')).toBe('"x <sip:b>;tag=1');
  });
});

describe('identifiers', () => {
  it('branches start with the magic cookie and are unique tokens', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const b = generateBranch();
      expect(b.startsWith(BRANCH_COOKIE)).toBe(true);
      expect(b).toMatch(/^[A-Za-z0-9_-]+$/);
      seen.add(b);
    }
    expect(seen.size).toBe(1000);
  });

  it('tags and Call-IDs are unique hex strings', () => {
    const tags = new Set(Array.from({ length: 500 }, generateTag));
    const ids = new Set(Array.from({ length: 500 }, generateCallId));
    expect(tags.size).toBe(500);
    expect(ids.size).toBe(500);
    expect([...tags][0]).toMatch(/^[0-9a-f]{16}$/);
    expect([...ids][0]).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('reasonPhrase', () => {
  it.each([
    [100, 'Trying'],
    [181, 'Call Is Being Forwarded'],
    [182, 'Queued'],
    [183, 'Session Progress'],
    [199, 'Early Dialog Terminated'],
    [202, 'Accepted'],
    [204, 'No Notification'],
    [380, 'Alternative Service'],
    [412, 'Conditional Request Failed'],
    [420, 'Bad Extension'],
    [421, 'Extension Required'],
    [422, 'Session Interval Too Small'],
    [423, 'Interval Too Brief'],
    [428, 'Use Identity Header'],
    [429, 'Provide Referrer Identity'],
    [433, 'Anonymity Disallowed'],
    [436, 'Bad Identity-Info'],
    [437, 'Unsupported Certificate'],
    [439, 'First Hop Lacks Outbound Support'],
    [440, 'Max-Breadth Exceeded'],
    [469, 'Bad Info Package'],
    [470, 'Consent Needed'],
    [480, 'Temporarily Unavailable'],
    [481, 'Call/Transaction Does Not Exist'],
    [483, 'Too Many Hops'],
    [487, 'Request Terminated'],
    [488, 'Not Acceptable Here'],
    [489, 'Bad Event'],
    [491, 'Request Pending'],
    [493, 'Undecipherable'],
    [494, 'Security Agreement Required'],
    [500, 'Server Internal Error'],
    [503, 'Service Unavailable'],
    [504, 'Server Time-out'],
    [505, 'Version Not Supported'],
    [513, 'Message Too Large'],
    [555, 'Push Notification Service Not Supported'],
    [580, 'Precondition Failure'],
    [600, 'Busy Everywhere'],
    [603, 'Decline'],
    [604, 'Does Not Exist Anywhere'],
    [606, 'Not Acceptable'],
    [607, 'Unwanted'],
    [608, 'Rejected'],
  ])('%i is %s', (status, phrase) => {
    expect(reasonPhrase(status)).toBe(phrase);
  });

  it('falls back to the class name, or Unknown', () => {
    expect(reasonPhrase(358)).toBe('Redirection');
    expect(reasonPhrase(499)).toBe('Request Failure');
    expect(reasonPhrase(199.5)).toBe('Unknown');
    expect(reasonPhrase(42)).toBe('Unknown');
    expect(reasonPhrase(700)).toBe('Unknown');
  });
});
