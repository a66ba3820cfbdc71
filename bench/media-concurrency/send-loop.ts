/**
 * One timer loop that sends every stream's packets on a drift-free schedule.
 *
 * The 20 ms packet interval is cut into slots (1 ms by default) and each stream is assigned one
 * slot, so 1000 calls send ~50 packets per millisecond instead of 1000 at once every 20 ms — the
 * phases of real callers are spread too. Tick t is due at t0 + t·slot: the schedule never
 * accumulates timer error, and when the loop wakes late it serves every tick it missed (each
 * packet then records its lateness against its due time, which is how the generator reports
 * whether it kept up).
 */
import { performance } from 'node:perf_hooks';
import { LogHistogram } from '../lib/histogram.js';
import { PACKET_INTERVAL_MS } from './rtp-stamp.js';

/** What the loop drives. */
export interface TickTarget {
  readonly slot: number;
  onTick(tick: number, scheduledMs: number): void;
}

/** The send loop. */
export class SendLoop {
  readonly slotsPerPacket: number;
  private readonly slots: TickTarget[][];
  private t0 = 0;
  private served = -1;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** How late the loop woke for its ticks (ms), all ticks since {@link resetLateness}. */
  tickLateness = new LogHistogram();

  constructor(readonly slotMs = 1) {
    this.slotsPerPacket = Math.max(1, Math.round(PACKET_INTERVAL_MS / slotMs));
    this.slots = Array.from({ length: this.slotsPerPacket }, () => []);
  }

  /** Adds a stream to its slot (it sends only once started). */
  add(target: TickTarget): void {
    this.slots[target.slot % this.slotsPerPacket]!.push(target);
  }

  /** Removes a stream. */
  remove(target: TickTarget): void {
    const list = this.slots[target.slot % this.slotsPerPacket]!;
    const i = list.indexOf(target);
    if (i >= 0) list.splice(i, 1);
  }

  /** Removes every stream. */
  clear(): void {
    for (const list of this.slots) list.length = 0;
  }

  /** Starts ticking. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    this.served = -1;
    this.schedule();
  }

  /** Stops ticking. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts a new lateness sample. */
  resetLateness(): void {
    this.tickLateness = new LogHistogram();
  }

  private schedule(): void {
    if (!this.running) return;
    const due = this.t0 + (this.served + 1) * this.slotMs;
    this.timer = setTimeout(() => this.run(), Math.max(0, due - performance.now()));
  }

  private run(): void {
    const now = performance.now();
    const current = Math.floor((now - this.t0) / this.slotMs);
    for (let t = this.served + 1; t <= current; t++) {
      const due = this.t0 + t * this.slotMs;
      this.tickLateness.record(now - due);
      const list = this.slots[t % this.slotsPerPacket]!;
      for (let i = 0; i < list.length; i++) list[i]!.onTick(t, due);
    }
    if (current > this.served) this.served = current;
    this.schedule();
  }
}
