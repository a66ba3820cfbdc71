/**
 * One step of the voice-turn benchmark, in a process of its own (the parent pins it to one CPU):
 * N voice sessions, each on a scripted fake leg, all driven by one real {@link MediaClock},
 * with the real VAD and instant fake STT, responder and TTS. Measures per-turn overhead, CPU,
 * memory per session, event-loop delay and clock lateness, and writes a {@link StepResult}.
 *
 * Run by run.ts as `node --expose-gc --import tsx bench/voice-turn/step.ts <config-json> <out>`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FRAME_MS, MediaClock, samplesPerFrame } from '../../src/media/index.js';
import type { VoiceActivityDetector } from '../../src/voice/providers/types.js';
import type { TurnTrace } from '../../src/voice/session/types.js';
import { VoiceSession } from '../../src/voice/session/voice-session.js';
import { EnergyVad } from '../../src/voice/vad/energy-vad.js';
import { SileroModel } from '../../src/voice/vad/silero-vad.js';
import { prng } from '../../test/fixtures/prng.js';
import { formatCpuList, readAffinity } from '../lib/cpu-affinity.js';
import { LogHistogram } from '../lib/histogram.js';
import { clockTicksPerSecond, ProcessMonitor } from '../lib/proc-stats.js';
import { percentileSorted, sortedCopy } from '../lib/stats.js';
import { readSystemCpu, systemBusyPercent } from '../lib/system-cpu.js';
import {
  InstantResponder,
  InstantStt,
  InstantTts,
  newTurnTiming,
  TimedVad,
  type TurnTiming,
} from './fakes.js';
import {
  CallerScript,
  loadClips,
  noiseFrames,
  ScriptedLeg,
  TickLog,
  type SpeechClip,
} from './scripted-leg.js';
import type { Stats, StepConfig, StepResult, TurnFigures } from './step-types.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'speech');
const APOLOGY = path.join(REPO_ROOT, 'assets', 'prompts', 'apology.wav');
/** The bot's fixed answer (one sentence: one synthesis). */
export const ANSWER = 'It is sunny today.';
/** Largest gap between a trace's start and the fakes' end-of-speech time of the same turn. */
const MATCH_MS = 50;
/** Time after the window for the turns it started to finish (answer played out). */
const DRAIN_MS = 2500;
const MB = 1024 * 1024;
/**
 * Sampling period of the event-loop delay monitor, ms. Its samples are the intervals between
 * its timer's runs, so this is subtracted to leave the delay.
 */
const ELD_RESOLUTION_MS = 5;

/** One turn as measured. */
interface TurnRecord {
  endOfSpeechAt: number;
  matched: boolean;
  interrupted: boolean;
  latency: Record<string, number>;
  timing: TurnTiming;
}

/** Everything shared by the sessions of a process: audio and the VAD model. */
interface Assets {
  rateHz: number;
  clips: SpeechClip[];
  noise: Int16Array[];
  reply: Map<number, Int16Array[]>;
  makeVad: () => VoiceActivityDetector;
}

/** The bot's answer audio: a 300 Hz tone at about −15 dBFS, `ms` long. */
function replyFrames(rateHz: number, ms: number): Int16Array[] {
  const per = samplesPerFrame(rateHz);
  return Array.from({ length: Math.round(ms / FRAME_MS) }, (_, f) =>
    Int16Array.from({ length: per }, (_, i) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 300 * (f * per + i)) / rateHz)),
    ),
  );
}

/** N sessions on one clock. */
class Fleet {
  readonly clock: MediaClock;
  readonly ticks = new TickLog();
  readonly turns: TurnRecord[] = [];
  readonly notices: Record<string, number> = {};
  readonly legs: ScriptedLeg[] = [];
  readonly vads: TimedVad[] = [];
  private readonly finished: Array<Promise<unknown>> = [];
  private readonly starters: Array<() => void> = [];
  participantErrors = 0;
  /** Set while a window measures: per-frame and per-tick observations go here. */
  frameLag: LogHistogram | undefined;
  lateness: LogHistogram | undefined;

  constructor(n: number, assets: Assets, config: StepConfig, random: () => number) {
    this.clock = new MediaClock({ onError: () => this.participantErrors++ });
    this.ticks.onLateness = (ms) => this.lateness?.record(ms);
    for (let i = 0; i < n; i++) {
      const caller = new CallerScript(
        assets.clips,
        assets.noise,
        { minPauseMs: config.minPauseMs, pauseJitterMs: config.pauseJitterMs },
        random,
      );
      const leg = new ScriptedLeg(`bench-${i}`, assets.rateHz, caller, this.ticks);
      const timing = { current: newTurnTiming() };
      const vad = new TimedVad(assets.makeVad(), this.ticks, timing, (ms) =>
        this.frameLag?.record(ms),
      );
      const session = new VoiceSession({
        leg,
        vad,
        stt: new InstantStt(() => caller.text, timing),
        tts: new InstantTts(assets.reply, timing),
        responder: new InstantResponder(ANSWER, timing),
        language: 'en-US',
        apologyFile: APOLOGY,
        // Sub-millisecond traces (the default Date.now would round every stage to 1 ms).
        now: () => performance.now(),
      });
      session.on('turn', (trace) => this.turns.push(record(trace, timing.current)));
      session.on('notice', (notice) => {
        this.notices[notice.type] = (this.notices[notice.type] ?? 0) + 1;
      });
      this.legs.push(leg);
      this.vads.push(vad);
      this.starters.push(() => this.finished.push(session.start()));
    }
  }

  /** Sentences all callers have finished so far. */
  utterancesDone(): number {
    let sum = 0;
    for (const leg of this.legs) sum += leg.caller.utterancesDone;
    return sum;
  }

  /** Utterances the VADs have ended so far. */
  vadEnds(): number {
    let sum = 0;
    for (const vad of this.vads) sum += vad.speechEnds;
    return sum;
  }

  start(): void {
    this.clock.add(this.ticks);
    for (const start of this.starters) start();
    for (const leg of this.legs) this.clock.add(leg);
  }

  async stop(): Promise<void> {
    for (const leg of this.legs) leg.end();
    await Promise.all(this.finished);
    this.clock.stop();
  }
}

/** A finished turn with the fakes' timing of the same turn (matched on the end of speech). */
function record(trace: TurnTrace, timing: TurnTiming): TurnRecord {
  // The trace starts at the session's end-of-speech clock reading, taken just before it ends the
  // STT stream (Date truncates it to whole ms). Usually microseconds apart, but a thread of the
  // process preempting the event loop in between (CFS, same core) was seen to add 2–3 ms; a
  // session's turns are seconds apart.
  const matched = Math.abs(trace.startedAt.getTime() - timing.endOfSpeechAt) <= MATCH_MS;
  return {
    endOfSpeechAt: timing.endOfSpeechAt,
    matched,
    interrupted: trace.interrupted,
    latency: trace.latency,
    timing: { ...timing },
  };
}

function stats(values: readonly number[]): Stats | undefined {
  if (values.length === 0) return undefined;
  const sorted = sortedCopy(values);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 50) ?? 0,
    p95: percentileSorted(sorted, 95) ?? 0,
    p99: percentileSorted(sorted, 99) ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / sorted.length,
  };
}

function histogramStats(h: LogHistogram): Stats | undefined {
  const s = h.summary();
  if (!s) return undefined;
  return {
    count: s.count,
    p50: s.p50,
    p95: h.percentile(95) ?? 0,
    p99: s.p99,
    max: s.max,
    mean: s.mean,
  };
}

function turnFigures(
  turns: readonly TurnRecord[],
  callerUtterances: number,
  vadUtterances: number,
): TurnFigures {
  const overhead: number[] = [];
  const processing: number[] = [];
  const tickWait: number[] = [];
  const vadLag: number[] = [];
  const fromFrame: number[] = [];
  const providers: number[] = [];
  const stages: Record<string, number[]> = {};
  let incomplete = 0;
  const incompleteWhy: Record<string, number> = {};
  let interrupted = 0;
  for (const t of turns) {
    if (t.interrupted) interrupted++;
    const first = t.latency.firstPacket;
    const ready = t.latency.ttsFirstAudio;
    if (!t.matched || first === undefined || ready === undefined) {
      incomplete++;
      const why = !t.matched ? 'unmatched' : ready === undefined ? 'no-audio' : 'no-packet';
      incompleteWhy[why] = (incompleteWhy[why] ?? 0) + 1;
      continue;
    }
    const inside = t.timing.sttMs + t.timing.responderMs + t.timing.ttsMs;
    const lag = t.timing.endOfSpeechAt - t.timing.speechEndTickAt;
    providers.push(inside);
    overhead.push(first - inside);
    processing.push(ready - inside);
    tickWait.push(first - ready);
    vadLag.push(lag);
    fromFrame.push(lag + first - inside);
    for (const stage of ['sttFinal', 'responderFirstToken', 'ttsFirstAudio', 'firstPacket']) {
      const v = t.latency[stage];
      if (v !== undefined) (stages[stage] ??= []).push(v);
    }
  }
  const stageMedians: Record<string, number> = {};
  for (const [stage, values] of Object.entries(stages)) {
    stageMedians[stage] = percentileSorted(sortedCopy(values), 50) ?? 0;
  }
  return {
    count: overhead.length,
    callerUtterances,
    vadUtterances,
    incomplete,
    incompleteWhy,
    interrupted,
    overhead: stats(overhead),
    processing: stats(processing),
    tickWait: stats(tickWait),
    vadLag: stats(vadLag),
    fromFrame: stats(fromFrame),
    providers: stats(providers),
    stageMedians,
  };
}

/**
 * CPU of one detector alone per 20 ms frame: the speech clips and line noise, a few passes
 * each after one unmeasured pass.
 */
async function calibrateVad(
  assets: Assets,
): Promise<{ speechFrameUs: number; noiseFrameUs: number }> {
  const measure = async (frames: readonly Int16Array[], passes: number): Promise<number> => {
    const vad = assets.makeVad();
    let t = 0;
    const run = async (): Promise<void> => {
      for (const samples of frames) {
        await vad.process({ samples, sampleRateHz: assets.rateHz, timestampMs: t });
        t += FRAME_MS;
      }
    };
    await run();
    const before = process.cpuUsage();
    for (let i = 0; i < passes; i++) await run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / (frames.length * passes);
  };
  const speech = assets.clips.flatMap((c) => c.frames);
  return { speechFrameUs: await measure(speech, 5), noiseFrameUs: await measure(assets.noise, 20) };
}

/** The process's scheduling policy and priority, from /proc/self/stat (fields 19, 40, 41). */
function scheduling(): string | undefined {
  try {
    const text = readFileSync('/proc/self/stat', 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After comm, index 0 is field 3: nice is field 19, rt_priority 40, policy 41.
    const nice = fields[16];
    const rtPriority = fields[37];
    const policy = Number(fields[38]);
    const names: Record<number, string> = { 0: 'normal', 1: 'SCHED_FIFO', 2: 'SCHED_RR' };
    if (policy === 1 || policy === 2) return `${names[policy]} priority ${rtPriority}`;
    return `${names[policy] ?? `policy ${policy}`} nice ${nice}`;
  } catch {
    return undefined;
  }
}

/**
 * Puts the event-loop thread under SCHED_RR at `priority` and every other thread of the
 * process (V8's platform workers, libuv's pool, tsx's loader) back under normal scheduling.
 * All on one CPU under SCHED_RR, a helper thread that woke up (a GC task, the loader's memory
 * reducer) would hold the core for a whole 100 ms round-robin slice; under normal scheduling
 * they share the time the event loop leaves, as on a dedicated core.
 *
 * @returns whether the event-loop thread got the policy
 */
function realtimeEventLoop(priority: number): boolean {
  let ok = false;
  for (const tid of readdirSync('/proc/self/task').map(Number)) {
    const main = tid === process.pid;
    const args = main
      ? ['-r', '-p', String(priority), String(tid)]
      : ['-o', '-p', '0', String(tid)];
    const r = spawnSync('chrt', args, { stdio: 'ignore', timeout: 2000 });
    if (main) ok = r.error === undefined && r.status === 0;
  }
  return ok;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

async function runStep(config: StepConfig): Promise<StepResult> {
  // The first call runs `getconf` synchronously: now, not when the window opens.
  clockTicksPerSecond();
  const random = prng(config.seed);
  const model = config.vad === 'silero' ? await SileroModel.load() : undefined;
  const assets: Assets = {
    rateHz: config.rateHz,
    clips: await loadClips(FIXTURES, config.rateHz),
    noise: noiseFrames(config.rateHz, random),
    reply: new Map([[config.rateHz, replyFrames(config.rateHz, config.replyMs)]]),
    makeVad: () => (model ? model.detector() : new EnergyVad()),
  };
  const vadCalibration = await calibrateVad(assets);
  if (config.rtPriority !== undefined && !realtimeEventLoop(config.rtPriority)) {
    throw new Error(`chrt -r ${config.rtPriority} failed (needs root or CAP_SYS_NICE)`);
  }

  // Priming: the same code paths run hot before the baseline, so JIT code and one-off
  // allocations are not counted as the sessions' memory.
  if (config.primeSessions > 0 && config.primeSeconds > 0) {
    const prime = new Fleet(config.primeSessions, assets, config, random);
    prime.start();
    await delay(config.primeSeconds * 1000);
    await prime.stop();
  }
  gc();
  await delay(300);
  gc();
  const monitor = new ProcessMonitor(process.pid, 250);
  const baseline = process.memoryUsage();

  const fleet = new Fleet(config.sessions, assets, config, random);
  fleet.start();
  await delay(config.warmupSeconds * 1000);
  if (config.rtPriority !== undefined) {
    // Threads started since (the pool grows on demand) inherited the policy: put them back.
    // That takes a chrt per thread, tens of ms: the ticks it delays stay out of the window.
    realtimeEventLoop(config.rtPriority);
    await delay(500);
  }

  // The window.
  fleet.frameLag = new LogHistogram();
  fleet.lateness = new LogHistogram();
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const utterancesBefore = fleet.utterancesDone();
  const vadEndsBefore = fleet.vadEnds();
  const ticksBefore = fleet.clock.ticks;
  const skippedBefore = fleet.clock.skippedTicks;
  const sysStart = readSystemCpu();
  const eluStart = performance.eventLoopUtilization();
  monitor.beginWindow();
  eld.enable();
  const windowStart = performance.now();
  await delay(config.seconds * 1000);
  const windowEnd = performance.now();
  eld.disable();
  const window = monitor.endWindow();
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  const sys = systemBusyPercent(sysStart, readSystemCpu());
  const utterances = fleet.utterancesDone() - utterancesBefore;
  const vadEnds = fleet.vadEnds() - vadEndsBefore;
  const frameLag = histogramStats(fleet.frameLag);
  const lateness = histogramStats(fleet.lateness);
  fleet.frameLag = undefined;
  fleet.lateness = undefined;
  const ticks = fleet.clock.ticks - ticksBefore;
  const skipped = fleet.clock.skippedTicks - skippedBefore;

  // The window's last turns finish; then the heap with every session live, after a collection
  // (its pause would delay those turns' first packets, so only now).
  await delay(DRAIN_MS);
  gc();
  const live = process.memoryUsage();
  await fleet.stop();
  await model?.close();

  const inWindow = fleet.turns.filter(
    (t) => t.endOfSpeechAt >= windowStart && t.endOfSpeechAt < windowEnd,
  );
  const n = config.sessions;
  const baselineRssMb = window.maxRssMb === undefined ? undefined : baseline.rss / MB;
  const cpu = window.cpuPercent;
  return {
    config,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    cpus: ((): string | undefined => {
      const cpus = readAffinity();
      return cpus ? formatCpuList(cpus) : undefined;
    })(),
    scheduling: scheduling(),
    vadCalibration,
    turns: turnFigures(inWindow, utterances, vadEnds),
    cpuPercent: cpu,
    cpuPercentPerSession: cpu === undefined ? undefined : cpu / n,
    memory: {
      baselineRssMb,
      maxRssMb: window.maxRssMb,
      rssPerSessionMb:
        window.maxRssMb === undefined || baselineRssMb === undefined
          ? undefined
          : (window.maxRssMb - baselineRssMb) / n,
      baselineHeapMb: baseline.heapUsed / MB,
      liveHeapMb: live.heapUsed / MB,
      heapPerSessionMb: (live.heapUsed - baseline.heapUsed) / MB / n,
      externalPerSessionMb:
        (live.external + live.arrayBuffers - baseline.external - baseline.arrayBuffers) / MB / n,
    },
    eventLoop: {
      delayP50: Math.max(0, eld.percentile(50) / 1e6 - ELD_RESOLUTION_MS),
      delayP99: Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS),
      delayMax: Math.max(0, eld.max / 1e6 - ELD_RESOLUTION_MS),
      utilization: elu,
    },
    clock: {
      lateness,
      ticks,
      skippedTicks: skipped,
      participantErrors: fleet.participantErrors,
    },
    frameLag,
    notices: fleet.notices,
    othersCpuPercent:
      sys === undefined || cpu === undefined ? undefined : Math.max(0, sys.busyPercent - cpu),
    windowSeconds: (windowEnd - windowStart) / 1000,
  };
}

async function main(): Promise<number> {
  const [configJson, out] = process.argv.slice(2);
  if (!configJson || !out) {
    console.error('usage: step.ts <config-json> <out-file> (run by bench/voice-turn/run.ts)');
    return 2;
  }
  const config = JSON.parse(configJson) as StepConfig;
  const result = await runStep(config);
  await writeFile(out, JSON.stringify(result));
  return 0;
}

process.exitCode = await main();
