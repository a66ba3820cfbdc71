/**
 * What a jitter buffer pull hands out: nothing yet (priming), or one frame's worth of packets
 * to decode and gaps to conceal, in timeline order.
 */
import type { RtpPacket } from './rtp-packet.js';

/** Nothing to play yet (priming): output silence, not concealment. */
export interface JitterWaiting {
  readonly kind: 'waiting';
}

/** A packet to decode. */
export interface JitterPacketEntry {
  readonly packet: RtpPacket;
}

/** A gap to conceal: timestamp units no packet covers (loss, or a frame inserted to grow). */
export interface JitterLostEntry {
  readonly lostTs: number;
}

/** One step of playout; tell them apart with `'packet' in entry`. */
export type JitterEntry = JitterPacketEntry | JitterLostEntry;

/**
 * One frame's worth of playout: decode packets and conceal gaps in the order of `entries`.
 * Over time the decoded packets plus the concealment add up to exactly one frame per pull; a
 * single pull may return more (a 30 ms packet) or less (nothing new while that packet still
 * covers the window).
 */
export interface JitterFrame {
  readonly kind: 'frame';
  /** Packets starting in the window and gaps, in timeline order. Valid until the next pull. */
  readonly entries: readonly JitterEntry[];
  /** The sum of the gaps' `lostTs`. */
  readonly lostTs: number;
}

/** What JitterBuffer.pull() returns. The frame object is reused by the next pull. */
export type JitterPull = JitterWaiting | JitterFrame;

/** The one "waiting" result (immutable, shared). */
export const JITTER_WAITING: JitterWaiting = Object.freeze({ kind: 'waiting' });

/**
 * The frame JitterBuffer.pull() returns, reused with its entry objects from pull to
 * pull: no allocation per tick. Internal to the jitter buffer.
 */
export class MutableJitterFrame implements JitterFrame {
  readonly kind = 'frame' as const;
  readonly entries: JitterEntry[] = [];
  lostTs = 0;
  packetCount = 0;
  private readonly packetPool: { packet: RtpPacket }[] = [];
  private readonly lostPool: { lostTs: number }[] = [];
  private lostUsed = 0;

  clear(): void {
    this.entries.length = 0;
    this.lostTs = 0;
    this.packetCount = 0;
    this.lostUsed = 0;
  }

  addPacket(packet: RtpPacket): void {
    let e = this.packetPool[this.packetCount];
    if (e) e.packet = packet;
    else this.packetPool.push((e = { packet }));
    this.packetCount++;
    this.entries.push(e);
  }

  addLost(lostTs: number): void {
    if (lostTs <= 0) return;
    this.lostTs += lostTs;
    const last = this.entries[this.entries.length - 1];
    if (last && 'lostTs' in last) {
      (last as { lostTs: number }).lostTs += lostTs;
      return;
    }
    let e = this.lostPool[this.lostUsed];
    if (e) e.lostTs = lostTs;
    else this.lostPool.push((e = { lostTs }));
    this.lostUsed++;
    this.entries.push(e);
  }
}
