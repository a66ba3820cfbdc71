/**
 * Command line of the media-concurrency benchmark: flags, defaults and their validation.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchMode } from './media-generator.js';

/** The `--help` text. */
export const USAGE = `Usage: npm run bench:media -- [options]

  --mode echo|bridge      echo: INVITE to 1000, audio comes back (default);
                          bridge: pairs of calls bridged through the server (2 legs per call)
  --calls <list>          concurrent calls per step (default 100,300,1000)
  --duration <s>          media per step once all calls are up, ≥ 3 (default 30)
  --settle-seconds <s>    not measured after all calls are up (default 3, at most duration − 2);
                          the last second is never measured
  --quick                 smoke run: 20 calls, 5 s, 1 s warm-up
  --until-break           after the list, keep escalating ×1.5 until a step breaks
  --max-calls <n>         cap for --until-break (default 4000)
  --target server|reflector  what to measure (default server); reflector = calibration
  --server-cpu <n>        CPU to pin the server/reflector to (default: first allowed CPU)
  --no-pin                do not pin with taskset
  --nice <n>              nice value for the server/reflector and the generator, e.g. --nice=-10 on a
                          shared machine (needs root or CAP_SYS_NICE; default: unchanged)
  --setup-rate <n>        INVITEs (and BYEs) per second (default 200)
  --warmup-seconds <s>    unreported warm-up with min(20, N) calls (default 3; 0 = none)
  --pause-seconds <s>     pause between steps (default 3)
  --wait-idle <s>         before each step, wait up to this long for other processes to use
                          < 20 % of a core (default 0: do not wait)
  --retries <n>           measure a step again, up to n times, when other processes used more
                          than 20 % of a core during its window (default 0)
  --late-ms <ms>          late = latency above the call's median + this (default 40)
  --loss-limit <r>        stop escalating above this loss ratio (default 0.05)
  --setup-fail-limit <r>  stop escalating above this share of failed set-ups (default 0.01)
  --latency-limit-ms <ms> stop escalating above this p95 latency (default 400, ITU-T G.114)
  --slot-ms <ms>          send-loop slot; spreads call phases over 20 ms (default 1)
  --t1-ms <ms>            SIP T1 of the generator (default 500)
  --rtp-ports <lo-hi>     server RTP port range (default 20000-29999)
  --cpu-prof <dir>        run the server with node --cpu-prof, profiles written to <dir>
  --out <file>            JSON (default bench/results/media-concurrency-<timestamp>.json)
  --help                  this text`;

/** Parsed command line. */
export interface Cli {
  mode: BenchMode;
  calls: number[];
  durationS: number;
  settleS: number;
  quick: boolean;
  untilBreak: boolean;
  maxCalls: number;
  target: 'server' | 'reflector';
  serverCpu: number | undefined;
  pin: boolean;
  nice: number | undefined;
  setupRate: number;
  warmupS: number;
  pauseS: number;
  waitIdleS: number;
  retries: number;
  lateMs: number;
  lossLimit: number;
  setupFailLimit: number;
  latencyLimitMs: number;
  slotMs: number;
  t1Ms: number;
  rtpPorts: { min: number; max: number };
  cpuProfDir: string | undefined;
  out: string;
}

function num(
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

/**
 * Parses the flags after `npm run bench:media --`.
 *
 * @param repoRoot - where the default results directory is
 * @returns the settings, or `undefined` after printing `--help`
 * @throws on an invalid flag
 */
export function parseCli(argv: string[], repoRoot: string): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      mode: { type: 'string' },
      calls: { type: 'string' },
      duration: { type: 'string' },
      'settle-seconds': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'until-break': { type: 'boolean', default: false },
      'max-calls': { type: 'string' },
      target: { type: 'string' },
      'server-cpu': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      nice: { type: 'string' },
      'setup-rate': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'pause-seconds': { type: 'string' },
      'wait-idle': { type: 'string' },
      retries: { type: 'string' },
      'late-ms': { type: 'string' },
      'loss-limit': { type: 'string' },
      'setup-fail-limit': { type: 'string' },
      'latency-limit-ms': { type: 'string' },
      'slot-ms': { type: 'string' },
      't1-ms': { type: 'string' },
      'rtp-ports': { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const quick = values.quick === true;
  const mode = values.mode ?? 'echo';
  if (mode !== 'echo' && mode !== 'bridge')
    throw new Error(`--mode must be echo or bridge, got "${mode}"`);
  const target = values.target ?? 'server';
  if (target !== 'server' && target !== 'reflector') {
    throw new Error(`--target must be server or reflector, got "${target}"`);
  }
  if (target === 'reflector' && mode === 'bridge') {
    throw new Error(
      'the reflector only echoes: calibrate bridge mode with --mode echo and twice the calls',
    );
  }
  const calls = (values.calls ?? (quick ? '20' : '100,300,1000'))
    .split(',')
    .filter((c) => c.trim() !== '')
    .map((c) => Math.floor(num('calls', c.trim(), 0, 1, 30_000)));
  if (calls.length === 0) throw new Error('--calls needs at least one value');
  const ports = /^(\d+)-(\d+)$/.exec(values['rtp-ports'] ?? '20000-29999');
  if (!ports?.[1] || !ports[2] || Number(ports[1]) > Number(ports[2])) {
    throw new Error('--rtp-ports must be lo-hi');
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    mode,
    calls,
    durationS: num('duration', values.duration, quick ? 5 : 30, 3, 3600),
    settleS: num('settle-seconds', values['settle-seconds'], 3, 1, 600),
    quick,
    untilBreak: values['until-break'] === true,
    maxCalls: Math.floor(num('max-calls', values['max-calls'], 4000, 1, 30_000)),
    target,
    serverCpu:
      values['server-cpu'] === undefined
        ? undefined
        : Math.floor(num('server-cpu', values['server-cpu'], 0, 0, 4095)),
    pin: values['no-pin'] !== true,
    nice: values.nice === undefined ? undefined : Math.trunc(num('nice', values.nice, 0, -20, 19)),
    setupRate: num('setup-rate', values['setup-rate'], 200, 1, 10_000),
    warmupS: num('warmup-seconds', values['warmup-seconds'], quick ? 1 : 3, 0, 60),
    pauseS: num('pause-seconds', values['pause-seconds'], quick ? 1 : 3, 0, 600),
    waitIdleS: num('wait-idle', values['wait-idle'], 0, 0, 3600),
    retries: Math.floor(num('retries', values.retries, 0, 0, 20)),
    lateMs: num('late-ms', values['late-ms'], 40, 0, 10_000),
    lossLimit: num('loss-limit', values['loss-limit'], 0.05, 0, 1),
    setupFailLimit: num('setup-fail-limit', values['setup-fail-limit'], 0.01, 0, 1),
    latencyLimitMs: num('latency-limit-ms', values['latency-limit-ms'], 400, 1, 600_000),
    slotMs: num('slot-ms', values['slot-ms'], 1, 1, 20),
    t1Ms: num('t1-ms', values['t1-ms'], 500, 10, 10_000),
    rtpPorts: { min: Number(ports[1]), max: Number(ports[2]) },
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
    out: path.resolve(
      values.out ?? path.join(repoRoot, 'bench', 'results', `media-concurrency-${stamp}.json`),
    ),
  };
}
