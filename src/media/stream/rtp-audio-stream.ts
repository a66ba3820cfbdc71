/**
 * One leg's audio over RTP: the composition of an RTP session (sockets, latching, RTCP), a
 * jitter buffer, the negotiated codec, DTMF in all three forms, and the leg's outbound queue.
 * Everything on the far side of this class is PCM frames and DTMF events; codecs and packets
 * stay here (DESIGN.md: vendor encodings only at the edge).
 *
 * Per tick of the shared {@link MediaClock}: `receive` pulls 20 ms from the jitter buffer,
 * decodes it (concealing losses) and publishes one inbound frame — always one, silence when
 * nothing arrived, so that recorders and recognisers see continuous time; `send` takes one
 * frame from the output queue and sends it (or a telephone-event packet while a digit is being
 * sent).
 */
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { createCodec } from '../codecs/registry.js';
import type { AudioDecoder, AudioEncoder, Codec, CodecName } from '../codecs/types.js';
import { DtmfDeduplicator } from '../dtmf/dedup.js';
import { InbandDtmfDetector } from '../dtmf/inband-detector.js';
import { isDtmfDigit } from '../dtmf/digits.js';
import { TelephoneEventReceiver, TelephoneEventSender } from '../dtmf/rfc4733.js';
import type { DtmfDigit, DtmfEvent } from '../dtmf/types.js';
import { applyGainDb } from '../audio/gain.js';
import { dtmfToneFrames } from '../audio/tones.js';
import { JitterBuffer } from '../rtp/jitter-buffer.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { RtpSession, type RtpSessionStats } from '../rtp/rtp-session.js';
import type { RtpTimers } from '../rtp/rtp-timers.js';
import { AudioOutput } from './audio-output.js';
import { FrameFanout } from './frame-fanout.js';
import type { ClockParticipant, MediaClock } from './media-clock.js';

const EMPTY = new Int16Array(0);

/** Where the peer wants RTP. */
export interface RtpRemote {
  address: string;
  port: number;
  rtcpPort?: number;
  rtcpMux: boolean;
}

/** The codec agreed in SDP. */
export interface StreamCodec {
  name: CodecName;
  /** Payload type to send with (the peer's number) and to accept. */
  payloadType: number;
  /** PCM rate for L16 (8000 or 16000); ignored for codecs with a fixed rate. */
  sampleRateHz?: number;
}

/** Media direction from our side (RFC 3264): may we send, and do we expect to receive? */
export interface StreamDirection {
  send: boolean;
  receive: boolean;
}

/** Options of an {@link RtpAudioStream}. */
export interface RtpAudioStreamOptions {
  rtpSocket: Socket;
  /** RTCP socket (port + 1); omit with rtcp-mux. */
  rtcpSocket?: Socket;
  remote: RtpRemote;
  codec: StreamCodec;
  /** telephone-event payload type, when negotiated. */
  dtmfPayloadType?: number;
  /** RTP clock of telephone-event (its durations count in these units). Default: the codec's. */
  dtmfClockRateHz?: number;
  /** Packetisation time to send with. Default 20. */
  ptimeMs?: number;
  clock: MediaClock;
  jitterMinDelayMs?: number;
  jitterMaxDelayMs?: number;
  /** End-of-media detection; 0 disables. Default 60 000. */
  inactivityTimeoutMs?: number;
  /**
   * Listen for DTMF tones in the audio. Default: only when telephone-event was not negotiated
   * (a trunk that cannot signal digits out of band leaves them in the audio).
   */
  inbandDtmf?: boolean;
  direction?: StreamDirection;
  /** CNAME for RTCP SDES. */
  cname?: string;
  /**
   * Passed to the RTP session: its wall clock (packet arrival times for the jitter buffer,
   * inactivity, RTCP) and timers (inactivity, RTCP). Defaults: real time. Tests that drive the
   * media clock by hand pass a manual clock and timers so that arrivals follow the ticks.
   */
  now?: () => number;
  timers?: RtpTimers;
}

/** Events of an {@link RtpAudioStream}. */
export interface RtpAudioStreamEvents {
  /** One key press, however it arrived, reported once. */
  dtmf: [DtmfEvent];
  /** No RTP for the inactivity timeout while the peer should be sending. */
  inactive: [];
  /** Once per tick after sending: the inbound frame and what was sent (undefined = nothing). */
  tick: [AudioFrame, AudioFrame | undefined];
}

/** Statistics of a stream (RTP session plus jitter buffer plus DTMF). */
export interface RtpAudioStreamStats {
  rtp: RtpSessionStats;
  jitter: ReturnType<JitterBuffer['stats']>;
  dtmfReceived: number;
  dtmfDuplicatesSuppressed: number;
  codec: CodecName;
}

/** Full-duplex audio of one leg over RTP. */
export class RtpAudioStream extends EventEmitter<RtpAudioStreamEvents> implements ClockParticipant {
  /** Inbound frames at {@link sampleRateHz}. */
  readonly input = new FrameFanout();
  /** Outbound queue at {@link sampleRateHz}. */
  readonly output: AudioOutput;
  private session: RtpSession;
  private codec!: Codec;
  private payloadType!: number;
  private encoder!: AudioEncoder;
  private decoder!: AudioDecoder;
  private jitter!: JitterBuffer;
  private readonly dtmfReceiver = new TelephoneEventReceiver();
  private readonly dtmfSender = new TelephoneEventSender();
  private readonly dedup = new DtmfDeduplicator();
  private inband: InbandDtmfDetector | undefined;
  private dtmfPayloadType: number | undefined;
  private dtmfClockRateHz: number | undefined;
  private readonly digitQueue: Array<{ digit: DtmfDigit; durationMs: number; done: () => void }> =
    [];
  private currentDigitDone: (() => void) | undefined;
  private direction: StreamDirection;
  private readonly removeFromClock: () => void;
  private readonly ptimeMs: number;
  /** Our RTP timestamp for the next packet (clock units). */
  private sendTimestamp = Math.floor(Math.random() * 0xffffffff) >>> 0;
  /** PCM waiting to fill a packet when ptime is not 20 ms. */
  private pending: Int16Array = new Int16Array(0);
  private decoded: Int16Array = new Int16Array(0);
  private mediaTimeMs = 0;
  private talkspurt = true;
  private closed = false;
  private dtmfCount = 0;
  private dtmfSuppressed = 0;

  constructor(private readonly options: RtpAudioStreamOptions) {
    super();
    this.ptimeMs = options.ptimeMs ?? 20;
    this.direction = options.direction ?? { send: true, receive: true };
    this.dtmfPayloadType = options.dtmfPayloadType;
    this.dtmfClockRateHz = options.dtmfClockRateHz;
    this.setCodec(options.codec);
    this.output = new AudioOutput(this.codec.sampleRateHz);
    this.session = new RtpSession({
      rtpSocket: options.rtpSocket,
      rtcpSocket: options.rtcpSocket,
      remoteAddress: options.remote.address,
      remotePort: options.remote.port,
      remoteRtcpPort: options.remote.rtcpPort,
      rtcpMux: options.remote.rtcpMux,
      clockRateHz: this.codec.clockRateHz,
      acceptedPayloadTypes: this.acceptedPayloadTypes(),
      inactivityTimeoutMs: options.inactivityTimeoutMs ?? 60_000,
      cname: options.cname,
      now: options.now,
      timers: options.timers,
    });
    this.session.on('packet', (packet, arrivalMs) => this.onPacket(packet, arrivalMs));
    this.session.on('inactive', () => this.emit('inactive'));
    this.session.on('ssrcChange', () => this.jitter.reset());
    this.configureInband();
    if (!this.direction.receive) this.session.pauseInactivity();
    this.removeFromClock = options.clock.add(this);
  }

  /** PCM rate of {@link input} and {@link output}: the negotiated codec's rate. */
  get sampleRateHz(): number {
    return this.codec.sampleRateHz;
  }

  /** The codec in use. */
  get codecName(): CodecName {
    return this.codec.name;
  }

  /**
   * Applies a new offer/answer (re-INVITE): new remote address (the latch restarts), new
   * direction, and possibly a new codec or DTMF payload type.
   */
  update(
    remote: RtpRemote,
    codec: StreamCodec,
    dtmfPayloadType: number | undefined,
    direction: StreamDirection,
    dtmfClockRateHz?: number,
  ): void {
    this.session.updateRemote({
      address: remote.address,
      port: remote.port,
      rtcpPort: remote.rtcpPort,
    });
    if (codec.name !== this.codec.name || codec.payloadType !== this.payloadType) {
      const oldRate = this.codec.sampleRateHz;
      this.setCodec(codec);
      this.session.setClockRate(this.codec.clockRateHz);
      if (this.codec.sampleRateHz !== oldRate) {
        this.pending = new Int16Array(0);
        // The output must hand over frames at the new codec's rate, or every packet would be
        // filled from two ticks of audio at the old rate.
        this.output.setSampleRate(this.codec.sampleRateHz);
      }
    }
    this.dtmfPayloadType = dtmfPayloadType;
    this.dtmfClockRateHz = dtmfClockRateHz;
    this.session.setAcceptedPayloadTypes(this.acceptedPayloadTypes());
    this.setDirection(direction);
    this.configureInband();
  }

  /** Hold and resume: stop sending and/or stop expecting media. */
  setDirection(direction: StreamDirection): void {
    this.direction = direction;
    if (direction.receive) this.session.resumeInactivity();
    else this.session.pauseInactivity();
  }

  /**
   * Sends digits as RFC 4733 telephone-events when negotiated, else as in-band tones.
   * Resolves when the last digit has been sent.
   */
  sendDtmf(digits: string, durationMs = 100): Promise<void> {
    const valid = [...digits.toUpperCase()].filter(isDtmfDigit);
    if (valid.length === 0) return Promise.resolve();
    if (this.dtmfPayloadType === undefined) {
      // No telephone-event negotiated (an old trunk): the digits go in-band as tones, queued
      // like any other piece of audio.
      const frames = dtmfToneFrames(valid.join(''), {
        sampleRateHz: this.codec.sampleRateHz,
        toneMs: durationMs,
        gapMs: Math.max(60, durationMs),
      });
      return this.output.play(frames).done.then(() => undefined);
    }
    return Promise.all(
      valid.map(
        (digit) =>
          new Promise<void>((resolve) =>
            this.digitQueue.push({ digit, durationMs, done: resolve }),
          ),
      ),
    ).then(() => undefined);
  }

  /** A DTMF press that arrived outside RTP (SIP INFO), merged with the other paths. */
  receiveSignalledDtmf(digit: DtmfDigit, durationMs: number): void {
    this.deliverDtmf({ digit, durationMs, source: 'info', timestampMs: this.mediaTimeMs });
  }

  /** Statistics for RTCP-style reporting and metrics. */
  stats(): RtpAudioStreamStats {
    return {
      rtp: this.session.stats(),
      jitter: this.jitter.stats(),
      dtmfReceived: this.dtmfCount,
      dtmfDuplicatesSuppressed: this.dtmfSuppressed,
      codec: this.codec.name,
    };
  }

  /** Stops the stream: leaves the clock, sends RTCP BYE, ends inbound iterables. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.removeFromClock();
    this.session.close();
    this.output.close();
    this.input.close();
    for (const d of this.digitQueue.splice(0)) d.done();
    this.currentDigitDone?.();
    this.removeAllListeners('tick');
  }

  // ---- clock phases ----------------------------------------------------------------------

  /** @internal Clock phase 1. */
  receive(): void {
    const frameSamples = samplesPerFrame(this.codec.sampleRateHz);
    const pulled = this.jitter.pull();
    if (pulled.kind === 'frame') {
      for (const entry of pulled.entries) {
        if ('packet' in entry) this.appendDecoded(this.decoder.decode(entry.packet.payload));
        else this.appendDecoded(this.decoder.conceal(this.tsToSamples(entry.lostTs)));
      }
    }
    let samples: Int16Array;
    if (this.decoded.length === frameSamples) {
      // The common case (one 20 ms packet per tick): hand the decoder's output on, no copy.
      samples = this.decoded;
      this.decoded = EMPTY;
    } else if (this.decoded.length > frameSamples) {
      samples = this.decoded.slice(0, frameSamples);
      this.decoded = this.decoded.subarray(frameSamples);
    } else {
      samples = new Int16Array(frameSamples);
      samples.set(this.decoded);
      this.decoded = EMPTY;
    }
    const frame: AudioFrame = {
      samples,
      sampleRateHz: this.codec.sampleRateHz,
      timestampMs: this.mediaTimeMs,
    };
    this.mediaTimeMs += 20;
    if (this.inband) {
      const event = this.inband.process(frame);
      if (event) this.deliverDtmf(event);
    }
    const expired = this.dtmfReceiver.expire(this.mediaTimeMs);
    if (expired) this.deliverDtmf(expired);
    // Mute and gain act after DTMF detection: a muted caller's key presses still count.
    if (this.inputMuted) frame.samples = new Int16Array(frameSamples);
    else if (this.inputGainDb !== 0) applyGainDb(frame.samples, this.inputGainDb);
    this.input.publish(frame);
    this.pendingInbound = frame;
  }

  private pendingInbound: AudioFrame | undefined;
  private inputMuted = false;
  private inputGainDb = 0;

  /** Mutes what this party says (to everyone it is connected to, and to recordings). */
  setInputMuted(muted: boolean): void {
    this.inputMuted = muted;
  }

  /** Gain on what this party says, in dB (0 = unchanged). */
  setInputGainDb(gainDb: number): void {
    this.inputGainDb = gainDb;
  }

  /** @internal Clock phase 3. */
  send(): void {
    const outbound = this.output.next(this.mediaTimeMs - 20);
    if (this.direction.send && !this.closed) {
      if (!this.sendDigitPacket()) this.sendAudio(outbound);
    }
    const inbound = this.pendingInbound;
    if (inbound && this.listenerCount('tick') > 0) this.emit('tick', inbound, outbound);
  }

  // ---- internals ---------------------------------------------------------------------------

  private setCodec(codec: StreamCodec): void {
    this.codec = createCodec(codec.name, { sampleRateHz: codec.sampleRateHz });
    this.payloadType = codec.payloadType;
    this.encoder = this.codec.createEncoder();
    this.decoder = this.codec.createDecoder();
    this.jitter = new JitterBuffer({
      clockRateHz: this.codec.clockRateHz,
      minDelayMs: this.options.jitterMinDelayMs,
      maxDelayMs: this.options.jitterMaxDelayMs,
    });
    this.decoded = new Int16Array(0);
  }

  private acceptedPayloadTypes(): Set<number> {
    const types = new Set([this.payloadType]);
    if (this.dtmfPayloadType !== undefined) types.add(this.dtmfPayloadType);
    // Comfort noise (RFC 3389) is accepted and treated as silence rather than counted as junk.
    types.add(13);
    return types;
  }

  private configureInband(): void {
    const wanted = this.options.inbandDtmf ?? this.dtmfPayloadType === undefined;
    this.inband = wanted
      ? new InbandDtmfDetector({ sampleRateHz: this.codec.sampleRateHz })
      : undefined;
  }

  private onPacket(packet: RtpPacket, arrivalMs: number): void {
    if (packet.payloadType === this.dtmfPayloadType) {
      const event = this.dtmfReceiver.receive(
        packet.payload,
        packet.timestamp,
        packet.marker,
        this.dtmfClockRateHz ?? this.codec.clockRateHz,
        this.mediaTimeMs,
      );
      if (event) this.deliverDtmf({ ...event, timestampMs: this.mediaTimeMs });
      return;
    }
    if (packet.payloadType !== this.payloadType) return; // comfort noise: plays as silence
    this.jitter.push(packet, arrivalMs);
  }

  private deliverDtmf(event: DtmfEvent): void {
    if (!this.dedup.accept(event, this.mediaTimeMs)) {
      this.dtmfSuppressed++;
      return;
    }
    this.dtmfCount++;
    this.emit('dtmf', event);
  }

  private tsToSamples(ts: number): number {
    return Math.round((ts * this.codec.sampleRateHz) / this.codec.clockRateHz);
  }

  private appendDecoded(samples: Int16Array): void {
    if (this.decoded.length === 0) {
      this.decoded = samples;
      return;
    }
    const joined = new Int16Array(this.decoded.length + samples.length);
    joined.set(this.decoded);
    joined.set(samples, this.decoded.length);
    this.decoded = joined;
  }

  private sendDigitPacket(): boolean {
    if (this.dtmfPayloadType === undefined) return false;
    let packet = this.dtmfSender.next();
    if (!packet && this.digitQueue.length > 0) {
      this.finishDigit();
      const next = this.digitQueue.shift()!;
      this.currentDigitDone = next.done;
      // The event starts at this tick's place on the audio timeline (RFC 4733 §2.5.1.1).
      this.dtmfSender.start(next.digit, this.sendTimestamp, {
        durationMs: next.durationMs,
        clockRateHz: this.dtmfClockRateHz ?? this.codec.clockRateHz,
      });
      packet = this.dtmfSender.next();
    }
    if (!packet) {
      this.finishDigit();
      return false;
    }
    this.session.send(packet.payload, this.dtmfPayloadType, packet.timestamp, packet.marker);
    // The event occupies the timeline like audio would: the audio after it (and the next
    // event) starts that much later.
    this.sendTimestamp = (this.sendTimestamp + this.frameTs()) >>> 0;
    return true;
  }

  private finishDigit(): void {
    if (!this.currentDigitDone) return;
    this.currentDigitDone();
    this.currentDigitDone = undefined;
    this.talkspurt = true; // audio after an event starts a new talkspurt (marker bit)
  }

  private frameTs(): number {
    return (this.codec.clockRateHz * 20) / 1000;
  }

  private samplesToTs(samples: number): number {
    return Math.round((samples * this.codec.clockRateHz) / this.codec.sampleRateHz);
  }

  private sendAudio(frame: AudioFrame | undefined): void {
    const samples = frame?.samples ?? new Int16Array(samplesPerFrame(this.codec.sampleRateHz));
    const ptimeSamples = (this.codec.sampleRateHz * this.ptimeMs) / 1000;
    if (ptimeSamples === samples.length && this.pending.length === 0) {
      this.emitPacket(samples);
      return;
    }
    const joined = new Int16Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    let offset = 0;
    while (joined.length - offset >= ptimeSamples) {
      this.emitPacket(joined.subarray(offset, offset + ptimeSamples));
      offset += ptimeSamples;
    }
    this.pending = joined.slice(offset);
  }

  private emitPacket(samples: Int16Array): void {
    const payload = this.encoder.encode(samples);
    this.session.send(payload, this.payloadType, this.sendTimestamp, this.talkspurt);
    this.talkspurt = false;
    this.sendTimestamp = (this.sendTimestamp + this.samplesToTs(samples.length)) >>> 0;
  }
}
