import { describe, expect, it } from 'vitest';
import {
  parseMessage,
  SipParseError,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { Dialog, dialogKey } from './dialog.js';

const flow = { protocol: 'udp' as const, host: '10.0.0.2', port: 5060 };

function msg(lines: string[]): SipRequest | SipResponse {
  const text = `${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
  const parsed = parseMessage(Buffer.from(text));
  parsed.source = flow;
  return parsed;
}

function invite(extra: string[] = []): SipRequest {
  return msg([
    'INVITE sip:bob@10.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-1',
    'From: "Alice" <sip:alice@example.com>;tag=alice1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:alice@10.0.0.2:5070;transport=udp>',
    ...extra,
  ]) as SipRequest;
}

describe('Dialog.asUas', () => {
  it('takes ids, remote target and route set (in order) from the request', () => {
    const d = Dialog.asUas(
      invite(['Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>']),
      'bob1',
      'early',
    );
    expect(d.key).toBe(dialogKey('call-1', 'bob1', 'alice1'));
    expect(d.remoteTarget).toBe('sip:alice@10.0.0.2:5070;transport=udp');
    expect(d.routeSet).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    expect(d.remoteSeq).toBe(7);
    expect(d.local.params.get('tag')).toBe('bob1');
    expect(d.flow).toEqual(flow);
    expect(d.state).toBe('early');
  });

  it('refuses an unreadable Record-Route up front', () => {
    expect(() => Dialog.asUas(invite(['Record-Route: <not a uri']), 't', 'early')).toThrow(
      SipParseError,
    );
  });

  it('builds in-dialog requests: From/To swapped, CSeq increasing, loose routes kept', () => {
    const d = Dialog.asUas(
      invite(['Record-Route: <sip:p1.example;lr>', 'Record-Route: <sip:p2.example;lr>']),
      'bob1',
      'confirmed',
    );
    const first = d.request('BYE');
    const second = d.request('INFO', {
      headers: [['X-Test', '1']],
      body: 'x',
      contentType: 'text/plain',
    });
    expect(first.method).toBe('BYE');
    expect(first.uri).toBe('sip:alice@10.0.0.2:5070;transport=udp');
    expect(first.headers.get('From')).toBe('<sip:bob@example.com>;tag=bob1');
    expect(first.headers.get('To')).toBe('"Alice" <sip:alice@example.com>;tag=alice1');
    expect(first.headers.getAll('Route')).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    const seq1 = Number(first.headers.get('CSeq')?.split(' ')[0]);
    expect(second.headers.get('CSeq')).toBe(`${seq1 + 1} INFO`);
    expect(second.headers.get('X-Test')).toBe('1');
    expect(second.headers.get('Content-Type')).toBe('text/plain');
    expect(d.request('ACK', { seq: 7 }).headers.get('CSeq')).toBe('7 ACK');
    expect(d.nextHopUri()).toBe('sip:p1.example;lr');
  });

  it('checks the peer CSeq: higher passes, equal or lower fails, ACK/CANCEL exempt', () => {
    const d = Dialog.asUas(invite(), 'bob1', 'confirmed');
    const req = (seq: number, method: string): SipRequest =>
      msg([
        `${method} sip:bob@10.0.0.1 SIP/2.0`,
        'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2',
        'From: <sip:alice@example.com>;tag=alice1',
        'To: <sip:bob@example.com>;tag=bob1',
        'Call-ID: call-1',
        `CSeq: ${seq} ${method}`,
      ]) as SipRequest;
    expect(d.acceptRemoteSeq(req(7, 'INFO'))).toBe(false);
    expect(d.acceptRemoteSeq(req(8, 'INFO'))).toBe(true);
    expect(d.acceptRemoteSeq(req(8, 'BYE'))).toBe(false);
    expect(d.acceptRemoteSeq(req(3, 'ACK'))).toBe(true);
    expect(d.acceptRemoteSeq(req(20, 'BYE'))).toBe(true);
    expect(d.remoteSeq).toBe(20);
  });

  it('refreshes the remote target from a Contact', () => {
    const d = Dialog.asUas(invite(), 'bob1', 'confirmed');
    d.refreshTarget(
      msg([
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-3',
        'From: <sip:alice@example.com>;tag=alice1',
        'To: <sip:bob@example.com>;tag=bob1',
        'Call-ID: call-1',
        'CSeq: 9 INVITE',
        'Contact: <sip:alice@10.9.9.9:6000>;expires=30',
      ]),
    );
    expect(d.remoteTarget).toBe('sip:alice@10.9.9.9:6000');
  });
});

describe('Dialog.asUac', () => {
  const ourInvite = (): SipRequest =>
    msg([
      'INVITE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-4',
      'From: <sip:switchboard@example.com>;tag=us',
      'To: <sip:bob@example.com>',
      'Call-ID: call-2',
      'CSeq: 1 INVITE',
    ]) as SipRequest;
  const ok = (routes: string[]): SipResponse =>
    msg([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-4',
      'From: <sip:switchboard@example.com>;tag=us',
      'To: <sip:bob@example.com>;tag=them',
      'Call-ID: call-2',
      'CSeq: 1 INVITE',
      'Contact: <sip:bob@10.0.0.3>',
      ...routes,
    ]) as SipResponse;

  it('reverses the Record-Route set and goes on from the INVITE CSeq', () => {
    const d = Dialog.asUac(
      ourInvite(),
      ok(['Record-Route: <sip:p2.example;lr>', 'Record-Route: <sip:p1.example;lr>']),
      flow,
    );
    expect(d.key).toBe(dialogKey('call-2', 'us', 'them'));
    expect(d.state).toBe('confirmed');
    expect(d.routeSet).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    const bye = d.request('BYE');
    expect(bye.headers.get('CSeq')).toBe('2 BYE');
    expect(bye.uri).toBe('sip:bob@10.0.0.3');
    expect(bye.headers.get('To')).toBe('<sip:bob@example.com>;tag=them');
  });

  it('strict routing: first route on the request line, the remote target last', () => {
    const d = Dialog.asUac(
      ourInvite(),
      ok([
        'Record-Route: <sip:p2.example;lr>',
        'Record-Route: <sip:strict.example;maddr=10.1.1.1>',
      ]),
      flow,
    );
    const bye = d.request('BYE');
    expect(bye.uri).toBe('sip:strict.example;maddr=10.1.1.1');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p2.example;lr>', '<sip:bob@10.0.0.3>']);
    expect(d.nextHopUri()).toBe('sip:strict.example;maddr=10.1.1.1');
  });

  it('without Contact the Request-URI stays the target', () => {
    const res = ok([]);
    res.headers.delete('Contact');
    const d = Dialog.asUac(ourInvite(), res, flow);
    expect(d.remoteTarget).toBe('sip:bob@example.com');
    expect(d.request('BYE').headers.has('Route')).toBe(false);
  });
});
