import { describe, expect, it } from 'vitest';
import {
  isRtcpPacket,
  isRtpParseFailure,
  parseRtp,
  writeRtp,
  type RtpPacket,
  type RtpParseFailure,
} from './rtp-packet.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function ok(r: RtpPacket | RtpParseFailure): RtpPacket {
  if (isRtpParseFailure(r)) throw new Error(`parse failed: ${r.reason}`);
  return r;
}

describe('parseRtp', () => {
  it('parses a plain PCMU packet', () => {
    // V=2, M=1, PT=0, seq 0x1234, ts 0xdeadbeef, ssrc 0x01020304, payload 3 bytes
    const p = ok(parseRtp(hex('80 80 1234 deadbeef 01020304 aabbcc')));
    expect(p).toMatchObject({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      csrcCount: 0,
    });
    expect([...p.payload]).toEqual([0xaa, 0xbb, 0xcc]);
  });

  it('returns a view into the datagram, not a copy', () => {
    const buf = hex('80 08 0001 00000000 00000001 0102');
    const p = ok(parseRtp(buf));
    expect(p.payload.buffer).toBe(buf.buffer);
    expect(p.payload.byteOffset).toBe(12);
  });

  it('skips CSRCs, a header extension and padding', () => {
    // V=2 P=1 X=1 CC=2, PT 96; 2 CSRCs; extension profile 0xbede, 1 word; payload 2 bytes;
    // 3 padding octets (last one = 3).
    const buf = hex(
      'b2 60 0005 00000010 0000abcd' +
        '11111111 22222222' +
        'bede 0001 01020304' +
        'feed' +
        '0000 03',
    );
    const p = ok(parseRtp(buf));
    expect(p.csrcCount).toBe(2);
    expect(p.payloadType).toBe(96);
    expect(p.marker).toBe(false);
    expect([...p.payload]).toEqual([0xfe, 0xed]);
  });

  it('accepts an empty payload', () => {
    expect(ok(parseRtp(hex('80 00 0000 00000000 00000000'))).payload.length).toBe(0);
  });

  it.each([
    ['too-short', '80 00 0000 00000000 000000'],
    ['bad-version', '40 00 0000 00000000 00000000 00'],
    ['bad-version', '00 00 0000 00000000 00000000 00'],
    ['truncated-csrc', '83 00 0000 00000000 00000000 11111111 22222222'],
    ['bad-extension', '90 00 0000 00000000 00000000 bede'],
    ['bad-extension', '90 00 0000 00000000 00000000 bede 0002 00000000'],
    ['bad-padding', 'a0 00 0000 00000000 00000000 0000 00'],
    ['bad-padding', 'a0 00 0000 00000000 00000000 0000 09'],
    // Padding that would eat into the header/extension.
    ['bad-padding', 'b0 00 0000 00000000 00000000 bede 0000 02'],
  ])('rejects %s: %s', (reason, bytes) => {
    const r = parseRtp(hex(bytes));
    expect(isRtpParseFailure(r)).toBe(true);
    expect((r as RtpParseFailure).reason).toBe(reason);
  });

  it('never throws on random bytes (fuzz)', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const len = rand() % 64;
      const buf = new Uint8Array(len);
      for (let j = 0; j < len; j++) buf[j] = rand() & 0xff;
      // Bias half the inputs to version 2 so that the deeper checks run too.
      if (len > 0 && i % 2 === 0) buf[0] = (buf[0]! & 0x3f) | 0x80;
      const r = parseRtp(buf);
      if (!isRtpParseFailure(r)) {
        parsed++;
        expect(r.payload.byteOffset + r.payload.length).toBeLessThanOrEqual(len);
        expect(r.payload.byteOffset).toBeGreaterThanOrEqual(12);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});

describe('writeRtp', () => {
  const fields = {
    marker: true,
    payloadType: 8,
    sequenceNumber: 65535,
    timestamp: 0xfffffff0,
    ssrc: 0x80000001,
  };

  it('round-trips through parseRtp', () => {
    const out = writeRtp(fields, Uint8Array.from([1, 2, 3, 4]));
    expect(out.toString('hex')).toBe('8088fffffffffff08000000101020304');
    const p = ok(parseRtp(out));
    expect(p).toMatchObject({ ...fields, csrcCount: 0 });
    expect([...p.payload]).toEqual([1, 2, 3, 4]);
  });

  it('writes into a given buffer when it fits, and allocates when it does not', () => {
    const scratch = Buffer.alloc(64);
    const a = writeRtp(fields, new Uint8Array(10), scratch);
    expect(a.buffer).toBe(scratch.buffer);
    expect(a.length).toBe(22);
    const b = writeRtp(fields, new Uint8Array(100), scratch);
    expect(b.buffer).not.toBe(scratch.buffer);
    expect(b.length).toBe(112);
  });

  it('truncates fields to their widths', () => {
    const out = writeRtp(
      { ...fields, payloadType: 0xff, sequenceNumber: 0x10001 },
      new Uint8Array(),
    );
    const p = ok(parseRtp(out));
    expect(p.payloadType).toBe(0x7f);
    expect(p.sequenceNumber).toBe(1);
  });
});

describe('isRtcpPacket', () => {
  it('demultiplexes by the second octet (RFC 5761 §4)', () => {
    expect(isRtcpPacket(hex('80 c8'))).toBe(true); // SR 200
    expect(isRtcpPacket(hex('81 c9 0007'))).toBe(true); // RR 201
    expect(isRtcpPacket(hex('80 c0'))).toBe(true); // 192
    expect(isRtcpPacket(hex('80 df'))).toBe(true); // 223
    expect(isRtcpPacket(hex('80 e0'))).toBe(false); // 224: RTP marker + PT 96
    expect(isRtcpPacket(hex('80 80'))).toBe(false); // RTP marker + PCMU
    expect(isRtcpPacket(hex('80 00'))).toBe(false);
    expect(isRtcpPacket(hex('80'))).toBe(false);
  });
});
