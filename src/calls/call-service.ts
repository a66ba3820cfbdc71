/**
 * SIP calls as legs with media: answering (with admission control on media load), dialling,
 * and what can be done to a leg — play a file, record, bridge, echo — with its DTMF and end as
 * events. Which call goes where is the inbound router's business (inbound-router.ts).
 */
import { EventEmitter } from 'node:events';
import { SipLeg, type Leg, type LegEnd, type SipLegOptions } from '../channels/index.js';
import {
  clipFrames,
  openAudioFile,
  type DtmfEvent,
  type MediaClock,
  type Playback,
  type RecordingMode,
  type RtpPort,
  type RtpPortPool,
} from '../media/index.js';
import type { Logger } from '../observability/index.js';
import {
  type CodecName as SipCodecName,
  type LocalMedia,
  type OutboundCallOptions,
  type SipCall,
  type UserAgent,
} from '../sip/index.js';
import { bridge, echo, type Disconnect } from './connect.js';
import { recordLeg, type Recording } from './recording.js';

/** Settings of a {@link CallService}. */
export interface CallServiceOptions {
  ua: UserAgent;
  rtpPorts: RtpPortPool;
  clock: MediaClock;
  /** Address written into our SDP. */
  publicHost: string;
  /** Codecs offered and accepted, most preferred first. */
  codecs?: SipCodecName[];
  /** Jitter, inactivity and DTMF settings of SIP legs. */
  leg?: Omit<SipLegOptions, 'clock'>;
  recording: { dir: string; mode: RecordingMode; /** Record every answered call. */ all: boolean };
  logger: Logger;
}

/** Options of {@link CallService.dial}: the SIP call's, plus a look at the call while it rings. */
export interface DialOptions extends Omit<OutboundCallOptions, 'media'> {
  /** Called with the SIP call as soon as the INVITE is out (to cancel it while it rings). */
  onCall?: (call: SipCall) => void;
}

/** Events of a {@link CallService}. */
export interface CallServiceEvents {
  /** A leg has audio (answered inbound, or answered outbound). */
  leg: [Leg];
  dtmf: [Leg, DtmfEvent];
  legEnded: [Leg, LegEnd];
  /** A recording was finalised. */
  recorded: [Leg, { path: string; durationMs: number; bytes: number }];
}

/** Live legs and what can be done with them. */
export class CallService extends EventEmitter<CallServiceEvents> {
  private readonly live = new Map<string, Leg>();
  private readonly recordings = new Map<string, Recording>();

  constructor(private readonly options: CallServiceOptions) {
    super();
  }

  /** The live legs. */
  legs(): Leg[] {
    return [...this.live.values()];
  }

  /** One live leg by id. */
  leg(id: string): Leg | undefined {
    return this.live.get(id);
  }

  /**
   * Answers an inbound call with media and returns its leg, or undefined when the call ended
   * first, no RTP port was free (503) or no codec matched (488, sent by the SIP layer).
   */
  async answer(call: SipCall): Promise<SipLeg | undefined> {
    if (this.options.clock.overloaded) {
      // Taking one more call would make every live call's audio late: refuse it instead, and
      // let the caller (or the trunk's next server) try again.
      this.options.logger.warn(
        { latenessMs: Math.round(this.options.clock.averageLatenessMs) },
        'media overloaded, refusing a call',
      );
      call.reject(503, 'Media overloaded', [['Retry-After', '5']]);
      return undefined;
    }
    const port = await this.allocatePort(call);
    if (!port) return undefined;
    if (call.state !== 'ringing' || !call.answer({ media: this.localMedia(port) }) || !call.media) {
      port.release();
      return undefined;
    }
    return this.adopt(call, port);
  }

  /**
   * Calls `target` (a registered user name or a SIP URI) with media and resolves with its leg
   * once answered; rejects with the call's end cause when it is not answered.
   */
  async dial(target: string, opts: DialOptions = {}): Promise<SipLeg> {
    const { onCall, ...callOptions } = opts;
    const port = await this.options.rtpPorts.allocate();
    let call: SipCall;
    try {
      call = await this.options.ua.call(target, { ...callOptions, media: this.localMedia(port) });
    } catch (err) {
      port.release();
      throw err;
    }
    onCall?.(call);
    try {
      await call.answered;
    } catch {
      port.release();
      const end = call.endInfo;
      throw new CallFailedError(end?.reason ?? 'not-answered', end?.status);
    }
    if (!call.media) {
      port.release();
      await call.hangup('no-media');
      throw new Error('the answered call negotiated no media');
    }
    return this.adopt(call, port);
  }

  /** Plays an audio file (WAV PCM16, µ-law or A-law) to a leg after what is already queued. */
  play(legId: string, file: string): Playback {
    const leg = this.requireLeg(legId);
    const frames = (async function* () {
      const clip = await openAudioFile(file, leg.sampleRateHz);
      yield* clipFrames(clip, { startTimestampMs: 0 });
    })();
    return leg.output.play(frames);
  }

  /** Starts recording a leg (both directions); the file is finalised when the leg ends. */
  async record(legId: string, mode?: RecordingMode): Promise<Recording> {
    const leg = this.requireLeg(legId);
    const existing = this.recordings.get(legId);
    if (existing) return existing;
    const recording = await recordLeg(leg, {
      dir: this.options.recording.dir,
      mode: mode ?? this.options.recording.mode,
    });
    this.recordings.set(legId, recording);
    void leg.ended
      .then(() => recording.stop())
      .then(
        (result) => this.emit('recorded', leg, result),
        (err: Error) =>
          this.options.logger.error(
            { err: err.message, legId },
            'recording could not be finalised',
          ),
      )
      .finally(() => this.recordings.delete(legId));
    return recording;
  }

  /** Connects two live legs. */
  bridge(aId: string, bId: string): Disconnect {
    return bridge(this.requireLeg(aId), this.requireLeg(bId));
  }

  /** Makes a leg hear itself. */
  echo(legId: string): Disconnect {
    return echo(this.requireLeg(legId));
  }

  private requireLeg(id: string): Leg {
    const leg = this.live.get(id);
    if (!leg) throw new Error(`no live leg ${id}`);
    return leg;
  }

  private localMedia(port: RtpPort): LocalMedia {
    return { address: this.options.publicHost, port: port.port, codecs: this.options.codecs };
  }

  private async allocatePort(call: SipCall): Promise<RtpPort | undefined> {
    try {
      return await this.options.rtpPorts.allocate();
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'no RTP port for call');
      call.reject(503, 'No media port available');
      return undefined;
    }
  }

  private adopt(call: SipCall, port: RtpPort): SipLeg {
    const leg = new SipLeg(call, port, { clock: this.options.clock, ...this.options.leg });
    this.live.set(leg.id, leg);
    const log = this.options.logger.child({ legId: leg.id, callId: call.id });
    leg.on('dtmf', (event) => {
      log.info(
        { event: 'dtmf', source: event.source, pii: { digit: event.digit } },
        'DTMF received',
      );
      this.emit('dtmf', leg, event);
    });
    void leg.ended.then((end) => {
      this.live.delete(leg.id);
      log.info({ event: 'leg-ended', reason: end.reason, by: end.by }, 'leg ended');
      this.emit('legEnded', leg, end);
    });
    this.emit('leg', leg);
    if (this.options.recording.all) {
      this.record(leg.id).catch((err: Error) =>
        log.error({ err: err.message }, 'could not start recording'),
      );
    }
    return leg;
  }

  /**
   * Whether `user` is registered from exactly `source` (host and port): an INVITE from there
   * comes from that registered phone, which authenticated when it registered.
   */
  async isRegisteredFrom(user: string, source: { host: string; port: number }): Promise<boolean> {
    const binding = await this.options.ua.lookupUser(user);
    return binding?.source?.host === source.host && binding.source.port === source.port;
  }

  /** Whether a user name has a live registration. */
  async isRegistered(user: string): Promise<boolean> {
    return (await this.options.ua.lookupUser(user)) !== undefined;
  }
}

/** An outbound call that ended without being answered; carries the SIP status when one ended it. */
export class CallFailedError extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
  ) {
    super(`call not answered: ${reason}${status ? ` (${status})` : ''}`);
    this.name = 'CallFailedError';
  }
}

/** The SIP status an error carries (4xx–6xx), if any. */
export function sipStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 700 ? status : undefined;
}
