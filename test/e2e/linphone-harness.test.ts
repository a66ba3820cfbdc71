/**
 * Proves the linphonec harness itself, with no Switchboard involved: linphonec calls a tiny raw
 * SIP UAS written here (one UDP socket for SIP, one for RTP, on loopback) that answers every
 * INVITE with PCMU, and the UAS checks what arrives on the wire: DTMF as SIP INFO or as RFC 4733
 * telephone-events, and the audio linphonec plays from a WAV file. When a suite that uses
 * linphonec against Switchboard fails, this file tells whether the harness is to blame.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
// G.711 only: the µ-law codec is unit-tested against reference values of its own.
import { linearToUlaw, ulawToLinear } from '../../src/media/codecs/g711.js';
import { sine } from '../fixtures/audio-signals.js';
import {
  describeWithLinphone,
  dumpLinphoneOnFailure,
  Linphone,
  wavBytes,
} from './helpers/linphone.js';

const WAIT_MS = 8_000;

/** One SIP request the UAS received. */
interface SipRequest {
  method: string;
  /** Header lines by lower-case name, in order. */
  headers: Map<string, string[]>;
  body: string;
}

/** One RTP packet the UAS received (STUN keep-alives on the same port are left out). */
interface RtpPacket {
  pt: number;
  marker: boolean;
  payload: Buffer;
}

function parseRequest(text: string): SipRequest | undefined {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [start = '', ...lines] = head.split('\r\n');
  if (start.startsWith('SIP/2.0')) return undefined; // a response: the UAS sends no requests
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { method: start.split(' ')[0] ?? '', headers, body };
}

/**
 * Rough frequency of the loud part of `samples` (between the first and last sample above
 * `threshold`), from upward zero crossings: plenty to tell 440 Hz from 1 kHz from silence.
 */
function dominantFrequency(samples: ArrayLike<number>, rate: number, threshold = 2000): number {
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i] ?? 0) > threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0 || last - first < rate / 10) return 0;
  let crossings = 0;
  for (let i = first + 1; i <= last; i++) {
    if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
  }
  return (crossings * rate) / (last - first);
}

/**
 * A minimal SIP UAS on loopback: 100 + 200 (PCMU, plus telephone-event when offered) to
 * INVITE, 200 to everything else but ACK. Keeps every request and RTP packet for the test.
 */
class RawUas {
  readonly requests: SipRequest[] = [];
  readonly rtp: RtpPacket[] = [];
  /** The telephone-event payload type from the last INVITE's offer, if it had one. */
  telephoneEventPt: number | undefined;
  private remoteMedia: { host: string; port: number } | undefined;
  private readonly changed = new EventEmitter();
  private toneTimer: NodeJS.Timeout | undefined;
  private tonePacketsSent = 0;

  private constructor(
    private readonly sip: dgram.Socket,
    private readonly media: dgram.Socket,
    /** PCMU packets of a 1 kHz tone to send after the ACK, 20 ms apart. */
    private readonly tonePackets: number,
  ) {
    sip.on('message', (msg, rinfo) => this.onSip(msg.toString('utf8'), rinfo));
    media.on('message', (msg) => this.onRtp(msg));
  }

  static async start(options: { tonePackets?: number } = {}): Promise<RawUas> {
    const bind = (socket: dgram.Socket): Promise<void> =>
      new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => resolve());
      });
    const sip = dgram.createSocket('udp4');
    const media = dgram.createSocket('udp4');
    await Promise.all([bind(sip), bind(media)]);
    return new RawUas(sip, media, options.tonePackets ?? 0);
  }

  get uri(): string {
    return `sip:uas@127.0.0.1:${this.sip.address().port}`;
  }

  ofMethod(method: string): SipRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  get toneDone(): boolean {
    return this.tonePacketsSent >= this.tonePackets;
  }

  /** Resolves once `check` holds, re-checked on every SIP request and RTP packet. */
  waitUntil<T>(check: () => T | undefined | false, what: string, timeoutMs = WAIT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        const value = check();
        if (value === undefined || value === false) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`raw UAS: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.changed.off('change', test);
      };
      this.changed.on('change', test);
      test();
    });
  }

  async close(): Promise<void> {
    clearInterval(this.toneTimer);
    await Promise.all([
      new Promise<void>((resolve) => this.sip.close(() => resolve())),
      new Promise<void>((resolve) => this.media.close(() => resolve())),
    ]);
  }

  private onSip(text: string, rinfo: dgram.RemoteInfo): void {
    const request = parseRequest(text);
    if (request === undefined) return;
    this.requests.push(request);
    if (request.method === 'INVITE') this.onInvite(request, rinfo);
    else if (request.method === 'ACK') this.startTone();
    else this.respond(request, rinfo, '200 OK');
    this.changed.emit('change');
  }

  private onInvite(invite: SipRequest, rinfo: dgram.RemoteInfo): void {
    const offer = invite.body;
    const host = /^c=IN IP4 (\S+)/m.exec(offer)?.[1];
    const port = /^m=audio (\d+)/m.exec(offer)?.[1];
    if (host !== undefined && port !== undefined) this.remoteMedia = { host, port: Number(port) };
    const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1];
    this.telephoneEventPt = te === undefined ? undefined : Number(te);
    this.respond(invite, rinfo, '100 Trying');
    const pts = ['0', ...(te === undefined ? [] : [te])];
    const sdp = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.media.address().port} RTP/AVP ${pts.join(' ')}`,
      'a=rtpmap:0 PCMU/8000',
      // An answer reuses the offer's payload type number for telephone-event.
      ...(te === undefined ? [] : [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-15`]),
      'a=sendrecv',
      '',
    ].join('\r\n');
    this.respond(invite, rinfo, '200 OK', [
      `Contact: <${this.uri}>`,
      'Content-Type: application/sdp',
      sdp,
    ]);
  }

  /** Sends a response; `extra` is extra header lines followed by the body as its last item. */
  private respond(
    request: SipRequest,
    rinfo: dgram.RemoteInfo,
    status: string,
    extra: string[] = [],
  ): void {
    const copy = (name: string, label: string): string[] =>
      (request.headers.get(name) ?? []).map((v) => `${label}: ${v}`);
    let to = request.headers.get('to')?.[0] ?? '';
    if (!/;tag=/.test(to) && status !== '100 Trying') to += ';tag=rawuas';
    const body = extra.length > 0 ? (extra[extra.length - 1] ?? '') : '';
    const headers = [
      `SIP/2.0 ${status}`,
      ...copy('via', 'Via'),
      ...copy('from', 'From'),
      `To: ${to}`,
      ...copy('call-id', 'Call-ID'),
      ...copy('cseq', 'CSeq'),
      ...extra.slice(0, -1),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    this.sip.send(`${headers.join('\r\n')}\r\n\r\n${body}`, rinfo.port, rinfo.address);
  }

  private onRtp(packet: Buffer): void {
    // RTP version 2 only: linphonec also sends STUN binding requests to the RTP port.
    if (packet.length < 12 || packet[0] === undefined || packet[0] >> 6 !== 2) return;
    const csrcCount = packet[0] & 0x0f;
    this.rtp.push({
      pt: (packet[1] ?? 0) & 0x7f,
      marker: ((packet[1] ?? 0) & 0x80) !== 0,
      payload: packet.subarray(12 + 4 * csrcCount),
    });
    this.changed.emit('change');
  }

  private startTone(): void {
    const remote = this.remoteMedia;
    if (this.tonePackets === 0 || remote === undefined || this.toneTimer !== undefined) return;
    const tone = sine(1000, 8000, this.tonePackets * 160, 8000);
    let seq = 0;
    // A media clock, not synchronisation: one 20 ms packet per tick, like a real phone.
    this.toneTimer = setInterval(() => {
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = seq === 0 ? 0x80 : 0; // marker on the first packet of the talkspurt
      header.writeUInt16BE(seq, 2);
      header.writeUInt32BE(seq * 160, 4);
      header.writeUInt32BE(0x5b0a4d, 8);
      const payload = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) payload[i] = linearToUlaw(tone[seq * 160 + i] ?? 0);
      this.media.send(Buffer.concat([header, payload]), remote.port, remote.host);
      seq++;
      this.tonePacketsSent = seq;
      if (seq >= this.tonePackets) {
        clearInterval(this.toneTimer);
        this.changed.emit('change');
      }
    }, 20);
  }
}

function header(request: SipRequest, name: string): string {
  return request.headers.get(name)?.[0] ?? '';
}

describeWithLinphone('linphonec harness (linphonec against a raw SIP UAS)', () => {
  let phone: Linphone | undefined;
  let uas: RawUas | undefined;
  let scratch: string | undefined;

  afterEach(async () => {
    await phone?.stop();
    await uas?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    phone = undefined;
    uas = undefined;
    scratch = undefined;
  });
  // Registered after the clean-up on purpose: Vitest runs afterEach hooks last-registered
  // first, and the output must be printed before stop() discards the instance.
  dumpLinphoneOnFailure(() => [phone]);

  it('calls the UAS and sends DTMF as SIP INFO (application/dtmf-relay)', async () => {
    const server = (uas = await RawUas.start());
    const lp = (phone = new Linphone({ user: 'caller', dtmf: 'info' }));
    await lp.start();
    expect(lp.sipPort).toBeGreaterThan(0);

    const connected = await lp.call(server.uri);
    expect(connected.peer).toBe(server.uri);
    const [invite] = server.ofMethod('INVITE');
    if (invite === undefined) throw new Error('no INVITE');
    expect(header(invite, 'from')).toMatch(/^<sip:caller@127\.0\.0\.1>;tag=/);
    expect(header(invite, 'via')).toMatch(
      new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${lp.sipPort};`),
    );
    expect(invite.body).toMatch(/^c=IN IP4 127\.0\.0\.1\r?$/m);
    expect(invite.body).toMatch(/^m=audio \d+ RTP\/AVP 0 8\r?$/m);
    // In INFO mode linphonec does not offer telephone-event at all.
    expect(invite.body).not.toMatch(/telephone-event/);
    await server.waitUntil(() => server.ofMethod('ACK').length > 0, 'ACK');

    await lp.sendDtmf('5#');
    const infos = await server.waitUntil(
      () => (server.ofMethod('INFO').length >= 2 ? server.ofMethod('INFO') : undefined),
      'two INFO requests',
    );
    expect(infos.map((r) => header(r, 'content-type'))).toEqual([
      'application/dtmf-relay',
      'application/dtmf-relay',
    ]);
    expect(infos.map((r) => /^Signal=(.)\r?$/m.exec(r.body)?.[1])).toEqual(['5', '#']);
    expect(infos[0]?.body).toMatch(/^Duration=\d+\r?$/m);

    // Its microphone (generated silence) still produces PCMU packets.
    await server.waitUntil(() => server.rtp.filter((p) => p.pt === 0).length >= 10, 'PCMU RTP');

    const ended = await lp.hangup();
    expect(ended.callId).toBe(connected.callId);
    await server.waitUntil(() => server.ofMethod('BYE').length > 0, 'BYE');
    // Nothing but PCMU on the RTP port: no telephone-events in INFO mode.
    expect(new Set(server.rtp.map((p) => p.pt))).toEqual(new Set([0]));
  });

  it('sends DTMF as RFC 4733 telephone-events', async () => {
    const server = (uas = await RawUas.start());
    const lp = (phone = new Linphone({ user: 'caller', dtmf: 'rfc4733' }));
    await lp.start();
    await lp.call(server.uri);
    const pt = server.telephoneEventPt;
    if (pt === undefined) throw new Error('linphonec offered no telephone-event/8000');
    expect(pt).toBeGreaterThanOrEqual(96);

    await lp.sendDtmf('5#');
    // RFC 4733 payload: event code, then E bit | volume, then duration. # is event 11.
    const endedEvents = (): Set<number> =>
      new Set(
        server.rtp
          .filter((p) => p.pt === pt && ((p.payload[1] ?? 0) & 0x80) !== 0)
          .map((p) => p.payload[0] ?? -1),
      );
    await server.waitUntil(
      () => endedEvents().has(5) && endedEvents().has(11),
      'telephone-event end packets for 5 and #',
    );
    const events = server.rtp.filter((p) => p.pt === pt).map((p) => p.payload[0]);
    expect(new Set(events)).toEqual(new Set([5, 11]));
    // Each event starts with a marked packet (RFC 4733 §2.5.1.3).
    expect(server.rtp.filter((p) => p.pt === pt && p.marker).length).toBeGreaterThanOrEqual(2);
    expect(server.ofMethod('INFO')).toEqual([]);

    await lp.hangup();
    await server.waitUntil(() => server.ofMethod('BYE').length > 0, 'BYE');
  });

  it('plays a WAV file as its microphone and records what it hears', async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'switchboard-linphone-test-'));
    const playFile = path.join(scratch, 'a440.wav');
    await writeFile(playFile, wavBytes(sine(440, 8000, 8000), 8000));
    // 1.5 s of 1 kHz tone from the UAS, to be found in linphonec's recording.
    const server = (uas = await RawUas.start({ tonePackets: 75 }));
    const lp = (phone = new Linphone({ user: 'caller', playFile, record: true }));
    await lp.start();
    await lp.call(server.uri);

    // What linphonec sends is the 440 Hz file, looped.
    const pcmu = await server.waitUntil(() => {
      const packets = server.rtp.filter((p) => p.pt === 0);
      return packets.length >= 60 ? packets : undefined;
    }, '60 PCMU packets');
    const sent = pcmu.slice(10).flatMap((p) => [...p.payload].map(ulawToLinear));
    expect(dominantFrequency(sent, 8000)).toBeGreaterThan(400);
    expect(dominantFrequency(sent, 8000)).toBeLessThan(480);

    await server.waitUntil(() => server.toneDone, 'the UAS to finish its tone', 5_000);
    await lp.hangup();
    const recording = await lp.readRecording();
    expect(recording.sampleRate).toBe(8000);
    expect(recording.channels).toBe(1);
    const heard = dominantFrequency(recording.samples, recording.sampleRate);
    expect(heard).toBeGreaterThan(900);
    expect(heard).toBeLessThan(1100);
  });
});
