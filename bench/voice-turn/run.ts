/**
 * Voice-turn benchmark: `npm run bench:voice-turn -- [flags]` (`--help` lists them).
 *
 * For each N of `--sessions`, starts a process of its own (step.ts) pinned to one CPU that runs
 * N voice sessions on scripted fake legs, all on one real 20 ms media clock, with the real VAD
 * (Silero by default) and instant fake STT, responder and TTS, and measures the platform's own
 * overhead per turn, CPU, memory per session and event-loop delay. Then measures PocketSphinx's
 * real-time factor and espeak-ng's time to first audio. Prints tables and writes
 * bench/results/voice-turn-<timestamp>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { codeRevision, cpuMhz } from '../lib/code-revision.js';
import { formatCpuList, pinProcess, readAffinity, tasksetAvailable } from '../lib/cpu-affinity.js';
import { describeMachine, formatMachine } from '../lib/machine.js';
import { setProcessNice } from '../lib/priority.js';
import { readSystemCpu, systemBusyPercent } from '../lib/system-cpu.js';
import { parseCli, USAGE, type Cli } from './cli.js';
import { measureEspeak, measurePocketsphinx } from './engines.js';
import {
  compare,
  DISTURBED_OTHERS_PERCENT,
  disturbed,
  formatComparison,
  formatEngines,
  formatLatency,
  formatNotes,
  formatResources,
  TARGETS,
  writeReport,
  type BenchReport,
} from './report.js';
import type { StepConfig, StepResult } from './step-types.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP_SCRIPT = path.join(REPO_ROOT, 'bench', 'voice-turn', 'step.ts');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'speech');
/** The VAD's end-of-speech silence (seed 001's default, DEFAULT_VAD_OPTIONS.silenceMs). */
const VAD_SILENCE_MS = 500;

/**
 * Waits until the machine is quiet: other work would be measured as the sessions' slowness.
 * Samples `/proc/stat` each second (nothing of ours runs in between) until a second below
 * {@link DISTURBED_OTHERS_PERCENT} % of a core, or the limit.
 */
async function waitForIdle(limitS: number, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  let busy: number | undefined;
  while (!signal.aborted && performance.now() - started < limitS * 1000) {
    const a = readSystemCpu();
    await delay(1000, undefined, { signal }).catch(() => undefined);
    busy = systemBusyPercent(a, readSystemCpu())?.busyPercent;
    if (busy === undefined || busy < DISTURBED_OTHERS_PERCENT) break;
  }
  const waitedS = (performance.now() - started) / 1000;
  if (waitedS > 1.5) {
    console.log(
      `  waited ${waitedS.toFixed(0)} s for an idle machine (last second: ${Math.round(busy ?? 0)} % of a core busy)`,
    );
  }
}

/** Runs one step in its own process; resolves with what it measured. */
async function runStepProcess(
  config: StepConfig,
  cli: Cli,
  pinCpu: number | undefined,
  onChild: (child: ChildProcess | undefined) => void,
): Promise<StepResult> {
  const out = path.join(os.tmpdir(), `voice-turn-step-${process.pid}-${config.sessions}.json`);
  const node = [
    process.execPath,
    '--expose-gc',
    '--import',
    'tsx',
    STEP_SCRIPT,
    JSON.stringify(config),
    out,
  ];
  // nice and taskset exec in place: the child's pid is node's, and every thread it starts
  // inherits the priority and the CPU. The step sets SCHED_RR (--rt) on its event loop itself.
  const command = [
    ...(cli.nice !== undefined ? ['nice', '-n', String(cli.nice)] : []),
    ...(pinCpu !== undefined ? ['taskset', '-c', String(pinCpu)] : []),
    ...node,
  ];
  const [file, ...args] = command;
  const child = spawn(file!, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  onChild(child);
  const limitMs =
    (config.seconds + config.warmupSeconds + config.primeSeconds + 120) * 1000 +
    config.sessions * 50;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | string>((resolve) =>
    child.once('exit', (c, sig) => resolve(sig ?? c ?? 0)),
  );
  clearTimeout(timer);
  onChild(undefined);
  if (code !== 0) throw new Error(`step with ${config.sessions} sessions exited with ${code}`);
  try {
    return JSON.parse(await readFile(out, 'utf8')) as StepResult;
  } finally {
    await rm(out, { force: true });
  }
}

/**
 * Puts every thread of a process under SCHED_RR at `priority` (`chrt -a -r -p`); threads and
 * children it starts later inherit the policy.
 */
function setRealtime(pid: number, priority: number): boolean {
  const r = spawnSync('chrt', ['-a', '-r', '-p', String(priority), String(pid)], {
    stdio: 'ignore',
    timeout: 2000,
  });
  return r.error === undefined && r.status === 0;
}

async function main(): Promise<number> {
  let cli: Cli | undefined;
  try {
    cli = parseCli(process.argv.slice(2), REPO_ROOT);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  if (!cli) return 0;
  const machine = { ...describeMachine(), cpuMhz: cpuMhz() };
  const startedAt = new Date().toISOString();
  // Each step process loads src/ when it starts: the code at the start is the code measured,
  // unless it changed during the run (then both are recorded).
  const code = codeRevision(REPO_ROOT);
  const loadAverageAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`machine: ${formatMachine(machine)}; load average ${loadAverageAtStart.join(' ')}`);

  const controller = new AbortController();
  let child: ChildProcess | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    child?.kill(interrupts === 1 ? 'SIGTERM' : 'SIGKILL');
    if (interrupts === 1) {
      console.error(`\n${sig}: stopping (again to force)`);
      controller.abort();
      return;
    }
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => child?.kill('SIGKILL'));

  const allowed = readAffinity() ?? [];
  const pinCpu = cli.pin && tasksetAvailable() ? (cli.cpu ?? allowed[0]) : undefined;
  const rest = allowed.filter((cpu) => cpu !== pinCpu);
  const selfPinned = pinCpu !== undefined && rest.length > 0 && pinProcess(process.pid, rest);
  if (cli.nice !== undefined) {
    const result = setProcessNice(process.pid, cli.nice);
    if ('error' in result) console.warn(`warning: could not renice: ${result.error}`);
  }
  console.log(
    `steps ${pinCpu === undefined ? 'not pinned' : `pinned to CPU ${pinCpu}`}` +
      `; this process ${selfPinned ? `on CPU ${formatCpuList(rest)}` : 'not pinned'}` +
      (cli.nice !== undefined ? `; nice ${cli.nice}` : '') +
      (cli.rtPriority !== undefined
        ? `; event loops under SCHED_RR priority ${cli.rtPriority}`
        : ''),
  );

  const steps: StepResult[] = [];
  const discarded: StepResult[] = [];
  let exitCode = 0;
  if (cli.steps) {
    console.log(
      `${cli.vad} VAD, ${cli.rateHz} Hz legs, ${cli.seconds} s windows after ${cli.warmupSeconds} s warm-up` +
        ` (priming: ${cli.primeSessions} sessions × ${cli.primeSeconds} s)`,
    );
    for (const sessions of cli.sessions) {
      if (controller.signal.aborted) break;
      const config: StepConfig = {
        sessions,
        seconds: cli.seconds,
        warmupSeconds: cli.warmupSeconds,
        primeSessions: cli.primeSessions,
        primeSeconds: cli.primeSeconds,
        vad: cli.vad,
        rateHz: cli.rateHz,
        seed: cli.seed,
        minPauseMs: cli.minPauseMs,
        pauseJitterMs: cli.pauseJitterMs,
        replyMs: cli.replyMs,
        rtPriority: cli.rtPriority,
      };
      for (let attempt = 0; attempt <= cli.retries && !controller.signal.aborted; attempt++) {
        if (cli.waitIdleS > 0) await waitForIdle(cli.waitIdleS, controller.signal);
        console.log(
          `step: ${sessions} sessions` + (attempt > 0 ? ` (attempt ${attempt + 1})` : '') + ' …',
        );
        let result: StepResult;
        try {
          result = await runStepProcess(config, cli, pinCpu, (c) => (child = c));
        } catch (err) {
          console.error(err instanceof Error ? err.message : String(err));
          exitCode = 1;
          break;
        }
        console.log(
          `  overhead p50/p95 ${result.turns.overhead?.p50.toFixed(2) ?? 'n/a'}/${result.turns.overhead?.p95.toFixed(2) ?? 'n/a'} ms` +
            ` over ${result.turns.count} turns, CPU ${result.cpuPercent?.toFixed(1) ?? 'n/a'} %` +
            `, other processes ${Math.round(result.othersCpuPercent ?? 0)} % of a core`,
        );
        if (!disturbed(result) || attempt === cli.retries) {
          steps.push(result);
          break;
        }
        console.log('  disturbed: measuring again');
        discarded.push(result);
      }
      if (exitCode !== 0) break;
    }
  }

  let pocketsphinx: BenchReport['pocketsphinx'];
  let espeak: BenchReport['espeak'];
  if (cli.engines && !controller.signal.aborted && exitCode === 0) {
    if (cli.waitIdleS > 0) await waitForIdle(cli.waitIdleS, controller.signal);
    if (cli.rtPriority !== undefined && !setRealtime(process.pid, cli.rtPriority)) {
      console.warn(
        `warning: chrt -r ${cli.rtPriority} failed: engines run under normal scheduling`,
      );
    }
    console.log('engines: pocketsphinx …');
    pocketsphinx = await measurePocketsphinx(FIXTURES, cli.enginePasses).catch((err: unknown) => ({
      skipped: `failed: ${err instanceof Error ? err.message : String(err)}`,
    }));
    console.log('engines: espeak-ng …');
    espeak = await measureEspeak(cli.enginePasses, cli.rateHz).catch((err: unknown) => ({
      skipped: `failed: ${err instanceof Error ? err.message : String(err)}`,
    }));
  }

  const comparison = steps.length > 0 ? compare(steps, VAD_SILENCE_MS) : undefined;
  console.log('');
  if (steps.length > 0) {
    console.log(
      `Per turn, ms (overhead = VAD end of speech → first answer frame on the wire − time inside the fake providers;` +
        ` ready = the same to the first frame queued; VAD lag = ending frame's tick → the session acting on the VAD's verdict):`,
    );
    console.log(formatLatency(steps));
    console.log('');
    console.log(
      'Resources (CPU % of the one core the step is pinned to; RSS per session = (max RSS − baseline) ÷ N):',
    );
    console.log(formatResources(steps));
    for (const line of formatNotes(steps)) console.log(line);
    if (steps.some((s) => s.scheduling?.startsWith('SCHED_'))) {
      console.log(
        '  (under SCHED_RR the CPU figures read ~40 % higher than under normal scheduling: take CPU from a normal run)',
      );
    }
    console.log('');
    for (const line of formatComparison(comparison)) console.log(line);
    console.log(
      `Targets: p95 overhead ≤ ${TARGETS.overheadP95Ms} ms at 200 sessions on one core, ≤ ${TARGETS.rssPerSessionMb} MB RSS per session.`,
    );
  }
  const engineLines = formatEngines(pocketsphinx, espeak);
  if (engineLines.length > 0) {
    console.log('');
    for (const line of engineLines) console.log(line);
  }

  const report: BenchReport = {
    benchmark: 'voice-turn',
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtStart,
    code,
    codeAtEnd: ((): BenchReport['codeAtEnd'] => {
      const end = codeRevision(REPO_ROOT);
      if (end.gitCommit === code.gitCommit && end.gitDirty === code.gitDirty) return undefined;
      console.warn(
        `warning: the code changed during the run (${code.gitCommit} → ${end.gitCommit}${end.gitDirty ? ', src dirty' : ''})`,
      );
      return end;
    })(),
    config: { ...cli },
    pinning: {
      stepCpu: pinCpu,
      pinned: pinCpu !== undefined,
      nice: cli.nice,
      rtPriority: cli.rtPriority,
    },
    steps,
    discarded,
    comparison,
    pocketsphinx,
    espeak,
  };
  await writeReport(cli.out, report);
  console.log(`results: ${path.relative(process.cwd(), cli.out) || cli.out}`);
  if (controller.signal.aborted) return 130;
  return exitCode;
}

process.exitCode = await main();
