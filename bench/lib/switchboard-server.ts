/**
 * Starts the Switchboard server as a child process for a benchmark and stops it again.
 *
 * The child is spawned as `node --import tsx src/main.ts` (optionally behind `taskset -c <core>`,
 * which execs in place) so that the child's pid IS the node server: CPU and RSS read from
 * `/proc/<pid>` then belong to the server, not to an `npx` or shell wrapper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { tasksetAvailable } from './cpu-affinity.js';
import { findFreePort } from './free-port.js';

/** How to start the server. */
export interface ServerOptions {
  /** Repository root: the child's working directory, where `src/main.ts` lives. */
  repoRoot: string;
  /** Address for SIP and HTTP; benchmarks only ever use loopback. */
  host?: string;
  /** Pin the server to this CPU with `taskset -c` (ignored when taskset is missing). */
  pinCpu?: number;
  /** `SWITCHBOARD_LOG_LEVEL`; `warn` keeps logging cost out of the measurement. */
  logLevel?: string;
  /** How long to wait for `GET /health` to answer 200. */
  startupTimeoutMs?: number;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /**
   * Extra node flags placed before `--import tsx`, e.g. `--cpu-prof` (which NODE_OPTIONS does not
   * accept).
   */
  nodeArgs?: string[];
  /**
   * Called as soon as the child exists, before it is healthy, so that a Ctrl-C during start-up
   * can already reach {@link RunningServer.killNow}.
   */
  onSpawn?: (server: RunningServer) => void;
  /** Gives up waiting for health (and stops the child) when aborted, e.g. on Ctrl-C. */
  signal?: AbortSignal;
}

/** A started server. */
export interface RunningServer {
  pid: number;
  host: string;
  sipPort: number;
  httpPort: number;
  dataDir: string;
  /** Whether the server runs under `taskset` pinning. */
  pinned: boolean;
  /** The command line, for the report. */
  command: string[];
  /** Whether the child has exited (by itself or after {@link RunningServer.stop}). */
  hasExited(): boolean;
  /** `code 3` / `signal SIGKILL` once the child has exited, else `undefined`. */
  exitStatus(): string | undefined;
  /** Resolves when the child has exited, for whatever reason. */
  exited: Promise<void>;
  /** The last lines the child printed, for diagnosing a failed start or a crash. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the temporary data directory. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last-resort SIGKILL for `process.on('exit')`, where nothing async runs. */
  killNow(): void;
}

/** Keeps the last `maxLines` lines of a stream's output (bounded memory for chatty children). */
class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines: number) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(-4096);
    for (const line of parts) {
      this.lines.push(line.slice(0, 1000));
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  text(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

/** Polls `GET http://host:port/health` until it answers 200, the child exits, or time runs out. */
async function waitForHealth(
  host: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Error('interrupted while waiting for the server');
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited during start-up (code ${child.exitCode ?? child.signalCode})`);
    }
    try {
      const res = await fetch(`http://${host}:${port}/health`, {
        signal: AbortSignal.timeout(1000),
      });
      // Drain the body so the keep-alive socket is released.
      await res.arrayBuffer();
      if (res.status === 200) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await delay(100);
  }
  throw new Error(`server not healthy after ${timeoutMs} ms (${lastError})`);
}

/**
 * Spawns the server on free loopback ports with a temporary data directory and waits until
 * `/health` answers 200.
 *
 * @throws when the server exits or does not become healthy in time (the child is killed first)
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const sipPort = await findFreePort(host, { udp: true });
  const httpPort = await findFreePort(host, { exclude: [sipPort] });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-bench-'));

  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'];
  const pinned = options.pinCpu !== undefined && tasksetAvailable();
  // taskset execs the command in place, so the pid stays the node process's pid.
  const command = pinned
    ? ['taskset', '-c', String(options.pinCpu), process.execPath, ...nodeArgs]
    : [process.execPath, ...nodeArgs];
  const [file, ...args] = command;
  if (file === undefined) throw new Error('empty server command');

  const child = spawn(file, args, {
    cwd: options.repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SWITCHBOARD_SIP_HOST: host,
      SWITCHBOARD_SIP_PORT: String(sipPort),
      SWITCHBOARD_HTTP_HOST: host,
      SWITCHBOARD_HTTP_PORT: String(httpPort),
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    },
  });
  const tail = new LineTail(40);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const killNow = (): void => {
    if (!hasExited()) child.kill('SIGKILL');
  };
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!hasExited()) {
      child.kill('SIGTERM');
      const timer = delay(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
        killNow();
        await Promise.race([exited, delay(2000)]);
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const pid = child.pid;
  const server: RunningServer = {
    pid: pid ?? -1,
    host,
    sipPort,
    httpPort,
    dataDir,
    pinned,
    command,
    hasExited,
    exitStatus: () =>
      child.signalCode !== null
        ? `signal ${child.signalCode}`
        : child.exitCode !== null
          ? `code ${child.exitCode}`
          : undefined,
    exited,
    outputTail: () => tail.text(),
    stop,
    killNow,
  };
  options.onSpawn?.(server);
  if (pid === undefined) {
    await stop();
    throw new Error(`could not spawn ${file}`);
  }
  try {
    await waitForHealth(host, httpPort, child, options.startupTimeoutMs ?? 30_000, options.signal);
  } catch (err) {
    await stop(2000);
    const output = tail.text();
    const detail = output ? `\n--- server output ---\n${output}` : '';
    throw new Error(`${err instanceof Error ? err.message : String(err)}${detail}`, {
      cause: err,
    });
  }
  return server;
}
