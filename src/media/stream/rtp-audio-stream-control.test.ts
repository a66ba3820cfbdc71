/**
 * RtpAudioStream end to end, DTMF and control: RFC 4733, in-band and SIP INFO digits (and
 * their de-duplication), moving to a new remote or codec with update(), setDirection(),
 * close() and the inactivity timeout. Two or three streams on real UDP sockets on 127.0.0.1
 * under a hand-ticked media clock (see test/fixtures/rtp-stream-net.ts); the audio itself is
 * covered in rtp-audio-stream.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CODECS,
  HOST,
  Net,
  collect,
  dtmfEvents,
  marks,
  tone,
} from '../../../test/fixtures/rtp-stream-net.js';
import type { AudioFrame } from '../audio-frame.js';
import { RtpPortPool } from '../rtp-port-pool.js';

const pool = new RtpPortPool({ host: HOST, portMin: 29600, portMax: 29699 });

let net: Net;
afterEach(() => net?.close());

describe('RtpAudioStream over UDP: DTMF and control', () => {
  it('RFC 4733: sendDtmf gives one rfc4733 event per digit on B, in order', async () => {
    net = new Net(pool);
    const { a, b } = await net.pair({ dtmfPayloadType: 101 });
    const events = dtmfEvents(b);
    const aEvents = dtmfEvents(a);
    await net.tick(3);
    await net.tickUntil(a.sendDtmf('15#'), 40, "sendDtmf('15#')");
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
    net = new Net(pool);
    const { a, b } = await net.pair();
    const events = dtmfEvents(b);
    await net.tick(3);
    await net.tickUntil(a.sendDtmf('15#'), 60, "in-band sendDtmf('15#')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([
      ['1', 'inband'],
      ['5', 'inband'],
      ['#', 'inband'],
    ]);
  });

  it('with telephone-event, in-band detection is off unless asked for', async () => {
    net = new Net(pool);
    // A has no telephone-event (sends tones); B negotiated it, so it does not listen to tones.
    const { a, b } = await net.pair({}, { dtmfPayloadType: 101 });
    const events = dtmfEvents(b);
    await net.tickUntil(a.sendDtmf('7'), 30, "sendDtmf('7')");
    await net.tick(10);
    expect(events).toEqual([]);
  });

  it('a SIP INFO digit and the same press in-band are reported once', async () => {
    net = new Net(pool);
    const { a, b } = await net.pair();
    const events = dtmfEvents(b);
    await net.tick(3);
    const sending = a.sendDtmf('5');
    b.receiveSignalledDtmf('5', 100);
    await net.tickUntil(sending, 30, "sendDtmf('5')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([['5', 'info']]);
    expect(b.stats().dtmfReceived).toBe(1);
    expect(b.stats().dtmfDuplicatesSuppressed).toBe(1);
    // A later press of the same key is a new press.
    await net.tickUntil(a.sendDtmf('5'), 30, "second sendDtmf('5')");
    await net.tick(10);
    expect(events.map((e) => [e.digit, e.source])).toEqual([
      ['5', 'info'],
      ['5', 'inband'],
    ]);
  });

  it('update() with a new remote moves the stream there', async () => {
    net = new Net(pool);
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
    net = new Net(pool);
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
    net = new Net(pool);
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
    net = new Net(pool);
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
    net = new Net(pool);
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
});
