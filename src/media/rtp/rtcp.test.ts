import { describe, expect, it } from 'vitest';
import {
  dlsrFromMs,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  parseRtcp,
  rttMsFromReport,
  serializeRtcp,
  unixMsFromNtp,
  type RtcpPacket,
} from './rtcp.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

const block = {
  ssrc: 0x11223344,
  fractionLost: 64 / 256,
  cumulativeLost: -5,
  extendedHighestSeq: 0x00012345,
  jitter: 123,
  lsr: 0xabcd1234,
  dlsr: 0x00018000,
};

describe('RTCP serialise/parse', () => {
  it('round-trips SR + RR + SDES + BYE + APP in one compound', () => {
    const packets: RtcpPacket[] = [
      {
        type: 'sr',
        ssrc: 0xdeadbeef,
        ntpSeconds: 0xe5000000,
        ntpFraction: 0x80000000,
        rtpTimestamp: 160000,
        packetCount: 1000,
        octetCount: 160000,
        reports: [block],
      },
      {
        type: 'rr',
        ssrc: 0xdeadbeef,
        reports: [block, { ...block, ssrc: 7, cumulativeLost: 0x7fffff }],
      },
      {
        type: 'sdes',
        chunks: [
          { ssrc: 0xdeadbeef, items: [{ type: 1, value: 'alice@example.com' }] },
          {
            ssrc: 5,
            items: [
              { type: 1, value: 'b' },
              { type: 2, value: 'Bob ✓' },
            ],
          },
        ],
      },
      { type: 'bye', ssrcs: [0xdeadbeef, 5], reason: 'hangup' },
      { type: 'app', subtype: 3, ssrc: 9, name: 'TEST', data: Uint8Array.from([1, 2, 3, 4]) },
    ];
    const bytes = serializeRtcp(packets);
    expect(bytes.length % 4).toBe(0);
    const r = parseRtcp(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packets).toHaveLength(5);
    expect(r.packets[0]).toEqual(packets[0]);
    expect(r.packets[1]).toEqual(packets[1]);
    expect(r.packets[2]).toEqual(packets[2]);
    expect(r.packets[3]).toEqual(packets[3]);
    const app = r.packets[4];
    expect(app?.type === 'app' && [...app.data]).toEqual([1, 2, 3, 4]);
    expect(app).toMatchObject({ subtype: 3, ssrc: 9, name: 'TEST' });
  });

  it('parses a hand-made RR with one block (wire vector)', () => {
    const r = parseRtcp(
      hex(
        // V=2 RC=1 PT=201 length=7; SSRC; block: ssrc, fraction 0x80, cum lost 0xfffffe (−2),
        // ext seq, jitter, LSR, DLSR
        '81 c9 0007 00000001' + '00000002 80 fffffe 00010010 00000020 00000030 00000040',
      ),
    );
    expect(r).toEqual({
      ok: true,
      packets: [
        {
          type: 'rr',
          ssrc: 1,
          reports: [
            {
              ssrc: 2,
              fractionLost: 0.5,
              cumulativeLost: -2,
              extendedHighestSeq: 0x10010,
              jitter: 0x20,
              lsr: 0x30,
              dlsr: 0x40,
            },
          ],
        },
      ],
    });
  });

  it('clamps cumulative lost to 24 bits signed and fraction to 8 bits', () => {
    const bytes = serializeRtcp([
      {
        type: 'rr',
        ssrc: 1,
        reports: [
          { ...block, cumulativeLost: 1e9, fractionLost: 1 },
          { ...block, cumulativeLost: -1e9 },
        ],
      },
    ]);
    const r = parseRtcp(bytes);
    if (!r.ok || r.packets[0]?.type !== 'rr') throw new Error('bad parse');
    expect(r.packets[0].reports[0]).toMatchObject({
      cumulativeLost: 0x7fffff,
      fractionLost: 255 / 256,
    });
    expect(r.packets[0].reports[1]).toMatchObject({ cumulativeLost: -0x800000 });
  });

  it('skips unknown packet types by their length', () => {
    const rr = serializeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]);
    // PT 207 (XR) with 2 words of body.
    const xr = hex('80 cf 0002 00000001 00000000');
    const r = parseRtcp(Buffer.concat([rr, xr]));
    expect(r).toEqual({ ok: true, packets: [{ type: 'rr', ssrc: 1, reports: [] }] });
  });

  it('accepts padding on the last packet only', () => {
    // RR (empty) + BYE padded: BYE header says P=1, length 2 (12 bytes): ssrc + 4 pad (last=4).
    const good = hex('80 c9 0001 00000001' + 'a1 cb 0002 00000001 00000004');
    expect(parseRtcp(good)).toEqual({
      ok: true,
      packets: [
        { type: 'rr', ssrc: 1, reports: [] },
        { type: 'bye', ssrcs: [1] },
      ],
    });
    const bad = hex('80 c9 0001 00000001' + 'a1 cb 0002 00000001 00000004' + '80 c9 0001 00000001');
    expect(parseRtcp(bad)).toEqual({ ok: false, reason: 'bad-padding' });
  });

  it.each([
    ['too-short', '80 c9 0001'],
    ['bad-version', '40 c9 0001 00000001'],
    ['bad-first-type', '80 ca 0001 00000001'], // SDES first
    ['bad-first-type', '80 00 0001 00000001'], // RTP-looking
    ['bad-padding', 'a0 c9 0001 00000001'], // padding on the first packet
    ['bad-length', '80 c9 0002 00000001'], // says 12 bytes, has 8
    ['bad-length', '80 c9 0001 00000001 0000'], // trailing bytes
    ['bad-version', '80 c9 0001 00000001 40 cb 0000'], // second packet version 1
    ['bad-report-count', '81 c9 0001 00000001'], // RC=1 without the block
    ['bad-length', '80 c8 0001 00000001'], // SR shorter than its sender info
    ['bad-sdes', '80 c9 0001 00000001 81 ca 0001 00000001'], // chunk without terminator
    ['bad-sdes', '80 c9 0001 00000001 81 ca 0002 00000001 01 09 4142'], // item overruns
    ['bad-bye', '80 c9 0001 00000001 82 cb 0001 00000001'], // 2 SSRCs, room for 1
    ['bad-bye', '80 c9 0001 00000001 81 cb 0002 00000001 09 414243'], // reason overruns
    ['bad-app', '80 c9 0001 00000001 80 cc 0001 00000001'], // APP without name
  ])('rejects garbage: %s (%s)', (reason, bytes) => {
    expect(parseRtcp(hex(bytes))).toEqual({ ok: false, reason });
  });

  it('never throws on random bytes (fuzz)', () => {
    let seed = 99;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const valid = serializeRtcp([
      { type: 'rr', ssrc: 1, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'x@y' }] }] },
    ]);
    let ok = 0;
    for (let i = 0; i < 20_000; i++) {
      // Every input must produce a result object; a throw would fail the test.
      let buf: Uint8Array;
      if (i % 2 === 0) {
        // Mutate a valid compound: flips and truncation reach the inner checks.
        buf = Uint8Array.from(valid.subarray(0, rand() % (valid.length + 1)));
        for (let k = 0; k < 3; k++) if (buf.length) buf[rand() % buf.length] = rand() & 0xff;
      } else {
        buf = new Uint8Array(rand() % 80);
        for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
      }
      if (parseRtcp(buf).ok) ok++;
    }
    expect(ok).toBeLessThan(20_000);
  });
});

describe('NTP helpers and RTT', () => {
  it('converts Unix ms to NTP and back', () => {
    const ms = Date.UTC(2025, 0, 2, 3, 4, 5, 250);
    const ntp = ntpFromUnixMs(ms);
    expect(ntp.seconds).toBe(ms / 1000 - 0.25 + 2_208_988_800);
    expect(ntp.fraction).toBe(0x40000000);
    expect(unixMsFromNtp(ntp)).toBeCloseTo(ms, 3);
  });

  it('takes the middle 32 bits for LSR', () => {
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
  });

  it('computes RTT = A − LSR − DLSR with the numbers of RFC 3550 §6.4.1 (Figure 2)', () => {
    // A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000
    // (5.250 s) → RTT 6.125 s. Pick a Unix time whose NTP seconds end in 0xb710.
    const ntpSeconds = 3_900_000_000 - (3_900_000_000 % 65536) + 0xb710;
    const arrivalUnixMs = (ntpSeconds - 2_208_988_800) * 1000 + 500;
    expect(ntpMiddle32FromUnixMs(arrivalUnixMs)).toBe(0xb7108000);
    expect(dlsrFromMs(5250)).toBe(0x00054000);
    expect(rttMsFromReport(arrivalUnixMs, 0xb7052000, 0x00054000)).toBe(6125);
    expect(rttMsFromReport(arrivalUnixMs, 0, 0)).toBeUndefined();
    // A report that would give a negative RTT (our clock stepped back) yields nothing.
    expect(rttMsFromReport(arrivalUnixMs - 7000, 0xb7052000, 0x00054000)).toBeUndefined();
  });
});
