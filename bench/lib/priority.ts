/**
 * Scheduling priority (nice) for benchmark processes, so that on a shared machine other work
 * competing for the same cores disturbs a measurement less. Needs root or CAP_SYS_NICE for
 * negative values.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Sets the nice value of every thread of a process. On Linux nice is per thread, and
 * `setpriority(PRIO_PROCESS, pid)` only reaches the main thread: V8's GC helpers and libuv's
 * thread pool would keep the old priority, so each task in `/proc/<pid>/task` is set.
 *
 * @returns how many threads were changed, or an error message when none could be
 */
export function setProcessNice(pid: number, nice: number): { threads: number } | { error: string } {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger);
  } catch {
    tids = [pid];
  }
  let changed = 0;
  let lastError = 'no threads';
  for (const tid of tids) {
    try {
      os.setPriority(tid, nice);
      changed++;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
  }
  return changed > 0 ? { threads: changed } : { error: lastError };
}
