import { describe, expect, it } from 'vitest';
import { SipHeaders, SipParseError } from '../message/index.js';
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { firstElementEnd, responseDestination, stampReceived } from './via-routing.js';

function request(vias: string[]): SipRequest {
  return {
    kind: 'request',
    method: 'OPTIONS',
    uri: 'sip:bob@example.com',
    version: 'SIP/2.0',
    headers: SipHeaders.from([
      ['Max-Forwards', '70'],
      ...vias.map((v): [string, string] => ['Via', v]),
      ['Call-ID', 'x'],
    ]),
    body: Buffer.alloc(0),
  };
}

function response(vias: string[]): SipResponse {
  return {
    kind: 'response',
    status: 200,
    reason: 'OK',
    version: 'SIP/2.0',
    headers: SipHeaders.from(vias.map((v): [string, string] => ['Via', v])),
    body: Buffer.alloc(0),
  };
}

const udpSource: TransportEndpoint = { protocol: 'udp', host: '192.0.2.7', port: 40000 };

describe('stampReceived', () => {
  it('adds received when sent-by names another host', () => {
    const req = request(['SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776']);
    stampReceived(req, udpSource);
    const top = req.headers.getAll('Via')[0] ?? '';
    expect(top).toMatch(/;received=192\.0\.2\.7/);
    expect(top).toMatch(/branch=z9hG4bK776/);
    expect(top).not.toMatch(/rport/);
  });

  it('leaves the Via alone when sent-by is the source and no rport is asked for', () => {
    const value = 'SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776';
    const req = request([value]);
    stampReceived(req, udpSource);
    expect(req.headers.getLines('Via')).toEqual([value]);
  });

  it('fills an empty rport and adds received even when the host matches (RFC 3581 §4)', () => {
    const req = request(['SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    const top = req.headers.getAll('Via')[0] ?? '';
    expect(top).toMatch(/;rport=40000/);
    expect(top).toMatch(/;received=192\.0\.2\.7/);
  });

  it('keeps a filled rport', () => {
    const req = request(['SIP/2.0/UDP a.example;rport=1234;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    expect(req.headers.getAll('Via')[0]).toMatch(/;rport=1234/);
  });

  it('rewrites only the first value of the first Via line', () => {
    const req = request([
      'SIP/2.0/UDP a.example;branch=z9hG4bK1 , SIP/2.0/TCP b.example;branch=z9hG4bK2',
      'SIP/2.0/UDP c.example;branch=z9hG4bK3',
    ]);
    stampReceived(req, udpSource);
    const lines = req.headers.getLines('Via');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SIP\/2\.0\/UDP a\.example.*received=192\.0\.2\.7/);
    expect(lines[0]).toMatch(/;received=192\.0\.2\.7, SIP\/2\.0\/TCP b\.example;branch=z9hG4bK2$/);
    expect(lines[1]).toBe('SIP/2.0/UDP c.example;branch=z9hG4bK3');
    // Header order is kept: Max-Forwards, Via, Via, Call-ID.
    expect([...req.headers.entries()].map((f) => f.name)).toEqual([
      'Max-Forwards',
      'Via',
      'Via',
      'Call-ID',
    ]);
  });

  it('throws SipParseError for an unreadable top Via', () => {
    const req = request(['garbage']);
    expect(() => stampReceived(req, udpSource)).toThrow(SipParseError);
  });
});

describe('responseDestination', () => {
  it('UDP: received address and rport', () => {
    const res = response(['SIP/2.0/UDP a.example:5062;received=192.0.2.9;rport=41000;branch=z']);
    expect(responseDestination(res, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.9',
      port: 41000,
    });
  });

  it('UDP: source address and sent-by port without received/rport', () => {
    const res = response(['SIP/2.0/UDP 192.0.2.7:5062;branch=z']);
    expect(responseDestination(res, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.7',
      port: 5062,
    });
  });

  it('UDP: default port 5060, and an unfilled rport means the source port', () => {
    expect(responseDestination(response(['SIP/2.0/UDP 192.0.2.7;branch=z']), udpSource).port).toBe(
      5060,
    );
    expect(
      responseDestination(response(['SIP/2.0/UDP 192.0.2.7;rport;branch=z']), udpSource).port,
    ).toBe(40000);
  });

  it('UDP: maddr wins', () => {
    const res = response(['SIP/2.0/UDP a.example;maddr=239.255.255.1;branch=z']);
    expect(responseDestination(res, udpSource)).toMatchObject({
      host: '239.255.255.1',
      port: 5060,
    });
  });

  it('reliable: received host and sent-by port, without the connection id', () => {
    const src: TransportEndpoint = {
      protocol: 'tls',
      host: '192.0.2.7',
      port: 50123,
      connectionId: 'tls:192.0.2.7:50123#1',
    };
    const res = response(['SIP/2.0/TLS a.example;received=192.0.2.7;rport=50123;branch=z']);
    expect(responseDestination(res, src)).toEqual({
      protocol: 'tls',
      host: '192.0.2.7',
      port: 5061,
    });
  });

  it('throws without a Via', () => {
    expect(() => responseDestination(response([]), udpSource)).toThrow(/Via/);
  });
});

describe('firstElementEnd', () => {
  it('finds the first top-level comma', () => {
    expect(firstElementEnd('a;x="1,2" , b')).toBe(10);
    expect(firstElementEnd('only')).toBe(4);
  });
});
