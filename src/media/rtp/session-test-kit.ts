/**
 * Test helpers for RTP sessions over real UDP sockets: a manual clock and timers, socket
 * binding on port 0, raw RTP datagrams and event-driven waiting (no sleeps). Not exported
 * from the package; used by the *.test.ts files of this folder.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { EventEmitter } from 'node:events';
import { writeRtp, type RtpHeaderFields } from './rtp-packet.js';
import type { RtpTimers } from './rtp-timers.js';

/** A wall clock tests move by hand. */
export class ManualClock {
  t = 1_750_000_000_000;
  readonly now = (): number => this.t;
}

/** Timers driven by {@link ManualTimers.advance}; each session can have its own. */
export class ManualTimers implements RtpTimers {
  private readonly tasks = new Map<number, { dueMs: number; callback: () => void }>();
  private nextId = 1;

  constructor(private readonly clock: ManualClock) {}

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { dueMs: this.clock.t + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  /** Pending timers. */
  get pending(): number {
    return this.tasks.size;
  }

  /**
   * Moves the clock forward by `ms`, running due timers in order, each at its due time (or at
   * the current time if it was already overdue).
   */
  advance(ms: number): void {
    const endMs = this.clock.t + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Infinity;
      for (const [id, task] of this.tasks) {
        if (task.dueMs < nextDue) {
          nextDue = task.dueMs;
          nextId = id;
        }
      }
      if (nextId < 0 || nextDue > endMs) break;
      const task = this.tasks.get(nextId)!;
      this.tasks.delete(nextId);
      this.clock.t = Math.max(this.clock.t, task.dueMs);
      task.callback();
    }
    this.clock.t = Math.max(this.clock.t, endMs);
  }
}

/** A UDP socket bound to 127.0.0.1 on a free port. */
export function udpSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

/** The bound port of a socket. */
export function portOf(s: Socket): number {
  return s.address().port;
}

/** A raw RTP datagram. */
export function rtp(fields: Partial<RtpHeaderFields>, payload = new Uint8Array(160)): Buffer {
  return writeRtp(
    {
      marker: false,
      payloadType: 0,
      sequenceNumber: 1,
      timestamp: 0,
      ssrc: 0x1234,
      ...fields,
    },
    payload,
  );
}

/** Sends a datagram to 127.0.0.1:`port`. */
export function sendTo(s: Socket, datagram: Uint8Array, port: number): void {
  s.send(datagram, port, '127.0.0.1');
}

/** Resolves with the next event `name` of `emitter` whose arguments satisfy `match`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  name: string,
  match: (...args: A) => boolean = () => true,
): Promise<A> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]) => {
      if (!match(...(args as A))) return;
      emitter.off(name, listener);
      resolve(args as A);
    };
    emitter.on(name, listener);
  });
}

/** The next datagram a raw socket receives (optionally one that satisfies `match`). */
export function nextDatagram(
  s: Socket,
  match: (msg: Buffer, rinfo: RemoteInfo) => boolean = () => true,
): Promise<[Buffer, RemoteInfo]> {
  return nextEvent<[Buffer, RemoteInfo]>(s, 'message', match);
}

/**
 * Resolves once `condition` holds, re-checking whenever the emitter emits one of `events`.
 * Waiting is driven by the events the code under test emits, never by time.
 */
export function until(
  emitter: EventEmitter,
  events: readonly string[],
  condition: () => boolean,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (!condition()) return;
      for (const e of events) emitter.off(e, check);
      resolve();
    };
    for (const e of events) emitter.on(e, check);
  });
}
