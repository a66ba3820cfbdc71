/**
 * Calls with audio through the whole server, driven by a second Switchboard stack acting as
 * the phone: its SipLeg plays tones into the call and listens to what comes back, over real
 * UDP. Covers the echo test with each codec, DTMF by RFC 4733, SIP INFO and in-band tones,
 * RTP garbage from every direction (dropped and counted, the call unharmed), the RTP
 * inactivity timeout, and 488 for an offer with no common codec.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { SipLeg, type Leg } from '../../src/channels/index.js';
import { configSchema } from '../../src/config/index.js';
import {
  MediaClock,
  RtpPortPool,
  toneFrames,
  writeRtp,
  type AudioFrame,
  type DtmfEvent,
} from '../../src/media/index.js';
import type { CodecName } from '../../src/sip/index.js';
import { frameToneShare } from '../fixtures/audio-signals.js';
import { RawUdpPeer, isResponse, rawRequest } from './helpers/raw-peer.js';
import { startStack, within, type UaStack } from './helpers/ua-stack.js';

const TONE_HZ = 1000;

describe('calls with media through the server', () => {
  let sb: Switchboard;
  let phone: UaStack;
  let dataDir: string;
  const clock = new MediaClock();
  const phonePorts = new RtpPortPool({ host: '127.0.0.1', portMin: 32_000, portMax: 32_199 });
  const legs: SipLeg[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-media-'));
    sb = await startTestSwitchboard(
      configSchema.parse({
        sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
        http: { host: '127.0.0.1', port: 0 },
        rtp: { portMin: 32_400, portMax: 32_599, timeoutS: 1 },
        media: { codecs: ['PCMU', 'PCMA', 'G722', 'opus', 'L16'] },
        dataDir,
        logLevel: 'silent',
        shutdownGraceMs: 2_000,
      }),
    );
    phone = await startStack();
  });

  afterEach(async () => {
    await Promise.all(legs.splice(0).map((leg) => leg.hangup().catch(() => undefined)));
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await phone.stop();
    await sb.stop();
    clock.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function serverUri(user: string): string {
    return `sip:${user}@127.0.0.1:${sb.sipEndpoints()[0]!.port}`;
  }

  /** Calls the server from the phone stack and wraps the answered call as a leg. */
  async function dial(
    user: string,
    opts: { codecs?: CodecName[]; dtmf?: boolean } = {},
  ): Promise<{ phoneLeg: SipLeg; serverLeg: Leg }> {
    const port = await phonePorts.allocate();
    const serverLeg = within(
      new Promise<Leg>((r) => sb.calls.once('leg', r)),
      'the leg at the server',
    );
    const call = await phone.ua.call(serverUri(user), {
      media: { address: '127.0.0.1', port: port.port, codecs: opts.codecs, dtmf: opts.dtmf },
    });
    await within(call.answered, 'the answer');
    const phoneLeg = new SipLeg(call, port, { clock, inactivityTimeoutMs: 0 });
    legs.push(phoneLeg);
    return { phoneLeg, serverLeg: await serverLeg };
  }

  /** Resolves once `leg` hears the tone for `frames` consecutive frames. */
  function hearsTone(leg: Leg, frames = 10): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        let run = 0;
        const off = leg.input.onFrame((f: AudioFrame) => {
          run = frameToneShare(f, TONE_HZ) > 0.5 ? run + 1 : 0;
          if (run >= frames) {
            off();
            resolve();
          }
        });
      }),
      `${TONE_HZ} Hz coming back`,
    );
  }

  function collectDtmf(leg: Leg): DtmfEvent[] {
    const events: DtmfEvent[] = [];
    leg.on('dtmf', (e) => events.push(e));
    return events;
  }

  async function until(what: string, predicate: () => boolean): Promise<void> {
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => (predicate() ? resolve() : void setTimeout(check, 10));
        check();
      }),
      what,
    );
  }

  it.each<CodecName>(['PCMU', 'PCMA', 'G722', 'opus', 'L16'])(
    'echo test with %s returns the caller’s tone',
    async (codec) => {
      const { phoneLeg, serverLeg } = await dial('1000', { codecs: [codec] });
      expect(serverLeg.sampleRateHz).toBe(
        codec === 'G722' || codec === 'L16' ? 16_000 : codec === 'opus' ? 48_000 : 8000,
      );
      const hearing = hearsTone(phoneLeg);
      phoneLeg.output.play(
        toneFrames(
          { frequenciesHz: [TONE_HZ], cadenceMs: [], durationMs: 2_000 },
          {
            sampleRateHz: phoneLeg.sampleRateHz,
          },
        ),
      );
      await hearing;
    },
  );

  it('per-leg mute silences what the caller says, and unmute brings it back', async () => {
    const { phoneLeg, serverLeg } = await dial('1000');
    phoneLeg.output.play(
      toneFrames(
        { frequenciesHz: [TONE_HZ], cadenceMs: [], durationMs: 5_000 },
        { sampleRateHz: 8000 },
      ),
    );
    await hearsTone(phoneLeg);
    serverLeg.setMuted('in', true);
    await within(
      new Promise<void>((resolve) => {
        let quiet = 0;
        const off = phoneLeg.input.onFrame((f) => {
          quiet = f.samples.every((x) => Math.abs(x) < 50) ? quiet + 1 : 0;
          if (quiet >= 10) {
            off();
            resolve();
          }
        });
      }),
      'silence while muted',
    );
    serverLeg.setMuted('in', false);
    await hearsTone(phoneLeg);
  });

  it('reports RFC 4733, SIP INFO and in-band digits once each', async () => {
    const { phoneLeg, serverLeg } = await dial('1000');
    const events = collectDtmf(serverLeg);
    await phoneLeg.sendDtmf('3#');
    await until('two RFC 4733 digits', () => events.length >= 2);
    expect(await phoneLeg.call.info('application/dtmf-relay', 'Signal=7\r\nDuration=160\r\n')).toBe(
      200,
    );
    expect(await phoneLeg.call.info('application/dtmf', '*')).toBe(200);
    await until('two INFO digits', () => events.length >= 4);
    expect(events.map((e) => `${e.digit}:${e.source}`)).toEqual([
      '3:rfc4733',
      '#:rfc4733',
      '7:info',
      '*:info',
    ]);

    // A trunk without telephone-event: the digits travel as tones in the audio.
    const inband = await dial('1000', { dtmf: false });
    const inbandEvents = collectDtmf(inband.serverLeg);
    await inband.phoneLeg.sendDtmf('42');
    await until('two in-band digits', () => inbandEvents.length >= 2);
    expect(inbandEvents.map((e) => `${e.digit}:${e.source}`)).toEqual(['4:inband', '2:inband']);
  });

  it('drops and counts RTP garbage without harming the call', async () => {
    const { phoneLeg, serverLeg } = await dial('1000');
    // Let the server latch to the phone's RTP source first.
    const hearing = hearsTone(phoneLeg);
    phoneLeg.output.play(
      toneFrames(
        { frequenciesHz: [TONE_HZ], cadenceMs: [], durationMs: 5_000 },
        {
          sampleRateHz: 8000,
        },
      ),
    );
    await hearing;
    const rtpPort = (serverLeg as SipLeg).call.media!.remotePort; // the phone's port
    expect(rtpPort).toBeGreaterThan(0);
    const serverRtpPort = Number(
      /m=audio (\d+)/.exec((serverLeg as SipLeg).call.localSdp ?? '')?.[1],
    );
    const attacker = createSocket('udp4');
    sockets.push(attacker);
    await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', r));
    const send = (buf: Uint8Array, port = serverRtpPort): void =>
      attacker.send(buf, port, '127.0.0.1');
    let seed = 7;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++) {
      // Small bursts: a kernel socket buffer holds only a few hundred datagrams, and this test
      // is about what the server does with garbage, not about loopback overflow.
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
      send(
        Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
      );
      send(Uint8Array.from([0x80, 0x00, 0x00])); // truncated header
      send(
        Uint8Array.from({ length: 30 }, () => Math.floor(random() * 256)),
        serverRtpPort + 1,
      ); // RTCP garbage
      // Well-formed RTP with a payload type nobody negotiated, and an SSRC flood.
      send(
        writeRtp(
          { marker: false, payloadType: 99, sequenceNumber: i, timestamp: i * 160, ssrc: 1 },
          new Uint8Array(160),
        ),
      );
      send(
        writeRtp(
          {
            marker: false,
            payloadType: 0,
            sequenceNumber: i,
            timestamp: i * 160,
            ssrc: Math.floor(random() * 2 ** 32),
          },
          new Uint8Array(160),
        ),
      );
    }
    await until('the garbage to be counted', () => {
      const dropped = (serverLeg as SipLeg).stats().rtp.dropped;
      return Object.values(dropped).reduce((a, b) => a + b, 0) >= 500;
    });
    const dropped = (serverLeg as SipLeg).stats().rtp.dropped;
    expect(dropped.malformed).toBeGreaterThan(0);
    expect(dropped['wrong-source']).toBeGreaterThan(0);
    expect(dropped['rtcp-garbage'] + dropped['rtcp-wrong-source']).toBeGreaterThan(0);
    // The call is still up and still echoes.
    expect(serverLeg.isEnded).toBe(false);
    await hearsTone(phoneLeg);
  });

  it('ends a call whose RTP stops, with reason rtp-timeout', async () => {
    const { phoneLeg, serverLeg } = await dial('1000');
    // The phone goes silent: no packets at all (not even silence) from now on.
    (
      phoneLeg as unknown as {
        stream: { setDirection(d: { send: boolean; receive: boolean }): void };
      }
    ).stream.setDirection({
      send: false,
      receive: true,
    });
    const end = await within(serverLeg.ended, 'the server to end the silent call', 5_000);
    expect(end.reason).toBe('rtp-timeout');
    expect(end.by).not.toBe('remote');
  });

  it('refuses new calls with 503 and Retry-After while the media clock is overloaded', async () => {
    // Simulate a saturated process: the clock reports ticks running late on average.
    Object.defineProperty(sb.clock, 'overloaded', { configurable: true, get: () => true });
    try {
      const port = await phonePorts.allocate();
      const call = await phone.ua.call(serverUri('1000'), {
        media: { address: '127.0.0.1', port: port.port },
      });
      const end = await within(call.ended, 'the refusal');
      port.release();
      expect(end.status).toBe(503);
    } finally {
      delete (sb.clock as { overloaded?: boolean }).overloaded;
    }
    expect(sb.clock.overloaded).toBe(false);
  });

  it('records the call in the history and publishes its events', async () => {
    const seen: Array<{ type: string; callId?: string; data: Record<string, unknown> }> = [];
    const unsubscribe = await sb.cacheAndBus.bus.subscribe('*', (_topic, message) => {
      seen.push(message as (typeof seen)[number]);
    });
    try {
      const { phoneLeg } = await dial('1000');
      await phoneLeg.sendDtmf('7');
      await until('the DTMF event', () => seen.some((e) => e.type === 'dtmf.received'));
      // Earlier tests' calls may still be finishing: follow the call this DTMF belongs to.
      const callId = seen.find((e) => e.type === 'dtmf.received')!.callId!;
      await phoneLeg.hangup();
      await until('call.ended', () =>
        seen.some((e) => e.type === 'call.ended' && e.callId === callId),
      );
      expect(seen.filter((e) => e.callId === callId).map((e) => e.type)).toEqual([
        'call.ringing',
        'participant.joined',
        'call.answered',
        'dtmf.received',
        'participant.left',
        'call.ended',
      ]);
      expect(seen.find((e) => e.type === 'dtmf.received')!.data).toMatchObject({
        digit: '7',
        source: 'rfc4733',
      });
      const res = await fetch(`http://127.0.0.1:${sb.httpPort}/v1/calls/${callId}`, {
        headers: { authorization: `Bearer ${sb.initialAdminKey}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        id: callId,
        direction: 'inbound',
        state: 'ended',
        callee: '1000',
        endReason: 'remote-bye',
      });
    } finally {
      await unsubscribe();
    }
  });

  it('answers an offer with no common codec with 488', async () => {
    const peer = await RawUdpPeer.open(sb.sipEndpoints()[0]!.port);
    const sdp = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 41000 RTP/AVP 3 18',
      'a=rtpmap:3 GSM/8000',
      'a=rtpmap:18 G729/8000',
      '',
    ].join('\r\n');
    peer.send(
      rawRequest({
        method: 'INVITE',
        peer,
        callId: 'no-codec-1',
        fromTag: 'nc1',
        cseq: 1,
        body: sdp,
        uri: serverUri('1000'),
      }),
    );
    const res = await peer.next(isResponse(488, 'INVITE'), '488 to the INVITE');
    expect(res.headers.get('Warning') ?? '').toMatch(/codec/i);
    peer.close();
  });

  it('exports RTP and DTMF figures of ended legs on /metrics', async () => {
    await until('every leg to have ended', () => sb.calls.legs().length === 0);
    const text = await (await fetch(`http://127.0.0.1:${sb.httpPort}/metrics`)).text();
    const value = (name: string): number =>
      Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
    expect(value('switchboard_rtp_packets_received_total')).toBeGreaterThan(0);
    expect(value('switchboard_rtp_packets_sent_total')).toBeGreaterThan(0);
    expect(text).toMatch(/switchboard_dtmf_events_total\{source="info"\} [1-9]/);
    expect(text).toMatch(/switchboard_rtp_packets_dropped_total\{reason="malformed"\} [1-9]/);
    expect(value('switchboard_media_active_legs')).toBe(0);
  });
});
