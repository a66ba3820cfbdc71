/**
 * CPU and memory sampling of a process through Linux procfs.
 *
 * Reads `/proc/<pid>/stat` (utime + stime, in clock ticks, summed over all threads of the
 * process) and `/proc/<pid>/status` (VmRSS). Everything degrades to `undefined` where procfs is
 * missing (macOS) or the process is gone, so a benchmark prints "n/a" instead of crashing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** One reading of a process's accumulated CPU time. */
export interface CpuReading {
  /** utime + stime of all threads, in seconds. */
  cpuSeconds: number;
  /** `performance.now()` when read, in milliseconds. */
  atMs: number;
}

/** CPU and memory figures over one measurement window. */
export interface WindowStats {
  /** Wall time of the CPU measurement in milliseconds. */
  wallMs: number;
  /** CPU time over wall time, in percent of one core (can exceed 100 with several threads). */
  cpuPercent: number | undefined;
  /** Highest resident set size seen during the window, in MiB. */
  maxRssMb: number | undefined;
}

let cachedClockTicks: number | undefined;

/**
 * Kernel clock ticks per second (`getconf CLK_TCK`), the unit of utime/stime in
 * `/proc/<pid>/stat`. Falls back to 100, the value on practically every Linux build.
 */
export function clockTicksPerSecond(): number {
  if (cachedClockTicks !== undefined) return cachedClockTicks;
  let ticks = 100;
  try {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 });
    const parsed = Number.parseInt(out.trim(), 10);
    if (Number.isFinite(parsed) && parsed > 0) ticks = parsed;
  } catch {
    // getconf missing: keep the default rather than failing the benchmark.
  }
  cachedClockTicks = ticks;
  return ticks;
}

/**
 * Accumulated CPU time (user + system) of a process from `/proc/<pid>/stat`.
 *
 * @returns the reading, or `undefined` when procfs is unavailable or the process has exited
 */
export function readCpu(pid: number): CpuReading | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may itself contain spaces or ')': split after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // After comm, index 0 is field 3 (state); utime is field 14 and stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { cpuSeconds: (utime + stime) / clockTicksPerSecond(), atMs: performance.now() };
}

/**
 * Resident set size of a process from the VmRSS line of `/proc/<pid>/status`.
 *
 * @returns bytes, or `undefined` when procfs is unavailable or the process has exited
 */
export function readRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  if (!match?.[1]) return undefined;
  return Number(match[1]) * 1024;
}

/**
 * The command name of a process (`/proc/<pid>/comm`), used to check that a spawned child really
 * is the process to measure (e.g. `node`, not an `npx` wrapper).
 *
 * @returns the name, or `undefined` when it cannot be read
 */
export function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** CPU percentage between two readings of the same process. */
export function cpuPercentBetween(
  start: CpuReading | undefined,
  end: CpuReading | undefined,
): number | undefined {
  if (!start || !end) return undefined;
  const wallS = (end.atMs - start.atMs) / 1000;
  if (wallS <= 0) return undefined;
  return ((end.cpuSeconds - start.cpuSeconds) / wallS) * 100;
}

/**
 * Samples one process in measurement windows: CPU % from the utime+stime delta between the
 * window's start and end, and the maximum RSS seen by a periodic sampler in between (RSS is a
 * level, not a counter, so a peak needs polling).
 */
export class ProcessMonitor {
  readonly pid: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private windowStart: CpuReading | undefined;
  private cpuMark: CpuReading | undefined;
  private windowStartMs = 0;
  private maxRss: number | undefined;

  /**
   * @param pid - the process to watch
   * @param intervalMs - RSS polling period while a window is open
   */
  constructor(pid: number, intervalMs = 200) {
    this.pid = pid;
    this.intervalMs = intervalMs;
  }

  /** Whether procfs data can be read for this process right now. */
  available(): boolean {
    return readCpu(this.pid) !== undefined;
  }

  /** Opens a window: records the CPU baseline and starts polling RSS. */
  beginWindow(): void {
    this.stopTimer();
    this.windowStartMs = performance.now();
    this.windowStart = readCpu(this.pid);
    this.cpuMark = undefined;
    this.maxRss = undefined;
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), this.intervalMs);
    // Sampling must never keep the benchmark alive on its own.
    this.timer.unref();
  }

  /**
   * Ends the CPU part of the window early while RSS polling goes on, e.g. when the load stops
   * but stragglers are still drained: an idle tail would dilute the CPU % of the loaded period.
   */
  markCpuEnd(): void {
    this.cpuMark = readCpu(this.pid);
  }

  /** Closes the window and returns its CPU % (up to {@link markCpuEnd} if called) and peak RSS. */
  endWindow(): WindowStats {
    this.sampleRss();
    this.stopTimer();
    const end = this.cpuMark ?? readCpu(this.pid);
    return {
      wallMs: (end?.atMs ?? performance.now()) - this.windowStartMs,
      cpuPercent: cpuPercentBetween(this.windowStart, end),
      maxRssMb: this.maxRss === undefined ? undefined : this.maxRss / (1024 * 1024),
    };
  }

  /** Stops polling (idempotent). */
  stop(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sampleRss(): void {
    const rss = readRssBytes(this.pid);
    if (rss !== undefined && (this.maxRss === undefined || rss > this.maxRss)) this.maxRss = rss;
  }
}
