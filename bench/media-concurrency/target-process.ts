/**
 * The process under test, started as a child: the Switchboard server (through
 * `bench/lib/switchboard-server.ts`) or the calibration reflector, behind one interface; and the
 * server's own media counters from its Prometheus endpoint.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { tasksetAvailable } from '../lib/cpu-affinity.js';
import type { RunningServer } from '../lib/switchboard-server.js';

const LOOPBACK = '127.0.0.1';

/** The process under test: the server, or the reflector. */
export interface Target {
  kind: 'server' | 'reflector';
  pid: number;
  sipPort: number;
  httpPort: number | undefined;
  pinned: boolean;
  command: string[];
  hasExited(): boolean;
  exitStatus(): string | undefined;
  exited: Promise<void>;
  outputTail(): string;
  stop(): Promise<void>;
  killNow(): void;
}

/**
 * Starts the reflector child (`READY <port>` on stdout once listening), pinned like the server.
 *
 * @param repoRoot - working directory of the child
 */
export async function startReflector(
  repoRoot: string,
  pinCpu: number | undefined,
  signal: AbortSignal,
): Promise<Target> {
  const nodeArgs = [
    '--import',
    'tsx',
    path.join('bench', 'media-concurrency', 'reflector.ts'),
    '--host',
    LOOPBACK,
  ];
  const pinned = pinCpu !== undefined && tasksetAvailable();
  const command = pinned
    ? ['taskset', '-c', String(pinCpu), process.execPath, ...nodeArgs]
    : [process.execPath, ...nodeArgs];
  const [file, ...args] = command;
  const child = spawn(file!, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const sipPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reflector did not start: ${output}`)), 20_000);
    signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true });
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
      const match = /READY (\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => reject(new Error(`reflector exited: ${output}`)));
  });
  return {
    kind: 'reflector',
    pid: child.pid ?? -1,
    sipPort,
    httpPort: undefined,
    pinned,
    command,
    hasExited,
    exitStatus: () =>
      child.signalCode ??
      (child.exitCode === null ? undefined : `code ${child.exitCode}`) ??
      undefined,
    exited,
    outputTail: () => output,
    stop: async () => {
      if (!hasExited()) {
        child.kill('SIGTERM');
        await Promise.race([exited, delay(3000)]);
        if (!hasExited()) child.kill('SIGKILL');
      }
    },
    killNow: () => {
      if (!hasExited()) child.kill('SIGKILL');
    },
  };
}

/** Wraps a started server as a {@link Target}. */
export function fromServer(server: RunningServer): Target {
  return {
    kind: 'server',
    pid: server.pid,
    sipPort: server.sipPort,
    httpPort: server.httpPort,
    pinned: server.pinned,
    command: server.command,
    hasExited: () => server.hasExited(),
    exitStatus: () => server.exitStatus(),
    exited: server.exited,
    outputTail: () => server.outputTail(),
    stop: () => server.stop(),
    killNow: () => server.killNow(),
  };
}

/** Counters from the server's Prometheus endpoint that concern media and call ends. */
export async function readMetrics(
  httpPort: number | undefined,
): Promise<Map<string, number> | undefined> {
  if (httpPort === undefined) return undefined;
  try {
    const res = await fetch(`http://${LOOPBACK}:${httpPort}/metrics`, {
      signal: AbortSignal.timeout(3000),
    });
    const text = await res.text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = /^(switchboard_(?:rtp|media|calls_ended)[^\s]*)\s+(\S+)$/.exec(line);
      if (!match?.[1] || !match[2] || /_bucket\{/.test(match[1])) continue;
      out.set(match[1], Number(match[2]));
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Counter deltas (and gauge levels) between two {@link readMetrics} snapshots. */
export function metricDeltas(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
): Record<string, number> | undefined {
  if (!after) return undefined;
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    // Gauges (active legs) are levels: report them as read, counters as deltas.
    out[key] = /_total|_count|_sum/.test(key) ? value - (before?.get(key) ?? 0) : value;
  }
  return out;
}
