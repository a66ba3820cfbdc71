import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RtcpPacket } from './rtcp.js';
import { parseRtp, type RtpPacket } from './rtp-packet.js';
import { RtpSession, type RtpSessionOptions } from './rtp-session.js';
import {
  ManualClock,
  ManualTimers,
  nextEvent,
  portOf,
  sendTo,
  udpSocket,
  until,
} from '../../../test/fixtures/rtp-session-kit.js';

const open: { close(): void }[] = [];

afterEach(() => {
  for (const o of open.splice(0)) o.close();
  vi.restoreAllMocks();
});

async function socket(): Promise<Socket> {
  const s = await udpSocket();
  open.push(s);
  return s;
}

function session(
  clock: ManualClock,
  timers: ManualTimers,
  options: Partial<RtpSessionOptions> & { rtpSocket: Socket; remotePort: number },
): RtpSession {
  const s = new RtpSession({
    remoteAddress: '127.0.0.1',
    rtcpMux: true,
    clockRateHz: 8000,
    acceptedPayloadTypes: new Set([0]),
    now: clock.now,
    timers,
    ...options,
  });
  open.unshift(s);
  return s;
}

function hasType(type: RtcpPacket['type']) {
  return (packets: RtcpPacket[]) => packets.some((p) => p.type === type);
}

describe('RtpSession RTCP', () => {
  it('exchanges SR and RR over rtcp-mux and measures the round-trip time', async () => {
    // Report times become deterministic: the first report goes out at exactly half the interval.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const clock = new ManualClock();
    const t0 = clock.t;
    const [sockA, sockB] = [await socket(), await socket()];
    const timersA = new ManualTimers(clock);
    const timersB = new ManualTimers(clock);
    const a = session(clock, timersA, {
      rtpSocket: sockA,
      remotePort: portOf(sockB),
      cname: 'a@x',
    });
    const b = session(clock, timersB, { rtpSocket: sockB, remotePort: portOf(sockA) });

    for (let k = 0; k < 10; k++) a.send(new Uint8Array(160), 0, k * 160, k === 0);
    await until(b, ['packet'], () => b.stats().packetsReceived === 10);

    const srAtB = nextEvent<[RtcpPacket[]]>(b, 'rtcp', hasType('sr'));
    timersA.advance(2500);
    const [compound] = await srAtB;
    expect(compound.map((p) => p.type)).toEqual(['sr', 'sdes']);
    expect(compound[0]).toMatchObject({
      type: 'sr',
      ssrc: a.localSsrc,
      packetCount: 10,
      octetCount: 1600,
      // The last timestamp sent (9 × 160) extrapolated over the 2.5 s since (× 8 per ms).
      rtpTimestamp: 1440 + 20_000,
    });
    expect(compound[1]).toEqual({
      type: 'sdes',
      chunks: [{ ssrc: a.localSsrc, items: [{ type: 1, value: 'a@x' }] }],
    });
    expect(clock.t).toBe(t0 + 2500);

    // B holds the SR for 40 ms before its own report; the report takes 25 ms back to A.
    const rrAtA = nextEvent<[RtcpPacket[]]>(a, 'rtcp', hasType('rr'));
    clock.t += 40;
    timersB.advance(0);
    clock.t += 25;
    const [rr] = await rrAtA;
    expect(rr[0]).toMatchObject({ type: 'rr', ssrc: b.localSsrc });
    const report = a.stats().remoteReport!;
    expect(report.rttMs).toBeCloseTo(25, 1);
    expect(report).toMatchObject({ fractionLost: 0, cumulativeLost: 0 });
    expect(report.receivedAtMs).toBe(t0 + 2565);
  });

  it('reports loss and jitter over separate RTCP ports, through a lossy path', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const clock = new ManualClock();
    const t0 = clock.t;
    const [rtpA, rtcpA, rtpB, rtcpB, proxy] = [
      await socket(),
      await socket(),
      await socket(),
      await socket(),
      await socket(),
    ];
    // A → proxy → B for RTP, dropping every tenth packet from the fourth on.
    let forwarded = 0;
    const dropped: number[] = [];
    proxy.on('message', (m: Buffer) => {
      const n = forwarded++;
      if (n % 10 === 3) {
        dropped.push(n);
        proxy.emit('dropped');
        return;
      }
      sendTo(proxy, m, portOf(rtpB));
    });
    const timersA = new ManualTimers(clock);
    const timersB = new ManualTimers(clock);
    const common = { rtcpMux: false };
    const a = session(clock, timersA, {
      ...common,
      rtpSocket: rtpA,
      rtcpSocket: rtcpA,
      remotePort: portOf(proxy),
      remoteRtcpPort: portOf(rtcpB),
    });
    const b = session(clock, timersB, {
      ...common,
      rtpSocket: rtpB,
      rtcpSocket: rtcpB,
      remotePort: portOf(rtpA),
      remoteRtcpPort: portOf(rtcpA),
    });

    // Packet k is sent at k × 20 ms, odd ones arrive 5 ms later than even ones.
    const arrivals: { k: number; arrivalMs: number }[] = [];
    for (let k = 0; k < 50; k++) {
      clock.t = t0 + k * 20 + (k % 2 ? 5 : 0);
      const arrived =
        k % 10 === 3
          ? nextEvent(proxy, 'dropped')
          : nextEvent<[RtpPacket, number]>(b, 'packet').then(([, at]) =>
              arrivals.push({ k, arrivalMs: at }),
            );
      a.send(new Uint8Array(160), 0, k * 160, false);
      await arrived;
    }
    expect(dropped).toEqual([3, 13, 23, 33, 43]);

    // RFC 3550 A.8 by hand over what B accepted after its probation packet (k = 0).
    let jitter = 0;
    let last: number | undefined;
    for (const { k, arrivalMs } of arrivals.slice(1)) {
      const transit = (arrivalMs - t0) * 8 - k * 160;
      if (last !== undefined) jitter += (Math.abs(transit - last) - jitter) / 16;
      last = transit;
    }
    expect(jitter).toBeGreaterThan(20);
    const bStats = b.stats();
    expect(bStats.packetsLost).toBe(5);
    expect(bStats.jitterMs).toBeCloseTo(jitter / 8, 9);

    const srAtB = nextEvent<[RtcpPacket[]]>(b, 'rtcp', hasType('sr'));
    timersA.advance(t0 + 2500 - clock.t);
    await srAtB;
    const rrAtA = nextEvent<[RtcpPacket[]]>(a, 'rtcp', hasType('rr'));
    timersB.advance(0);
    await rrAtA;
    const report = a.stats().remoteReport!;
    // Interval: 49 expected (k = 1…49), 44 received.
    expect(report.fractionLost).toBe(Math.floor((5 * 256) / 49) / 256);
    expect(report.cumulativeLost).toBe(5);
    expect(report.jitterMs).toBe(Math.floor(jitter) / 8);
    expect(report.rttMs).toBeGreaterThanOrEqual(0);

    // RTCP from anywhere but the latched RTCP source is refused.
    const stranger = await socket();
    const refused = nextEvent(b, 'drop', (r) => r === 'rtcp-wrong-source');
    const rr = Buffer.from([0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 9]);
    sendTo(stranger, rr, portOf(rtcpB));
    await refused;
  });

  it('tells the other side goodbye on close', async () => {
    const clock = new ManualClock();
    const [sockA, sockB] = [await socket(), await socket()];
    const a = session(clock, new ManualTimers(clock), {
      rtpSocket: sockA,
      remotePort: portOf(sockB),
    });
    const b = session(clock, new ManualTimers(clock), {
      rtpSocket: sockB,
      remotePort: portOf(sockA),
    });
    a.send(new Uint8Array(160), 0, 0, true);
    await nextEvent(b, 'packet');
    const bye = nextEvent<[number, string | undefined]>(b, 'bye');
    a.close('done');
    expect(await bye).toEqual([a.localSsrc, 'done']);
    // After the BYE a new source may take over at once.
    const newcomer = await socket();
    const change = nextEvent<[number, number | undefined]>(b, 'ssrcChange');
    const pkt = Buffer.alloc(172);
    pkt[0] = 0x80;
    pkt.writeUInt32BE(0xbeef, 8);
    expect(parseRtp(pkt)).toMatchObject({ ssrc: 0xbeef });
    clock.t += 2000; // the closed sender is silent long enough for a re-latch
    sendTo(newcomer, pkt, portOf(sockB));
    expect(await change).toEqual([0xbeef, a.localSsrc]);
  });
});
