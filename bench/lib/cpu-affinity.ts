/**
 * CPU pinning with util-linux `taskset`, so that a server's CPU figure means "of one core" and a
 * load generator does not steal cycles from the core it measures.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let cachedTaskset: boolean | undefined;

/** Whether the `taskset` utility can be run. */
export function tasksetAvailable(): boolean {
  if (cachedTaskset === undefined) {
    const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore', timeout: 2000 });
    cachedTaskset = probe.error === undefined && probe.status === 0;
  }
  return cachedTaskset;
}

/** Parses a kernel CPU list such as `0-3,6,8-9` into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map((s) => Number.parseInt(s, 10));
    if (lo === undefined || !Number.isInteger(lo)) continue;
    const last = hi !== undefined && Number.isInteger(hi) ? hi : lo;
    // Bounded: a malformed range must not produce a huge array.
    for (let cpu = lo; cpu <= last && cpus.length < 4096; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** Formats CPU numbers as a compact list (`[0,1,2,5]` → `0-2,5`). */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] ?? 0;
    let end = start;
    while (sorted[i + 1] === end + 1) {
      end++;
      i++;
    }
    parts.push(start === end ? String(start) : `${start}-${end}`);
    i++;
  }
  return parts.join(',');
}

/**
 * The CPUs a process may run on (`Cpus_allowed_list` in `/proc/<pid>/status`), which honours
 * container cpusets: CPU 0 is not necessarily allowed.
 *
 * @returns CPU numbers, or `undefined` without procfs
 */
export function readAffinity(pid: number | 'self' = 'self'): number[] | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
    return match?.[1] ? parseCpuList(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Restricts all threads of a running process to the given CPUs (`taskset -a -p -c`).
 *
 * @returns whether taskset succeeded
 */
export function pinProcess(pid: number, cpus: readonly number[]): boolean {
  if (cpus.length === 0 || !tasksetAvailable()) return false;
  const result = spawnSync('taskset', ['-a', '-p', '-c', formatCpuList(cpus), String(pid)], {
    stdio: 'ignore',
    timeout: 2000,
  });
  return result.error === undefined && result.status === 0;
}
