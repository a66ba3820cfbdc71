/**
 * Step reports, the console table, the comparison with the targets, and the JSON file of the
 * media-concurrency benchmark.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HistogramSummary } from '../lib/histogram.js';
import type { MachineInfo } from '../lib/machine.js';
import { percentile } from '../lib/stats.js';
import { fmt, fmtPercent, formatTable } from '../lib/table.js';
import type { BenchMode, MediaStepResult, SetupFailure } from './media-generator.js';

/** Targets and anchors the figures are compared with. */
export const TARGETS = {
  /** Project target: bridged G.711 calls per core. */
  callsPerCore: 1000,
  /** Project target: packet loss added by the server. */
  lossRatio: 0.001,
  /** Project target: resident memory per call. */
  rssPerCallMb: 1,
  /** Anchor: Asterisk handles about 100 G.711 calls per GHz. */
  asteriskCallsPerGhz: 100,
  /** The seed documents' budget per call: 1/10 of a core and 15 MB. */
  seedCpuPerCall: 0.1,
  seedRssPerCallMb: 15,
} as const;

/** Thresholds that end the escalation. */
export interface BreakCriteria {
  /** Loss ratio above which a step counts as broken (0.05). */
  maxLossRatio: number;
  /** Share of calls failing set-up above which a step counts as broken. */
  maxSetupFailRatio: number;
  /**
   * p95 latency above which a step counts as broken (400 ms, the ITU-T G.114 limit for one-way
   * delay): the server is not keeping up and audio queues in front of it, whatever the loss.
   */
  maxLatencyP95Ms: number;
}

/** Server-side resources over a step's steady window. */
export interface ServerResources {
  /** CPU time over wall time in the window, % of one core. */
  cpuPercent: number | undefined;
  /** RSS before the step's calls were set up, MB. */
  rssBeforeMb: number | undefined;
  /** Highest RSS in the window, MB. */
  rssSteadyMb: number | undefined;
  /** Kernel receive drops on the server's sockets in the window (`/proc/net/udp`). */
  udpDrops: number | undefined;
  /** Deltas of the server's own RTP counters over the step (`/metrics`), when reachable. */
  metrics: Record<string, number> | undefined;
}

/** Generator-side resources over the window. */
export interface GeneratorResources {
  cpuPercent: number | undefined;
  /** Event-loop utilisation 0–1. */
  elu: number;
  udpDrops: number | undefined;
}

/** What the rest of the machine did during the window (`/proc/stat`). */
export interface SystemLoad {
  /** CPU used by processes other than the server and the generator, % of one core. */
  othersPercent: number | undefined;
  /** irq + softirq time (mostly the loopback delivering the benchmark's packets), % of one core. */
  irqPercent: number | undefined;
  /** Hypervisor steal, % of one core. */
  stealPercent: number | undefined;
}

/** Other processes' CPU (% of one core) above which a step is flagged as disturbed. */
export const DISTURBED_OTHERS_PERCENT = 20;

/** One step as reported and stored. */
export interface StepReport {
  step: number;
  mode: BenchMode;
  calls: number;
  legs: number;
  callsUp: number;
  setupFailures: Partial<Record<SetupFailure, number>>;
  rejectStatuses: Record<string, number>;
  setupMs: HistogramSummary | undefined;
  setupPhaseS: number;
  windowS: number;
  endedByServer: number;
  packetsSent: number;
  packetsReturned: number;
  lossRatio: number;
  streamsWithLoss: number;
  worstStreamLoss: number;
  /** Lost window packets by second of the window, all streams. */
  lostBySecond: number[];
  lossSample: MediaStepResult['lossSample'];
  latePackets: number;
  lateRatio: number;
  latencyMs: HistogramSummary | undefined;
  jitterMs: { p50: number | undefined; p95: number | undefined; max: number | undefined };
  /** Share of packets received in the window that carried no stamp (server-made audio). */
  unstampedRatio: number;
  counters: {
    unstamped: number;
    misrouted: number;
    duplicates: number;
    reordered: number;
    otherPayload: number;
    nonRtp: number;
    rtpSendErrors: number;
  };
  sendLatenessMs: HistogramSummary | undefined;
  tickLatenessMs: HistogramSummary | undefined;
  /** True when the generator's p99 send lateness exceeded 5 ms: not a server result. */
  generatorLimited: boolean;
  sip: MediaStepResult['sip'];
  server: ServerResources;
  generator: GeneratorResources;
  system: SystemLoad;
  /** True when other processes used more than {@link DISTURBED_OTHERS_PERCENT} % of a core. */
  disturbed: boolean;
  derived: {
    /** Server CPU % of one core per call (per bridged pair in bridge mode). */
    cpuPercentPerCall: number | undefined;
    /** Server CPU time per packet received by the server, µs. */
    cpuUsPerPacket: number | undefined;
    /** (steady RSS − RSS before) / calls, MB. */
    rssPerCallMb: number | undefined;
    /** Linear extrapolation: calls at 100 % of one core. */
    callsPerCoreEstimate: number | undefined;
  };
  /** Why this step counts as broken, if it does. */
  broken: string | undefined;
  aborted: boolean;
}

/** Generator lateness (p99) beyond which a step is flagged generator-limited. */
export const GENERATOR_LATE_P99_MS = 5;

/** Builds a step report from the generator's result and the resource samples. */
export function buildStepReport(
  step: number,
  r: MediaStepResult,
  server: ServerResources,
  generator: GeneratorResources,
  system: SystemLoad,
  criteria: BreakCriteria,
): StepReport {
  const sendLateness = r.sendLateness.summary();
  const windowS = r.windowMs / 1000;
  const cpuPercentPerCall =
    server.cpuPercent !== undefined && r.callsUp > 0 ? server.cpuPercent / r.callsUp : undefined;
  // Packets into the server per second in the window: every stream of an up call sends 50/s.
  const packetsIntoServer = r.packetsSent;
  const cpuUsPerPacket =
    server.cpuPercent !== undefined && packetsIntoServer > 0
      ? ((server.cpuPercent / 100) * windowS * 1e6) / packetsIntoServer
      : undefined;
  const rssPerCallMb =
    server.rssBeforeMb !== undefined && server.rssSteadyMb !== undefined && r.callsUp > 0
      ? (server.rssSteadyMb - server.rssBeforeMb) / r.callsUp
      : undefined;
  const failed = r.calls - r.callsUp;
  let broken: string | undefined;
  if (failed / r.calls > criteria.maxSetupFailRatio) {
    broken = `${failed} of ${r.calls} calls failed to set up`;
  } else if (r.lossRatio > criteria.maxLossRatio) {
    broken = `loss ${(r.lossRatio * 100).toFixed(2)} % > ${(criteria.maxLossRatio * 100).toFixed(1)} %`;
  } else if ((r.latency.percentile(95) ?? 0) > criteria.maxLatencyP95Ms) {
    broken =
      `latency p95 ${(r.latency.percentile(95) ?? 0).toFixed(0)} ms > ${criteria.maxLatencyP95Ms} ms ` +
      '(audio queues in front of the server)';
  } else if (r.endedByServer > 0) {
    broken = `${r.endedByServer} legs ended by the server during the step`;
  }
  return {
    step,
    mode: r.mode,
    calls: r.calls,
    legs: r.legs,
    callsUp: r.callsUp,
    setupFailures: r.setupFailures,
    rejectStatuses: r.rejectStatuses,
    setupMs: r.setupMs.summary(),
    setupPhaseS: r.setupPhaseMs / 1000,
    windowS,
    endedByServer: r.endedByServer,
    packetsSent: r.packetsSent,
    packetsReturned: r.packetsReturned,
    lossRatio: r.lossRatio,
    streamsWithLoss: r.streamsWithLoss,
    worstStreamLoss: r.worstStreamLoss,
    lostBySecond: r.lostBySecond,
    lossSample: r.lossSample,
    latePackets: r.latePackets,
    lateRatio: r.lateRatio,
    latencyMs: r.latency.summary(),
    jitterMs: {
      p50: percentile(r.jitterMs, 50),
      p95: percentile(r.jitterMs, 95),
      max: r.jitterMaxMs.length === 0 ? undefined : Math.max(...r.jitterMaxMs),
    },
    unstampedRatio: r.receivedInWindow === 0 ? 0 : r.unstampedInWindow / r.receivedInWindow,
    counters: {
      unstamped: r.unstamped,
      misrouted: r.misrouted,
      duplicates: r.duplicates,
      reordered: r.reordered,
      otherPayload: r.otherPayload,
      nonRtp: r.nonRtp,
      rtpSendErrors: r.rtpSendErrors,
    },
    sendLatenessMs: sendLateness,
    tickLatenessMs: r.tickLateness.summary(),
    generatorLimited: sendLateness !== undefined && sendLateness.p99 > GENERATOR_LATE_P99_MS,
    sip: r.sip,
    server,
    generator,
    system,
    disturbed: (system.othersPercent ?? 0) > DISTURBED_OTHERS_PERCENT,
    derived: {
      cpuPercentPerCall,
      cpuUsPerPacket,
      rssPerCallMb,
      callsPerCoreEstimate:
        cpuPercentPerCall !== undefined && cpuPercentPerCall > 0
          ? 100 / cpuPercentPerCall
          : undefined,
    },
    broken,
    aborted: r.aborted,
  };
}

const ms = (v: number | undefined): string => fmt(v, v !== undefined && v < 10 ? 2 : 1);

/** The console table of all steps. */
export function formatSteps(steps: readonly StepReport[]): string {
  return formatTable(steps, [
    { header: 'calls', value: (s) => String(s.calls) },
    { header: 'legs', value: (s) => String(s.legs) },
    { header: 'up', value: (s) => String(s.callsUp) },
    { header: 'loss', value: (s) => fmtPercent(s.lossRatio, 3) },
    { header: 'late', value: (s) => fmtPercent(s.lateRatio, 2) },
    { header: 'filler', value: (s) => fmtPercent(s.unstampedRatio, 2) },
    { header: 'jit p50/p95', value: (s) => `${ms(s.jitterMs.p50)}/${ms(s.jitterMs.p95)}` },
    {
      header: 'lat p50/p95/p99',
      value: (s) => `${ms(s.latencyMs?.p50)}/${ms(s.latencyMs?.p95)}/${ms(s.latencyMs?.p99)}`,
    },
    { header: 'srv CPU%', value: (s) => fmt(s.server.cpuPercent, 1) },
    { header: 'CPU%/call', value: (s) => fmt(s.derived.cpuPercentPerCall, 3) },
    { header: 'µs/pkt', value: (s) => fmt(s.derived.cpuUsPerPacket, 1) },
    { header: 'RSS MB', value: (s) => fmt(s.server.rssSteadyMb, 0) },
    { header: 'MB/call', value: (s) => fmt(s.derived.rssPerCallMb, 3) },
    { header: 'gen late p99', value: (s) => ms(s.sendLatenessMs?.p99) },
    { header: 'gen CPU%', value: (s) => fmt(s.generator.cpuPercent, 0) },
    { header: 'other CPU%', value: (s) => fmt(s.system.othersPercent, 0) },
    {
      header: 'ok?',
      align: 'left',
      value: (s) =>
        [
          s.broken ? 'BROKEN' : undefined,
          s.generatorLimited ? 'gen-limited' : undefined,
          s.disturbed ? 'disturbed' : undefined,
        ]
          .filter((x) => x !== undefined)
          .join(',') || 'yes',
    },
  ]);
}

/** Per-step notes under the table: failures, anomalies, the server's own counters. */
export function formatNotes(steps: readonly StepReport[]): string[] {
  const lines: string[] = [];
  for (const s of steps) {
    const notes: string[] = [];
    if (s.broken) notes.push(`broken: ${s.broken}`);
    if (s.generatorLimited) {
      notes.push(
        `generator-limited: its send lateness p99 ${ms(s.sendLatenessMs?.p99)} ms > ${GENERATOR_LATE_P99_MS} ms`,
      );
    }
    if (s.disturbed) {
      notes.push(
        `disturbed: other processes used ${fmt(s.system.othersPercent, 0)} % of a core during the window`,
      );
    }
    const fails = Object.entries(s.setupFailures).map(([k, v]) => `${k} ${v}`);
    if (fails.length > 0) notes.push(`set-up failures: ${fails.join(', ')}`);
    const statuses = Object.entries(s.rejectStatuses).map(([k, v]) => `${k}×${v}`);
    if (statuses.length > 0) notes.push(`INVITE answered ${statuses.join(', ')}`);
    if (s.streamsWithLoss > 0) {
      notes.push(
        `${s.streamsWithLoss} of ${s.legs} streams lost packets (worst ${fmtPercent(s.worstStreamLoss, 2)}); ` +
          `lost per window second ${s.lostBySecond.join(',')}`,
      );
    }
    if (s.lossSample) {
      const l = s.lossSample;
      notes.push(
        `e.g. stream ${l.stream} lost indices ${l.lost.join(',') || '-'}, duplicated ${l.duplicated.join(',') || '-'}`,
      );
    }
    const c = s.counters;
    if (c.misrouted > 0)
      notes.push(`${c.misrouted} packets carried another call's stamp (misrouted)`);
    if (c.duplicates > 0) notes.push(`${c.duplicates} duplicates`);
    if (c.reordered > 0) notes.push(`${c.reordered} reordered`);
    if (c.rtpSendErrors > 0) notes.push(`${c.rtpSendErrors} RTP send errors`);
    if (s.server.udpDrops) notes.push(`server sockets: ${s.server.udpDrops} kernel receive drops`);
    if (s.generator.udpDrops)
      notes.push(`generator sockets: ${s.generator.udpDrops} kernel receive drops`);
    if (s.sip.retransmissions > 0) notes.push(`${s.sip.retransmissions} SIP retransmissions`);
    if (s.sip.byeFailures > 0) notes.push(`${s.sip.byeFailures} BYEs failed`);
    const m = s.server.metrics;
    if (m) {
      const interesting = Object.entries(m).filter(([k, v]) => v !== 0 && /dropped|lost/.test(k));
      if (interesting.length > 0)
        notes.push(`server counters: ${interesting.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    notes.push(
      `set-up ${fmt(s.setupPhaseS, 1)} s (p50 ${ms(s.setupMs?.p50)} ms, p99 ${ms(s.setupMs?.p99)} ms); ` +
        `window ${fmt(s.windowS, 1)} s; latency max ${ms(s.latencyMs?.max)} ms; jitter max ${ms(s.jitterMs.max)} ms; ` +
        `gen ELU ${fmtPercent(s.generator.elu, 0)}, loop wake p99 ${ms(s.tickLatenessMs?.p99)} ms`,
    );
    lines.push(`  ${s.calls} calls: ${notes.join('; ')}`);
  }
  return lines;
}

/** The measured figures set against the targets and anchors, for one step. */
export interface Comparison {
  step: number;
  calls: number;
  lossVsTarget: number;
  rssPerCallVsTarget: number | undefined;
  callsPerCoreVsTarget: number | undefined;
  callsPerGhz: number | undefined;
  callsPerGhzVsAsterisk: number | undefined;
  cpuPerCallVsSeed: number | undefined;
  rssPerCallVsSeed: number | undefined;
}

/** Compares a step with {@link TARGETS} (ratios: measured ÷ target, or achieved ÷ target). */
export function compare(s: StepReport, cpuGhz: number | undefined): Comparison {
  const perCore = s.derived.callsPerCoreEstimate;
  const perGhz = perCore !== undefined && cpuGhz ? perCore / cpuGhz : undefined;
  const cpuShare =
    s.derived.cpuPercentPerCall === undefined ? undefined : s.derived.cpuPercentPerCall / 100;
  return {
    step: s.step,
    calls: s.calls,
    lossVsTarget: s.lossRatio / TARGETS.lossRatio,
    rssPerCallVsTarget:
      s.derived.rssPerCallMb === undefined
        ? undefined
        : s.derived.rssPerCallMb / TARGETS.rssPerCallMb,
    callsPerCoreVsTarget: perCore === undefined ? undefined : perCore / TARGETS.callsPerCore,
    callsPerGhz: perGhz,
    callsPerGhzVsAsterisk: perGhz === undefined ? undefined : perGhz / TARGETS.asteriskCallsPerGhz,
    cpuPerCallVsSeed: cpuShare === undefined ? undefined : cpuShare / TARGETS.seedCpuPerCall,
    rssPerCallVsSeed:
      s.derived.rssPerCallMb === undefined
        ? undefined
        : s.derived.rssPerCallMb / TARGETS.seedRssPerCallMb,
  };
}

/** The comparison table. */
export function formatComparison(rows: readonly Comparison[], mode: BenchMode): string {
  const unit = mode === 'bridge' ? 'bridged calls' : 'echo calls';
  return [
    `Against the targets (measured ÷ target; per-core figures are linear extrapolations from ${unit}):`,
    formatTable(rows, [
      { header: 'calls', value: (c) => String(c.calls) },
      { header: 'loss/0.1%', value: (c) => fmt(c.lossVsTarget, 2) },
      { header: 'MB per call/1 MB', value: (c) => fmt(c.rssPerCallVsTarget, 3) },
      { header: 'calls per core/1000', value: (c) => fmt(c.callsPerCoreVsTarget, 2) },
      { header: 'calls/GHz', value: (c) => fmt(c.callsPerGhz, 0) },
      { header: 'vs Asterisk 100/GHz', value: (c) => fmt(c.callsPerGhzVsAsterisk, 2) },
      { header: 'CPU/call vs 1/10 core', value: (c) => fmt(c.cpuPerCallVsSeed, 4) },
      { header: 'MB/call vs 15 MB', value: (c) => fmt(c.rssPerCallVsSeed, 4) },
    ]),
  ].join('\n');
}

/** The whole run, as written to JSON. */
export interface BenchReport {
  benchmark: 'media-concurrency';
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo & { cpuMhz: number | undefined };
  loadAverageAtStart: number[];
  code: { version: string; gitCommit: string | undefined; gitDirty: boolean };
  config: Record<string, unknown>;
  target: Record<string, unknown>;
  /** Whether the server returned payloads bit-exactly (stamps readable). */
  stampsReadable: boolean | undefined;
  steps: StepReport[];
  /** Attempts measured again because other processes disturbed them. */
  discarded: StepReport[];
  comparisons: Comparison[];
  stopReason: string;
  /** Packets per second each stream sends. */
  packetsPerSecondPerStream: number;
}

/** Writes the JSON report, creating the directory. */
export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
