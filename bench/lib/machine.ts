/**
 * A description of the machine a benchmark ran on, so that numbers in a results file can be
 * compared with the hardware they came from.
 */
import os from 'node:os';

/** Hardware and runtime facts printed with every benchmark result. */
export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs visible to the OS. */
  cores: number;
  /** Logical CPUs this process may use (cgroup/affinity aware in Node 18.14+). */
  availableParallelism: number;
  totalMemGb: number;
  nodeVersion: string;
  platform: string;
  arch: string;
  kernel: string;
  hostname: string;
}

/** Collects {@link MachineInfo} from `os` and `process`. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    hostname: os.hostname(),
  };
}

/** One line for the top of a console report. */
export function formatMachine(m: MachineInfo): string {
  return (
    `${m.cpuModel}, ${m.cores} logical cores, ${m.totalMemGb} GB RAM, ` +
    `Node ${m.nodeVersion}, ${m.platform}/${m.arch} ${m.kernel}`
  );
}
