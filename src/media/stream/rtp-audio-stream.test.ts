/**
 * RtpAudioStream end to end, the audio: tones through every codec and packet time, clear()
 * cutting playback, the per-tick 'tick' event, packet counts, and loss concealment behind a
 * lossy relay. Two streams on real UDP sockets on 127.0.0.1 under a hand-ticked media clock
 * (see test/fixtures/rtp-stream-net.ts); DTMF and control are in rtp-audio-stream-control.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { frameToneShare, rms } from '../../../test/fixtures/audio-signals.js';
import {
  CODECS,
  HOST,
  Net,
  TONE_HZ,
  collect,
  isQuiet,
  marks,
  tone,
} from '../../../test/fixtures/rtp-stream-net.js';
import type { AudioFrame } from '../audio-frame.js';
import type { CodecName } from '../codecs/types.js';
import { RtpPortPool } from '../rtp-port-pool.js';

const pool = new RtpPortPool({ host: HOST, portMin: 29500, portMax: 29599 });

let net: Net;
afterEach(() => net?.close());

describe('RtpAudioStream over UDP: audio', () => {
  it.each(['PCMU', 'PCMA', 'G722', 'opus', 'L16'] as const)(
    'a tone played on A arrives as frames on B (%s)',
    async (name: CodecName) => {
      net = new Net(pool);
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
    net = new Net(pool);
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
    net = new Net(pool);
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

  it("'tick' gives every tick the inbound frame and what was sent", async () => {
    net = new Net(pool);
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

  it('stats() counts packets both ways', async () => {
    net = new Net(pool);
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
      net = new Net(pool);
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
        .map((f, i) => ({ i, rms: rms(f.samples), share: frameToneShare(f, TONE_HZ) }))
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
