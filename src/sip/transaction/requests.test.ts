import { describe, expect, it } from 'vitest';
import { buildCancel, buildNonSuccessAck } from './requests.js';
import { makeRequest, makeResponse } from './test-support.js';

describe('requests built by the transaction layer', () => {
  const invite = makeRequest({
    method: 'INVITE',
    cseq: 42,
    routes: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
    extraVias: ['SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKdownstream'],
  });
  invite.headers.append('Contact', '<sip:alice@192.0.2.10>');
  invite.headers.append('Content-Type', 'application/sdp');
  invite.body = Buffer.from('v=0\r\n');

  it('builds the non-2xx ACK of §17.1.1.3', () => {
    const ack = buildNonSuccessAck(invite, makeResponse(invite, 486, 'busy'));
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toBe(invite.uri);
    expect(ack.headers.getLines('Via')).toEqual([invite.headers.getAll('Via')[0]]);
    expect(ack.headers.getLines('Route')).toEqual(invite.headers.getLines('Route'));
    expect(ack.headers.get('To')).toBe('<sip:bob@example.com>;tag=busy');
    expect(ack.headers.get('From')).toBe(invite.headers.get('From'));
    expect(ack.headers.get('Call-ID')).toBe(invite.headers.get('Call-ID'));
    expect(ack.headers.get('CSeq')).toBe('42 ACK');
    expect(ack.headers.has('Contact')).toBe(false);
    expect(ack.headers.has('Content-Type')).toBe(false);
    expect(ack.body.length).toBe(0);
  });

  it('builds the CANCEL of §9.1', () => {
    const cancel = buildCancel(invite);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uri).toBe(invite.uri);
    expect(cancel.headers.getLines('Via')).toEqual([invite.headers.getAll('Via')[0]]);
    expect(cancel.headers.getLines('Route')).toEqual(invite.headers.getLines('Route'));
    expect(cancel.headers.get('To')).toBe(invite.headers.get('To'));
    expect(cancel.headers.get('From')).toBe(invite.headers.get('From'));
    expect(cancel.headers.get('CSeq')).toBe('42 CANCEL');
    expect(cancel.headers.get('Max-Forwards')).toBe('70');
    expect(cancel.body.length).toBe(0);
  });

  it('takes the top Via from a comma-joined Via line', () => {
    const joined = makeRequest({ method: 'INVITE' });
    joined.headers.set(
      'Via',
      'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKtop, SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKx',
    );
    expect(buildCancel(joined).headers.getLines('Via')).toEqual([
      'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKtop',
    ]);
  });
});
