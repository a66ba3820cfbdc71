import { describe, expect, it } from 'vitest';
import {
  MAX_SDP_LENGTH,
  connectionAddress,
  isPlainRtp,
  isUnspecifiedAddress,
  parseSdp,
  readPtime,
} from './parse.js';

describe('parseSdp', () => {
  it('accepts LF-only bodies, blank lines and trailing spaces', () => {
    const parsed = parseSdp('v=0\n\nc=IN IP4 10.0.0.1  \nm=audio  4000 RTP/AVP 0  8\n');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.mediaLines).toEqual([
      { type: 'audio', port: 4000, protocol: 'RTP/AVP', formats: ['0', '8'] },
    ]);
    expect(parsed.session.connection?.ip).toBe('10.0.0.1');
  });

  it('reads m= lines sdp-transform cannot (hyphenated media type)', () => {
    const parsed = parseSdp('v=0\r\nm=x-custom 0 TCP foo\r\n');
    expect(parsed.ok && parsed.mediaLines[0]).toEqual({
      type: 'x-custom',
      port: 0,
      protocol: 'TCP',
      formats: ['foo'],
    });
  });

  it('accepts c= with a multicast TTL and names bad lines by number', () => {
    expect(parseSdp('v=0\r\nc=IN IP4 224.2.1.1/127\r\n').ok).toBe(true);
    expect(parseSdp('v=0\r\ns=-\r\nm=audio 4000/2 RTP/AVP 0\r\n')).toEqual({
      ok: false,
      reason: 'Malformed SDP: m= line 3 port "4000/2" is not a port number',
    });
  });

  it('refuses oversized bodies and truncates quoted lines', () => {
    expect(parseSdp(`v=0\r\na=${'x'.repeat(MAX_SDP_LENGTH)}\r\n`)).toEqual({
      ok: false,
      reason: 'Malformed SDP: body too large',
    });
    const long = parseSdp(`v=0\r\n${'y'.repeat(100)}\r\n`);
    expect(!long.ok && long.reason.length).toBeLessThan(120);
  });
});

describe('helpers', () => {
  it('connectionAddress prefers media level and strips the TTL', () => {
    const parsed = parseSdp('v=0\r\nc=IN IP4 224.2.1.1/127\r\nm=audio 4000 RTP/AVP 0\r\n');
    if (!parsed.ok) throw new Error(parsed.reason);
    const media = parsed.session.media[0];
    if (media === undefined) throw new Error('no media');
    expect(connectionAddress(parsed.session, media)).toBe('224.2.1.1');
    media.connection = { version: 4, ip: '10.9.9.9' };
    expect(connectionAddress(parsed.session, media)).toBe('10.9.9.9');
  });

  it('isUnspecifiedAddress knows 0.0.0.0 and ::', () => {
    expect(isUnspecifiedAddress('0.0.0.0')).toBe(true);
    expect(isUnspecifiedAddress('::')).toBe(true);
    expect(isUnspecifiedAddress('0:0:0:0:0:0:0:0')).toBe(true);
    expect(isUnspecifiedAddress('::1')).toBe(false);
    expect(isUnspecifiedAddress('10.0.0.0')).toBe(false);
  });

  it('isPlainRtp accepts AVP and AVPF only', () => {
    expect(isPlainRtp('RTP/AVP')).toBe(true);
    expect(isPlainRtp('rtp/avpf')).toBe(true);
    expect(isPlainRtp('RTP/SAVP')).toBe(false);
    expect(isPlainRtp('UDP/TLS/RTP/SAVPF')).toBe(false);
  });

  it('readPtime accepts positive values and rejects nonsense', () => {
    expect(readPtime(20)).toBe(20);
    expect(readPtime('30')).toBe(30);
    expect(readPtime(0)).toBeUndefined();
    expect(readPtime('abc')).toBeUndefined();
    expect(readPtime(undefined)).toBeUndefined();
  });
});
