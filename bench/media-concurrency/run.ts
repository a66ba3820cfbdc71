/**
 * Media-plane concurrency benchmark: `npm run bench:media -- [flags]` (`--help` lists them).
 *
 * Starts the Switchboard server (or, with `--target reflector`, a trivial RTP reflector) as a
 * child process pinned to one CPU, places N concurrent calls streaming G.711 through it from the
 * generator on the other CPU, and measures loss, lateness, jitter and latency of what comes back
 * with the server's CPU and memory. Escalates through `--calls` and stops at the first step that
 * breaks. Prints tables and writes bench/results/media-concurrency-<timestamp>.json.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { codeRevision, cpuMhz } from '../lib/code-revision.js';
import { formatCpuList, pinProcess, readAffinity, tasksetAvailable } from '../lib/cpu-affinity.js';
import { describeMachine, formatMachine } from '../lib/machine.js';
import { setProcessNice } from '../lib/priority.js';
import {
  clockTicksPerSecond,
  ProcessMonitor,
  readComm,
  readRssBytes,
  type WindowStats,
} from '../lib/proc-stats.js';
import { startServer } from '../lib/switchboard-server.js';
import { readSystemCpu, systemBusyPercent, type SystemCpuReading } from '../lib/system-cpu.js';
import { readUdpDrops } from '../lib/udp-drops.js';
import { MediaGenerator, type BenchUser, type MediaStepResult } from './media-generator.js';
import { PACKETS_PER_SECOND } from './media-stream.js';
import {
  buildStepReport,
  compare,
  DISTURBED_OTHERS_PERCENT,
  formatComparison,
  formatNotes,
  formatSteps,
  TARGETS,
  writeReport,
  type BenchReport,
  type GeneratorResources,
  type ServerResources,
  type StepReport,
  type SystemLoad,
} from './report.js';
import { stampAlphabetProblems } from './rtp-stamp.js';
import { parseCli, USAGE, type Cli } from './cli.js';
import {
  fromServer,
  metricDeltas,
  readMetrics,
  startReflector,
  type Target,
} from './target-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOOPBACK = '127.0.0.1';

function rangePorts(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/**
 * Waits until the machine is quiet: other work would be measured as the server's slowness.
 * Samples `/proc/stat` each second (between steps the server and the generator are idle, so
 * all busy time is someone else's) until a second below {@link DISTURBED_OTHERS_PERCENT} % of
 * a core, or the limit.
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

/** Runs one step with resource sampling around its steady window. */
async function measuredStep(
  step: number,
  calls: number,
  cli: Cli,
  generator: MediaGenerator,
  target: Target,
  users: readonly BenchUser[],
  signal: AbortSignal,
): Promise<{ report: StepReport; raw: MediaStepResult }> {
  const serverMon = new ProcessMonitor(target.pid);
  const genMon = new ProcessMonitor(process.pid);
  const serverPorts =
    target.kind === 'server'
      ? [target.sipPort, ...rangePorts(cli.rtpPorts.min, cli.rtpPorts.max)]
      : [];
  const rssBefore = readRssBytes(target.pid);
  const metricsBefore = await readMetrics(target.httpPort);
  let serverWindow: WindowStats | undefined;
  let genWindow: WindowStats | undefined;
  let elu = 0;
  let eluStart = performance.eventLoopUtilization();
  let sysStart: SystemCpuReading | undefined;
  let sysWindow: ReturnType<typeof systemBusyPercent>;
  let drops = { server: undefined as number | undefined, gen: undefined as number | undefined };
  let dropsStart = {
    server: undefined as number | undefined,
    gen: undefined as number | undefined,
  };
  const raw = await generator.runStep(
    calls,
    cli.durationS,
    signal,
    {
      onAllUp: () => console.log(`  ${calls} calls: set-up done, media flowing`),
      onWindowStart: () => {
        serverMon.beginWindow();
        genMon.beginWindow();
        sysStart = readSystemCpu();
        eluStart = performance.eventLoopUtilization();
        dropsStart = {
          server: serverPorts.length > 0 ? readUdpDrops(serverPorts) : undefined,
          gen: readUdpDrops(generator.streamPorts()),
        };
      },
      onWindowEnd: () => {
        serverWindow = serverMon.endWindow();
        genWindow = genMon.endWindow();
        sysWindow = systemBusyPercent(sysStart, readSystemCpu());
        elu = performance.eventLoopUtilization(eluStart).utilization;
        const sub = (a: number | undefined, b: number | undefined): number | undefined =>
          a === undefined || b === undefined ? undefined : b - a;
        drops = {
          server: sub(
            dropsStart.server,
            serverPorts.length > 0 ? readUdpDrops(serverPorts) : undefined,
          ),
          gen: sub(dropsStart.gen, readUdpDrops(generator.streamPorts())),
        };
      },
    },
    users,
  );
  serverMon.stop();
  genMon.stop();
  // Legs report their RTP counters to /metrics when they end: give the BYEs a moment.
  if (target.kind === 'server' && !signal.aborted) await delay(500);
  const metricsAfter = await readMetrics(target.httpPort);
  const server: ServerResources = {
    cpuPercent: serverWindow?.cpuPercent,
    rssBeforeMb: rssBefore === undefined ? undefined : rssBefore / (1024 * 1024),
    rssSteadyMb: serverWindow?.maxRssMb,
    udpDrops: drops.server,
    metrics: metricDeltas(metricsBefore, metricsAfter),
  };
  const gen: GeneratorResources = { cpuPercent: genWindow?.cpuPercent, elu, udpDrops: drops.gen };
  // Whatever else ran on the machine during the window: all CPU time minus ours.
  const others =
    sysWindow === undefined
      ? undefined
      : sysWindow.busyPercent - (serverWindow?.cpuPercent ?? 0) - (genWindow?.cpuPercent ?? 0);
  const system: SystemLoad = {
    othersPercent: others === undefined ? undefined : Math.max(0, others),
    irqPercent: sysWindow?.irqPercent,
    stealPercent: sysWindow?.stealPercent,
  };
  return {
    report: buildStepReport(step, raw, server, gen, system, {
      maxLossRatio: cli.lossLimit,
      maxSetupFailRatio: cli.setupFailLimit,
      maxLatencyP95Ms: cli.latencyLimitMs,
    }),
    raw,
  };
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
  const badCodes = stampAlphabetProblems();
  if (badCodes.length > 0) {
    console.error(`stamp alphabet does not survive µ-law decode→encode: ${badCodes.join(',')}`);
    return 1;
  }
  const machine = { ...describeMachine(), cpuMhz: cpuMhz() };
  // The first call runs `getconf` synchronously: do it now, not when the first window opens.
  clockTicksPerSecond();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`machine: ${formatMachine(machine)}; load average ${loadAverageAtStart.join(' ')}`);

  const controller = new AbortController();
  let target: Target | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      console.error(`\n${sig}: stopping after cleanup (again to force)`);
      controller.abort();
      return;
    }
    target?.killNow();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => target?.killNow());

  const allowed = readAffinity() ?? [];
  const pinCpu = cli.pin && tasksetAvailable() ? (cli.serverCpu ?? allowed[0]) : undefined;
  const maxCalls = Math.max(...cli.calls, cli.untilBreak ? cli.maxCalls : 0);
  const users: BenchUser[] =
    cli.mode === 'bridge'
      ? Array.from({ length: maxCalls }, (_, i) => ({ name: `mc${i}`, password: `pw${i}x` }))
      : [];
  try {
    console.log(
      `starting ${cli.target} (${pinCpu === undefined ? 'not pinned' : `pinned to CPU ${pinCpu}`}) …`,
    );
    if (cli.target === 'reflector') {
      target = await startReflector(REPO_ROOT, pinCpu, controller.signal);
    } else {
      const server = await startServer({
        repoRoot: REPO_ROOT,
        host: LOOPBACK,
        pinCpu,
        logLevel: 'warn',
        nodeArgs: cli.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cli.cpuProfDir}`] : [],
        env: {
          SWITCHBOARD_RTP_PORT_MIN: String(cli.rtpPorts.min),
          SWITCHBOARD_RTP_PORT_MAX: String(cli.rtpPorts.max),
          ...(users.length > 0
            ? { SWITCHBOARD_SIP_USERS: users.map((u) => `${u.name}:${u.password}`).join(',') }
            : {}),
        },
        onSpawn: (s) => {
          target = fromServer(s);
        },
        signal: controller.signal,
      });
      target = fromServer(server);
      const comm = readComm(server.pid);
      if (comm !== undefined && comm !== 'node')
        console.warn(`warning: server pid ${server.pid} is "${comm}", not node`);
    }
  } catch (err) {
    console.error(
      `${cli.target} failed to start: ${err instanceof Error ? err.message : String(err)}`,
    );
    await target?.stop();
    return 1;
  }
  const running = target;
  const rest = allowed.filter((cpu) => cpu !== pinCpu);
  const generatorPinned = running.pinned && rest.length > 0 && pinProcess(process.pid, rest);
  console.log(
    `${running.kind} pid ${running.pid} sip udp ${LOOPBACK}:${running.sipPort}` +
      (running.httpPort ? ` http ${running.httpPort}` : '') +
      `; generator ${generatorPinned ? `pinned to CPU ${formatCpuList(rest)}` : 'not pinned'}`,
  );
  if (cli.nice !== undefined) {
    // Threads started later (GC helpers, thread pool) inherit the value from their creator.
    for (const [who, pid] of [
      [running.kind, running.pid],
      ['generator', process.pid],
    ] as const) {
      const result = setProcessNice(pid, cli.nice);
      if ('error' in result) console.warn(`warning: could not renice the ${who}: ${result.error}`);
      else console.log(`${who}: nice ${cli.nice} on ${result.threads} threads`);
    }
  }
  const gone = new AbortController();
  void running.exited.then(() => gone.abort());
  const signal = AbortSignal.any([controller.signal, gone.signal]);

  const generator = new MediaGenerator({
    mode: cli.mode,
    target: { host: LOOPBACK, port: running.sipPort },
    localHost: LOOPBACK,
    echoUser: '1000',
    setupRate: cli.setupRate,
    t1Ms: cli.t1Ms,
    lateMs: cli.lateMs,
    slotMs: cli.slotMs,
    settleMs: cli.settleS * 1000,
  });
  const steps: StepReport[] = [];
  /** Attempts thrown away because other processes disturbed them (`--retries`). */
  const discarded: StepReport[] = [];
  let stopReason = 'all steps run';
  let stampsReadable: boolean | undefined;
  let exitCode = 0;
  try {
    await generator.start();
    if (users.length > 0) {
      console.log(`registering ${users.length} callees …`);
      const failed = await generator.register(users, cli.setupRate * 2, signal);
      if (failed.length > 0) {
        throw new Error(
          `${failed.length} registrations failed, e.g. ${failed.slice(0, 3).join('; ')}`,
        );
      }
    }
    const first = cli.calls[0] ?? 20;
    if (cli.warmupS > 0) {
      const n = Math.min(20, first);
      if (cli.waitIdleS > 0) await waitForIdle(cli.waitIdleS, signal);
      const w = await generator.runStep(n, Math.max(3, cli.warmupS), signal, {}, users);
      stampsReadable = w.receivedInWindow > 0 ? w.packetsReturned > 0 : undefined;
      console.log(
        `warm-up ${n} calls × ${Math.max(3, cli.warmupS)} s: ${w.callsUp} up, ` +
          `${w.packetsReturned}/${w.packetsSent} stamped packets back, ${w.unstampedInWindow} unstamped`,
      );
      if (cli.pauseS > 0)
        await delay(cli.pauseS * 1000, undefined, { signal }).catch(() => undefined);
    }
    const queue = [...cli.calls];
    for (let i = 0; i < queue.length; i++) {
      const calls = queue[i]!;
      if (signal.aborted) break;
      let measured: Awaited<ReturnType<typeof measuredStep>> | undefined;
      for (let attempt = 0; attempt <= cli.retries && !signal.aborted; attempt++) {
        if (cli.waitIdleS > 0) await waitForIdle(cli.waitIdleS, signal);
        console.log(
          `step ${i + 1}: ${calls} ${cli.mode} calls × ${cli.durationS} s` +
            (attempt > 0 ? ` (attempt ${attempt + 1})` : '') +
            ' …',
        );
        measured = await measuredStep(i + 1, calls, cli, generator, running, users, signal);
        if (!measured.report.disturbed || measured.report.aborted || attempt === cli.retries) break;
        console.log(
          `  disturbed (other processes ${Math.round(measured.report.system.othersPercent ?? 0)} % of a core): ` +
            'measuring again',
        );
        discarded.push(measured.report);
        if (cli.pauseS > 0)
          await delay(cli.pauseS * 1000, undefined, { signal }).catch(() => undefined);
      }
      if (!measured) break;
      const { report, raw } = measured;
      if (report.aborted) {
        stopReason = running.hasExited()
          ? `${running.kind} exited (${running.exitStatus() ?? '?'})`
          : 'interrupted';
        steps.push(report);
        break;
      }
      if (stampsReadable === undefined) stampsReadable = raw.packetsReturned > 0;
      if (!stampsReadable && raw.receivedInWindow > 0) {
        console.warn(
          'warning: no stamped packet came back: the path is not bit-transparent; loss and latency are n/a, ' +
            `packets received ÷ sent = ${(raw.receivedInWindow / Math.max(1, raw.packetsSent)).toFixed(3)}`,
        );
      }
      steps.push(report);
      console.log(formatSteps([report]).split('\n').slice(2).join('\n'));
      if (report.broken) {
        stopReason = `step ${report.step} (${calls} calls) broke: ${report.broken}`;
        break;
      }
      const next = Math.round(calls * 1.5);
      if (
        i === queue.length - 1 &&
        cli.untilBreak &&
        next <= cli.maxCalls &&
        !report.generatorLimited
      ) {
        queue.push(next);
      } else if (i === queue.length - 1 && cli.untilBreak) {
        stopReason = report.generatorLimited
          ? 'generator-limited: cannot escalate further'
          : `reached --max-calls ${cli.maxCalls}`;
      }
      if (cli.pauseS > 0 && i < queue.length - 1)
        await delay(cli.pauseS * 1000, undefined, { signal }).catch(() => undefined);
    }
    if (controller.signal.aborted) {
      stopReason = 'interrupted';
      exitCode = 130;
    } else if (running.hasExited()) {
      stopReason = `${running.kind} exited during the run (${running.exitStatus() ?? '?'})`;
      exitCode = 1;
    }
  } catch (err) {
    stopReason = `error: ${err instanceof Error ? err.message : String(err)}`;
    console.error(stopReason);
    exitCode = 1;
  } finally {
    await generator.close();
    if (running.hasExited()) {
      const tail = running.outputTail();
      if (tail) console.error(`--- ${running.kind} output (tail) ---\n${tail}`);
    }
    await running.stop();
  }

  const ghz = machine.cpuMhz === undefined ? undefined : machine.cpuMhz / 1000;
  const comparisons = steps.filter((s) => !s.aborted).map((s) => compare(s, ghz));
  console.log('');
  console.log(
    `${cli.mode} mode, target ${running.kind}${running.pinned ? ' (pinned)' : ''}, ` +
      `${cli.durationS} s per step (window = duration − ${Math.min(cli.settleS, cli.durationS - 2)} s − 1 s), ${PACKETS_PER_SECOND} packets/s per stream, PCMU 160 B`,
  );
  console.log(formatSteps(steps));
  for (const line of formatNotes(steps)) console.log(line);
  console.log('');
  console.log(formatComparison(comparisons, cli.mode));
  console.log(
    `Targets: ≥ ${TARGETS.callsPerCore} bridged G.711 calls per core, < ${TARGETS.lossRatio * 100} % loss, ` +
      `≤ ${TARGETS.rssPerCallMb} MB RSS per call. Anchors: Asterisk ≈ ${TARGETS.asteriskCallsPerGhz} calls/GHz ` +
      `(CPU here ${ghz === undefined ? 'n/a' : ghz.toFixed(2)} GHz); seed budget 1/10 core and 15 MB per call.`,
  );
  if (stampsReadable === false)
    console.log('Stamps were not readable: loss/latency columns are not meaningful.');
  console.log(`stop: ${stopReason}`);

  const report: BenchReport = {
    benchmark: 'media-concurrency',
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtStart,
    code: codeRevision(REPO_ROOT),
    config: { ...cli },
    target: {
      kind: running.kind,
      pid: running.pid,
      pinned: running.pinned,
      nice: cli.nice,
      pinnedCpu: running.pinned ? pinCpu : undefined,
      generatorCpus: generatorPinned ? formatCpuList(rest) : undefined,
      command: running.command,
    },
    stampsReadable,
    steps,
    discarded,
    comparisons,
    stopReason,
    packetsPerSecondPerStream: PACKETS_PER_SECOND,
  };
  await writeReport(cli.out, report);
  console.log(`results: ${path.relative(process.cwd(), cli.out) || cli.out}`);
  if (cli.cpuProfDir) console.log(`server CPU profile(s) in ${cli.cpuProfDir}`);
  return exitCode;
}

process.exitCode = await main();
