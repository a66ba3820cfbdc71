/**
 * What the parent hands a step process and what the step process hands back (as JSON).
 */

/** Which voice activity detector the sessions use. */
export type VadKind = 'silero' | 'energy';

/** Settings of one step: N sessions on one media clock in one process. */
export interface StepConfig {
  sessions: number;
  /** Measured window, s. */
  seconds: number;
  /** Unmeasured time with all N sessions running before the window, s. */
  warmupSeconds: number;
  /** Sessions and seconds of the unmeasured priming run (JIT) before the baseline, or 0. */
  primeSessions: number;
  primeSeconds: number;
  vad: VadKind;
  /** The legs' rate (8000: G.711 phone audio; 16000: wideband). */
  rateHz: 8000 | 16000;
  /** Seed of the callers' random offsets and pauses. */
  seed: number;
  /** Shortest pause of a caller after a sentence, and the random extra, ms. */
  minPauseMs: number;
  pauseJitterMs: number;
  /** Length of the bot's (instant) answer, ms. */
  replyMs: number;
  /**
   * Run the event-loop thread under SCHED_RR at this priority (helper threads stay normal), so
   * other load on a shared machine cannot preempt it; undefined = normal scheduling.
   */
  rtPriority?: number;
}

/** Order statistics of a sample, in ms unless named otherwise. */
export interface Stats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Per-turn figures of a step (turns whose end of speech fell inside the window). */
export interface TurnFigures {
  /** Turns measured (with a first packet and a matching end of speech). */
  count: number;
  /** Caller sentences finished during the window (each should make one turn). */
  callerUtterances: number;
  /**
   * Utterances the VAD ended during the window: the turns' own boundary (the caller sentences
   * differ by those straddling the window's edges).
   */
  vadUtterances: number;
  /** Turns that had no first packet (interrupted, empty) or whose timing could not be matched. */
  incomplete: number;
  /** Why: `unmatched` (timing), `no-audio` (no ttsFirstAudio), `no-packet` (no firstPacket). */
  incompleteWhy: Record<string, number>;
  /** Turns the session marked interrupted (barge-in): the script leaves no reason for any. */
  interrupted: number;
  /**
   * The headline: VAD end of speech → first frame of the answer on the wire, minus the time
   * spent inside the (fake) providers.
   */
  overhead: Stats | undefined;
  /** Same, to the first frame being ready (`ttsFirstAudio`), without waiting for the tick. */
  processing: Stats | undefined;
  /** First frame ready → sent by the next tick's send phase (`firstPacket − ttsFirstAudio`). */
  tickWait: Stats | undefined;
  /**
   * The tick that delivered the frame ending speech → the session acting on the VAD's verdict
   * (the zero of its trace): frame queueing and detection, behind the other sessions' work of
   * the same tick. Not in the trace.
   */
  vadLag: Stats | undefined;
  /** vadLag + overhead: the ending frame's tick → the answer's first frame on the wire. */
  fromFrame: Stats | undefined;
  /** Time inside the fake providers per turn (subtracted above). */
  providers: Stats | undefined;
  /** Medians of the session's own trace stages, ms from its end of speech. */
  stageMedians: Record<string, number>;
}

/** Everything a step measured. */
export interface StepResult {
  config: StepConfig;
  /** Whether the process ran with `global.gc` (for clean memory baselines). */
  gcExposed: boolean;
  /** Process CPU list when it measured (from /proc/self/status). */
  cpus: string | undefined;
  /**
   * Scheduling of the event-loop thread when it measured (from /proc/self/stat):
   * `normal nice N`, or `SCHED_RR priority P` under `--rt`.
   */
  scheduling: string | undefined;
  vadCalibration: {
    /** CPU per 20 ms frame of the speech clips / of line noise, µs, one detector alone. */
    speechFrameUs: number;
    noiseFrameUs: number;
  };
  turns: TurnFigures;
  /** Whole-process CPU over the window, % of one core, and per session. */
  cpuPercent: number | undefined;
  cpuPercentPerSession: number | undefined;
  memory: {
    /** After priming and a GC, before the N sessions: the process with everything loaded. */
    baselineRssMb: number | undefined;
    /** Highest RSS in the window. */
    maxRssMb: number | undefined;
    /** (maxRss − baseline) ÷ N. */
    rssPerSessionMb: number | undefined;
    baselineHeapMb: number;
    /** Heap used after a GC at the end of the window, sessions still live. */
    liveHeapMb: number;
    heapPerSessionMb: number;
    /** External + array buffers after that GC, and their growth per session. */
    externalPerSessionMb: number;
  };
  eventLoop: {
    /** monitorEventLoopDelay over the window (its sampling period taken off), ms. */
    delayP50: number;
    delayP99: number;
    delayMax: number;
    /** Event-loop utilisation over the window, 0…1. */
    utilization: number;
  };
  clock: {
    /** Lateness of the media clock's ticks (actual − due), ms. */
    lateness: Stats | undefined;
    ticks: number;
    skippedTicks: number;
    participantErrors: number;
  };
  /** Every frame: its tick → the VAD's verdict on it, ms (how far listening runs behind). */
  frameLag: Stats | undefined;
  /** Session notices (errors, timeouts, prompts) by type, over the whole step. */
  notices: Record<string, number>;
  /** Machine-wide CPU of other processes during the window, % of one core. */
  othersCpuPercent: number | undefined;
  windowSeconds: number;
}
