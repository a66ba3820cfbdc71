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

  it('adds received even when sent-by is the source address', () => {
    const req = request(['SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776']);
    stampReceived(req, udpSource);
    expect(req.headers.getLines('Via')).toEqual([
      'SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776;received=192.0.2.7',
    ]);
  });

  it('leaves a Via that already carries the true received alone', () => {
    const value = 'SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776;received=192.0.2.7';
    const req = request([value]);
    stampReceived(req, udpSource);
    expect(req.headers.getLines('Via')).toEqual([value]);
  });

  it('overwrites a received forged by the sender with the real source', () => {
    const req = request(['SIP/2.0/UDP 192.0.2.7:5060;received=203.0.113.66;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    const top = req.headers.getAll('Via')[0] ?? '';
    expect(top).toMatch(/;received=192\.0\.2\.7/);
    expect(top).not.toMatch(/203\.0\.113\.66/);
  });

  it('fills an empty rport and adds received even when the host matches (RFC 3581 §4)', () => {
    const req = request(['SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    const top = req.headers.getAll('Via')[0] ?? '';
    expect(top).toMatch(/;rport=40000/);
    expect(top).toMatch(/;received=192\.0\.2\.7/);
  });

  it('overwrites an rport value the sender filled in itself', () => {
    const req = request(['SIP/2.0/UDP a.example;rport=1234;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    expect(req.headers.getAll('Via')[0]).toMatch(/;rport=40000/);
  });

  it('edits the header collection in place, keeping cached parses of other headers', () => {
    const req = request(['SIP/2.0/UDP a.example;branch=z9hG4bK1']);
    const headers = req.headers;
    stampReceived(req, udpSource);
    expect(req.headers).toBe(headers);
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
  it('UDP: source address and the source port when rport was asked for', () => {
    const res = response(['SIP/2.0/UDP a.example:5062;received=192.0.2.7;rport=40000;branch=z']);
    expect(responseDestination(res, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.7',
      port: 40000,
    });
  });

  it('UDP: source address and sent-by port without rport', () => {
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

  it('UDP: ignores a received, rport and maddr forged in an unstamped Via', () => {
    // A request that failed to parse is answered from err.partial without stamping, so its
    // Via says whatever the sender wrote; the response must still go back to the sender.
    const res = response([
      'SIP/2.0/UDP 203.0.113.66:5062;received=203.0.113.66;rport=9;maddr=203.0.113.67;branch=z',
    ]);
    expect(responseDestination(res, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.7',
      port: 40000,
    });
    const noRport = response(['SIP/2.0/UDP a.example;maddr=239.255.255.1;branch=z']);
    expect(responseDestination(noRport, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.7',
      port: 5060,
    });
  });

  it('UDP: a stamped forged Via still routes to the real source', () => {
    const req = request(['SIP/2.0/UDP 203.0.113.66:5070;received=203.0.113.66;branch=z9hG4bK1']);
    stampReceived(req, udpSource);
    const res = response(req.headers.getLines('Via'));
    expect(responseDestination(res, udpSource)).toEqual({
      protocol: 'udp',
      host: '192.0.2.7',
      port: 5070,
    });
  });

  it('reliable: source host and sent-by port, without the connection id', () => {
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

  it('reliable: reconnects to the source host, not a Via-supplied address', () => {
    const src: TransportEndpoint = { protocol: 'tcp', host: '192.0.2.7', port: 50123 };
    const res = response(['SIP/2.0/TCP 203.0.113.66:5070;received=203.0.113.66;branch=z']);
    expect(responseDestination(res, src)).toEqual({
      protocol: 'tcp',
      host: '192.0.2.7',
      port: 5070,
    });
  });

  it('reliable: WebSocket default ports', () => {
    const ws: TransportEndpoint = { protocol: 'ws', host: '192.0.2.7', port: 50123 };
    const wss: TransportEndpoint = { protocol: 'wss', host: '192.0.2.7', port: 50124 };
    expect(responseDestination(response(['SIP/2.0/WS x.invalid;branch=z']), ws).port).toBe(80);
    expect(responseDestination(response(['SIP/2.0/WSS x.invalid;branch=z']), wss).port).toBe(443);
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
