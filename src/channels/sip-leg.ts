/**
 * The SIP channel: turns an answered SIP call plus its RTP port into a {@link Leg}. It follows
 * the call's offer/answer (re-INVITE moves, codec changes, hold), takes SIP INFO digits into
 * the same DTMF path as RFC 4733 and in-band tones, and hangs up when media stops arriving.
 */
import { EventEmitter } from 'node:events';
import {
  parseDtmfInfo,
  RtpAudioStream,
  type AudioOutput,
  type FrameFanout,
  type MediaClock,
  type RtpPort,
  type StreamDirection,
} from '../media/index.js';
import type { NegotiatedMedia, SipCall } from '../sip/index.js';
import type { Leg, LegEnd, LegEvents } from './leg.js';

/** Media settings for SIP legs (from the rtp section of the configuration). */
export interface SipLegOptions {
  clock: MediaClock;
  /** RTP inactivity that ends the call; 0 = never. Default 60 000. */
  inactivityTimeoutMs?: number;
  jitterMinDelayMs?: number;
  jitterMaxDelayMs?: number;
  /** Force in-band DTMF detection on or off (default: on only without telephone-event). */
  inbandDtmf?: boolean;
}

/** Reason recorded on the call when RTP stops arriving. */
export const RTP_TIMEOUT_REASON = 'rtp-timeout';

function directionOf(media: NegotiatedMedia): StreamDirection {
  const ours = media.direction;
  const remoteSilent = media.remoteDirection === 'recvonly' || media.remoteDirection === 'inactive';
  return {
    send: (ours === 'sendrecv' || ours === 'sendonly') && media.remoteAddress !== '0.0.0.0',
    receive: (ours === 'sendrecv' || ours === 'recvonly') && !remoteSilent,
  };
}

/** A SIP call as a Leg. */
export class SipLeg extends EventEmitter<LegEvents> implements Leg {
  readonly kind = 'sip' as const;
  readonly ended: Promise<LegEnd>;
  private readonly stream: RtpAudioStream;
  private endInfo: LegEnd | undefined;

  /**
   * Wraps `call`, which must have negotiated media (answered, or an outbound call that got
   * its answer). `port` is released when the call ends.
   */
  constructor(
    readonly call: SipCall,
    private readonly port: RtpPort,
    options: SipLegOptions,
  ) {
    super();
    const media = call.media;
    if (!media) throw new Error('SipLeg needs a call with negotiated media');
    this.stream = new RtpAudioStream({
      rtpSocket: port.socket,
      rtcpSocket: media.rtcpMux ? undefined : port.rtcpSocket,
      remote: {
        address: media.remoteAddress,
        port: media.remotePort,
        rtcpPort: media.rtcpPort,
        rtcpMux: media.rtcpMux,
      },
      codec: {
        name: media.codec.name,
        payloadType: media.codec.payloadType,
        sampleRateHz: media.codec.sampleRateHz,
      },
      dtmfPayloadType: media.dtmfPayloadType,
      dtmfClockRateHz: media.dtmfClockRateHz,
      ptimeMs: media.ptimeMs,
      clock: options.clock,
      inactivityTimeoutMs: options.inactivityTimeoutMs,
      jitterMinDelayMs: options.jitterMinDelayMs,
      jitterMaxDelayMs: options.jitterMaxDelayMs,
      inbandDtmf: options.inbandDtmf,
      direction: directionOf(media),
      cname: `switchboard-${call.id}`,
    });
    this.stream.on('dtmf', (event) => this.emit('dtmf', event));
    this.stream.on('tick', (inbound, outbound) => this.emit('tick', inbound, outbound));
    this.stream.on('inactive', () => void this.hangup(RTP_TIMEOUT_REASON));

    const onMedia = (m: NegotiatedMedia): void =>
      this.stream.update(
        { address: m.remoteAddress, port: m.remotePort, rtcpPort: m.rtcpPort, rtcpMux: m.rtcpMux },
        {
          name: m.codec.name,
          payloadType: m.codec.payloadType,
          sampleRateHz: m.codec.sampleRateHz,
        },
        m.dtmfPayloadType,
        directionOf(m),
        m.dtmfClockRateHz,
      );
    const onHold = (): void => void this.emit('hold');
    const onUnhold = (): void => void this.emit('unhold');
    const onInfo = (info: { contentType?: string; body: Buffer }): void => {
      const dtmf = parseDtmfInfo(info.contentType, info.body);
      if (dtmf) this.stream.receiveSignalledDtmf(dtmf.digit, dtmf.durationMs);
    };
    call.on('media', onMedia);
    call.on('hold', onHold);
    call.on('unhold', onUnhold);
    call.on('info', onInfo);
    this.ended = call.ended.then((end) => {
      call.off('media', onMedia);
      call.off('hold', onHold);
      call.off('unhold', onUnhold);
      call.off('info', onInfo);
      this.stream.close();
      this.port.release();
      this.endInfo = { reason: end.reason, status: end.status, by: end.by };
      this.emit('ended', this.endInfo);
      return this.endInfo;
    });
  }

  /** The SIP call's leg id. */
  get id(): string {
    return this.call.id;
  }

  /** True once the call has ended. */
  get isEnded(): boolean {
    return this.endInfo !== undefined || this.call.state === 'ended';
  }

  /** PCM rate of this leg's frames (the negotiated codec's rate). */
  get sampleRateHz(): number {
    return this.stream.sampleRateHz;
  }

  /** What the caller says. */
  get input(): FrameFanout {
    return this.stream.input;
  }

  /** What the caller hears. */
  get output(): AudioOutput {
    return this.stream.output;
  }

  /** RTP, jitter-buffer and DTMF statistics. */
  stats(): ReturnType<RtpAudioStream['stats']> {
    return this.stream.stats();
  }

  /** Mutes what the caller says (`in`) or hears (`out`). */
  setMuted(direction: 'in' | 'out', muted: boolean): void {
    if (direction === 'in') this.stream.setInputMuted(muted);
    else this.stream.output.muted = muted;
  }

  /** Gain on what the caller says (`in`) or hears (`out`), in dB. */
  setGainDb(direction: 'in' | 'out', gainDb: number): void {
    if (direction === 'in') this.stream.setInputGainDb(gainDb);
    else this.stream.output.setGainDb(gainDb);
  }

  /** Sends digits (RFC 4733 when negotiated, else in-band tones). */
  sendDtmf(digits: string, durationMs?: number): Promise<void> {
    return this.stream.sendDtmf(digits, durationMs);
  }

  /** Re-INVITEs the peer to hold (sendonly) or resume (sendrecv). */
  async hold(on: boolean): Promise<boolean> {
    return this.call.hold(on);
  }

  /** Hangs up (BYE, CANCEL or a rejection depending on the call's state). */
  async hangup(reason = 'local-bye'): Promise<void> {
    if (this.call.state === 'ringing') {
      this.call.reject(480, reason);
      return;
    }
    await this.call.hangup(reason);
  }
}
