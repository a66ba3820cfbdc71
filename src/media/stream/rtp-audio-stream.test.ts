/**
 * RtpAudioStream end to end: two (or three) streams on real UDP sockets on 127.0.0.1, one
 * MediaClock ticked by hand, and the RTP sessions' wall clock and timers driven with the
 * ticks (so packet arrival times, inactivity and RTCP follow the test, not the machine).
 * Between ticks the test waits until every datagram sent has been taken in by its receiver
 * (counted by the receiving session), never for a fixed time.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../audio-frame.js';
import { toneFrames } from '../audio/tones.js';
import type { CodecName } from '../codecs/types.js';
import { goertzelCoefficient, goertzelPower } from '../dtmf/goertzel.js';
import type { DtmfEvent } from '../dtmf/types.js';
import { RtpPortPool, type RtpPort } from '../rtp-port-pool.js';
import { ManualClock, ManualTimers } from '../rtp/session-test-kit.js';
import { MediaClock } from './media-clock.js';
import {
  RtpAudioStream,
  type RtpAudioStreamOptions,
  type StreamCodec,
} from './rtp-audio-stream.js';

const HOST = '127.0.0.1';
const pool = new RtpPortPool({ host: HOST, portMin: 29500, portMax: 29599 });

/** Longest a test waits for datagrams on the loopback before failing (a guard, not a timing). */
const DELIVERY_GUARD_MS = 5000;

const CODECS: Record<string, StreamCodec> = {
  PCMU: { name: 'PCMU', payloadType: 0 },
  PCMA: { name: 'PCMA', payloadType: 8 },
  G722: { name: 'G722', payloadType: 9 },
  opus: { name: 'opus', payloadType: 111 },
  L16: { name: 'L16', payloadType: 96, sampleRateHz: 16000 },
};

/** RTP datagrams a stream's session has taken in: accepted or dropped by validation. */
function arrived(s: RtpAudioStream): number {
  const { packetsReceived, dropped } = s.stats().rtp;
  return (
    packetsReceived +
    dropped.malformed +
    dropped['unknown-payload-type'] +
    dropped['wrong-source'] +
    dropped['ssrc-unconfirmed'] +
    dropped['bad-sequence']
  );
}

function sent(s: RtpAudioStream): number {
  return s.stats().rtp.packetsSent;
}

async function waitFor(condition: () => boolean, what: () => string): Promise<void> {
  const deadline = performance.now() + DELIVERY_GUARD_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what()}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface Link {
  name: string;
  delivered: () => boolean;
  describe: () => string;
}

/** A UDP relay between two parties that drops every `dropEvery`-th RTP packet from `a` to `b`. */
class LossyRelay {
  readonly socket: Socket = createSocket('udp4');
  /** RTP packets forwarded from a to b. */
  forwardedToB = 0;
  droppedToB = 0;
  private rtpFromA = 0;
  aPort = 0;
  bPort = 0;

  constructor(private readonly dropEvery: number) {
    this.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo));
  }

  async bind(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, resolve));
    return this.socket.address().port;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const isRtcp = msg.length > 1 && msg[1]! >= 200 && msg[1]! <= 204;
    if (rinfo.port === this.aPort) {
      if (!isRtcp) {
        this.rtpFromA++;
        if (this.rtpFromA % this.dropEvery === 0) {
          this.droppedToB++;
          return;
        }
        this.forwardedToB++;
      }
      this.socket.send(msg, this.bPort, HOST);
    } else if (rinfo.port === this.bPort) {
      this.socket.send(msg, this.aPort, HOST);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The test network: ports, streams, the manual media clock and the sessions' wall clock. */
class Net {
  readonly wall = new ManualClock();
  readonly timers = new ManualTimers(this.wall);
  readonly clock = new MediaClock().manual();
  private readonly ports: RtpPort[] = [];
  private readonly streams: RtpAudioStream[] = [];
  private readonly relays: LossyRelay[] = [];
  private links: Link[] = [];

  async port(): Promise<RtpPort> {
    const p = await pool.allocate();
    this.ports.push(p);
    return p;
  }

  stream(
    local: RtpPort,
    remotePort: number,
    options: Partial<RtpAudioStreamOptions> = {},
  ): RtpAudioStream {
    const s = new RtpAudioStream({
      rtpSocket: local.socket,
      rtcpSocket: local.rtcpSocket,
      remote: { address: HOST, port: remotePort, rtcpMux: false },
      codec: CODECS.PCMU!,
      clock: this.clock,
      now: this.wall.now,
      timers: this.timers,
      ...options,
    });
    this.streams.push(s);
    return s;
  }

  /** Two streams sending to each other, with the same options. */
  async pair(
    options: Partial<RtpAudioStreamOptions> = {},
    optionsB: Partial<RtpAudioStreamOptions> = options,
  ): Promise<{ a: RtpAudioStream; b: RtpAudioStream; pa: RtpPort; pb: RtpPort }> {
    const pa = await this.port();
    const pb = await this.port();
    const a = this.stream(pa, pb.port, options);
    const b = this.stream(pb, pa.port, optionsB);
    this.link(a, b, 'a→b');
    this.link(b, a, 'b→a');
    return { a, b, pa, pb };
  }

  relay(dropEvery: number): LossyRelay {
    const r = new LossyRelay(dropEvery);
    this.relays.push(r);
    return r;
  }

  /**
   * From now on, every tick waits until what `from` sent (minus what `lost()` says went
   * missing on the way) has arrived at `to`. Returns the function that removes the link.
   */
  link(from: RtpAudioStream, to: RtpAudioStream, name: string, lost: () => number = () => 0) {
    const tx0 = sent(from);
    const rx0 = arrived(to);
    const link: Link = {
      name,
      delivered: () => arrived(to) - rx0 >= sent(from) - tx0 - lost(),
      describe: () =>
        `${name}: ${arrived(to) - rx0} of ${sent(from) - tx0 - lost()} RTP packets arrived`,
    };
    this.links.push(link);
    return (): void => {
      this.links = this.links.filter((l) => l !== link);
    };
  }

  /** Forgets every link (streams about to move or close). */
  unlinkAll(): void {
    this.links = [];
  }

  /** Ticks the clock `n` times, letting the datagrams of each tick arrive before the next. */
  async tick(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.timers.advance(20);
      this.clock.tick(this.wall.t);
      await this.settle();
    }
  }

  /** Waits until every linked stream has received what its peer sent. */
  settle(): Promise<void> {
    return waitFor(
      () => this.links.every((l) => l.delivered()),
      () =>
        this.links
          .filter((l) => !l.delivered())
          .map((l) => l.describe())
          .join('; '),
    );
  }

  close(): void {
    for (const s of this.streams) s.close();
    for (const p of this.ports) p.release();
    for (const r of this.relays) r.close();
    this.clock.stop();
  }
}

let net: Net;
afterEach(() => net?.close());

function collect(s: RtpAudioStream): AudioFrame[] {
  const frames: AudioFrame[] = [];
  s.input.onFrame((f) => frames.push(f));
  return frames;
}

function dtmfEvents(s: RtpAudioStream): DtmfEvent[] {
  const events: DtmfEvent[] = [];
  s.on('dtmf', (e) => events.push(e));
  return events;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * Share of the frame's energy at `frequencyHz` (about 1 for a pure tone there, about 0 for
 * silence or another frequency). Frequencies are whole multiples of 50 Hz, so they sit on a
 * Goertzel bin of a 20 ms frame at every rate.
 */
function toneShare(frame: AudioFrame, frequencyHz: number): number {
  const n = frame.samples.length;
  let energy = 0;
  for (const v of frame.samples) energy += v * v;
  if (energy === 0) return 0;
  const power = goertzelPower(frame.samples, goertzelCoefficient(frequencyHz, frame.sampleRateHz));
  return power / ((energy * n) / 2);
}

function hasTone(frame: AudioFrame, frequencyHz: number): boolean {
  return rms(frame.samples) > 1000 && toneShare(frame, frequencyHz) > 0.8;
}

function isQuiet(frame: AudioFrame): boolean {
  return rms(frame.samples) < 100;
}

const TONE_HZ = 1000;

function tone(sampleRateHz: number, durationMs: number, frequencyHz = TONE_HZ): AudioFrame[] {
  return toneFrames(
    { frequenciesHz: [frequencyHz], cadenceMs: [], levelDbfs: -10, durationMs },
    { sampleRateHz },
  );
}

/** One character per frame: T = the tone, . = quiet, ? = anything else. */
function marks(frames: AudioFrame[], frequencyHz = TONE_HZ): string {
  return frames.map((f) => (hasTone(f, frequencyHz) ? 'T' : isQuiet(f) ? '.' : '?')).join('');
}

/** Ticks until `promise` settles, at most `maxTicks` times. */
async function tickUntil<T>(promise: Promise<T>, maxTicks: number, what: string): Promise<T> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < maxTicks && !settled; i++) await net.tick();
  await Promise.resolve();
  if (!settled) throw new Error(`${what} did not settle within ${maxTicks} ticks`);
  return promise;
}

describe('RtpAudioStream over UDP', () => {
  it.each(['PCMU', 'PCMA', 'G722', 'opus', 'L16'] as const)(
    'a tone played on A arrives as frames on B (%s)',
    async (name: CodecName) => {
      net = new Net();
      const { a, b } = await net.pair({ codec: CODECS[name]! });
      expect(a.codecName).toBe(name);
      expect(b.sampleRateHz).toBe(
        name === 'opus' ? 48000 : name === 'PCMU' || name === 'PCMA' ? 8000 : 16000,
      );
      const heard = collect(b);
      await net.tick(5);
      const playback = a.output.play(tone(a.sampleRateHz, 1000));
      await net.tick(70);
      expect(await playback.done).toEqual({ completed: true, playedMs: 1000 });

      expect(heard).toHaveLength(75);
      expect(heard.every((f) => f.sampleRateHz === b.sampleRateHz)).toBe(true);
      expect(heard.every((f) => f.samples.length === (b.sampleRateHz * 20) / 1000)).toBe(true);
      // Silence, then the 50 frames of tone after the jitter-buffer delay (a codec with
      // look-ahead may smear one frame at each edge), then silence again.
      const m = marks(heard);
      expect(m, m).toMatch(/^\.{6,}\??T{48,50}\??\.{5,}$/);
      expect(
        m.indexOf('T') - 5,
        'ticks from play() to the first tone frame on B',
      ).toBeLessThanOrEqual(6);
      // Frames carry continuous media time.
      expect(heard.map((f) => f.timestampMs)).toEqual(heard.map((_, i) => i * 20));
    },
  );

  it.each([10, 40])('sends with a ptime of %i ms; the receiver plays it out', async (ptimeMs) => {
    net = new Net();
    // Only A packetises differently; B sends 20 ms packets.
    const { a, b } = await net.pair({ ptimeMs }, {});
    const heard = collect(b);
    a.output.play(tone(8000, 1000));
    await net.tick(70);
    expect(a.stats().rtp.packetsSent).toBe((70 * 20) / ptimeMs);
    expect(b.stats().rtp.bytesReceived).toBe(70 * 160);
    const m = marks(heard);
    expect(m, m).toMatch(/^\.+\??T{48,50}\??\.+$/);
  });

  it('clear() cuts the playing piece at once: done reports it incomplete, B goes quiet', async () => {
    net = new Net();
    const { a, b } = await net.pair();
    const heard = collect(b);
    const sentFrames: Array<AudioFrame | undefined> = [];
    a.on('tick', (_inbound, outbound) => sentFrames.push(outbound));
    const playback = a.output.play(tone(8000, 5000));
    await net.tick(20);
    a.output.clear();
    expect(await playback.done).toEqual({ completed: false, playedMs: 400 });
    await net.tick(20);
    expect(sentFrames.slice(0, 20).every((f) => f !== undefined)).toBe(true);
    expect(sentFrames.slice(20).every((f) => f === undefined)).toBe(true);
    const m = marks(heard);
    // Exactly the 20 frames played reach B; after them, silence.
    expect(m, m).toMatch(/^\.+T{20}\.+$/);
  });

  it('RFC 4733: sendDtmf gives one rfc4733 event per digit on B, in order', async () => {
    net = new Net();
    const { a, b } = await net.pair({ dtmfPayloadType: 101 });
    const events = dtmfEvents(b);
    const aEvents = dtmfEvents(a);
    await net.tick(3);
    await tickUntil(a.sendDtmf('15#'), 40, "sendDtmf('15#')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([
      ['1', 'rfc4733'],
      ['5', 'rfc4733'],
      ['#', 'rfc4733'],
    ]);
    expect(events.every((e) => e.durationMs === 100)).toBe(true);
    expect(aEvents).toEqual([]);
    expect(b.stats().dtmfReceived).toBe(3);
    expect(b.stats().dtmfDuplicatesSuppressed).toBe(0);
  });

  it('without telephone-event the digits go in-band and B detects them', async () => {
    net = new Net();
    const { a, b } = await net.pair();
    const events = dtmfEvents(b);
    await net.tick(3);
    await tickUntil(a.sendDtmf('15#'), 60, "in-band sendDtmf('15#')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([
      ['1', 'inband'],
      ['5', 'inband'],
      ['#', 'inband'],
    ]);
  });

  it('with telephone-event, in-band detection is off unless asked for', async () => {
    net = new Net();
    // A has no telephone-event (sends tones); B negotiated it, so it does not listen to tones.
    const { a, b } = await net.pair({}, { dtmfPayloadType: 101 });
    const events = dtmfEvents(b);
    await tickUntil(a.sendDtmf('7'), 30, "sendDtmf('7')");
    await net.tick(10);
    expect(events).toEqual([]);
  });

  it('a SIP INFO digit and the same press in-band are reported once', async () => {
    net = new Net();
    const { a, b } = await net.pair();
    const events = dtmfEvents(b);
    await net.tick(3);
    const sending = a.sendDtmf('5');
    b.receiveSignalledDtmf('5', 100);
    await tickUntil(sending, 30, "sendDtmf('5')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([['5', 'info']]);
    expect(b.stats().dtmfReceived).toBe(1);
    expect(b.stats().dtmfDuplicatesSuppressed).toBe(1);
    // A later press of the same key is a new press.
    await tickUntil(a.sendDtmf('5'), 30, "second sendDtmf('5')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([
      ['5', 'info'],
      ['5', 'inband'],
    ]);
  });

  it("'tick' gives every tick the inbound frame and what was sent", async () => {
    net = new Net();
    const { a, b } = await net.pair();
    const aTicks: Array<[AudioFrame, AudioFrame | undefined]> = [];
    const bTicks: Array<[AudioFrame, AudioFrame | undefined]> = [];
    a.on('tick', (i, o) => aTicks.push([i, o]));
    b.on('tick', (i, o) => bTicks.push([i, o]));
    const bHeard = collect(b);
    const played = tone(8000, 200);
    a.output.play(played);
    await net.tick(20);
    expect(aTicks).toHaveLength(20);
    expect(bTicks).toHaveLength(20);
    // A sent the ten tone frames, then nothing.
    expect(aTicks.slice(0, 10).map(([, o]) => o?.samples)).toEqual(played.map((f) => f.samples));
    expect(aTicks.slice(10).every(([, o]) => o === undefined)).toBe(true);
    // B's inbound is what it published on input, tick by tick; it sent nothing.
    expect(bTicks.map(([i]) => i)).toEqual(bHeard);
    expect(bTicks.every(([, o]) => o === undefined)).toBe(true);
    expect(marks(bTicks.map(([i]) => i))).toMatch(/^\.+T{10}\.+$/);
  });

  it('update() with a new remote moves the stream there', async () => {
    net = new Net();
    const { a, b, pa } = await net.pair();
    const heardB = collect(b);
    a.output.play(tone(8000, 3000));
    await net.tick(10);
    expect(marks(heardB)).toContain('TTTT');

    // The far end moves (a re-INVITE): the old address falls silent, a new one takes over.
    b.setDirection({ send: false, receive: true });
    await net.tick(1);
    net.unlinkAll();
    const pc = await net.port();
    const c = net.stream(pc, pa.port);
    const heardC = collect(c);
    c.output.play(tone(8000, 3000, 2000));
    const heardA = collect(a);
    const bReceived = b.stats().rtp.packetsReceived;
    a.update({ address: HOST, port: pc.port, rtcpMux: false }, CODECS.PCMU!, undefined, {
      send: true,
      receive: true,
    });
    net.link(a, c, 'a→c');
    net.link(c, a, 'c→a');
    await net.tick(20);

    expect(b.stats().rtp.packetsReceived).toBe(bReceived);
    expect(c.stats().rtp.packetsReceived).toBe(20);
    expect(a.stats().rtp.remotePort).toBe(pc.port);
    expect(a.stats().rtp.remoteSsrc).toBe(c.stats().rtp.localSsrc);
    expect(marks(heardC)).toMatch(/T{10}$/);
    expect(marks(heardA, 2000)).toMatch(/T{10}$/);
  });

  it('update() with a new codec switches both directions to it', async () => {
    net = new Net();
    const { a, b, pa, pb } = await net.pair();
    await net.tick(5);
    const heard = collect(b);
    const sendRemoteA = { address: HOST, port: pb.port, rtcpMux: false };
    const sendRemoteB = { address: HOST, port: pa.port, rtcpMux: false };
    const both = { send: true, receive: true };
    a.update(sendRemoteA, CODECS.G722!, undefined, both);
    b.update(sendRemoteB, CODECS.G722!, undefined, both);
    expect([a.sampleRateHz, b.sampleRateHz]).toEqual([16000, 16000]);
    expect(a.output.sampleRateHz).toBe(16000);
    const playback = a.output.play(tone(a.sampleRateHz, 1000));
    await net.tick(60);
    expect(await playback.done).toEqual({ completed: true, playedMs: 1000 });
    expect(a.stats().codec).toBe('G722');
    expect(b.stats().rtp.packetsReceived).toBe(65);
    expect(heard.every((f) => f.sampleRateHz === 16000 && f.samples.length === 320)).toBe(true);
    expect(marks(heard)).toMatch(/^\.+\??T{48,50}\??\.+$/);
  });

  it('setDirection({ send: false }) stops sending; receiving goes on', async () => {
    net = new Net();
    const { a, b } = await net.pair();
    a.output.play(tone(8000, 3000));
    await net.tick(5);
    a.setDirection({ send: false, receive: true });
    const aSent = a.stats().rtp.packetsSent;
    const bReceived = b.stats().rtp.packetsReceived;
    const aReceived = a.stats().rtp.packetsReceived;
    await net.tick(10);
    expect(a.stats().rtp.packetsSent).toBe(aSent);
    expect(b.stats().rtp.packetsReceived).toBe(bReceived);
    expect(a.stats().rtp.packetsReceived).toBe(aReceived + 10);
    a.setDirection({ send: true, receive: true });
    await net.tick(5);
    expect(a.stats().rtp.packetsSent).toBe(aSent + 5);
    expect(b.stats().rtp.packetsReceived).toBe(bReceived + 5);
  });

  it('close() ends the input iterables, leaves the clock and settles pending digits', async () => {
    net = new Net();
    const { a, b } = await net.pair({ dtmfPayloadType: 101 });
    const frames: AudioFrame[] = [];
    const consumer = (async () => {
      for await (const f of b.input.frames()) frames.push(f);
      return 'ended';
    })();
    await net.tick(3);
    expect(net.clock.size).toBe(2);
    const digits = a.sendDtmf('123');
    net.unlinkAll();
    b.close();
    a.close();
    expect(net.clock.size).toBe(0);
    await expect(consumer).resolves.toBe('ended');
    expect(frames).toHaveLength(3);
    await expect(digits).resolves.toBeUndefined();
    // A closed stream ignores the clock and further audio.
    const before = a.stats().rtp.packetsSent;
    net.clock.tick(0);
    expect(a.stats().rtp.packetsSent).toBe(before);
    expect(await a.output.play(tone(8000, 100)).done).toEqual({ completed: false, playedMs: 0 });
  });

  it("'inactive' fires when nothing arrives for inactivityTimeoutMs, not while on hold", async () => {
    net = new Net();
    const { a, b } = await net.pair({ inactivityTimeoutMs: 200 });
    let aInactive = 0;
    let bInactive = 0;
    a.on('inactive', () => aInactive++);
    b.on('inactive', () => bInactive++);
    await net.tick(20);
    expect([aInactive, bInactive]).toEqual([0, 0]);

    // A stops sending: B notices after 200 ms (10 ticks) without RTP; A still hears B.
    a.setDirection({ send: false, receive: true });
    await net.tick(8);
    expect(bInactive).toBe(0);
    await net.tick(4);
    expect([aInactive, bInactive]).toEqual([0, 1]);
    await net.tick(20);
    expect(bInactive).toBe(1); // once per arming

    // On hold (B expects no media) there is no timeout.
    b.setDirection({ send: true, receive: false });
    await net.tick(30);
    expect([aInactive, bInactive]).toEqual([0, 1]);
    // Expecting media again re-arms it.
    b.setDirection({ send: true, receive: true });
    await net.tick(12);
    expect(bInactive).toBe(2);
  });

  it('stats() counts packets both ways', async () => {
    net = new Net();
    const { a, b } = await net.pair({ codec: CODECS.G722! });
    a.output.play(tone(16000, 1000));
    await net.tick(30);
    const as = a.stats();
    const bs = b.stats();
    expect(as.codec).toBe('G722');
    expect(as.rtp.packetsSent).toBe(30);
    expect(as.rtp.bytesSent).toBe(30 * 160);
    expect(bs.rtp.packetsReceived).toBe(30);
    expect(bs.rtp.bytesReceived).toBe(30 * 160);
    expect(bs.rtp.packetsLost).toBe(0);
    expect(bs.rtp.remoteSsrc).toBe(as.rtp.localSsrc);
    expect(bs.rtp.latched).toBe(true);
    expect(bs.jitter.received).toBe(30);
    expect(bs.jitter.lost).toBe(0);
    expect(as.rtp.packetsReceived).toBe(30);
  });

  it.each(['PCMU', 'opus'] as const)(
    'conceals packet loss: every 5th packet dropped on the way, the tone goes on (%s)',
    async (name: CodecName) => {
      net = new Net();
      const relay = net.relay(5);
      const relayPort = await relay.bind();
      const pa = await net.port();
      const pb = await net.port();
      relay.aPort = pa.port;
      relay.bPort = pb.port;
      const options = { codec: CODECS[name]! };
      const a = net.stream(pa, relayPort, options);
      const b = net.stream(pb, relayPort, options);
      net.link(a, b, 'a→relay→b', () => relay.droppedToB);
      net.link(b, a, 'b→relay→a');
      const heard = collect(b);
      a.output.play(tone(a.sampleRateHz, 2000));
      await net.tick(110);

      expect(relay.droppedToB).toBe(22);
      // The 100 frames of tone (less a frame at each edge: Opus smears the onset, and the
      // tone's last packet is one of those dropped, its concealment fading out over the next
      // frame): no frame drops out, every frame is dominated by the tone. G.711 repeats the
      // last pitch period, so the tone stays clean; Opus's concealment of a pure tone is
      // rougher (the codec alone does the same, without RTP), so the bar per frame is lower.
      const first = heard.findIndex((f) => !isQuiet(f));
      const span = heard.slice(first + 1, first + 99);
      expect(span).toHaveLength(98);
      const minShare = name === 'opus' ? 0.5 : 0.95;
      const weak = span
        .map((f, i) => ({ i, rms: rms(f.samples), share: toneShare(f, TONE_HZ) }))
        .filter((x) => x.rms < 1000 || x.share < minShare);
      expect(weak, marks(heard)).toEqual([]);
      expect(heard.slice(first + 102).every(isQuiet), marks(heard)).toBe(true);
      const stats = b.stats();
      expect(stats.rtp.packetsReceived).toBe(110 - 22);
      expect(stats.rtp.packetsLost).toBeGreaterThanOrEqual(20);
      expect(stats.rtp.fractionLost).toBeGreaterThan(0.15);
      expect(stats.jitter.lost).toBeGreaterThanOrEqual(20);
      expect(stats.jitter.concealedMs).toBeGreaterThanOrEqual(400);
    },
  );
});
