/**
 * The voice-turn report: console tables of the steps and the engines, the comparison with the
 * issue's targets and anchors, and the JSON written to bench/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodeRevision } from '../lib/code-revision.js';
import type { MachineInfo } from '../lib/machine.js';
import { fmt, formatTable } from '../lib/table.js';
import type { EspeakResult, PocketsphinxResult } from './engines.js';
import type { Stats, StepResult } from './step-types.js';

/** Targets of the issue and the figures it compares with. */
export const TARGETS = {
  /** p95 platform overhead per turn at 200 concurrent sessions on one core, ms. */
  overheadP95Ms: 20,
  /** Resident memory per session, MB. */
  rssPerSessionMb: 2,
  /** LiveKit's SIP mixer buffers this much audio, ms. */
  livekitMixerMs: 100,
  /** A LiveKit agent job takes this much memory, MB. */
  livekitJobMb: [50, 96] as const,
  /** The seed documents budget this much memory per call, MB. */
  seedCallMb: 15,
  /** Pipecat's quoted voice-to-voice latency, ms. */
  pipecatVoiceToVoiceMs: [500, 800] as const,
} as const;

/** Other processes using more than this (% of one core) during a window disturb it. */
export const DISTURBED_OTHERS_PERCENT = 20;

/** The JSON file. */
export interface BenchReport {
  benchmark: 'voice-turn';
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo & { cpuMhz: number | undefined };
  loadAverageAtStart: number[];
  code: CodeRevision;
  /** Set when the code changed while the benchmark ran (step processes load it afresh). */
  codeAtEnd: CodeRevision | undefined;
  config: Record<string, unknown>;
  pinning: {
    stepCpu: number | undefined;
    pinned: boolean;
    nice: number | undefined;
    rtPriority: number | undefined;
  };
  steps: StepResult[];
  /** Attempts run again because other processes disturbed them (`--retries`). */
  discarded: StepResult[];
  comparison: Comparison | undefined;
  pocketsphinx: PocketsphinxResult | undefined;
  espeak: EspeakResult | undefined;
}

/**
 * Whether other processes disturbed a step's window: they used more than
 * {@link DISTURBED_OTHERS_PERCENT} % of a core while the step ran under normal scheduling
 * (under SCHED_RR they cannot preempt it).
 */
export function disturbed(step: StepResult): boolean {
  const realtime = step.scheduling?.startsWith('SCHED_') === true;
  return !realtime && (step.othersCpuPercent ?? 0) > DISTURBED_OTHERS_PERCENT;
}

/** A step's status: `ok`, or what went wrong (several joined by `+`). */
export function status(step: StepResult): string {
  const flags: string[] = [];
  if (step.clock.skippedTicks > 0) flags.push('ticks-skipped');
  if ((step.frameLag?.p99 ?? 0) > 20) flags.push('behind');
  if (
    step.turns.incomplete > 0 ||
    step.turns.interrupted > 0 ||
    step.turns.count < step.turns.vadUtterances
  ) {
    flags.push('turns-lost');
  }
  if (disturbed(step)) flags.push('disturbed');
  return flags.length === 0 ? 'ok' : flags.join('+');
}

const ms = (v: number | undefined): string =>
  v === undefined ? 'n/a' : v < 10 ? fmt(v, 2) : fmt(v, 1);

function trio(s: Stats | undefined, keys: Array<'p50' | 'p95' | 'p99' | 'max'>): string {
  return s ? keys.map((k) => ms(s[k])).join('/') : 'n/a';
}

/** The latency table: one row per step. */
export function formatLatency(steps: readonly StepResult[]): string {
  return formatTable(steps, [
    { header: 'sessions', value: (s) => String(s.config.sessions) },
    {
      header: 'turns/VAD/said',
      value: (s) => `${s.turns.count}/${s.turns.vadUtterances}/${s.turns.callerUtterances}`,
    },
    {
      header: 'overhead p50/p95/max',
      value: (s) => trio(s.turns.overhead, ['p50', 'p95', 'max']),
    },
    { header: 'ready p50/p95/max', value: (s) => trio(s.turns.processing, ['p50', 'p95', 'max']) },
    { header: 'tick wait p50/p95', value: (s) => trio(s.turns.tickWait, ['p50', 'p95']) },
    { header: 'VAD lag p50/p95/max', value: (s) => trio(s.turns.vadLag, ['p50', 'p95', 'max']) },
    { header: 'frame→wire p95', value: (s) => ms(s.turns.fromFrame?.p95) },
    {
      header: 'providers µs',
      value: (s) => (s.turns.providers ? fmt(s.turns.providers.p50 * 1000, 0) : 'n/a'),
    },
  ]);
}

/** The resources table: one row per step. */
export function formatResources(steps: readonly StepResult[]): string {
  return formatTable(steps, [
    { header: 'sessions', value: (s) => String(s.config.sessions) },
    { header: 'CPU%', value: (s) => fmt(s.cpuPercent, 1) },
    { header: 'CPU%/session', value: (s) => fmt(s.cpuPercentPerSession, 3) },
    { header: 'RSS MB', value: (s) => fmt(s.memory.maxRssMb, 0) },
    { header: 'base MB', value: (s) => fmt(s.memory.baselineRssMb, 0) },
    { header: 'RSS MB/session', value: (s) => fmt(s.memory.rssPerSessionMb, 3) },
    { header: 'heap KB/session', value: (s) => fmt(s.memory.heapPerSessionMb * 1024, 0) },
    {
      header: 'loop delay p99/max',
      value: (s) => `${ms(s.eventLoop.delayP99)}/${ms(s.eventLoop.delayMax)}`,
    },
    { header: 'ELU', value: (s) => fmt(s.eventLoop.utilization * 100, 0) + '%' },
    { header: 'tick late p99/max', value: (s) => trio(s.clock.lateness, ['p99', 'max']) },
    { header: 'frame lag p99/max', value: (s) => trio(s.frameLag, ['p99', 'max']) },
    { header: 'other CPU%', value: (s) => fmt(s.othersCpuPercent, 0) },
    { header: 'status', align: 'left', value: status },
  ]);
}

/** Lines under the tables: VAD cost, notices, lost turns. */
export function formatNotes(steps: readonly StepResult[]): string[] {
  const lines: string[] = [];
  for (const s of steps) {
    const notes: string[] = [
      `CPU ${s.cpus ?? '?'}, ${s.scheduling ?? 'scheduling unknown'}`,
      `${s.config.vad} VAD ${fmt(s.vadCalibration.speechFrameUs, 0)} µs CPU per 20 ms of speech, ${fmt(s.vadCalibration.noiseFrameUs, 1)} µs per frame of line noise`,
      `stages p50 ms: ${Object.entries(s.turns.stageMedians)
        .map(([k, v]) => `${k} ${ms(v)}`)
        .join(', ')}`,
    ];
    const notices = Object.entries(s.notices);
    if (notices.length > 0) notes.push(`notices ${notices.map(([k, v]) => `${k}×${v}`).join(' ')}`);
    if (s.turns.incomplete > 0) {
      const why = Object.entries(s.turns.incompleteWhy)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ');
      notes.push(`${s.turns.incomplete} turns not measured (${why})`);
    }
    if (s.turns.interrupted > 0) notes.push(`${s.turns.interrupted} interrupted`);
    if (s.clock.skippedTicks > 0) notes.push(`${s.clock.skippedTicks} clock ticks skipped`);
    if (s.clock.participantErrors > 0) notes.push(`${s.clock.participantErrors} tick errors`);
    lines.push(`  ${s.config.sessions} sessions: ${notes.join('; ')}`);
  }
  return lines;
}

/** The issue's targets and anchors against the measured figures. */
export interface Comparison {
  /** The step compared (the largest N measured). */
  sessions: number;
  overheadP95Ms: number | undefined;
  overheadVsTarget: number | undefined;
  /** Frame arrival → wire, p95 (the overhead plus the VAD's lag). */
  fromFrameP95Ms: number | undefined;
  rssPerSessionMb: number | undefined;
  rssVsTarget: number | undefined;
  /** RSS growth per added session between the two largest steps (separate processes). */
  marginalRssPerSessionMb: number | undefined;
  heapPerSessionMb: number;
  cpuPercent: number | undefined;
  /** Anchors: LiveKit's 100 ms mixer buffer ÷ our p95; LiveKit job and seed budget ÷ our MB. */
  livekitMixerOverOurs: number | undefined;
  livekitJobOverOurs: [number, number] | undefined;
  seedBudgetOverOurs: number | undefined;
  /**
   * Voice-to-voice with instant providers: the VAD's end-of-speech silence plus the p50
   * overhead (what Pipecat's 500–800 ms compares with, minus its providers).
   */
  instantVoiceToVoiceP50Ms: number | undefined;
}

/** Compares the largest step with the targets. */
export function compare(
  steps: readonly StepResult[],
  vadSilenceMs: number,
): Comparison | undefined {
  const sorted = [...steps].sort((a, b) => a.config.sessions - b.config.sessions);
  const top = sorted.at(-1);
  if (!top) return undefined;
  const below = sorted.at(-2);
  const p95 = top.turns.overhead?.p95;
  const mb = top.memory.rssPerSessionMb;
  const marginal =
    below &&
    top.memory.maxRssMb !== undefined &&
    below.memory.maxRssMb !== undefined &&
    top.config.sessions > below.config.sessions
      ? (top.memory.maxRssMb - below.memory.maxRssMb) /
        (top.config.sessions - below.config.sessions)
      : undefined;
  const p50 = top.turns.overhead?.p50;
  return {
    sessions: top.config.sessions,
    overheadP95Ms: p95,
    overheadVsTarget: p95 === undefined ? undefined : p95 / TARGETS.overheadP95Ms,
    fromFrameP95Ms: top.turns.fromFrame?.p95,
    rssPerSessionMb: mb,
    rssVsTarget: mb === undefined ? undefined : mb / TARGETS.rssPerSessionMb,
    marginalRssPerSessionMb: marginal,
    heapPerSessionMb: top.memory.heapPerSessionMb,
    cpuPercent: top.cpuPercent,
    livekitMixerOverOurs: p95 === undefined ? undefined : TARGETS.livekitMixerMs / p95,
    livekitJobOverOurs:
      mb === undefined || mb <= 0
        ? undefined
        : [TARGETS.livekitJobMb[0] / mb, TARGETS.livekitJobMb[1] / mb],
    seedBudgetOverOurs: mb === undefined || mb <= 0 ? undefined : TARGETS.seedCallMb / mb,
    instantVoiceToVoiceP50Ms: p50 === undefined ? undefined : vadSilenceMs + p50,
  };
}

/** The comparison as text. */
export function formatComparison(c: Comparison | undefined): string[] {
  if (!c) return ['no step to compare'];
  const x = (v: number | undefined, d = 2): string => (v === undefined ? 'n/a' : `${fmt(v, d)}×`);
  return [
    `At ${c.sessions} sessions (CPU ${fmt(c.cpuPercent, 0)} % of one core):`,
    `  overhead p95 ${ms(c.overheadP95Ms)} ms vs target ≤ ${TARGETS.overheadP95Ms} ms: ${x(c.overheadVsTarget)} the target` +
      ` (ending frame's tick → wire p95 ${ms(c.fromFrameP95Ms)} ms)`,
    `  RSS per session ${fmt(c.rssPerSessionMb, 3)} MB vs target ≤ ${TARGETS.rssPerSessionMb} MB: ${x(c.rssVsTarget, 3)} the target` +
      `; marginal between the two largest steps ${fmt(c.marginalRssPerSessionMb, 3)} MB; JS heap ${fmt(c.heapPerSessionMb * 1024, 0)} KB per session`,
    `  anchors: LiveKit's SIP mixer buffer (${TARGETS.livekitMixerMs} ms) is ${x(c.livekitMixerOverOurs, 1)} our p95 overhead;` +
      ` a LiveKit agent job (${TARGETS.livekitJobMb.join('–')} MB) is ${c.livekitJobOverOurs ? `${fmt(c.livekitJobOverOurs[0], 0)}–${fmt(c.livekitJobOverOurs[1], 0)}×` : 'n/a'} our RSS per session;` +
      ` the seeds' ${TARGETS.seedCallMb} MB per call is ${x(c.seedBudgetOverOurs, 0)} it`,
    `  voice-to-voice with instant providers ≈ VAD silence + p50 overhead = ${ms(c.instantVoiceToVoiceP50Ms)} ms` +
      ` (Pipecat quotes ${TARGETS.pipecatVoiceToVoiceMs.join('–')} ms with real providers)`,
  ];
}

/** The engines as text. */
export function formatEngines(
  pocketsphinx: PocketsphinxResult | undefined,
  espeak: EspeakResult | undefined,
): string[] {
  const lines: string[] = [];
  if (pocketsphinx) {
    if ('skipped' in pocketsphinx) lines.push(`pocketsphinx: skipped (${pocketsphinx.skipped})`);
    else {
      lines.push(
        `pocketsphinx (16 kHz, en-US, median of ${pocketsphinx.passes} passes per file; decoder init ${ms(pocketsphinx.decoderInitMs)} ms, not counted): ` +
          `RTF ${fmt(pocketsphinx.rtf, 3)} wall, ${fmt(pocketsphinx.cpuRtf, 3)} CPU`,
      );
      lines.push(
        formatTable(pocketsphinx.files, [
          { header: 'file', align: 'left', value: (f) => f.file },
          { header: 'audio s', value: (f) => fmt(f.audioMs / 1000, 2) },
          { header: 'wall ms', value: (f) => fmt(f.wallMs, 0) },
          { header: 'RTF', value: (f) => fmt(f.rtf, 3) },
          { header: 'CPU RTF', value: (f) => fmt(f.cpuRtf, 3) },
          { header: 'heard', align: 'left', value: (f) => `"${f.heard}"` },
          { header: 'said', align: 'left', value: (f) => `"${f.said}"` },
        ]),
      );
    }
  }
  if (espeak) {
    if ('skipped' in espeak) lines.push(`espeak-ng: skipped (${espeak.skipped})`);
    else {
      lines.push(
        `espeak-ng ${espeak.version} (${espeak.rateHz} Hz, median of ${espeak.passes} passes after one warm-up):`,
      );
      lines.push(
        formatTable(espeak.texts, [
          { header: 'text', align: 'left', value: (t) => t.name },
          { header: 'chars', value: (t) => String(t.chars) },
          {
            header: 'first audio ms (min–max)',
            value: (t) => `${ms(t.firstAudioMs)} (${ms(t.firstAudioMin)}–${ms(t.firstAudioMax)})`,
          },
          { header: 'all audio ms', value: (t) => fmt(t.totalMs, 0) },
          { header: 'audio s', value: (t) => fmt(t.audioMs / 1000, 2) },
        ]),
      );
    }
  }
  return lines;
}

/** Writes the JSON report, creating its directory. */
export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
