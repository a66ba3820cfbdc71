/**
 * Machine-wide CPU use from `/proc/stat`, so that a benchmark can tell how much of the machine
 * other work used during a measurement: on a shared host, another process on the server's or the
 * generator's core changes every figure.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { clockTicksPerSecond } from './proc-stats.js';

/** Accumulated busy time of all CPUs. */
export interface SystemCpuReading {
  /** user + nice + system + steal of all CPUs, in seconds: time processes (or the host) ran. */
  busySeconds: number;
  /** irq + softirq, in seconds: with IRQ time accounting this is charged to no process, and on
   * loopback it is mostly the packet delivery of the benchmark itself. */
  irqSeconds: number;
  /** steal alone (time the hypervisor ran something else), in seconds. */
  stealSeconds: number;
  /** `performance.now()` when read, ms. */
  atMs: number;
}

/**
 * Reads the aggregate `cpu` line of `/proc/stat`.
 *
 * @returns the reading, or `undefined` without procfs
 */
export function readSystemCpu(): SystemCpuReading | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = /^cpu\s+(.+)$/m.exec(text)?.[1];
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  const ticks = clockTicksPerSecond();
  return {
    busySeconds: (user + nice + system + steal) / ticks,
    irqSeconds: (irq + softirq) / ticks,
    stealSeconds: steal / ticks,
    atMs: performance.now(),
  };
}

/** Busy CPU between two readings, in % of one core (a 2-core machine goes up to 200). */
export function systemBusyPercent(
  start: SystemCpuReading | undefined,
  end: SystemCpuReading | undefined,
): { busyPercent: number; irqPercent: number; stealPercent: number } | undefined {
  if (!start || !end) return undefined;
  const wallS = (end.atMs - start.atMs) / 1000;
  if (wallS <= 0) return undefined;
  return {
    busyPercent: ((end.busySeconds - start.busySeconds) / wallS) * 100,
    irqPercent: ((end.irqSeconds - start.irqSeconds) / wallS) * 100,
    stealPercent: ((end.stealSeconds - start.stealSeconds) / wallS) * 100,
  };
}
