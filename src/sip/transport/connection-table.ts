/**
 * Bookkeeping for open connections: lookup by id (so responses go back on the connection a
 * request arrived on, RFC 3261 §18.2.2) and by remote address (so requests to a peer reuse an
 * existing connection, §18.1.1), plus idle timeouts so abandoned flows do not pile up.
 */
import type { Connection, ConnectionProtocol } from './types.js';

/** Default idle timeout: long enough for registration refreshes behind NAT. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface Entry {
  conn: Connection;
  key: string;
  timer: NodeJS.Timeout;
}

/** The key under which a connection to a remote address is remembered. */
export function remoteKey(protocol: ConnectionProtocol, host: string, port: number): string {
  return `${protocol}:${host}:${port}`;
}

/** Open connections indexed by id and by remote address. */
export class ConnectionTable {
  private readonly byId = new Map<string, Entry>();
  private readonly byRemote = new Map<string, string>();

  /** Creates a table that closes connections idle for `idleTimeoutMs`. */
  constructor(private readonly idleTimeoutMs: number = DEFAULT_IDLE_TIMEOUT_MS) {}

  /** Number of connections currently tracked. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Starts tracking a connection. A newer connection to the same remote address takes over the
   * address mapping: it is the one most likely to still work through a NAT.
   */
  add(conn: Connection): void {
    const key = remoteKey(conn.protocol, conn.remote.host, conn.remote.port);
    this.byId.set(conn.id, { conn, key, timer: this.idleTimer(conn) });
    this.byRemote.set(key, conn.id);
  }

  /** Stops tracking a connection (after it closed). */
  remove(conn: Connection): void {
    const entry = this.byId.get(conn.id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.byId.delete(conn.id);
    if (this.byRemote.get(entry.key) === conn.id) this.byRemote.delete(entry.key);
  }

  /** The open connection with this id, if any. */
  get(id: string): Connection | undefined {
    const conn = this.byId.get(id)?.conn;
    return conn?.isOpen() ? conn : undefined;
  }

  /** The open connection to this remote address, if any. */
  find(protocol: ConnectionProtocol, host: string, port: number): Connection | undefined {
    const id = this.byRemote.get(remoteKey(protocol, host, port));
    return id === undefined ? undefined : this.get(id);
  }

  /** Restarts the idle timer of a connection that just carried traffic. */
  touch(conn: Connection): void {
    const entry = this.byId.get(conn.id);
    // refresh() re-arms the same timer object, which is cheaper than a new one per message.
    entry?.timer.refresh();
  }

  /** Every tracked connection. */
  all(): Connection[] {
    return [...this.byId.values()].map((e) => e.conn);
  }

  /** Stops all idle timers and forgets every connection (used on shutdown). */
  clear(): void {
    for (const entry of this.byId.values()) clearTimeout(entry.timer);
    this.byId.clear();
    this.byRemote.clear();
  }

  private idleTimer(conn: Connection): NodeJS.Timeout {
    const timer = setTimeout(() => conn.close(), this.idleTimeoutMs);
    // An idle timer alone should not keep the process alive.
    timer.unref();
    return timer;
  }
}
