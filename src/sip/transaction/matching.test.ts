import { describe, expect, it } from 'vitest';
import {
  MAGIC_COOKIE,
  clientKeyForRequest,
  clientKeyForResponse,
  legacyToTagMatches,
  requestSource,
  serverMatch,
} from './matching.js';
import { makeRequest, makeResponse } from './test-support.js';

describe('client matching (§17.1.3)', () => {
  it('keys on the top Via branch and the CSeq method', () => {
    const invite = makeRequest({ method: 'INVITE', branch: 'z9hG4bK1' });
    const cancel = makeRequest({ method: 'CANCEL', branch: 'z9hG4bK1' });
    expect(clientKeyForResponse(makeResponse(invite, 180))).toBe(clientKeyForRequest(invite));
    expect(clientKeyForResponse(makeResponse(cancel, 200))).toBe(clientKeyForRequest(cancel));
    expect(clientKeyForRequest(invite)).not.toBe(clientKeyForRequest(cancel));
  });

  it('cannot match a response without a branch', () => {
    const res = makeResponse(makeRequest({ method: 'OPTIONS', branch: '' }), 200);
    expect(clientKeyForResponse(res)).toBeUndefined();
    expect(() => clientKeyForRequest(makeRequest({ method: 'OPTIONS', branch: '' }))).toThrow();
  });
});

describe('server matching (§17.2.3)', () => {
  it('uses branch, sent-by and method, with ACK and CANCEL-as-INVITE mapped to INVITE', () => {
    const invite = serverMatch(makeRequest({ method: 'INVITE' }));
    expect(invite.kind).toBe('branch');
    expect(serverMatch(makeRequest({ method: 'ACK' })).key).toBe(invite.key);
    expect(serverMatch(makeRequest({ method: 'CANCEL' }), 'INVITE').key).toBe(invite.key);
    expect(serverMatch(makeRequest({ method: 'CANCEL' })).key).not.toBe(invite.key);
    expect(serverMatch(makeRequest({ method: 'INVITE', viaPort: 5080 })).key).not.toBe(invite.key);
    expect(
      serverMatch(makeRequest({ method: 'INVITE', viaHost: '192.0.2.10'.toUpperCase() })).key,
    ).toBe(invite.key);
  });

  it('falls back to the RFC 2543 tuple without the magic cookie', () => {
    expect(MAGIC_COOKIE).toBe('z9hG4bK');
    const base = serverMatch(makeRequest({ method: 'INVITE', branch: 'oldbranch' }));
    expect(base.kind).toBe('legacy');
    const same = serverMatch(makeRequest({ method: 'INVITE', branch: 'oldbranch' }));
    expect(same.key).toBe(base.key);
    for (const change of [
      { callId: 'x' },
      { cseq: 9 },
      { fromTag: 'other' },
      { uri: 'sip:other@example.com' },
      { viaHost: '198.51.100.1' },
      { branch: 'otherbranch' },
    ]) {
      const other = serverMatch(makeRequest({ method: 'INVITE', branch: 'oldbranch', ...change }));
      expect(other.key).not.toBe(base.key);
    }
  });

  it('compares an RFC 2543 ACK with the To tag of the response sent', () => {
    const invite = makeRequest({ method: 'INVITE', branch: '' });
    const ack = makeRequest({ method: 'ACK', branch: '', toTag: 'resp' });
    const ackMatch = serverMatch(ack);
    if (ackMatch.kind !== 'legacy') throw new Error('expected legacy matching');
    const sent = makeResponse(invite, 404, 'resp');
    expect(legacyToTagMatches(ack, ackMatch.toTag, invite, sent)).toBe(true);
    expect(legacyToTagMatches(ack, 'nope', invite, sent)).toBe(false);
    const reinvite = makeRequest({ method: 'INVITE', branch: '', toTag: 'resp' });
    expect(legacyToTagMatches(reinvite, 'resp', invite, sent)).toBe(false);
    expect(legacyToTagMatches(reinvite, '', invite, sent)).toBe(true);
  });
});

describe('requestSource', () => {
  it('prefers the transport source and falls back to the top Via', () => {
    const req = makeRequest({ method: 'OPTIONS' });
    expect(requestSource(req)).toBe(req.source);
    delete req.source;
    req.headers.set('Via', 'SIP/2.0/TLS host.example.com;branch=z9hG4bKx;received=192.0.2.99');
    expect(requestSource(req)).toEqual({ protocol: 'tls', host: '192.0.2.99', port: 5061 });
    req.headers.set('Via', 'SIP/2.0/UDP 192.0.2.1:5070;rport=40000;branch=z9hG4bKx');
    expect(requestSource(req)).toEqual({ protocol: 'udp', host: '192.0.2.1', port: 40000 });
  });

  it('uses the WebSocket default ports for a WS/WSS Via without a port (RFC 7118 §5.2)', () => {
    const req = makeRequest({ method: 'OPTIONS' });
    delete req.source;
    req.headers.set('Via', 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKx;received=192.0.2.5');
    expect(requestSource(req)).toEqual({ protocol: 'ws', host: '192.0.2.5', port: 80 });
    req.headers.set('Via', 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKx;received=192.0.2.5');
    expect(requestSource(req)).toEqual({ protocol: 'wss', host: '192.0.2.5', port: 443 });
    req.headers.set('Via', 'SIP/2.0/SCTP 192.0.2.6;branch=z9hG4bKx');
    expect(requestSource(req)).toEqual({ protocol: 'udp', host: '192.0.2.6', port: 5060 });
  });
});
