/**
 * Per-socket UDP receive drops from `/proc/net/udp` (the `drops` column), so a benchmark can tell
 * whose receive buffer overflowed when it sees retransmissions: its own or the server's.
 */
import { readFileSync } from 'node:fs';

/**
 * Sum of the `drops` counters of the IPv4 UDP sockets bound to any of `ports` (any local
 * address), in the current network namespace.
 *
 * @returns the total, or `undefined` without procfs
 */
export function readUdpDrops(ports: readonly number[]): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const wanted = new Set(ports);
  let total = 0;
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is HEXIP:HEXPORT; drops is the last column.
    const local = fields[1];
    const drops = Number(fields[fields.length - 1]);
    if (!local || fields.length < 13 || !Number.isFinite(drops)) continue;
    const port = Number.parseInt(local.slice(local.indexOf(':') + 1), 16);
    if (wanted.has(port)) total += drops;
  }
  return total;
}
