import { describe, expect, it } from 'vitest';
import type { SipUri } from '../message/index.js';
import { defaultPort, isReliableProtocol, protocolForUri, resolveUri } from './resolve.js';

function uri(scheme: string, host: string, port?: number, transport?: string): SipUri {
  const params = new Map<string, string | null>();
  if (transport !== undefined) params.set('transport', transport);
  return { scheme, host, port, params, headers: new Map() };
}

describe('protocolForUri', () => {
  it('defaults to udp for sip: and tls for sips:', () => {
    expect(protocolForUri(uri('sip', 'a.example'))).toBe('udp');
    expect(protocolForUri(uri('sips', 'a.example'))).toBe('tls');
  });

  it('follows the transport parameter, case-insensitively', () => {
    expect(protocolForUri(uri('sip', 'a', undefined, 'TCP'))).toBe('tcp');
    expect(protocolForUri(uri('sip', 'a', undefined, 'tls'))).toBe('tls');
    expect(protocolForUri(uri('sip', 'a', undefined, 'ws'))).toBe('ws');
    expect(protocolForUri(uri('sip', 'a', undefined, 'wss'))).toBe('wss');
  });

  it('keeps sips: secure whatever the transport parameter says', () => {
    expect(protocolForUri(uri('sips', 'a', undefined, 'tcp'))).toBe('tls');
    expect(protocolForUri(uri('sips', 'a', undefined, 'ws'))).toBe('wss');
  });

  it('rejects transports it does not speak', () => {
    expect(() => protocolForUri(uri('sip', 'a', undefined, 'sctp'))).toThrow(/sctp/);
  });
});

describe('resolveUri', () => {
  it('passes IP literals through with default ports', async () => {
    expect(await resolveUri(uri('sip', '192.0.2.1'))).toEqual({
      protocol: 'udp',
      host: '192.0.2.1',
      port: 5060,
    });
    expect(await resolveUri(uri('sips', '192.0.2.1'))).toEqual({
      protocol: 'tls',
      host: '192.0.2.1',
      port: 5061,
    });
    expect(await resolveUri(uri('sip', '192.0.2.1', undefined, 'ws'))).toMatchObject({ port: 80 });
    expect(await resolveUri(uri('sip', '192.0.2.1', undefined, 'wss'))).toMatchObject({
      port: 443,
    });
  });

  it('keeps an explicit port', async () => {
    expect(await resolveUri(uri('sip', '192.0.2.1', 5080, 'tcp'))).toEqual({
      protocol: 'tcp',
      host: '192.0.2.1',
      port: 5080,
    });
  });

  it('looks host names up', async () => {
    expect(await resolveUri(uri('sip', 'localhost', 5070))).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: 5070,
    });
  });

  it('refuses non-SIP schemes', async () => {
    await expect(resolveUri(uri('tel', ''))).rejects.toThrow(/tel/);
  });
});

describe('defaultPort / isReliableProtocol', () => {
  it('knows every protocol', () => {
    expect(defaultPort('udp')).toBe(5060);
    expect(defaultPort('tcp')).toBe(5060);
    expect(defaultPort('tls')).toBe(5061);
    expect(isReliableProtocol('udp')).toBe(false);
    expect(isReliableProtocol('tcp')).toBe(true);
    expect(isReliableProtocol('wss')).toBe(true);
  });
});
