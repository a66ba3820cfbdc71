/**
 * Command line of the voice-turn benchmark: flags, defaults and their validation.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { VadKind } from './step-types.js';

/** The `--help` text. */
export const USAGE = `Usage: npm run bench:voice-turn -- [options]

  --sessions <list>       concurrent voice sessions per step (default 1,50,200)
  --seconds <s>           measured window per step (default 30)
  --warmup-seconds <s>    all N sessions run unmeasured before the window (default 6)
  --prime-sessions <n>    sessions of the priming run before the memory baseline (default 20)
  --prime-seconds <s>     length of the priming run (default 8; 0 = none)
  --quick                 smoke run: 1,20 sessions, 8 s windows, short warm-ups, 2 engine passes
  --vad silero|energy     the sessions' voice activity detector (default silero)
  --rate 8000|16000       the legs' sample rate (default 8000, G.711 phone audio)
  --seed <n>              seed of the callers' offsets and pauses (default 1)
  --min-pause-ms <ms>     shortest caller pause after a sentence (default 2000)
  --pause-jitter-ms <ms>  random extra pause, uniform (default 1500)
  --reply-ms <ms>         length of the bot's instant answer (default 800)
  --cpu <n>               CPU to pin each step's process to (default: first allowed CPU)
  --no-pin                do not pin with taskset
  --nice <n>              nice value for the step processes and this one, e.g. --nice=-10 on a
                          shared machine (needs root or CAP_SYS_NICE; default: unchanged)
  --rt <prio>             run each step's event-loop thread (and the engine measurements) under
                          SCHED_RR at this priority (1-99) with chrt, so other load on a shared
                          machine cannot preempt it (needs root or CAP_SYS_NICE; default: off).
                          For latency: CPU reads ~40 % higher under it than under normal
                          scheduling
  --wait-idle <s>         before each step, wait up to this long for other processes to use
                          < 20 % of a core (default 0: do not wait)
  --retries <n>           run a step again, up to n times, when other processes used more than
                          20 % of a core during its window (default 0)
  --engine-passes <n>     passes per engine measurement, median reported (default 5)
  --no-engines            skip the pocketsphinx and espeak-ng measurements
  --engines-only          only the pocketsphinx and espeak-ng measurements
  --out <file>            JSON (default bench/results/voice-turn-<timestamp>.json)
  --help                  this text`;

/** Parsed command line. */
export interface Cli {
  sessions: number[];
  seconds: number;
  warmupSeconds: number;
  primeSessions: number;
  primeSeconds: number;
  quick: boolean;
  vad: VadKind;
  rateHz: 8000 | 16000;
  seed: number;
  minPauseMs: number;
  pauseJitterMs: number;
  replyMs: number;
  cpu: number | undefined;
  pin: boolean;
  nice: number | undefined;
  rtPriority: number | undefined;
  waitIdleS: number;
  retries: number;
  enginePasses: number;
  engines: boolean;
  steps: boolean;
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
 * Parses the flags after `npm run bench:voice-turn --`.
 *
 * @returns the settings, or `undefined` after printing `--help`
 * @throws on an invalid flag
 */
export function parseCli(argv: string[], repoRoot: string): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sessions: { type: 'string' },
      seconds: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'prime-sessions': { type: 'string' },
      'prime-seconds': { type: 'string' },
      quick: { type: 'boolean', default: false },
      vad: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      'min-pause-ms': { type: 'string' },
      'pause-jitter-ms': { type: 'string' },
      'reply-ms': { type: 'string' },
      cpu: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      nice: { type: 'string' },
      rt: { type: 'string' },
      'wait-idle': { type: 'string' },
      retries: { type: 'string' },
      'engine-passes': { type: 'string' },
      'no-engines': { type: 'boolean', default: false },
      'engines-only': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const quick = values.quick === true;
  const vad = values.vad ?? 'silero';
  if (vad !== 'silero' && vad !== 'energy') {
    throw new Error(`--vad must be silero or energy, got "${vad}"`);
  }
  const rate = values.rate ?? '8000';
  if (rate !== '8000' && rate !== '16000') {
    throw new Error(`--rate must be 8000 or 16000, got "${rate}"`);
  }
  const sessions = (values.sessions ?? (quick ? '1,20' : '1,50,200'))
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => Math.floor(num('sessions', s.trim(), 0, 1, 5000)));
  if (sessions.length === 0) throw new Error('--sessions needs at least one value');
  if (values['no-engines'] && values['engines-only']) {
    throw new Error('--no-engines and --engines-only exclude each other');
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    sessions,
    seconds: num('seconds', values.seconds, quick ? 8 : 30, 2, 3600),
    warmupSeconds: num('warmup-seconds', values['warmup-seconds'], quick ? 3 : 6, 0, 600),
    primeSessions: Math.floor(num('prime-sessions', values['prime-sessions'], 20, 0, 1000)),
    primeSeconds: num('prime-seconds', values['prime-seconds'], quick ? 4 : 8, 0, 600),
    quick,
    vad,
    rateHz: rate === '8000' ? 8000 : 16000,
    seed: Math.floor(num('seed', values.seed, 1, 0, 2 ** 31)),
    minPauseMs: num('min-pause-ms', values['min-pause-ms'], 2000, 0, 60_000),
    pauseJitterMs: num('pause-jitter-ms', values['pause-jitter-ms'], 1500, 0, 60_000),
    replyMs: num('reply-ms', values['reply-ms'], 800, 20, 60_000),
    cpu: values.cpu === undefined ? undefined : Math.floor(num('cpu', values.cpu, 0, 0, 4095)),
    pin: values['no-pin'] !== true,
    nice: values.nice === undefined ? undefined : Math.trunc(num('nice', values.nice, 0, -20, 19)),
    rtPriority: values.rt === undefined ? undefined : Math.floor(num('rt', values.rt, 0, 1, 99)),
    waitIdleS: num('wait-idle', values['wait-idle'], 0, 0, 3600),
    retries: Math.floor(num('retries', values.retries, 0, 0, 20)),
    enginePasses: Math.floor(num('engine-passes', values['engine-passes'], quick ? 2 : 5, 1, 100)),
    engines: values['no-engines'] !== true,
    steps: values['engines-only'] !== true,
    out: path.resolve(
      values.out ?? path.join(repoRoot, 'bench', 'results', `voice-turn-${stamp}.json`),
    ),
  };
}
