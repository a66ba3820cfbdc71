/**
 * SIP calls-per-second benchmark: `npm run bench:sip-cps -- [flags]` (`--help` lists them).
 *
 * Starts the Switchboard server as a child process (pinned to one CPU when `taskset` exists),
 * drives it with the in-process UDP load generator on a rising rate ladder, and stops at the end
 * of the ladder or after the first step that fails more than 1 % of its calls. Prints a table and
 * writes bench/results/sip-cps.json.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { codeRevision } from '../lib/code-revision.js';
import { formatCpuList, pinProcess, readAffinity, tasksetAvailable } from '../lib/cpu-affinity.js';
import { describeMachine } from '../lib/machine.js';
import { ProcessMonitor, readComm, type WindowStats } from '../lib/proc-stats.js';
import { startServer, type RunningServer } from '../lib/switchboard-server.js';
import { readUdpDrops } from '../lib/udp-drops.js';
import { LoadGenerator, type StepResult } from './load-generator.js';
import {
  buildStepReport,
  formatReport,
  progressLine,
  summarizeRun,
  writeReport,
  type BenchReport,
  type RunConfig,
  type ServerInfo,
  type StepReport,
  type UdpDrops,
} from './report.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_OUT = path.join(REPO_ROOT, 'bench', 'results', 'sip-cps.json');
const LOOPBACK = '127.0.0.1';

const USAGE = `Usage: npm run bench:sip-cps -- [options]

  --rates <list>          calls/s per step (default 100,200,300,500,750,1000)
  --step-seconds <s>      length of each step (default 10)
  --warmup-seconds <s>    unreported warm-up at the first rate (default 2; 0 = none)
  --hold-ms <ms>          time between ACK and BYE (default 0: set-up/tear-down)
  --max-concurrent <n>    calls in flight at most (default 5000)
  --sockets <n>           generator UDP sockets (default 8)
  --t1-ms <ms>            RFC 3261 T1 (default 500)
  --timeout-ms <ms>       transaction timeout (default 64*T1)
  --fail-threshold <r>    stop after a step failing more than this share (default 0.01)
  --quick                 smoke run: rates 50,100, 3 s each, 1 s warm-up
  --target <host:port>    use a running server on 127.0.0.1 instead of spawning one
  --server-pid <pid>      with --target: sample this process's CPU/RSS
  --no-pin                do not pin the spawned server with taskset
  --startup-timeout-ms    how long to wait for /health (default 30000)
  --out <file>            JSON results (default bench/results/sip-cps.json)
  --help                  this text`;

/** Parsed command line. */
interface Cli {
  config: RunConfig;
  target: { host: string; port: number } | undefined;
  serverPid: number | undefined;
  pin: boolean;
  startupTimeoutMs: number;
  out: string;
}

function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name} must be a number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function parseTarget(raw: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(raw.trim());
  if (!match?.[1] || !match[2]) throw new Error(`--target must be host:port, got "${raw}"`);
  const host = match[1] === 'localhost' ? LOOPBACK : match[1];
  // The benchmark floods its target: it must never be pointed at another machine.
  if (host !== LOOPBACK) throw new Error(`--target must be on ${LOOPBACK}, got "${match[1]}"`);
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`--target port out of range: ${port}`);
  return { host, port };
}

function parseCli(argv: string[]): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rates: { type: 'string' },
      'step-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'hold-ms': { type: 'string' },
      'max-concurrent': { type: 'string' },
      sockets: { type: 'string' },
      't1-ms': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'fail-threshold': { type: 'string' },
      quick: { type: 'boolean', default: false },
      target: { type: 'string' },
      'server-pid': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'startup-timeout-ms': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const quick = values.quick === true;
  const rates = (values.rates ?? (quick ? '50,100' : '100,200,300,500,750,1000'))
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((r) => numberFlag('rates', r, 0, 0.1, 100_000));
  if (rates.length === 0 || rates.length > 50) throw new Error('--rates needs 1 to 50 values');
  const t1Ms = numberFlag('t1-ms', values['t1-ms'], 500, 10, 10_000);
  const target = values.target === undefined ? undefined : parseTarget(values.target);
  const serverPidRaw = values['server-pid'];
  if (serverPidRaw !== undefined && !target) throw new Error('--server-pid needs --target');
  return {
    config: {
      rates,
      stepSeconds: numberFlag('step-seconds', values['step-seconds'], quick ? 3 : 10, 0.1, 600),
      warmupSeconds: numberFlag('warmup-seconds', values['warmup-seconds'], quick ? 1 : 2, 0, 60),
      holdMs: numberFlag('hold-ms', values['hold-ms'], 0, 0, 600_000),
      maxConcurrent: Math.floor(
        numberFlag('max-concurrent', values['max-concurrent'], 5000, 1, 200_000),
      ),
      sockets: Math.floor(numberFlag('sockets', values.sockets, 8, 1, 64)),
      t1Ms,
      timeoutMs: numberFlag('timeout-ms', values['timeout-ms'], 64 * t1Ms, 100, 600_000),
      failThreshold: numberFlag('fail-threshold', values['fail-threshold'], 0.01, 0, 1),
      quick,
    },
    target,
    serverPid:
      serverPidRaw === undefined
        ? undefined
        : Math.floor(numberFlag('server-pid', serverPidRaw, 0, 1, 2 ** 22)),
    pin: values['no-pin'] !== true,
    startupTimeoutMs: numberFlag(
      'startup-timeout-ms',
      values['startup-timeout-ms'],
      30_000,
      1000,
      300_000,
    ),
    out: path.resolve(values.out ?? DEFAULT_OUT),
  };
}

/** One measured step: generator result plus CPU/RSS windows around it. */
async function measuredStep(
  generator: LoadGenerator,
  rate: number,
  seconds: number,
  serverMonitor: ProcessMonitor | undefined,
  generatorMonitor: ProcessMonitor,
  signal: AbortSignal,
  serverPort: number,
): Promise<{
  result: StepResult;
  server: WindowStats | undefined;
  gen: WindowStats;
  drops: UdpDrops;
}> {
  const generatorPorts = generator.localPorts();
  const genDrops = readUdpDrops(generatorPorts);
  const serverDrops = readUdpDrops([serverPort]);
  serverMonitor?.beginWindow();
  generatorMonitor.beginWindow();
  // CPU is measured while calls are offered; the drain (stragglers, backlog) only adds RSS.
  const result = await generator.runStep(rate, seconds, signal, () => {
    serverMonitor?.markCpuEnd();
    generatorMonitor.markCpuEnd();
  });
  const gen = generatorMonitor.endWindow();
  const server = serverMonitor?.endWindow();
  const delta = (before: number | undefined, after: number | undefined): number | undefined =>
    before === undefined || after === undefined ? undefined : after - before;
  return {
    result,
    server,
    gen,
    drops: {
      generator: delta(genDrops, readUdpDrops(generatorPorts)),
      server: delta(serverDrops, readUdpDrops([serverPort])),
    },
  };
}

async function main(): Promise<number> {
  let cli: Cli | undefined;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  if (!cli) return 0;
  const { config } = cli;
  // Read before any pinning: the machine description should show the whole machine.
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  // Other work on the machine skews every figure; record how busy it was.
  const loadAverageAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);

  const controller = new AbortController();
  let server: RunningServer | undefined;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      console.error(`\n${signal}: stopping after cleanup (again to force)`);
      controller.abort();
      return;
    }
    server?.killNow();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Last resort when something throws past the cleanup below: never leave the server running.
  process.on('exit', () => server?.killNow());

  let serverInfo: ServerInfo;
  let target: { host: string; port: number };
  let serverPid: number | undefined;
  if (cli.target) {
    target = cli.target;
    serverPid = cli.serverPid;
    serverInfo = {
      mode: 'external',
      target: `${target.host}:${target.port}`,
      pid: serverPid,
      pinned: false,
      pinnedCpu: undefined,
      generatorCpus: undefined,
      command: undefined,
    };
  } else {
    const allowed = readAffinity() ?? [];
    const serverCpu = allowed[0];
    const wantPin = cli.pin && tasksetAvailable() && serverCpu !== undefined;
    console.log(`starting server (${wantPin ? `pinned to CPU ${serverCpu}` : 'not pinned'}) …`);
    try {
      server = await startServer({
        repoRoot: REPO_ROOT,
        host: LOOPBACK,
        pinCpu: wantPin ? serverCpu : undefined,
        logLevel: 'warn',
        startupTimeoutMs: cli.startupTimeoutMs,
        onSpawn: (s) => {
          server = s;
        },
        signal: controller.signal,
      });
    } catch (err) {
      console.error(`server failed to start: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    const comm = readComm(server.pid);
    if (comm !== undefined && comm !== 'node') {
      console.warn(`warning: server pid ${server.pid} is "${comm}", not node: CPU/RSS may be off`);
    }
    // Keep the generator off the server's core so the two do not compete for it.
    const rest = allowed.filter((cpu) => cpu !== serverCpu);
    const generatorPinned = server.pinned && rest.length > 0 && pinProcess(process.pid, rest);
    target = { host: server.host, port: server.sipPort };
    serverPid = server.pid;
    serverInfo = {
      mode: 'spawned',
      target: `${server.host}:${server.sipPort}`,
      pid: server.pid,
      pinned: server.pinned,
      pinnedCpu: server.pinned ? serverCpu : undefined,
      generatorCpus: generatorPinned ? formatCpuList(rest) : undefined,
      command: server.command,
    };
  }

  // A crashed server would otherwise leave every call in flight to its 64·T1 timeout.
  const serverGone = new AbortController();
  void server?.exited.then(() => serverGone.abort());
  const stepSignal = AbortSignal.any([controller.signal, serverGone.signal]);

  const serverMonitor = serverPid === undefined ? undefined : new ProcessMonitor(serverPid);
  if (serverMonitor && !serverMonitor.available()) {
    console.warn(`warning: cannot read /proc/${serverPid}: server CPU/RSS will be n/a`);
  }
  const generatorMonitor = new ProcessMonitor(process.pid);
  const generator = new LoadGenerator({
    target,
    localHost: LOOPBACK,
    sockets: config.sockets,
    holdMs: config.holdMs,
    maxConcurrent: config.maxConcurrent,
    t1Ms: config.t1Ms,
    timeoutMs: config.timeoutMs,
  });

  const steps: StepReport[] = [];
  let warmup: StepReport | undefined;
  let interruptedStep: StepReport | undefined;
  let stopReason = 'all steps run';
  let stoppedEarly = false;
  let exitCode = 0;
  try {
    await generator.start();
    console.log(
      `target udp ${target.host}:${target.port}; ${config.rates.length} steps × ` +
        `${config.stepSeconds} s; generator ports ${generator.localPorts().join(',')}`,
    );
    const firstRate = config.rates[0];
    if (config.warmupSeconds > 0 && firstRate !== undefined) {
      const w = await measuredStep(
        generator,
        firstRate,
        config.warmupSeconds,
        serverMonitor,
        generatorMonitor,
        stepSignal,
        target.port,
      );
      warmup = buildStepReport(0, w.result, w.server, w.gen, w.drops, config.failThreshold);
      console.log(
        `warm-up ${firstRate} cps × ${config.warmupSeconds} s: ${warmup.completed}/${warmup.scheduled} ok`,
      );
    }
    for (const [i, rate] of config.rates.entries()) {
      if (controller.signal.aborted) break;
      if (server?.hasExited()) {
        stoppedEarly = true;
        stopReason = `server exited during the run (${server.exitStatus() ?? 'unknown status'})`;
        break;
      }
      const m = await measuredStep(
        generator,
        rate,
        config.stepSeconds,
        serverMonitor,
        generatorMonitor,
        stepSignal,
        target.port,
      );
      const report = buildStepReport(
        i + 1,
        m.result,
        m.server,
        m.gen,
        m.drops,
        config.failThreshold,
      );
      if (report.aborted) {
        // A cut-short step's counts describe the interruption, not the server: keep it apart.
        interruptedStep = report;
        break;
      }
      steps.push(report);
      console.log(progressLine(report));
      if (report.failRatio > config.failThreshold) {
        stoppedEarly = i < config.rates.length - 1;
        stopReason =
          `step ${report.step} (${rate} cps) failed ${(report.failRatio * 100).toFixed(2)}% ` +
          `of calls (> ${(config.failThreshold * 100).toFixed(2)}%)`;
        break;
      }
    }
    if (controller.signal.aborted) {
      stoppedEarly = true;
      stopReason = 'interrupted';
      exitCode = 130;
    } else if (server?.hasExited()) {
      stoppedEarly = true;
      stopReason = `server exited during the run (${server.exitStatus() ?? 'unknown status'})`;
      exitCode = 1;
    }
  } catch (err) {
    stoppedEarly = true;
    stopReason = `error: ${err instanceof Error ? err.message : String(err)}`;
    exitCode = 1;
  } finally {
    serverMonitor?.stop();
    generatorMonitor.stop();
    await generator.close();
    if (server) {
      if (server.hasExited()) {
        const tail = server.outputTail();
        if (tail) console.error(`--- server output (tail) ---\n${tail}`);
      }
      await server.stop();
    }
  }

  const report: BenchReport = {
    benchmark: 'sip-cps',
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageAtStart,
    code: codeRevision(REPO_ROOT),
    config,
    server: serverInfo,
    warmup,
    steps,
    interruptedStep,
    stoppedEarly,
    stopReason,
    summary: summarizeRun(steps, serverInfo, machine, loadAverageAtStart),
  };
  console.log(formatReport(report));
  await writeReport(cli.out, report);
  console.log(`\nresults: ${path.relative(process.cwd(), cli.out) || cli.out}`);
  return exitCode;
}

process.exitCode = await main();
