/**
 * Adaptive jitter buffer. Packets are pushed as they arrive and pulled once per frame tick;
 * each pull covers the next `frameMs` of RTP timestamp and returns, in timeline order, the
 * packets starting in that window and the gaps nobody covered (to conceal). Packets live in a ring
 * indexed by extended sequence number, so in-order push and pull are O(1) and allocate nothing.
 *
 * Delay: the target is the delay variation seen over the last ~8 s (max − min transit) plus a
 * small margin, clamped to [minDelayMs, maxDelayMs]. The playout delay is measured as the
 * largest lead (media time ahead of the playout point) of recent arrivals. Below target the
 * buffer inserts a concealed frame at once (grow fast); above target by a frame for a whole
 * second it skips one frame, preferring a silent gap (shrink slowly). When it runs dry it
 * re-primes, so silence periods (DTX) and network stalls restart playout at the target delay.
 */
import type { RtpPacket } from './rtp-packet.js';
import { DelayEstimator } from './delay-estimator.js';
import { RtpTimeline } from './rtp-timeline.js';
import { JITTER_WAITING, MutableJitterFrame, type JitterPull } from './jitter-frame.js';
import { JitterCounters, type JitterBufferStats } from './jitter-stats.js';

export type {
  JitterEntry,
  JitterFrame,
  JitterLostEntry,
  JitterPacketEntry,
  JitterPull,
  JitterWaiting,
} from './jitter-frame.js';
export type { JitterBufferStats } from './jitter-stats.js';

/** Options of a {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** RTP clock rate of the stream (8000 for G.711 and G.722, 48000 for Opus). */
  clockRateHz: number;
  /** Media time each pull covers; default 20. */
  frameMs?: number;
  /** Smallest target delay; default 20. */
  minDelayMs?: number;
  /** Largest target delay; default 200. */
  maxDelayMs?: number;
  /** Delay buffered before the first playout, until measurements exist; default 40. */
  initialDelayMs?: number;
  /** Packets held at most; beyond that the buffer is flushed and re-primes. Default 100. */
  maxPackets?: number;
  /** A timestamp jump larger than this (without SSRC change) re-synchronises; default 1000. */
  resyncThresholdMs?: number;
}

/** Outcome of {@link JitterBuffer.push}. */
export type JitterPushResult = 'accepted' | 'duplicate' | 'late' | 'overflow';

/** Longest packet duration taken from timestamps (Opus allows 120 ms). */
const MAX_PTIME_MS = 120;
/** Delay-window memory: 8 buckets of 1 s. */
const WINDOW_BUCKETS = 8;
const WINDOW_BUCKET_MS = 1000;
/** Pulls above target before a frame is skipped: one second at 20 ms. */
const SHRINK_HOLD_MS = 1000;
/** Concealed pulls after running dry, before switching to silence ("waiting"). */
const UNDERRUN_CONCEAL_MS = 60;
/** Arrivals measured before the delay estimate replaces the initial delay. */
const MIN_SAMPLES = 50;

/** An adaptive jitter buffer for one RTP source (see the module comment). */
export class JitterBuffer {
  private readonly tsPerMs: number;
  private readonly frameMs: number;
  private readonly frameTs: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly initialDelayMs: number;
  private readonly maxPackets: number;
  private readonly mask: number;
  private readonly ringSize: number;
  private readonly slots: (RtpPacket | undefined)[];
  private readonly slotSeq: Float64Array;
  private readonly slotTs: Float64Array;
  private readonly delays: DelayEstimator;
  private readonly frame = new MutableJitterFrame();

  private state: 'idle' | 'priming' | 'playing' = 'idle';
  private count = 0;
  private readonly line: RtpTimeline;
  private readonly maxPtimeTs: number;
  private nextPlaySeq = 0;
  private lastPlayedSeq = -1;
  private cursorTs = 0;
  private coveredUntilTs = 0;
  private playedUntilTs = -Infinity;
  private primingPulls = 0;
  private concealPullsLeft = 0;
  private shrinkPulls = 0;
  private targetMs: number;
  private depthMs = 0;
  private readonly counters = new JitterCounters();

  constructor(options: JitterBufferOptions) {
    this.tsPerMs = options.clockRateHz / 1000;
    this.frameMs = options.frameMs ?? 20;
    this.frameTs = Math.round(this.frameMs * this.tsPerMs);
    this.minDelayMs = options.minDelayMs ?? 20;
    this.maxDelayMs = Math.max(this.minDelayMs, options.maxDelayMs ?? 200);
    this.initialDelayMs = clamp(options.initialDelayMs ?? 40, this.minDelayMs, this.maxDelayMs);
    this.maxPackets = Math.max(4, options.maxPackets ?? 100);
    this.maxPtimeTs = MAX_PTIME_MS * this.tsPerMs;
    this.delays = new DelayEstimator(this.tsPerMs, WINDOW_BUCKETS, WINDOW_BUCKET_MS);
    this.line = new RtpTimeline({
      defaultPacketTs: this.frameTs,
      maxPacketTs: this.maxPtimeTs,
      resyncTs: (options.resyncThresholdMs ?? 1000) * this.tsPerMs,
      // A talkspurt start may jump far (silence suppression), but a jump beyond the largest
      // delay we would ever buffer is a discontinuity, not silence worth waiting out.
      markerResyncTs: this.maxDelayMs * this.tsPerMs,
    });
    let size = 64;
    while (size < this.maxPackets * 2) size *= 2;
    this.ringSize = size;
    this.mask = size - 1;
    this.slots = new Array<RtpPacket | undefined>(size).fill(undefined);
    this.slotSeq = new Float64Array(size).fill(-1);
    this.slotTs = new Float64Array(size);
    this.targetMs = this.initialDelayMs;
  }

  /** Forgets everything (a new source): the next packet primes the buffer again. */
  reset(): void {
    this.flush(false);
    this.state = 'idle';
    this.lastPlayedSeq = -1;
    this.playedUntilTs = -Infinity;
    this.concealPullsLeft = 0;
    this.shrinkPulls = 0;
    this.targetMs = this.initialDelayMs;
    this.depthMs = 0;
    this.delays.clear();
  }

  /** Adds a packet that arrived at `arrivalMs` (local clock, ms). */
  push(packet: RtpPacket, arrivalMs: number): JitterPushResult {
    this.counters.received++;
    const line = this.line;
    if (this.state === 'idle') {
      this.start(packet, false);
      this.store(packet, line.highestExtSeq, line.highestMappedTs);
      this.measure(packet.timestamp, line.highestMappedTs, arrivalMs);
      return 'accepted';
    }
    const seqDelta = line.seqDelta(packet.sequenceNumber);
    const ext = line.highestExtSeq + seqDelta;
    if (seqDelta >= this.ringSize) {
      // The sequence jumped further than the ring reaches: the sender restarted its stream.
      this.counters.resyncs++;
      this.restart(packet);
      this.store(packet, line.highestExtSeq, line.highestMappedTs);
      return 'accepted';
    }
    if (seqDelta <= -this.ringSize) return this.countLate();
    const idx = ext & this.mask;
    if (this.slotSeq[idx] === ext) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    const mapped = line.map(packet, seqDelta);
    if (line.resynced) {
      // The timeline was spliced (instead of declaring seconds lost, or every later packet
      // late): transit times before and after the splice do not compare.
      this.counters.resyncs++;
      this.delays.clearTransit();
    }
    this.measure(packet.timestamp, mapped, arrivalMs);

    if (this.isLate(ext, mapped)) return this.countLate();
    if (this.count >= this.maxPackets || ext - this.nextPlaySeq >= this.ringSize) {
      // Pathological backlog (nobody pulls, or a burst far beyond maxDelayMs): keep latency
      // bounded by starting over from this packet.
      this.counters.overflows++;
      this.counters.dropped += this.count;
      this.flush(true);
      this.reprime();
      this.nextPlaySeq = ext;
      this.lastPlayedSeq = ext - 1;
      this.playedUntilTs = mapped;
      this.store(packet, ext, mapped);
      return 'overflow';
    }
    if (seqDelta < 0) this.counters.reordered++;
    if (ext < this.nextPlaySeq) this.nextPlaySeq = ext;
    this.store(packet, ext, mapped);
    return 'accepted';
  }

  private countLate(): JitterPushResult {
    this.counters.late++;
    return 'late';
  }

  private isLate(ext: number, mappedTs: number): boolean {
    if (ext <= this.lastPlayedSeq) return true;
    if (this.state === 'playing') return mappedTs < this.cursorTs || ext < this.nextPlaySeq;
    // Priming: before the first playout anything not too far back is welcome; after an
    // underrun, what precedes the last played media is late.
    if (mappedTs < this.playedUntilTs) return true;
    return this.line.highestExtSeq - ext >= this.ringSize;
  }

  private start(packet: RtpPacket, keepPacketTs: boolean): void {
    this.line.start(packet, keepPacketTs);
    this.nextPlaySeq = this.line.highestExtSeq;
    this.state = 'priming';
    this.primingPulls = 0;
  }

  /** A new timeline inside the same source (sequence restart): keep the delay knowledge. */
  private restart(packet: RtpPacket): void {
    const wasPlaying = this.state === 'playing';
    this.counters.dropped += this.count;
    this.flush(false);
    this.start(packet, true);
    this.lastPlayedSeq = -1;
    this.playedUntilTs = -Infinity;
    this.delays.clearTransit();
    if (wasPlaying) this.concealPullsLeft = Math.round(UNDERRUN_CONCEAL_MS / this.frameMs);
  }

  private reprime(): void {
    const wasPlaying = this.state === 'playing';
    this.state = 'priming';
    this.primingPulls = 0;
    if (wasPlaying) this.concealPullsLeft = Math.round(UNDERRUN_CONCEAL_MS / this.frameMs);
  }

  private store(packet: RtpPacket, ext: number, mappedTs: number): void {
    const idx = ext & this.mask;
    this.slots[idx] = packet;
    this.slotSeq[idx] = ext;
    this.slotTs[idx] = mappedTs;
    this.count++;
  }

  private flush(keepSeq: boolean): void {
    if (this.count > 0) {
      for (let i = 0; i < this.ringSize; i++) this.slots[i] = undefined;
    }
    this.count = 0;
    if (!keepSeq) this.slotSeq.fill(-1);
  }

  private measure(rawTimestamp: number, mappedTs: number, arrivalMs: number): void {
    const leadMs = this.state === 'playing' ? (mappedTs - this.cursorTs) / this.tsPerMs : undefined;
    this.delays.record(arrivalMs, rawTimestamp, mappedTs, leadMs);
  }

  /** The delay the buffer aims for now, in ms. */
  get targetDelayMs(): number {
    return this.targetMs;
  }

  private updateTarget(): void {
    const spread = this.delays.spreadMs;
    // A quarter frame of margin over the worst variation seen: leads move in whole frames,
    // so rounding up to the next frame already provides most of the headroom.
    let target = spread + this.frameMs / 4;
    // Until a second of packets has been measured, the configured initial delay is the floor.
    if (this.delays.samples < MIN_SAMPLES) target = Math.max(target, this.initialDelayMs);
    this.targetMs = clamp(target, this.minDelayMs, this.maxDelayMs);
  }

  /** Returns what to play for the next frame (see {@link JitterFrame}); call once per tick. */
  pull(): JitterPull {
    if (this.state === 'idle') return JITTER_WAITING;
    this.updateTarget();
    if (this.state === 'priming') {
      if (this.count > 0 && this.primed()) {
        this.anchor();
      } else {
        if (this.count > 0) this.primingPulls++;
        if (this.concealPullsLeft > 0) {
          this.concealPullsLeft--;
          return this.conceal();
        }
        return JITTER_WAITING;
      }
    }
    this.depthMs = Math.max(0, this.bufferedEndTs() - this.cursorTs) / this.tsPerMs;
    const delay = this.delays.maxLeadMs;
    if (delay !== undefined) {
      if (delay < this.targetMs) {
        // Grow at once: play a concealed frame without moving the playout point.
        this.counters.stretches++;
        this.delays.shiftLeads(this.frameMs);
        this.shrinkPulls = 0;
        return this.conceal();
      }
      if (delay - this.targetMs >= this.frameMs && this.depthMs >= 2 * this.frameMs) {
        this.shrinkPulls++;
        const silent = this.inSilentGap();
        if (silent || this.shrinkPulls * this.frameMs >= SHRINK_HOLD_MS) {
          this.skipFrame(silent);
          this.shrinkPulls = 0;
        }
      } else {
        this.shrinkPulls = 0;
      }
    }
    return this.serve();
  }

  private conceal(): MutableJitterFrame {
    const f = this.frame;
    f.clear();
    f.addLost(this.frameTs);
    this.counters.concealedTs += this.frameTs;
    return f;
  }

  private bufferedEndTs(): number {
    return this.count > 0
      ? Math.max(this.coveredUntilTs, this.line.highestMappedTs + this.line.packetTs)
      : this.coveredUntilTs;
  }

  private firstBuffered(): number {
    for (let s = this.nextPlaySeq; s <= this.line.highestExtSeq; s++) {
      const idx = s & this.mask;
      if (this.slotSeq[idx] === s && this.slots[idx] !== undefined) return s;
    }
    return -1;
  }

  private primed(): boolean {
    const first = this.firstBuffered();
    if (first < 0) return false;
    // Buffer the target plus the frame the first pull consumes, or wait as long in pulls when
    // packets are sparse (comfort noise, DTX).
    const bufferedMs =
      (this.line.highestMappedTs + this.line.packetTs - this.slotTs[first & this.mask]!) /
      this.tsPerMs;
    const needMs = this.targetMs + this.frameMs;
    return bufferedMs >= needMs || (this.primingPulls + 1) * this.frameMs >= needMs;
  }

  private anchor(): void {
    const first = this.firstBuffered();
    this.nextPlaySeq = first;
    this.cursorTs = this.slotTs[first & this.mask]!;
    this.coveredUntilTs = this.cursorTs;
    this.state = 'playing';
    this.concealPullsLeft = 0;
    this.shrinkPulls = 0;
    this.delays.clearLeads();
  }

  /** True when the current window is a gap between consecutive packets: DTX silence. */
  private inSilentGap(): boolean {
    if (this.coveredUntilTs > this.cursorTs || this.lastPlayedSeq < 0) return false;
    const next = this.lastPlayedSeq + 1;
    const idx = next & this.mask;
    if (this.slotSeq[idx] !== next || this.slots[idx] === undefined) return false;
    return this.slotTs[idx]! >= this.cursorTs + this.frameTs;
  }

  private skipFrame(silent: boolean): void {
    this.counters.shrinks++;
    this.delays.shiftLeads(-this.frameMs);
    if (silent) {
      this.cursorTs += this.frameTs;
      this.coveredUntilTs = this.cursorTs;
      return;
    }
    // Throw away one window of audio. serve() fills the reused frame; it is refilled below.
    const f = this.serve();
    this.counters.dropped += f.packetCount;
    this.counters.concealedTs -= f.lostTs;
  }

  private serve(): MutableJitterFrame {
    const f = this.frame;
    f.clear();
    const start = this.cursorTs;
    const end = start + this.frameTs;
    let pos = this.coveredUntilTs > start ? Math.min(this.coveredUntilTs, end) : start;
    let s = this.nextPlaySeq;
    for (; s <= this.line.highestExtSeq; s++) {
      const idx = s & this.mask;
      const p = this.slots[idx];
      if (p === undefined || this.slotSeq[idx] !== s) continue;
      const ts = this.slotTs[idx]!;
      if (ts >= end) break;
      this.slots[idx] = undefined;
      this.count--;
      if (ts < start) {
        // Out of timestamp order (a sender whose timestamps go back): its time has passed.
        this.counters.late++;
        if (s > this.lastPlayedSeq) this.lastPlayedSeq = s;
        continue;
      }
      if (this.lastPlayedSeq >= 0 && s > this.lastPlayedSeq + 1) {
        this.counters.lost += s - this.lastPlayedSeq - 1;
      }
      this.lastPlayedSeq = s;
      if (ts > pos) f.addLost(ts - pos);
      const durTs = this.durationOf(s, ts);
      const coverEnd = ts + durTs;
      if (coverEnd > this.coveredUntilTs) this.coveredUntilTs = coverEnd;
      pos = Math.max(pos, Math.min(coverEnd, end));
      f.addPacket(p);
    }
    if (this.lastPlayedSeq >= this.nextPlaySeq) this.nextPlaySeq = this.lastPlayedSeq + 1;
    if (pos >= end) {
      this.cursorTs = end;
    } else if (this.count > 0) {
      // Later packets are here, so whatever should have covered the rest never will: lost.
      f.addLost(end - pos);
      this.cursorTs = end;
    } else if (pos > start) {
      // Ran dry mid-window: conceal the rest but keep the playout point where media ends, so
      // a packet that is merely late still plays (the delay grows by the wait).
      f.addLost(end - pos);
      this.cursorTs = pos;
      this.delays.shiftLeads((end - pos) / this.tsPerMs);
    } else {
      // Nothing at all: re-prime, concealing for a few frames before going quiet.
      this.counters.underruns++;
      this.playedUntilTs = start;
      this.reprime();
      if (this.concealPullsLeft > 0) this.concealPullsLeft--;
      return this.conceal();
    }
    if (this.coveredUntilTs < this.cursorTs) this.coveredUntilTs = this.cursorTs;
    this.counters.concealedTs += f.lostTs;
    return f;
  }

  private durationOf(seq: number, ts: number): number {
    const next = seq + 1;
    const idx = next & this.mask;
    if (this.slotSeq[idx] === next && this.slots[idx] !== undefined) {
      const d = this.slotTs[idx]! - ts;
      if (d > 0 && d <= this.maxPtimeTs) return d;
    }
    return this.line.packetTs;
  }

  /** Counters and the current delay figures. */
  stats(): JitterBufferStats {
    return this.counters.snapshot(
      {
        state: this.state,
        delayMs: this.depthMs,
        playoutDelayMs: this.delays.maxLeadMs ?? 0,
        targetDelayMs: this.targetMs,
        jitterMs: this.delays.jitterMs,
        bufferedPackets: this.count,
      },
      this.tsPerMs,
    );
  }
}

function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}
