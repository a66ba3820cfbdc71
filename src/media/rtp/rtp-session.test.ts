import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRtcp } from './rtcp.js';
import { isRtpParseFailure, parseRtp, type RtpPacket } from './rtp-packet.js';
import { RtpSession, type RtpSessionOptions } from './rtp-session.js';
import {
  ManualClock,
  ManualTimers,
  nextDatagram,
  nextEvent,
  portOf,
  rtp,
  sendTo,
  udpSocket,
  until,
} from '../../../test/fixtures/rtp-session-kit.js';

const open: { close(): void }[] = [];

afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function socket(): Promise<Socket> {
  const s = await udpSocket();
  open.push(s);
  return s;
}

interface Rig {
  session: RtpSession;
  rtpSocket: Socket;
  clock: ManualClock;
  timers: ManualTimers;
}

async function rig(options: Partial<RtpSessionOptions> & { remotePort: number }): Promise<Rig> {
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const rtpSocket = await socket();
  const session = new RtpSession({
    rtpSocket,
    remoteAddress: '127.0.0.1',
    rtcpMux: true,
    clockRateHz: 8000,
    acceptedPayloadTypes: new Set([0, 101]),
    now: clock.now,
    timers,
    ...options,
  });
  // Sessions are closed before their sockets (registered later, closed first).
  open.unshift(session);
  return { session, rtpSocket, clock, timers };
}

function packets(session: RtpSession): RtpPacket[] {
  const got: RtpPacket[] = [];
  session.on('packet', (p) => got.push(p));
  return got;
}

const anyEvent = ['packet', 'drop', 'rtcp', 'ssrcChange'] as const;

describe('RtpSession receive path', () => {
  it('latches onto the real source port and sends there (symmetric RTP)', async () => {
    const sdpTarget = await socket(); // what the SDP said: never used by the peer
    const peer = await socket(); // where media really comes from (a NAT's public port)
    const { session, rtpSocket, clock } = await rig({ remotePort: portOf(sdpTarget) });
    expect(session.remotePort).toBe(portOf(sdpTarget));

    const latched = nextEvent<[string, number]>(session, 'latch');
    const got = nextEvent<[RtpPacket, number]>(session, 'packet');
    sendTo(peer, rtp({ sequenceNumber: 10, timestamp: 1600 }), portOf(rtpSocket));
    expect(await latched).toEqual(['127.0.0.1', portOf(peer)]);
    const [p, arrivalMs] = await got;
    expect(p).toMatchObject({ sequenceNumber: 10, timestamp: 1600, ssrc: 0x1234 });
    expect(arrivalMs).toBe(clock.t);
    expect(session.stats()).toMatchObject({ latched: true, remotePort: portOf(peer) });

    const reply = nextDatagram(peer);
    session.send(Uint8Array.from([1, 2, 3]), 0, 4242, true);
    const [datagram] = await reply;
    const parsed = parseRtp(datagram);
    if (isRtpParseFailure(parsed)) throw new Error('bad RTP');
    expect(parsed).toMatchObject({ marker: true, timestamp: 4242, ssrc: session.localSsrc });
    expect([...parsed.payload]).toEqual([1, 2, 3]);
  });

  it('keeps sending to the SDP address when not symmetric', async () => {
    const sdpTarget = await socket();
    const peer = await socket();
    const { session, rtpSocket } = await rig({ remotePort: portOf(sdpTarget), symmetric: false });
    const got = nextEvent(session, 'packet');
    sendTo(peer, rtp({}), portOf(rtpSocket));
    await got;
    const atSdp = nextDatagram(sdpTarget);
    session.send(new Uint8Array(160), 0, 0, false);
    expect((await atSdp)[0].length).toBe(172);
  });

  it('drops packets from other sources once latched, and re-latches after silence', async () => {
    const peer = await socket();
    const intruder = await socket();
    const { session, rtpSocket, clock } = await rig({ remotePort: portOf(peer) });
    const got = packets(session);
    sendTo(peer, rtp({ sequenceNumber: 1 }), portOf(rtpSocket));
    await until(session, anyEvent, () => got.length === 1);

    sendTo(intruder, rtp({ sequenceNumber: 2 }), portOf(rtpSocket));
    await until(session, anyEvent, () => session.stats().dropped['wrong-source'] === 1);
    expect(got).toHaveLength(1);

    // The latched source has been quiet for longer than relatchAfterMs (1.5 s): a re-INVITE
    // or NAT rebinding moved it, so the new source is latched.
    clock.t += 1600;
    const relatched = nextEvent<[string, number]>(session, 'latch');
    sendTo(intruder, rtp({ sequenceNumber: 3 }), portOf(rtpSocket));
    expect((await relatched)[1]).toBe(portOf(intruder));
    await until(session, anyEvent, () => got.length === 2);
    expect(session.remotePort).toBe(portOf(intruder));
  });

  it('counts malformed datagrams, unknown payload types and RTCP garbage', async () => {
    const peer = await socket();
    const { session, rtpSocket } = await rig({ remotePort: portOf(peer) });
    const port = portOf(rtpSocket);
    sendTo(peer, Buffer.from('not rtp at all'), port);
    sendTo(peer, Buffer.from([0x80, 0x00, 0x00]), port);
    sendTo(peer, rtp({ payloadType: 8 }), port);
    sendTo(peer, Buffer.from([0x80, 0xc9, 0x00, 0x09, 0, 0, 0, 1]), port); // RR, bad length
    await until(session, anyEvent, () => {
      const d = session.stats().dropped;
      return d.malformed === 2 && d['unknown-payload-type'] === 1 && d['rtcp-garbage'] === 1;
    });
    // Garbage never latches.
    expect(session.stats().latched).toBe(false);
  });

  it('follows a new set of accepted payload types', async () => {
    const peer = await socket();
    const { session, rtpSocket } = await rig({ remotePort: portOf(peer) });
    sendTo(peer, rtp({ payloadType: 8, sequenceNumber: 1 }), portOf(rtpSocket));
    await until(session, anyEvent, () => session.stats().dropped['unknown-payload-type'] === 1);
    session.setAcceptedPayloadTypes(new Set([8]));
    const got = nextEvent<[RtpPacket, number]>(session, 'packet');
    sendTo(peer, rtp({ payloadType: 8, sequenceNumber: 2 }), portOf(rtpSocket));
    expect((await got)[0].payloadType).toBe(8);
  });

  it('survives an SSRC flood: no switch, constant state', async () => {
    const peer = await socket();
    const { session, rtpSocket } = await rig({ remotePort: portOf(peer) });
    const port = portOf(rtpSocket);
    const changes: number[] = [];
    session.on('ssrcChange', (s) => changes.push(s));
    let seq = 100;
    const legit = () => rtp({ ssrc: 0xaaaa, sequenceNumber: seq, timestamp: seq++ * 160 });
    sendTo(peer, legit(), port);
    await until(session, anyEvent, () => changes.length === 1);

    let state = 0x9e3779b9;
    const randomSsrc = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    // Small batches, each waited for: a loopback burst larger than the socket buffer would
    // lose packets in the kernel.
    const batch = 50;
    for (let sent = 0; sent < 10_000; sent += batch) {
      // Random SSRCs from the latched source itself, interleaved with the real stream.
      for (let i = 0; i < batch; i++) {
        sendTo(peer, rtp({ ssrc: randomSsrc(), sequenceNumber: i }), port);
      }
      sendTo(peer, legit(), port);
      await until(session, anyEvent, () => session.stats().packetsReceived === seq - 100);
    }
    const s = session.stats();
    expect(changes).toEqual([0xaaaa]);
    expect(s.remoteSsrc).toBe(0xaaaa);
    expect(s.ssrcChanges).toBe(0);
    expect(s.dropped['ssrc-unconfirmed']).toBe(10_000);
    expect(s.packetsReceived).toBe(201);
  });

  it('switches SSRC when a new one arrives three times in sequence', async () => {
    const peer = await socket();
    const { session, rtpSocket, clock } = await rig({ remotePort: portOf(peer) });
    const port = portOf(rtpSocket);
    const changes: [number, number | undefined][] = [];
    session.on('ssrcChange', (s, prev) => changes.push([s, prev]));
    sendTo(peer, rtp({ ssrc: 1, sequenceNumber: 1 }), port);
    await until(session, anyEvent, () => changes.length === 1);
    clock.t += 1000; // switches are rate-limited to one per second
    sendTo(peer, rtp({ ssrc: 1, sequenceNumber: 2 }), port);
    // The old source is still alive in between: the candidate's run starts over each time.
    for (const seq of [500, 501, 502]) {
      sendTo(peer, rtp({ ssrc: 2, sequenceNumber: seq }), port);
      sendTo(peer, rtp({ ssrc: 1, sequenceNumber: seq - 497 }), port);
    }
    await until(session, anyEvent, () => session.stats().packetsReceived === 5);
    expect(changes).toHaveLength(1);
    for (const seq of [600, 601, 602]) sendTo(peer, rtp({ ssrc: 2, sequenceNumber: seq }), port);
    await until(session, anyEvent, () => changes.length === 2);
    expect(changes[1]).toEqual([2, 1]);
    expect(session.stats()).toMatchObject({ remoteSsrc: 2, ssrcChanges: 1 });
  });

  it('accepts a new SSRC at once after updateRemote (re-INVITE)', async () => {
    const peer = await socket();
    const moved = await socket();
    const { session, rtpSocket } = await rig({ remotePort: portOf(peer) });
    const got = packets(session);
    sendTo(peer, rtp({ ssrc: 1, sequenceNumber: 1 }), portOf(rtpSocket));
    await until(session, anyEvent, () => got.length === 1);
    session.updateRemote({ address: '127.0.0.1', port: portOf(moved) });
    expect(session.stats()).toMatchObject({ latched: false, remotePort: portOf(moved) });
    sendTo(moved, rtp({ ssrc: 2, sequenceNumber: 9 }), portOf(rtpSocket));
    await until(session, anyEvent, () => got.length === 2);
    expect(session.stats()).toMatchObject({ remoteSsrc: 2, latched: true });
  });
});

describe('RtpSession send path', () => {
  it('numbers packets in sequence from a random start and copies the payload', async () => {
    const peer = await socket();
    const { session } = await rig({ remotePort: portOf(peer) });
    const received: Buffer[] = [];
    peer.on('message', (m: Buffer) => received.push(m));
    const payload = new Uint8Array(160);
    // More sends in one tick than the ring has slots, reusing the caller's buffer each time.
    for (let i = 0; i < 40; i++) {
      payload.fill(i);
      session.send(payload, 0, i * 160, i === 0);
    }
    await until(peer, ['message'], () => received.length === 40);
    const parsed = received.map((m) => parseRtp(m) as RtpPacket);
    const first = parsed[0]!.sequenceNumber;
    parsed.forEach((p, i) => {
      expect(p.sequenceNumber).toBe((first + i) & 0xffff);
      expect(p.timestamp).toBe(i * 160);
      expect(p.ssrc).toBe(session.localSsrc);
      expect(p.payload.every((b) => b === i)).toBe(true);
    });
    expect(session.stats()).toMatchObject({ packetsSent: 40, bytesSent: 6400 });
  });

  it('sends nothing after close()', async () => {
    const peer = await socket();
    const { session } = await rig({ remotePort: portOf(peer), rtcpMux: false });
    session.close();
    session.send(new Uint8Array(10), 0, 0, false);
    expect(session.stats().packetsSent).toBe(0);
  });
});

describe('RtpSession inactivity', () => {
  it('emits inactive once after the timeout without RTP, re-armed by resume', async () => {
    const peer = await socket();
    const { session, rtpSocket, timers } = await rig({
      remotePort: portOf(peer),
      inactivityTimeoutMs: 1000,
    });
    let inactive = 0;
    session.on('inactive', () => inactive++);
    timers.advance(600);
    const got = nextEvent(session, 'packet');
    sendTo(peer, rtp({}), portOf(rtpSocket));
    await got;
    timers.advance(900); // 1500: the timer fired at 1000 and re-armed for 1600
    expect(inactive).toBe(0);
    timers.advance(100);
    expect(inactive).toBe(1);
    timers.advance(5000);
    expect(inactive).toBe(1);

    session.resumeInactivity();
    session.pauseInactivity(); // on hold: silence is expected
    timers.advance(5000);
    expect(inactive).toBe(1);
    session.resumeInactivity();
    timers.advance(1000);
    expect(inactive).toBe(2);
  });

  it('can be disabled', async () => {
    const peer = await socket();
    const { session, timers } = await rig({ remotePort: portOf(peer), inactivityTimeoutMs: 0 });
    let inactive = 0;
    session.on('inactive', () => inactive++);
    timers.advance(120_000);
    expect(inactive).toBe(0);
  });
});

describe('RtpSession close', () => {
  it('sends RTCP BYE, stops its timers and removes its listeners', async () => {
    const peer = await socket();
    const { session, rtpSocket, timers } = await rig({ remotePort: portOf(peer) });
    const before = rtpSocket.listenerCount('message');
    expect(timers.pending).toBeGreaterThan(0);
    const bye = nextDatagram(peer);
    session.close('hangup');
    const parsed = parseRtcp((await bye)[0]);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.packets.map((p) => p.type)).toEqual(['rr', 'sdes', 'bye']);
    expect(parsed.packets[2]).toEqual({
      type: 'bye',
      ssrcs: [session.localSsrc],
      reason: 'hangup',
    });
    expect(timers.pending).toBe(0);
    expect(rtpSocket.listenerCount('message')).toBe(before - 1);
  });
});
