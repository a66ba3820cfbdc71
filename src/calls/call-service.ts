/**
 * Live calls with media, until dispatch rules and flows take over routing (next issues): it
 * answers SIP calls as legs, routes the built-in extensions (echo test, prompt test), connects
 * two registered users through Switchboard (a back-to-back bridge), and offers the call
 * control the API will expose: play a file, record, bridge, send DTMF, and DTMF events.
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
  UserNotRegisteredError,
  type CodecName as SipCodecName,
  type LocalMedia,
  type SipCall,
  type UserAgent,
} from '../sip/index.js';
import { bridge, echo, type Disconnect } from './connect.js';
import { recordLeg, type Recording } from './recording.js';
import type { TrunkAdmission } from './trunk-admission.js';

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
  extensions: {
    /** Echo test: what the caller says comes back. */
    echo: string;
    /** Prompt test: plays {@link promptFile}, then hangs up. */
    prompt: string;
    promptFile: string;
  };
  logger: Logger;
  /**
   * Decides whether an inbound INVITE may enter at all (inbound trunks: source address and
   * call limit) before it is routed. Absent: every call enters.
   */
  admission?: TrunkAdmission;
}

/** Events of a {@link CallService}. */
export interface CallServiceEvents {
  /** A leg has audio (answered inbound, or answered outbound). */
  leg: [Leg];
  dtmf: [Leg, DtmfEvent];
  legEnded: [Leg, LegEnd];
  /** A recording was finalised. */
  recorded: [Leg, { path: string; durationMs: number; bytes: number }];
  /** An inbound call was refused by trunk admission (403 source, 486 call limit, …). */
  trunkRejected: [SipCall, { status: number; reason: string; trunkId?: string }];
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

  /** Routes an inbound SIP call by its Request-URI user. */
  async handleInbound(call: SipCall): Promise<void> {
    const user = call.requestUri?.user ?? '';
    const { extensions } = this.options;
    try {
      if (this.options.admission) {
        const decision = await this.options.admission.admit({
          sourceAddress: call.invite.source?.host ?? '',
          calledNumber: user,
          header: (name) => call.invite.headers.get(name),
        });
        if (!decision.ok) {
          call.reject(decision.status, decision.reason);
          this.emit('trunkRejected', call, decision);
          return;
        }
        void call.ended.then(() => decision.release()).catch(() => undefined);
      }
      if (user === extensions.echo) {
        const leg = await this.answer(call);
        if (leg) echo(leg);
        return;
      }
      if (user === extensions.prompt) {
        const leg = await this.answer(call);
        if (!leg) return;
        const result = await this.play(leg.id, extensions.promptFile).done;
        if (result.completed && !leg.isEnded) await leg.hangup('prompt-finished');
        return;
      }
      if (user !== '' && (await this.isRegistered(user))) {
        await this.connectToUser(call, user);
        return;
      }
      call.reject(404, 'No route for the called number');
    } catch (err) {
      this.options.logger.error(
        { err: (err as Error).message, callId: call.id },
        'inbound routing failed',
      );
      if (call.state === 'ringing') call.reject(500, 'Routing failed');
      else if (call.state === 'answered') await call.hangup('routing-failed');
    }
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
  async dial(target: string, opts: { from?: string; timeoutMs?: number } = {}): Promise<SipLeg> {
    const port = await this.options.rtpPorts.allocate();
    let call: SipCall;
    try {
      call = await this.options.ua.call(target, { ...opts, media: this.localMedia(port) });
    } catch (err) {
      port.release();
      throw err;
    }
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

  private async isRegistered(user: string): Promise<boolean> {
    return (await this.options.ua.lookupUser(user)) !== undefined;
  }

  /** Back-to-back: rings `user`, answers the caller when they answer, and bridges them. */
  private async connectToUser(call: SipCall, user: string): Promise<void> {
    call.ring();
    const caller = call.from.uri.user;
    const calleePromise = this.dial(user, { from: caller });
    const cancelled = call.ended.then(() => 'caller-gone' as const);
    let callee: SipLeg;
    try {
      const first = await Promise.race([calleePromise, cancelled]);
      if (first === 'caller-gone') {
        // The caller gave up: the outbound call is abandoned once it settles.
        calleePromise.then((leg) => leg.hangup('caller-cancelled')).catch(() => undefined);
        return;
      }
      callee = first;
    } catch (err) {
      const status = err instanceof UserNotRegisteredError ? 480 : (statusOf(err) ?? 480);
      call.reject(status, 'Callee unavailable');
      return;
    }
    const callerLeg = await this.answer(call);
    if (!callerLeg) {
      await callee.hangup('caller-gone');
      return;
    }
    bridge(callerLeg, callee);
    // Either side hanging up ends the other.
    void callerLeg.ended.then(() => (callee.isEnded ? undefined : callee.hangup('peer-hungup')));
    void callee.ended.then(() => (callerLeg.isEnded ? undefined : callerLeg.hangup('peer-hungup')));
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

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 700 ? status : undefined;
}
