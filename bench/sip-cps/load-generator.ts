/**
 * The UAC engine of the SIP calls-per-second benchmark.
 *
 * Places calls over its own UDP sockets on a fixed schedule: INVITE → (1xx) → 200 → ACK → hold →
 * BYE → 200. Retransmits per RFC 3261 (Timer A for the INVITE, Timer E for the BYE, T1 = 500 ms)
 * so that a lost datagram costs latency, not a failed call; a call only fails when a transaction
 * times out (Timer B/F, 64·T1), the server answers with an error, or the generator's concurrency
 * cap is hit.
 *
 * Each step drains fully (every call it launched ends) before the next one starts, so every
 * figure in a step's result belongs to that step alone.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import {
  buildAck,
  buildBye,
  buildInvite,
  buildSdpOffer,
  parseResponse,
  type CallIdentity,
  type ParsedResponse,
} from './sip-message.js';

/** Where the calls go. */
export interface Target {
  host: string;
  port: number;
}

/** Generator settings; everything but the target has a default. */
export interface LoadGeneratorOptions {
  target: Target;
  /** Local address of the generator's sockets. */
  localHost?: string;
  /** Number of UDP sockets; calls are spread round-robin to vary the source port. */
  sockets?: number;
  /** How long a call stays up between ACK and BYE. 0 = set-up/tear-down benchmark. */
  holdMs?: number;
  /** Calls in flight at most; calls due beyond it fail as `max-concurrent`. */
  maxConcurrent?: number;
  /** RFC 3261 T1 (retransmission base). */
  t1Ms?: number;
  /** RFC 3261 T2 (retransmission cap for non-INVITE requests). */
  t2Ms?: number;
  /** Transaction timeout (Timer B / Timer F); defaults to 64·T1. */
  timeoutMs?: number;
  /** User part of the called URI. */
  user?: string;
}

/**
 * Slack after a step's last launch (plus hold) within which a completion still counts towards the
 * achieved rate: the last calls need a round trip to finish. Small against a step, so a server
 * that is behind cannot hide its backlog in it.
 */
export const ACHIEVED_GRACE_MS = 100;

/** Why a call did not complete. */
export type FailureReason =
  | 'invite-timeout'
  | 'invite-rejected'
  | 'bye-timeout'
  | 'bye-rejected'
  | 'max-concurrent'
  | 'drain-timeout'
  | 'aborted';

/** Everything measured during one step of the rate ladder. */
export interface StepResult {
  /** Calls per second the schedule launched. */
  offeredCps: number;
  /** Configured step length in seconds. */
  durationS: number;
  /** Calls the schedule made due: round(offered × duration). */
  scheduled: number;
  /** Calls actually sent (scheduled minus `max-concurrent` refusals and an abort). */
  launched: number;
  /** Calls that got a 200 to their INVITE. */
  answered: number;
  /** Calls that went all the way to the 200 for the BYE. */
  completed: number;
  /** scheduled − completed (includes calls not launched because of the cap or an abort). */
  failed: number;
  /** Failed calls by reason. */
  failures: Partial<Record<FailureReason, number>>;
  /** Error final responses, keyed like `INVITE 503`. */
  errorStatuses: Record<string, number>;
  /**
   * Completed calls per second: calls that completed inside the step's window (step start →
   * start + duration + hold + {@link ACHIEVED_GRACE_MS}) divided by the duration. A server that
   * falls behind finishes its backlog after the window, so those calls count as completed but
   * not towards the rate.
   */
  achievedCps: number;
  /** Calls that completed after the window (backlog, or recovered from loss late). */
  lateCompletions: number;
  /** INVITE sent → first 200 received, in ms, one entry per answered call. */
  setupMs: number[];
  /** How late each call was launched against its slot in the schedule, in ms. */
  launchLagMs: number[];
  /** Request retransmissions (Timer A / Timer E firings). */
  retransmissions: { invite: number; bye: number };
  /** 2xx retransmissions from the server that were answered with the ACK again. */
  reAcked: number;
  /** Responses that matched no call or no transaction. */
  strayResponses: number;
  /** Requests from the server (the generator never expects any and ignores them). */
  ignoredRequests: number;
  /** Datagrams that did not parse as SIP. */
  invalidDatagrams: number;
  /** Failed socket sends (treated like loss: retransmission covers them). */
  sendErrors: number;
  /** Highest number of calls in flight at once. */
  peakConcurrent: number;
  /** Event-loop utilisation of the generator process while launching (0–1). */
  generatorElu: number;
  /** Step start → last call ended, in ms. */
  wallMs: number;
  /** Whether the step was cut short by an abort signal. */
  aborted: boolean;
}

type CallState = 'calling' | 'proceeding' | 'holding' | 'bye' | 'bye-proceeding' | 'done';

interface Slot {
  socket: dgram.Socket;
  port: number;
}

interface Call {
  identity: CallIdentity;
  seq: number;
  slot: Slot;
  step: StepState;
  state: CallState;
  startedMs: number;
  inviteBranch: string;
  invite: Buffer;
  ack: Buffer | undefined;
  byeBranch: string | undefined;
  bye: Buffer | undefined;
  toTag: string | undefined;
  remoteTarget: string | undefined;
  retransmitIntervalMs: number;
  retransmitTimer: NodeJS.Timeout | undefined;
  deadlineTimer: NodeJS.Timeout | undefined;
  holdTimer: NodeJS.Timeout | undefined;
}

/** Mutable counters of the running step. */
class StepState {
  readonly startMs = performance.now();
  /** Completions after this instant do not count towards the achieved rate. */
  windowEndMs = Number.POSITIVE_INFINITY;
  readonly eluStart: EventLoopUtilization = performance.eventLoopUtilization();
  launched = 0;
  answered = 0;
  completed = 0;
  inFlight = 0;
  peakConcurrent = 0;
  completedInWindow = 0;
  eluAtLaunchEnd: number | undefined;
  launchingDone = false;
  failures: Partial<Record<FailureReason, number>> = {};
  errorStatuses: Record<string, number> = {};
  setupMs: number[] = [];
  launchLagMs: number[] = [];
  retransmissions = { invite: 0, bye: 0 };
  reAcked = 0;
  strayResponses = 0;
  ignoredRequests = 0;
  invalidDatagrams = 0;
  sendErrors = 0;
  onSettled: (() => void) | undefined;

  fail(reason: FailureReason): void {
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }
}

/** ACKs of recently ended calls, kept so that a late 2xx retransmission is still ACKed. */
interface EndedCall {
  ack: Buffer;
  slot: Slot;
}

/**
 * A SIP UAC load generator over UDP. Call {@link LoadGenerator.start} once, then
 * {@link LoadGenerator.runStep} per rate, then {@link LoadGenerator.close}.
 */
export class LoadGenerator {
  private readonly target: Target;
  private readonly localHost: string;
  private readonly socketCount: number;
  private readonly holdMs: number;
  private readonly maxConcurrent: number;
  private readonly t1Ms: number;
  private readonly t2Ms: number;
  private readonly timeoutMs: number;
  private readonly user: string;
  /** Random per run so Call-IDs, tags and branches never collide with an earlier run's. */
  private readonly runId = randomBytes(4).toString('hex');
  private readonly slots: Slot[] = [];
  private readonly calls = new Map<string, Call>();
  // Two generations: the previous step's ended calls stay reachable during the next step.
  private endedCalls = new Map<string, EndedCall>();
  private previousEndedCalls = new Map<string, EndedCall>();
  private step: StepState | undefined;
  private seq = 0;
  private active = 0;

  constructor(options: LoadGeneratorOptions) {
    this.target = options.target;
    this.localHost = options.localHost ?? '127.0.0.1';
    this.socketCount = Math.max(1, Math.floor(options.sockets ?? 8));
    this.holdMs = Math.max(0, options.holdMs ?? 0);
    this.maxConcurrent = Math.max(1, Math.floor(options.maxConcurrent ?? 5000));
    this.t1Ms = options.t1Ms ?? 500;
    this.t2Ms = options.t2Ms ?? 4000;
    this.timeoutMs = options.timeoutMs ?? 64 * this.t1Ms;
    this.user = options.user ?? '1000';
  }

  /** Binds the UDP sockets. */
  async start(): Promise<void> {
    for (let i = 0; i < this.socketCount; i++) {
      const socket = dgram.createSocket({ type: 'udp4' });
      socket.on('message', (data) => this.onDatagram(data));
      // Unconnected UDP sockets rarely error; a send failure is reported per send instead.
      socket.on('error', () => {
        if (this.step) this.step.sendErrors++;
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: this.localHost, port: 0 }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      try {
        // Bursts of 200s at high rates can overflow the default buffer; the kernel caps the
        // request at net.core.rmem_max, so this is best effort.
        socket.setRecvBufferSize(4 * 1024 * 1024);
        socket.setSendBufferSize(4 * 1024 * 1024);
      } catch {
        // Keep the default buffer sizes.
      }
      this.slots.push({ socket, port: socket.address().port });
    }
  }

  /** Local ports of the generator's sockets. */
  localPorts(): number[] {
    return this.slots.map((s) => s.port);
  }

  /**
   * Launches `rate` calls per second for `durationS` seconds on a fixed schedule (call k is due
   * at k/rate s), then waits until every launched call has ended.
   *
   * @param signal - aborts the step: no more launches, calls in flight end as `aborted`
   * @param onLaunchEnd - called once the last call is launched, before the drain
   */
  async runStep(
    rate: number,
    durationS: number,
    signal?: AbortSignal,
    onLaunchEnd?: () => void,
  ): Promise<StepResult> {
    if (this.slots.length === 0) throw new Error('LoadGenerator.start() was not called');
    if (!(rate > 0) || !(durationS > 0)) throw new Error('rate and duration must be positive');
    this.previousEndedCalls = this.endedCalls;
    this.endedCalls = new Map();
    const step = new StepState();
    step.windowEndMs = step.startMs + durationS * 1000 + this.holdMs + ACHIEVED_GRACE_MS;
    this.step = step;
    const scheduled = Math.round(rate * durationS);
    const spacingMs = 1000 / rate;

    const onAbort = (): void => {
      for (const call of [...this.calls.values()]) this.end(call, 'aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve) => {
        let issued = 0;
        const tick = (): void => {
          if (signal?.aborted) return resolve();
          const now = performance.now();
          // Everything whose slot has passed is launched now; lag is recorded, never skipped.
          const due = Math.min(scheduled, Math.floor((now - step.startMs) / spacingMs) + 1);
          while (issued < due) {
            step.launchLagMs.push(now - (step.startMs + issued * spacingMs));
            this.launch(step);
            issued++;
          }
          if (issued >= scheduled) return resolve();
          const nextDueMs = step.startMs + issued * spacingMs;
          // Sleep until the next slot, but wake at least every 50 ms to notice an abort.
          setTimeout(tick, Math.min(50, Math.max(0, nextDueMs - performance.now())));
        };
        tick();
      });
      step.launchingDone = true;
      // Like the CPU figures, ELU covers the launch period, not the drain.
      step.eluAtLaunchEnd = performance.eventLoopUtilization(step.eluStart).utilization;
      onLaunchEnd?.();
      await this.drain(step, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.step === step) this.step = undefined;
    }

    const endMs = performance.now();
    const completed = step.completed;
    const notLaunched = scheduled - step.launched - (step.failures['max-concurrent'] ?? 0);
    if (notLaunched > 0) step.failures.aborted = (step.failures.aborted ?? 0) + notLaunched;
    return {
      offeredCps: rate,
      durationS,
      scheduled,
      launched: step.launched,
      answered: step.answered,
      completed,
      failed: scheduled - completed,
      failures: step.failures,
      errorStatuses: step.errorStatuses,
      achievedCps: step.completedInWindow / durationS,
      lateCompletions: completed - step.completedInWindow,
      setupMs: step.setupMs,
      launchLagMs: step.launchLagMs,
      retransmissions: step.retransmissions,
      reAcked: step.reAcked,
      strayResponses: step.strayResponses,
      ignoredRequests: step.ignoredRequests,
      invalidDatagrams: step.invalidDatagrams,
      sendErrors: step.sendErrors,
      peakConcurrent: step.peakConcurrent,
      generatorElu:
        step.eluAtLaunchEnd ?? performance.eventLoopUtilization(step.eluStart).utilization,
      wallMs: endMs - step.startMs,
      aborted: signal?.aborted ?? false,
    };
  }

  /** Ends all calls and closes the sockets. */
  async close(): Promise<void> {
    for (const call of [...this.calls.values()]) this.end(call, 'aborted');
    await Promise.all(
      this.slots.map((slot) => new Promise<void>((resolve) => slot.socket.close(() => resolve()))),
    );
    this.slots.length = 0;
  }

  /**
   * Waits until every call of the step has ended. Each call is bounded by its own timers; the
   * extra cap only guards against a bug leaving a call without one.
   */
  private async drain(step: StepState, signal?: AbortSignal): Promise<void> {
    if (step.inFlight === 0 || signal?.aborted) return;
    const capMs = 2 * this.timeoutMs + this.holdMs + 5000;
    await new Promise<void>((resolve) => {
      const cap = setTimeout(() => {
        for (const call of [...this.calls.values()]) {
          if (call.step === step) this.end(call, 'drain-timeout');
        }
        resolve();
      }, capMs);
      step.onSettled = () => {
        clearTimeout(cap);
        resolve();
      };
    });
  }

  private branch(seq: number, kind: 'i' | 'a' | 'b'): string {
    // z9hG4bK: RFC 3261 magic cookie, so the server matches transactions by branch.
    return `z9hG4bK-${this.runId}-${seq.toString(36)}-${kind}`;
  }

  private launch(step: StepState): void {
    if (this.active >= this.maxConcurrent) {
      step.fail('max-concurrent');
      return;
    }
    const seq = ++this.seq;
    const slot = this.slots[seq % this.slots.length];
    if (!slot) return;
    const identity: CallIdentity = {
      callId: `${this.runId}-${seq.toString(36)}@sip-cps`,
      fromTag: `${this.runId}${seq.toString(36)}`,
      localHost: this.localHost,
      localPort: slot.port,
      targetHost: this.target.host,
      targetPort: this.target.port,
      user: this.user,
    };
    const inviteBranch = this.branch(seq, 'i');
    // Even RTP ports in 20000–39998; nothing listens there, the SDP only has to be valid.
    const sdp = buildSdpOffer(this.localHost, 20000 + 2 * (seq % 10000), seq);
    const call: Call = {
      identity,
      seq,
      slot,
      step,
      state: 'calling',
      startedMs: performance.now(),
      inviteBranch,
      invite: buildInvite(identity, inviteBranch, sdp),
      ack: undefined,
      byeBranch: undefined,
      bye: undefined,
      toTag: undefined,
      remoteTarget: undefined,
      retransmitIntervalMs: this.t1Ms,
      retransmitTimer: undefined,
      deadlineTimer: undefined,
      holdTimer: undefined,
    };
    this.calls.set(identity.callId, call);
    this.active++;
    step.launched++;
    step.inFlight++;
    if (this.active > step.peakConcurrent) step.peakConcurrent = this.active;
    this.send(slot, call.invite);
    call.retransmitTimer = setTimeout(() => this.retransmitInvite(call), this.t1Ms);
    call.deadlineTimer = setTimeout(() => this.end(call, 'invite-timeout'), this.timeoutMs);
  }

  /** Timer A: resend the INVITE, doubling the interval, until a response arrives. */
  private retransmitInvite(call: Call): void {
    call.retransmitTimer = undefined;
    if (call.state !== 'calling') return;
    call.step.retransmissions.invite++;
    this.send(call.slot, call.invite);
    call.retransmitIntervalMs *= 2;
    call.retransmitTimer = setTimeout(() => this.retransmitInvite(call), call.retransmitIntervalMs);
  }

  /** Timer E: resend the BYE, doubling up to T2 (straight to T2 once a 1xx arrived). */
  private retransmitBye(call: Call): void {
    call.retransmitTimer = undefined;
    if ((call.state !== 'bye' && call.state !== 'bye-proceeding') || !call.bye) return;
    call.step.retransmissions.bye++;
    this.send(call.slot, call.bye);
    call.retransmitIntervalMs =
      call.state === 'bye-proceeding'
        ? this.t2Ms
        : Math.min(2 * call.retransmitIntervalMs, this.t2Ms);
    call.retransmitTimer = setTimeout(() => this.retransmitBye(call), call.retransmitIntervalMs);
  }

  private sendBye(call: Call): void {
    call.holdTimer = undefined;
    if (call.state !== 'holding') return;
    call.state = 'bye';
    call.byeBranch = this.branch(call.seq, 'b');
    call.bye = buildBye(call.identity, call.byeBranch, call.toTag, call.remoteTarget);
    this.send(call.slot, call.bye);
    call.retransmitIntervalMs = this.t1Ms;
    call.retransmitTimer = setTimeout(() => this.retransmitBye(call), this.t1Ms);
    call.deadlineTimer = setTimeout(() => this.end(call, 'bye-timeout'), this.timeoutMs);
  }

  private onDatagram(data: Buffer): void {
    const step = this.step;
    const parsed = parseResponse(data);
    if (parsed.kind !== 'response') {
      if (step && parsed.kind === 'request') step.ignoredRequests++;
      else if (step) step.invalidDatagrams++;
      return;
    }
    const res = parsed.response;
    const call = this.calls.get(res.callId);
    if (!call) {
      // A final response retransmitted after the call ended: the ACK must have been lost.
      const ended = this.endedCalls.get(res.callId) ?? this.previousEndedCalls.get(res.callId);
      if (ended && res.method === 'INVITE' && res.status >= 200) {
        this.send(ended.slot, ended.ack);
        if (step) step.reAcked++;
      } else if (step) {
        step.strayResponses++;
      }
      return;
    }
    if (res.method === 'INVITE' && res.branch === call.inviteBranch) {
      this.onInviteResponse(call, res);
    } else if (
      res.method === 'BYE' &&
      call.byeBranch !== undefined &&
      res.branch === call.byeBranch
    ) {
      this.onByeResponse(call, res);
    } else {
      call.step.strayResponses++;
    }
  }

  private onInviteResponse(call: Call, res: ParsedResponse): void {
    const inviting = call.state === 'calling' || call.state === 'proceeding';
    if (res.status < 200) {
      // Proceeding: stop retransmitting (RFC 3261 §17.1.1.2); the set-up deadline still runs.
      if (call.state === 'calling') {
        call.state = 'proceeding';
        clearTimeout(call.retransmitTimer);
        call.retransmitTimer = undefined;
      }
      return;
    }
    if (res.status < 300) {
      if (!inviting) {
        // The server retransmits its 2xx until the ACK arrives: answer every copy.
        if (call.ack) {
          this.send(call.slot, call.ack);
          call.step.reAcked++;
        }
        return;
      }
      const now = performance.now();
      call.step.answered++;
      call.step.setupMs.push(now - call.startedMs);
      this.clearTimers(call);
      call.toTag = res.toTag;
      call.remoteTarget = res.contactUri;
      call.ack = buildAck(call.identity, this.branch(call.seq, 'a'), res.toTag, res.contactUri);
      this.send(call.slot, call.ack);
      call.state = 'holding';
      if (this.holdMs > 0) {
        call.holdTimer = setTimeout(() => this.sendBye(call), this.holdMs);
      } else {
        this.sendBye(call);
      }
      return;
    }
    if (!inviting) return;
    // Non-2xx final: the ACK is part of the INVITE transaction (same branch).
    call.ack = buildAck(call.identity, call.inviteBranch, res.toTag, undefined);
    this.send(call.slot, call.ack);
    this.countStatus(call.step, `INVITE ${res.status}`);
    this.end(call, 'invite-rejected');
  }

  private onByeResponse(call: Call, res: ParsedResponse): void {
    if (res.status < 200) {
      if (call.state === 'bye') call.state = 'bye-proceeding';
      return;
    }
    if (res.status < 300) {
      this.end(call, undefined);
      return;
    }
    this.countStatus(call.step, `BYE ${res.status}`);
    this.end(call, 'bye-rejected');
  }

  private countStatus(step: StepState, key: string): void {
    step.errorStatuses[key] = (step.errorStatuses[key] ?? 0) + 1;
  }

  private clearTimers(call: Call): void {
    clearTimeout(call.retransmitTimer);
    clearTimeout(call.deadlineTimer);
    clearTimeout(call.holdTimer);
    call.retransmitTimer = undefined;
    call.deadlineTimer = undefined;
    call.holdTimer = undefined;
  }

  /** Ends a call: `failure` undefined means it completed. */
  private end(call: Call, failure: FailureReason | undefined): void {
    if (call.state === 'done') return;
    this.clearTimers(call);
    call.state = 'done';
    this.calls.delete(call.identity.callId);
    if (call.ack) this.endedCalls.set(call.identity.callId, { ack: call.ack, slot: call.slot });
    this.active--;
    const step = call.step;
    step.inFlight--;
    if (failure === undefined) {
      step.completed++;
      if (performance.now() <= step.windowEndMs) step.completedInWindow++;
    } else {
      step.fail(failure);
    }
    if (step.launchingDone && step.inFlight === 0) step.onSettled?.();
  }

  private send(slot: Slot, data: Buffer): void {
    slot.socket.send(data, this.target.port, this.target.host, this.onSent);
  }

  /** Shared send callback (one closure for all sends): a failed send counts, retransmission heals. */
  private readonly onSent = (err: Error | null): void => {
    if (err && this.step) this.step.sendErrors++;
  };
}
