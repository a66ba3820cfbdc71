/**
 * The media benchmark's load generator: places N concurrent calls through the server, streams
 * stamped PCMU on each for the step's duration, and measures what comes back.
 *
 * - `echo`: each call is an INVITE to the echo extension; the stream hears itself.
 * - `bridge`: each call is a pair — a caller INVITEs a registered callee's user name, the server
 *   INVITEs the callee (the generator answers), and bridges the two legs; each side hears the
 *   other. The server then carries 2 legs per call.
 *
 * A step: set up every call (INVITEs paced at `setupRate`), wait until all are up, stream for
 * `durationS`, stop sending, let the last packets drain, tear down (BYEs paced the same way),
 * then compute the figures over the steady window: [all up + settle, all up + duration − 1 s),
 * by scheduled send time, which leaves out the jitter buffers' priming and the ending.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { LogHistogram } from '../lib/histogram.js';
import { MediaStream, type StreamWindowResult, type WindowClock } from './media-stream.js';
import { SendLoop } from './send-loop.js';
import { registerUsers, type BenchUser } from './registration.js';
import { SipEndpoint } from './sip-endpoint.js';
import { aggregateStreams, type StreamFigures } from './stream-figures.js';
import {
  addressUri,
  buildRequest,
  buildSdp,
  header,
  headerParam,
  newBranch,
  newToken,
  parseSdp,
  uriUser,
  type DialogIds,
  type SipMessage,
} from './sip.js';

export type { BenchUser } from './registration.js';

/** How the calls are connected. */
export type BenchMode = 'echo' | 'bridge';

/** Settings of a {@link MediaGenerator}. */
export interface MediaGeneratorOptions {
  mode: BenchMode;
  /** SIP target (the server or the reflector). */
  target: { host: string; port: number };
  localHost: string;
  /** User part called in echo mode. */
  echoUser: string;
  /** INVITEs (and BYEs) per second. */
  setupRate: number;
  /** RFC 3261 T1. */
  t1Ms: number;
  /** A returned packet is late when its latency exceeds its call's median by more than this. */
  lateMs: number;
  /** Send-loop slot length. */
  slotMs: number;
  /**
   * Time after all calls are up before the window opens (clamped to duration − 2 s, at least
   * 1 s is kept at the end).
   */
  settleMs: number;
}

/** Why a call did not get up. */
export type SetupFailure =
  | 'invite-timeout'
  | 'invite-rejected'
  | 'no-sdp'
  | 'callee-not-reached'
  | 'setup-timeout'
  | 'ended-early'
  | 'aborted';

/** Everything measured in one step. */
export interface MediaStepResult extends StreamFigures {
  mode: BenchMode;
  /** Calls asked for (pairs in bridge mode). */
  calls: number;
  /** SIP legs at the server: calls in echo mode, 2 × calls in bridge mode. */
  legs: number;
  durationS: number;
  /** Calls fully set up (both legs in bridge mode). */
  callsUp: number;
  setupFailures: Partial<Record<SetupFailure, number>>;
  /** Error statuses seen on INVITEs, e.g. `{ "503": 2 }`. */
  rejectStatuses: Record<string, number>;
  /** INVITE → 200 of the calls that got up, ms. */
  setupMs: LogHistogram;
  /** How long setting up all calls took, ms. */
  setupPhaseMs: number;
  /** Steady window length, ms (duration − settle − 1 s). */
  windowMs: number;
  /** Streams that ended by a BYE from the server before the step ended them. */
  endedByServer: number;
  /** Generator lateness of window packets (actual − scheduled send time), ms. */
  sendLateness: LogHistogram;
  /** Send-loop wake-up lateness over the window, ms. */
  tickLateness: LogHistogram;
  sip: { retransmissions: number; reAcked: number; strayResponses: number; byeFailures: number };
  /** Whether an abort cut the step short. */
  aborted: boolean;
}

/** Hooks into a step's timeline (resource sampling belongs to the caller). */
export interface StepHooks {
  /** All calls are up; media flows. */
  onAllUp?: () => void;
  /** The steady window opens. */
  onWindowStart?: () => void;
  /** The steady window closes. */
  onWindowEnd?: () => void;
}

type CallState = 'new' | 'inviting' | 'up' | 'failed' | 'ending' | 'ended';

/** One SIP leg the generator holds (the caller, or in bridge mode also the callee). */
interface Leg {
  dialog: DialogIds;
  stream: MediaStream;
  state: CallState;
  /** Whether the server ended this leg (BYE) before the step did. */
  endedByServer: boolean;
  inviteCseq: number;
}

/** One benchmark call: a caller leg, plus the callee leg in bridge mode. */
interface BenchCall {
  index: number;
  caller: Leg;
  callee: Leg | undefined;
  failure: SetupFailure | undefined;
  setupMs: number | undefined;
  /** Resolves when the call is up or has failed. */
  settled: Promise<void>;
  settle: () => void;
}

/** Where a callee leg waits for the server's INVITE. */
interface CalleeSlot {
  call: BenchCall;
  answered: boolean;
  /** The 200 we sent, for INVITE retransmissions and until the ACK. */
  okResponse: Buffer | undefined;
  okTimer: NodeJS.Timeout | undefined;
}

/** The generator. */
export class MediaGenerator {
  private readonly sip: SipEndpoint;
  private readonly loop: SendLoop;
  /** Callee legs of the running step by user name (bridge mode). */
  private readonly callees = new Map<string, CalleeSlot>();
  /** Callee legs by Call-ID of the server's INVITE. */
  private readonly calleesByCallId = new Map<string, CalleeSlot>();
  /** Caller legs by Call-ID (for a BYE from the server). */
  private readonly callersByCallId = new Map<string, Leg>();
  private readonly window: WindowClock = {
    startMs: Number.POSITIVE_INFINITY,
    endMs: Number.POSITIVE_INFINITY,
    lateness: new LogHistogram(),
  };
  private sessionId = Math.floor(Date.now() / 1000);
  /** Set when the step stops media: BYEs from the server after that are the normal tear-down. */
  private ending = false;
  private currentStreams: MediaStream[] = [];

  constructor(private readonly options: MediaGeneratorOptions) {
    this.sip = new SipEndpoint({
      localHost: options.localHost,
      target: options.target,
      t1Ms: options.t1Ms,
    });
    this.loop = new SendLoop(options.slotMs);
  }

  /** Binds the SIP socket and starts the send loop. */
  async start(): Promise<void> {
    await this.sip.start();
    this.sip.onRequest((req) => this.onServerRequest(req));
    this.loop.start();
  }

  /** Local RTP ports of the running step's streams (for kernel drop counters). */
  streamPorts(): number[] {
    return this.currentStreams.map((s) => s.port);
  }

  /** Local SIP port. */
  get sipPort(): number {
    return this.sip.port;
  }

  /** Stops the loop and closes the SIP socket. */
  async close(): Promise<void> {
    this.loop.stop();
    await this.sip.close();
  }

  /**
   * Registers callee accounts with digest authentication (bridge mode), `rate` per second.
   *
   * @returns the users whose registration failed, with the reason
   */
  register(users: readonly BenchUser[], rate: number, signal: AbortSignal): Promise<string[]> {
    return registerUsers(
      this.sip,
      this.options.target,
      this.options.localHost,
      users,
      rate,
      signal,
    );
  }

  /**
   * Runs one step of `calls` concurrent calls for `durationS` seconds of steady media.
   *
   * @param users - bridge mode: one callee account per call (at least `calls`)
   */
  async runStep(
    calls: number,
    durationS: number,
    signal: AbortSignal,
    hooks: StepHooks = {},
    users: readonly BenchUser[] = [],
  ): Promise<MediaStepResult> {
    const { mode } = this.options;
    if (durationS < 3) throw new Error('the duration must be at least 3 s (margins of ≥ 1 s)');
    if ((mode === 'bridge' ? 2 * calls : calls) > 0xffff) throw new Error('too many streams');
    if (mode === 'bridge' && users.length < calls) {
      throw new Error(`bridge mode needs ${calls} registered callees, have ${users.length}`);
    }
    this.window.startMs = Number.POSITIVE_INFINITY;
    this.window.endMs = Number.POSITIVE_INFINITY;
    this.window.lateness = new LogHistogram();
    this.ending = false;
    const sipBefore = { ...this.sip.stats };

    // Streams: echo → stream i hears itself; bridge → 2i (caller) and 2i+1 (callee) hear each other.
    const streamCount = mode === 'bridge' ? calls * 2 : calls;
    const streams: MediaStream[] = [];
    for (let s = 0; s < streamCount; s++) {
      const peer = mode === 'bridge' ? s ^ 1 : s;
      streams.push(new MediaStream(s & 0xffff, peer & 0xffff, s, this.window));
    }
    for (let s = 0; s < streamCount; s++)
      streams[s]!.source = streams[mode === 'bridge' ? s ^ 1 : s]!;
    // Bind in batches: thousands of concurrent binds are fine, but keep the event loop responsive.
    for (let i = 0; i < streams.length; i += 200) {
      await Promise.all(streams.slice(i, i + 200).map((s) => s.open(this.options.localHost)));
    }
    for (const s of streams) this.loop.add(s);
    this.currentStreams = streams;

    const benchCalls: BenchCall[] = [];
    for (let i = 0; i < calls; i++) {
      let settle!: () => void;
      const settled = new Promise<void>((r) => (settle = r));
      const call: BenchCall = {
        index: i,
        caller: this.newLeg(streams[mode === 'bridge' ? 2 * i : i]!, i, users[i]?.name),
        callee: mode === 'bridge' ? this.newLeg(streams[2 * i + 1]!, i, users[i]?.name) : undefined,
        failure: undefined,
        setupMs: undefined,
        settled,
        settle,
      };
      benchCalls.push(call);
      if (call.callee && users[i]) {
        this.callees.set(users[i]!.name, {
          call,
          answered: false,
          okResponse: undefined,
          okTimer: undefined,
        });
      }
    }

    const setupHist = new LogHistogram();
    const failures: Partial<Record<SetupFailure, number>> = {};
    const rejectStatuses: Record<string, number> = {};
    const setupStart = performance.now();
    // Launch INVITEs on a fixed schedule; the call's promise settles when it is up or failed.
    for (const call of benchCalls) {
      if (signal.aborted) break;
      const wait = setupStart + (call.index * 1000) / this.options.setupRate - performance.now();
      if (wait > 1) await delay(wait);
      void this.invite(call, rejectStatuses);
    }
    // Every call settles by itself within 64·T1 (transaction timeout) plus the callee wait; the
    // deadline only guards against a bug leaving one unsettled.
    const deadline = new AbortController();
    const setupDeadline = delay(64 * this.options.t1Ms + 10_000, undefined, {
      signal: AbortSignal.any([signal, deadline.signal]),
    }).catch(() => undefined);
    await Promise.race([Promise.all(benchCalls.map((c) => c.settled)), setupDeadline]);
    deadline.abort();
    const allUpMs = performance.now();
    for (const call of benchCalls) {
      if (call.failure === undefined && call.setupMs === undefined) {
        call.failure = signal.aborted ? 'aborted' : 'setup-timeout';
      }
      if (call.failure) failures[call.failure] = (failures[call.failure] ?? 0) + 1;
      else if (call.setupMs !== undefined) setupHist.record(call.setupMs);
    }
    const callsUp = benchCalls.filter((c) => c.failure === undefined).length;
    hooks.onAllUp?.();

    // Steady window: everything up, `settleMs` for the last calls' jitter buffers to converge
    // (they prime at their initial delay and adapt after about two seconds, which can skip or
    // insert a frame), and a second spare at the end so tear-down is not in it.
    const durationMs = durationS * 1000;
    const settleMs = Math.min(this.options.settleMs, durationMs - 2000);
    this.window.startMs = allUpMs + settleMs;
    this.window.endMs = allUpMs + durationMs - 1000;
    let tickLateness = new LogHistogram();
    const windowTimers = [
      setTimeout(() => {
        this.loop.resetLateness();
        hooks.onWindowStart?.();
      }, settleMs),
      setTimeout(() => {
        tickLateness = this.loop.tickLateness;
        hooks.onWindowEnd?.();
      }, durationMs - 1000),
    ];
    await delay(durationMs, undefined, { signal }).catch(() => undefined);
    for (const t of windowTimers) clearTimeout(t);

    // Stop sending; packets in flight (jitter buffer depth + a tick) come back within ~0.5 s.
    this.ending = true;
    for (const s of streams) s.stop();
    await delay(signal.aborted ? 0 : 500);
    const byeFailures = await this.tearDown(benchCalls, signal);
    for (const s of streams) this.loop.remove(s);

    const results = streams.map((s) => s.windowResult());
    this.currentStreams = [];
    await Promise.all(streams.map((s) => s.close()));
    this.callees.clear();
    this.calleesByCallId.clear();
    this.callersByCallId.clear();

    // Only streams of calls that got up count: a failed call's packets went nowhere.
    const upStreams: StreamWindowResult[] = [];
    let endedByServer = 0;
    for (const call of benchCalls) {
      if (call.failure !== undefined) continue;
      const legs = [call.caller, call.callee].filter((l): l is Leg => l !== undefined);
      for (const leg of legs) {
        if (leg.endedByServer) endedByServer++;
        upStreams.push(results[leg.stream.streamId]!);
      }
    }
    return {
      mode,
      calls,
      legs: streamCount,
      durationS,
      callsUp,
      setupFailures: failures,
      rejectStatuses,
      setupMs: setupHist,
      setupPhaseMs: allUpMs - setupStart,
      windowMs: this.window.endMs - this.window.startMs,
      endedByServer,
      ...aggregateStreams(upStreams, this.options.lateMs),
      sendLateness: this.window.lateness,
      tickLateness,
      sip: {
        retransmissions: this.sip.stats.retransmissions - sipBefore.retransmissions,
        reAcked: this.sip.stats.reAcked - sipBefore.reAcked,
        strayResponses: this.sip.stats.strayResponses - sipBefore.strayResponses,
        byeFailures,
      },
      aborted: signal.aborted,
    };
  }

  private newLeg(stream: MediaStream, index: number, calleeName: string | undefined): Leg {
    const { host, port } = this.options.target;
    const local = this.options.localHost;
    const remoteUser =
      this.options.mode === 'bridge' ? (calleeName ?? 'nobody') : this.options.echoUser;
    return {
      dialog: {
        callId: `${newToken()}@media-bench`,
        localTag: newToken(4),
        remoteTag: undefined,
        localUri: `sip:caller${index}@${local}`,
        remoteUri: `sip:${remoteUser}@${host}:${port}`,
        contact: `sip:caller${index}@${local}:${this.sip.port}`,
        remoteTarget: undefined,
        viaHost: local,
        viaPort: this.sip.port,
      },
      stream,
      state: 'new',
      endedByServer: false,
      inviteCseq: 1,
    };
  }

  /** Caller side: INVITE → 200 → ACK → media. */
  private async invite(call: BenchCall, rejectStatuses: Record<string, number>): Promise<void> {
    const leg = call.caller;
    const d = leg.dialog;
    leg.state = 'inviting';
    this.callersByCallId.set(d.callId, leg);
    const branch = newBranch();
    const sdp = buildSdp(this.options.localHost, leg.stream.port, this.sessionId++);
    const sentAt = performance.now();
    const result = await this.sip.request(
      'INVITE',
      branch,
      buildRequest('INVITE', d, 1, branch, d.remoteUri, sdp),
    );
    const fail = (reason: SetupFailure): void => {
      // A leg the server answered stays 'up' so that tear-down still BYEs it; only the call
      // counts as failed.
      if (leg.state !== 'up') leg.state = 'failed';
      call.failure ??= reason;
      call.settle();
    };
    if (result.kind !== 'final')
      return fail(result.kind === 'timeout' ? 'invite-timeout' : 'aborted');
    const res = result.response;
    if (res.status >= 300) {
      rejectStatuses[String(res.status)] = (rejectStatuses[String(res.status)] ?? 0) + 1;
      return fail(call.callee && res.status === 480 ? 'callee-not-reached' : 'invite-rejected');
    }
    d.remoteTag = headerParam(header(res, 'to'), 'tag');
    d.remoteTarget = addressUri(header(res, 'contact')) ?? d.remoteUri;
    const ackBranch = newBranch();
    const ack = buildRequest('ACK', d, 1, ackBranch, d.remoteTarget);
    this.sip.send(ack);
    this.sip.rememberAck(d.callId, ack);
    leg.state = 'up';
    const media = parseSdp(res.body);
    if (!media || media.port === 0) return fail('no-sdp');
    try {
      await leg.stream.connect(media.address, media.port);
    } catch {
      return fail('no-sdp');
    }
    leg.stream.start();
    call.setupMs = performance.now() - sentAt;
    if (!call.callee) {
      call.settle();
      return;
    }
    // Bridge: the call is up once the callee leg has its ACK too (or soon after; see onAck).
    if (call.callee.state === 'up') call.settle();
    else {
      // The server answers the caller only after the callee answered, so the ACK is in flight.
      const wait = setTimeout(() => {
        if (call.callee?.state !== 'up') fail('callee-not-reached');
      }, 5000);
      void call.settled.then(() => clearTimeout(wait));
    }
  }

  /** Requests from the server: INVITE to a callee, ACK of our 200, BYE, anything else. */
  private onServerRequest(req: SipMessage): void {
    const callId = header(req, 'call-id') ?? '';
    switch (req.method) {
      case 'INVITE':
        this.onCalleeInvite(req, callId);
        return;
      case 'ACK': {
        const slot = this.calleesByCallId.get(callId);
        if (!slot?.call.callee || slot.call.callee.state !== 'inviting') return;
        if (slot.okTimer) clearTimeout(slot.okTimer);
        slot.okTimer = undefined;
        slot.call.callee.state = 'up';
        slot.call.callee.stream.start();
        if (slot.call.caller.state === 'up' && slot.call.setupMs !== undefined) slot.call.settle();
        return;
      }
      case 'BYE': {
        const leg =
          this.calleesByCallId.get(callId)?.call.callee ?? this.callersByCallId.get(callId);
        this.sip.respond(req, leg ? 200 : 481, leg ? 'OK' : 'Call Does Not Exist');
        if (leg && leg.state !== 'ending' && leg.state !== 'ended') {
          leg.endedByServer = leg.state === 'up' && !this.ending;
          leg.state = 'ended';
          leg.stream.stop();
        } else if (leg) {
          leg.state = 'ended';
        }
        return;
      }
      case 'OPTIONS':
        this.sip.respond(req, 200, 'OK');
        return;
      default:
        this.sip.respond(req, 501, 'Not Implemented');
    }
  }

  /** Bridge mode: the server calls a callee; answer with the callee stream's SDP. */
  private onCalleeInvite(req: SipMessage, callId: string): void {
    const existing = this.calleesByCallId.get(callId);
    if (existing) {
      // A retransmitted INVITE: send the same answer again.
      if (existing.okResponse) this.sip.send(existing.okResponse);
      return;
    }
    const user = uriUser(req.uri) ?? uriUser(addressUri(header(req, 'to')));
    const slot = user === undefined ? undefined : this.callees.get(user);
    const leg = slot?.call.callee;
    if (!slot || !leg || slot.answered) {
      this.sip.respond(req, 404, 'Not Found', newToken(4));
      return;
    }
    slot.answered = true;
    this.calleesByCallId.set(callId, slot);
    leg.state = 'inviting';
    leg.dialog.callId = callId;
    const offer = parseSdp(req.body);
    if (!offer || offer.port === 0) {
      this.sip.respond(req, 488, 'Not Acceptable Here', leg.dialog.localTag);
      slot.call.failure ??= 'no-sdp';
      slot.call.settle();
      return;
    }
    // Our 2xx as UAS: we will need the peer's tag and target for a BYE, but the caller side
    // ends these calls, so only the answer matters here.
    leg.dialog.remoteTarget = addressUri(header(req, 'contact'));
    const sdp = buildSdp(this.options.localHost, leg.stream.port, this.sessionId++);
    const unusable = (): void => {
      this.sip.respond(req, 488, 'Not Acceptable Here', leg.dialog.localTag);
      slot.call.failure ??= 'no-sdp';
      slot.call.settle();
    };
    leg.stream.connect(offer.address, offer.port).then(() => {
      const ok = this.sip.respond(
        req,
        200,
        'OK',
        leg.dialog.localTag,
        [`Contact: <${leg.dialog.contact}>`],
        sdp,
      );
      slot.okResponse = ok;
      // RFC 3261 §13.3.1.4: the UAS retransmits its 2xx until the ACK (T1 doubling to T2).
      let interval = this.options.t1Ms;
      const resend = (): void => {
        if (leg.state !== 'inviting') return;
        this.sip.send(ok);
        interval = Math.min(interval * 2, 8 * this.options.t1Ms);
        slot.okTimer = setTimeout(resend, interval);
      };
      slot.okTimer = setTimeout(resend, interval);
    }, unusable);
  }

  /** BYE from every caller leg that is up, paced like the set-up; waits for the answers. */
  private async tearDown(calls: BenchCall[], signal: AbortSignal): Promise<number> {
    let failures = 0;
    const tasks: Promise<void>[] = [];
    const start = performance.now();
    let i = 0;
    for (const call of calls) {
      const leg = call.caller;
      const slot = call.callee ? this.calleesByCallId.get(call.callee.dialog.callId) : undefined;
      if (slot?.okTimer) clearTimeout(slot.okTimer);
      if (leg.state !== 'up') continue;
      if (!signal.aborted) {
        const wait = start + (i++ * 1000) / this.options.setupRate - performance.now();
        if (wait > 1) await delay(wait);
      }
      leg.state = 'ending';
      const d = leg.dialog;
      const branch = newBranch();
      const bye = buildRequest('BYE', d, 2, branch, d.remoteTarget ?? d.remoteUri);
      tasks.push(
        this.sip.request('BYE', branch, bye).then((r) => {
          leg.state = 'ended';
          this.sip.forgetAck(d.callId);
          if (r.kind !== 'final' || r.response.status >= 300) failures++;
        }),
      );
    }
    await Promise.all(tasks);
    // In bridge mode the server BYEs the callees; give those a moment to arrive and be answered.
    if (this.options.mode === 'bridge' && !signal.aborted) await delay(300);
    return failures;
  }
}
