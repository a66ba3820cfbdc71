/**
 * Turns the load generator's step results into the console table and the JSON results file of
 * the SIP calls-per-second benchmark.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatMachine, type MachineInfo } from '../lib/machine.js';
import type { WindowStats } from '../lib/proc-stats.js';
import { median, summarize, type Summary } from '../lib/stats.js';
import { fmt, fmtPercent, fmtUnit, formatTable } from '../lib/table.js';
import type { FailureReason, StepResult } from './load-generator.js';

/** A step is "sustained" when it fails at most the threshold and achieves this share of its offer. */
export const SUSTAINED_ACHIEVED_RATIO = 0.95;

/** CPU and memory of one process over a step. */
export interface ProcessFigures {
  cpuPercent: number | undefined;
  maxRssMb: number | undefined;
}

/** UDP datagrams the kernel dropped on a full receive buffer during a step (`/proc/net/udp`). */
export interface UdpDrops {
  /** Drops on the generator's sockets. */
  generator: number | undefined;
  /** Drops on the server's SIP port (any process bound to it on this host). */
  server: number | undefined;
}

/** One row of the report. */
export interface StepReport {
  step: number;
  offeredCps: number;
  durationS: number;
  scheduled: number;
  launched: number;
  answered: number;
  completed: number;
  /** Completed, but after the step's window (not counted in `achievedCps`). */
  lateCompletions: number;
  failed: number;
  /** failed / scheduled. */
  failRatio: number;
  achievedCps: number;
  /** achieved / offered. */
  achievedRatio: number;
  /** Set-up time (INVITE sent → 200 received) over answered calls, ms. */
  setupMs: Summary | undefined;
  /** Lateness of launches against the schedule, ms (a generator health check). */
  launchLagMs: Summary | undefined;
  retransmissions: { invite: number; bye: number };
  /** Receive-buffer drops: where the datagrams behind the retransmissions were lost. */
  udpDrops: UdpDrops;
  failures: Partial<Record<FailureReason, number>>;
  errorStatuses: Record<string, number>;
  reAcked: number;
  strayResponses: number;
  ignoredRequests: number;
  invalidDatagrams: number;
  sendErrors: number;
  peakConcurrent: number;
  server: ProcessFigures;
  /** Server CPU % per 100 achieved calls/s (CPU cost of the call rate). */
  serverCpuPer100Cps: number | undefined;
  generator: ProcessFigures & { eventLoopUtilization: number };
  wallMs: number;
  /** Fail ratio within the threshold and achieved ≥ 95 % of offered. */
  sustained: boolean;
  aborted: boolean;
}

/** How the server under test was run. */
export interface ServerInfo {
  mode: 'spawned' | 'external';
  target: string;
  pid: number | undefined;
  /** Whether the server was pinned to one CPU (per-core figures). */
  pinned: boolean;
  pinnedCpu: number | undefined;
  /** CPUs the generator (this process) was restricted to, if any. */
  generatorCpus: string | undefined;
  command: string[] | undefined;
}

/** Benchmark settings as run. */
export interface RunConfig {
  rates: number[];
  stepSeconds: number;
  warmupSeconds: number;
  holdMs: number;
  maxConcurrent: number;
  sockets: number;
  t1Ms: number;
  timeoutMs: number;
  failThreshold: number;
  quick: boolean;
}

/** Figures across steps. */
export interface RunSummary {
  /** Highest offered rate whose step was sustained, calls/s. */
  maxSustainedCps: number | undefined;
  /** Highest achieved rate of any step, calls/s. */
  peakAchievedCps: number | undefined;
  medianAchievedRatio: number | undefined;
  medianSetupP50Ms: number | undefined;
  medianSetupP99Ms: number | undefined;
  /** Median over sustained steps of server CPU % per 100 calls/s. */
  medianServerCpuPer100Cps: number | undefined;
  /** Linear extrapolation: calls/s at 100 % of one core (an estimate, not a measurement). */
  estimatedCpsPerCore: number | undefined;
  maxServerRssMb: number | undefined;
  warnings: string[];
}

/** The whole results file. */
export interface BenchReport {
  benchmark: 'sip-cps';
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages when the run started (other load skews the figures). */
  loadAverageAtStart: number[];
  /** Package version and git commit of the server code (`gitDirty`: uncommitted changes in src/). */
  code: { version: string; gitCommit: string | undefined; gitDirty: boolean };
  config: RunConfig;
  server: ServerInfo;
  warmup: StepReport | undefined;
  steps: StepReport[];
  /** A step cut short by Ctrl-C (not in `steps`, not in the summary). */
  interruptedStep: StepReport | undefined;
  stoppedEarly: boolean;
  stopReason: string;
  summary: RunSummary;
}

function rounded(value: number | undefined, decimals: number): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundSummary(s: Summary | undefined): Summary | undefined {
  if (!s) return undefined;
  const r = (v: number): number => rounded(v, 3) ?? v;
  return {
    count: s.count,
    min: r(s.min),
    p50: r(s.p50),
    p90: r(s.p90),
    p99: r(s.p99),
    max: r(s.max),
    mean: r(s.mean),
  };
}

/** Combines a generator step result with the process figures sampled around it. */
export function buildStepReport(
  step: number,
  result: StepResult,
  server: WindowStats | undefined,
  generator: WindowStats,
  udpDrops: UdpDrops,
  failThreshold: number,
): StepReport {
  const failRatio = result.scheduled > 0 ? result.failed / result.scheduled : 0;
  const achievedRatio = result.achievedCps / result.offeredCps;
  const serverCpu = server?.cpuPercent;
  return {
    step,
    offeredCps: result.offeredCps,
    durationS: result.durationS,
    scheduled: result.scheduled,
    launched: result.launched,
    answered: result.answered,
    completed: result.completed,
    lateCompletions: result.lateCompletions,
    failed: result.failed,
    failRatio: rounded(failRatio, 5) ?? 0,
    achievedCps: rounded(result.achievedCps, 2) ?? 0,
    achievedRatio: rounded(achievedRatio, 4) ?? 0,
    setupMs: roundSummary(summarize(result.setupMs)),
    launchLagMs: roundSummary(summarize(result.launchLagMs)),
    retransmissions: result.retransmissions,
    udpDrops,
    failures: result.failures,
    errorStatuses: result.errorStatuses,
    reAcked: result.reAcked,
    strayResponses: result.strayResponses,
    ignoredRequests: result.ignoredRequests,
    invalidDatagrams: result.invalidDatagrams,
    sendErrors: result.sendErrors,
    peakConcurrent: result.peakConcurrent,
    server: {
      cpuPercent: rounded(serverCpu, 1),
      maxRssMb: rounded(server?.maxRssMb, 1),
    },
    serverCpuPer100Cps:
      serverCpu !== undefined && result.achievedCps > 0
        ? rounded((serverCpu / result.achievedCps) * 100, 2)
        : undefined,
    generator: {
      cpuPercent: rounded(generator.cpuPercent, 1),
      maxRssMb: rounded(generator.maxRssMb, 1),
      eventLoopUtilization: rounded(result.generatorElu, 3) ?? 0,
    },
    wallMs: Math.round(result.wallMs),
    sustained: failRatio <= failThreshold && achievedRatio >= SUSTAINED_ACHIEVED_RATIO,
    aborted: result.aborted,
  };
}

function defined(values: ReadonlyArray<number | undefined>): number[] {
  return values.filter((v): v is number => v !== undefined && Number.isFinite(v));
}

/** Cross-step figures and warnings about measurements that should not be trusted. */
export function summarizeRun(
  steps: readonly StepReport[],
  server: ServerInfo,
  machine: MachineInfo,
  loadAverageAtStart: readonly number[],
): RunSummary {
  const sustained = steps.filter((s) => s.sustained);
  const cpuPer100 = median(defined(sustained.map((s) => s.serverCpuPer100Cps)));
  const warnings: string[] = [];
  const load1m = loadAverageAtStart[0] ?? 0;
  if (load1m > machine.cores * 0.5) {
    warnings.push(
      `machine was busy at start (load ${load1m} on ${machine.cores} cores): expect noisy figures`,
    );
  }
  for (const s of steps) {
    // A saturated generator launches late and reads responses late: the server looks slower.
    if ((s.generator.cpuPercent ?? 0) > 90 || s.generator.eventLoopUtilization > 0.9) {
      warnings.push(
        `step ${s.step} (${s.offeredCps} cps): generator near saturation ` +
          `(CPU ${fmt(s.generator.cpuPercent)}%, ELU ${s.generator.eventLoopUtilization}); ` +
          'figures may understate the server',
      );
    }
    if ((s.launchLagMs?.p99 ?? 0) > 50) {
      warnings.push(
        `step ${s.step}: launches ran up to ${fmt(s.launchLagMs?.p99, 1)} ms late (p99); ` +
          'the offered rate was bursty',
      );
    }
  }
  if (server.mode === 'spawned' && !server.pinned) {
    warnings.push('server not pinned to one core: CPU % may spread over several cores');
  }
  return {
    maxSustainedCps: sustained.length ? Math.max(...sustained.map((s) => s.offeredCps)) : undefined,
    peakAchievedCps: steps.length ? Math.max(...steps.map((s) => s.achievedCps)) : undefined,
    medianAchievedRatio: median(steps.map((s) => s.achievedRatio)),
    medianSetupP50Ms: rounded(median(defined(steps.map((s) => s.setupMs?.p50))), 3),
    medianSetupP99Ms: rounded(median(defined(steps.map((s) => s.setupMs?.p99))), 3),
    medianServerCpuPer100Cps: rounded(cpuPer100, 2),
    estimatedCpsPerCore:
      cpuPer100 !== undefined && cpuPer100 > 0 ? Math.round((100 / cpuPer100) * 100) : undefined,
    maxServerRssMb: rounded(
      defined(steps.map((s) => s.server.maxRssMb)).reduce<number | undefined>(
        (max, v) => (max === undefined || v > max ? v : max),
        undefined,
      ),
      1,
    ),
    warnings,
  };
}

function describeFailures(s: StepReport): string | undefined {
  const parts = Object.entries(s.failures)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([reason, n]) => `${reason} ${n}`);
  const statuses = Object.entries(s.errorStatuses).map(([k, n]) => `${k} ×${n}`);
  const extras = [
    s.lateCompletions ? `completed late ${s.lateCompletions}` : '',
    s.udpDrops.server ? `UDP drops at server ${s.udpDrops.server}` : '',
    s.udpDrops.generator ? `UDP drops at generator ${s.udpDrops.generator}` : '',
    s.strayResponses ? `stray responses ${s.strayResponses}` : '',
    s.ignoredRequests ? `requests from server ${s.ignoredRequests}` : '',
    s.invalidDatagrams ? `unparseable datagrams ${s.invalidDatagrams}` : '',
    s.sendErrors ? `send errors ${s.sendErrors}` : '',
  ].filter((t) => t.length > 0);
  const all = [...parts, ...statuses, ...extras];
  return all.length ? `  step ${s.step} (${s.offeredCps} cps): ${all.join(', ')}` : undefined;
}

/** The per-step table (also used for the live progress lines). */
export function formatStepTable(steps: readonly StepReport[]): string {
  return formatTable(steps, [
    { header: '#', value: (s) => String(s.step) },
    { header: 'offered/s', value: (s) => fmt(s.offeredCps) },
    { header: 'achieved/s', value: (s) => fmt(s.achievedCps, 1) },
    { header: 'ach/off', value: (s) => fmtPercent(s.achievedRatio) },
    { header: 'ok', value: (s) => String(s.completed) },
    { header: 'failed', value: (s) => String(s.failed) },
    { header: 'fail%', value: (s) => fmtPercent(s.failRatio, 2) },
    { header: 'setup p50 ms', value: (s) => fmt(s.setupMs?.p50, 2) },
    { header: 'p99 ms', value: (s) => fmt(s.setupMs?.p99, 2) },
    { header: 'retx', value: (s) => String(s.retransmissions.invite + s.retransmissions.bye) },
    { header: 'srv CPU%', value: (s) => fmt(s.server.cpuPercent, 1) },
    { header: 'srv RSS MB', value: (s) => fmt(s.server.maxRssMb, 0) },
    { header: 'CPU%/100cps', value: (s) => fmt(s.serverCpuPer100Cps, 2) },
    { header: 'gen CPU%', value: (s) => fmt(s.generator.cpuPercent, 1) },
    { header: 'gen ELU', value: (s) => fmtPercent(s.generator.eventLoopUtilization, 0) },
    { header: 'ok?', align: 'left', value: (s) => (s.sustained ? 'yes' : 'NO') },
  ]);
}

/** One line per finished step while the benchmark runs. */
export function progressLine(s: StepReport): string {
  return (
    `step ${s.step}: ${s.offeredCps} cps offered → ${fmt(s.achievedCps, 1)} achieved ` +
    `(${fmtPercent(s.achievedRatio)}), ${s.completed} ok, ${s.failed} failed, set-up p50 ` +
    `${fmt(s.setupMs?.p50, 2)} ms p99 ${fmt(s.setupMs?.p99, 2)} ms, server CPU ` +
    `${fmtUnit(s.server.cpuPercent, 1, '%')} RSS ${fmtUnit(s.server.maxRssMb, 0, ' MB')}`
  );
}

/** The whole human-readable report. */
export function formatReport(report: BenchReport): string {
  const { server, summary, config } = report;
  const pinning =
    server.mode === 'external'
      ? 'external server (not managed by the benchmark; pinning unknown)'
      : server.pinned
        ? `server pinned to CPU ${server.pinnedCpu} (figures are per core)` +
          (server.generatorCpus ? `, generator on CPU ${server.generatorCpus}` : '')
        : 'server NOT pinned (taskset unavailable or --no-pin)';
  const lines = [
    '',
    `SIP calls-per-second benchmark — ${report.startedAt}`,
    `machine : ${formatMachine(report.machine)}; load avg at start ${report.loadAverageAtStart.join(' ')}`,
    `code    : switchboard ${report.code.version}, commit ${report.code.gitCommit ?? 'n/a'}` +
      (report.code.gitDirty ? ' + uncommitted changes in src/' : ''),
    `target  : udp ${server.target}${server.pid ? ` (server pid ${server.pid})` : ''}`,
    `pinning : ${pinning}`,
    `config  : rates ${config.rates.join(',')} cps, ${config.stepSeconds} s/step, hold ${config.holdMs} ms, ` +
      `${config.sockets} sockets, max ${config.maxConcurrent} concurrent, T1 ${config.t1Ms} ms, ` +
      `timeout ${config.timeoutMs} ms${config.quick ? ', QUICK mode' : ''}`,
    '',
    report.steps.length ? formatStepTable(report.steps) : '(no step completed)',
    '',
  ];
  if (report.interruptedStep) {
    const s = report.interruptedStep;
    lines.push(
      `step ${s.step} (${s.offeredCps} cps) was interrupted after ${(s.wallMs / 1000).toFixed(1)} s ` +
        `and is left out (${s.completed} calls had completed)`,
      '',
    );
  }
  const failureLines = report.steps.map(describeFailures).filter((l): l is string => !!l);
  if (failureLines.length) lines.push('failures and anomalies:', ...failureLines, '');
  lines.push(
    `stopped : ${report.stoppedEarly ? 'early — ' : ''}${report.stopReason}`,
    `max sustained rate      : ${fmtUnit(summary.maxSustainedCps, 0, ' calls/s')} ` +
      `(fail ≤ ${fmtPercent(config.failThreshold, 0)} and achieved ≥ ${fmtPercent(SUSTAINED_ACHIEVED_RATIO, 0)} of offered)`,
    `peak achieved rate      : ${fmtUnit(summary.peakAchievedCps, 1, ' calls/s')}`,
    `median achieved/offered : ${fmtPercent(summary.medianAchievedRatio)}`,
    `median set-up p50 / p99 : ${fmt(summary.medianSetupP50Ms, 2)} / ${fmtUnit(summary.medianSetupP99Ms, 2, ' ms')}`,
    `server CPU per 100 cps  : ${fmtUnit(summary.medianServerCpuPer100Cps, 2, '%')} (median of sustained steps)`,
    `est. calls/s per core   : ${fmt(summary.estimatedCpsPerCore)} (linear extrapolation to 100 % of one core)`,
    `server peak RSS         : ${fmtUnit(summary.maxServerRssMb, 1, ' MB')}`,
  );
  if (summary.warnings.length) {
    lines.push('', 'warnings:', ...summary.warnings.map((w) => `  - ${w}`));
  }
  return lines.join('\n');
}

/** Writes the JSON results file, creating its directory. */
export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
