import { describe, expect, it } from 'vitest';
import { createRequest, type SipRequest } from '../message/index.js';
import { checkRequest, contentType, optionTags } from './request-checks.js';

function req(
  method: string,
  headers: Array<[string, string]> = [],
  opts: { uri?: string; body?: string; version?: string } = {},
): SipRequest {
  const r = createRequest({
    method,
    uri: opts.uri ?? 'sip:bob@example.com',
    headers: [['CSeq', `1 ${method}`], ...headers],
    body: opts.body,
  });
  if (opts.version) r.version = opts.version;
  return r;
}

describe('checkRequest', () => {
  it('passes an ordinary INVITE with SDP', () => {
    expect(
      checkRequest(req('INVITE', [['Content-Type', 'application/sdp']], { body: 'v=0\r\n' })),
    ).toBeUndefined();
  });

  it('505 for another SIP version', () => {
    expect(checkRequest(req('OPTIONS', [], { version: 'SIP/3.0' }))?.status).toBe(505);
  });

  it('416 for a non-SIP Request-URI, 400 for an unreadable one', () => {
    expect(checkRequest(req('INVITE', [], { uri: 'tel:+1555' }))).toMatchObject({
      status: 416,
      reason: expect.stringContaining('tel'),
    });
    expect(checkRequest(req('INVITE', [], { uri: 'sip:' }))?.status).toBe(400);
  });

  it('483 at Max-Forwards 0, except OPTIONS, ACK and CANCEL', () => {
    const hop0: Array<[string, string]> = [['Max-Forwards', '0']];
    expect(checkRequest(req('INVITE', hop0))?.status).toBe(483);
    expect(checkRequest(req('OPTIONS', hop0))).toBeUndefined();
    expect(checkRequest(req('ACK', hop0))).toBeUndefined();
    expect(checkRequest(req('CANCEL', hop0))).toBeUndefined();
  });

  it('420 with Unsupported for unknown Require tags; known tags pass', () => {
    expect(checkRequest(req('INVITE', [['Require', '100rel, foo, Bar']]))).toMatchObject({
      status: 420,
      headers: [['Unsupported', 'foo, bar']],
    });
    expect(checkRequest(req('INVITE', [['Require', '100rel, timer, replaces']]))).toBeUndefined();
    // Require on ACK/CANCEL is not checked (§8.2.2.3).
    expect(checkRequest(req('ACK', [['Require', 'foo']]))).toBeUndefined();
  });

  it('405 with Allow for known methods we do not accept, 501 for unknown ones', () => {
    const sub = checkRequest(req('SUBSCRIBE'));
    expect(sub?.status).toBe(405);
    expect(sub?.headers[0]?.[0]).toBe('Allow');
    expect(sub?.headers[0]?.[1]).toContain('REFER');
    expect(checkRequest(req('FROBNICATE'))?.status).toBe(501);
  });

  it('checks bodies of offer/answer methods only', () => {
    expect(checkRequest(req('INVITE', [], { body: 'v=0' }))).toMatchObject({ status: 400 });
    expect(
      checkRequest(req('UPDATE', [['Content-Type', 'text/html']], { body: '<p>' })),
    ).toMatchObject({ status: 415, headers: [['Accept', 'application/sdp']] });
    expect(
      checkRequest(req('INVITE', [['Content-Type', 'multipart/mixed;boundary=x']], { body: 'x' })),
    ).toBeUndefined();
    // INFO and NOTIFY carry whatever their packages define.
    expect(
      checkRequest(req('INFO', [['Content-Type', 'application/dtmf-relay']], { body: 'x' })),
    ).toBeUndefined();
  });

  it('415 for a Content-Encoding other than identity, on any method', () => {
    expect(
      checkRequest(
        req(
          'INFO',
          [
            ['Content-Type', 'text/plain'],
            ['Content-Encoding', 'gzip'],
          ],
          { body: 'x' },
        ),
      ),
    ).toMatchObject({ status: 415, headers: [['Accept-Encoding', 'identity']] });
    expect(
      checkRequest(
        req(
          'INVITE',
          [
            ['Content-Type', 'application/sdp'],
            ['Content-Encoding', 'Identity'],
          ],
          { body: 'v=0' },
        ),
      ),
    ).toBeUndefined();
  });
});

describe('helpers', () => {
  it('optionTags splits and lower-cases', () => {
    expect(
      optionTags(
        req('INVITE', [
          ['Supported', 'Timer, 100REL'],
          ['k', 'replaces'],
        ]),
        'Supported',
      ),
    ).toEqual(['timer', '100rel', 'replaces']);
  });

  it('contentType drops parameters and case', () => {
    expect(contentType(req('INVITE', [['Content-Type', 'Application/SDP; charset=utf-8']]))).toBe(
      'application/sdp',
    );
    expect(contentType(req('INVITE'))).toBeUndefined();
  });
});
