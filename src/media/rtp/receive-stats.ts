/**
 * Per-source receive statistics, as RFC 3550 Appendix A writes them: sequence validation with
 * probation and wrap-around (A.1), expected/lost/fraction lost (A.3) and interarrival jitter
 * (A.8). One instance follows one source; {@link ReceiveStats.reset} starts over when the
 * SSRC changes. All work per packet is arithmetic on fields: no allocation.
 */
import { dlsrFromMs, type RtcpReportBlock } from './rtcp.js';

/** Packets a new source must send in sequence before it counts as valid (A.1). */
export const MIN_SEQUENTIAL = 2;
/** Largest forward sequence jump still taken as loss rather than a restart (A.1). */
export const MAX_DROPOUT = 3000;
/** Largest backward sequence jump still taken as reordering (A.1). */
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 1 << 16;

/**
 * What {@link ReceiveStats.update} concluded about a packet:
 * - `valid`: in sequence (or an acceptable loss, reordering or duplicate);
 * - `probation`: the source is new and has not yet sent {@link MIN_SEQUENTIAL} packets in a row;
 * - `bad-sequence`: a jump larger than {@link MAX_DROPOUT}; a second packet continuing from it
 *   restarts the sequence (the peer restarted), otherwise the packet is stray and to be dropped.
 */
export type SeqVerdict = 'valid' | 'probation' | 'bad-sequence';

/** A read-only snapshot of {@link ReceiveStats}. */
export interface ReceiveStatsSnapshot {
  ssrc: number | undefined;
  /** Packets counted valid (duplicates included, as A.3 counts them). */
  received: number;
  /** Packets expected from the first to the highest sequence number. */
  expected: number;
  /** expected − received: may be negative with duplicates. */
  lost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units (A.8). */
  jitterTs: number;
  /** The same jitter in ms. */
  jitterMs: number;
}

/** Receive statistics of one RTP source. */
export class ReceiveStats {
  private readonly tsPerMs: number;
  private ssrcValue: number | undefined;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = 0;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private hasTransit = false;
  private lastTimestamp = -1;
  private jitter = 0;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;

  /** `clockRateHz`: the RTP clock of the source's payload (8000 for PCMU, 48000 for Opus). */
  constructor(readonly clockRateHz: number) {
    this.tsPerMs = clockRateHz / 1000;
  }

  /** The source being followed; undefined before {@link reset}. */
  get ssrc(): number | undefined {
    return this.ssrcValue;
  }

  /** Starts following `ssrc` from its first packet's sequence number (A.1: probation begins). */
  reset(ssrc: number, firstSeq: number): void {
    this.ssrcValue = ssrc;
    this.initSeq(firstSeq);
    this.maxSeq = (firstSeq - 1) & 0xffff;
    this.probation = MIN_SEQUENTIAL;
    this.hasTransit = false;
    this.lastTimestamp = -1;
    this.jitter = 0;
    this.lastSrMiddle = 0;
    this.lastSrArrivalMs = 0;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /**
   * Accounts one packet of the followed source: sequence validation (A.1) and, for packets
   * counted, the jitter estimate (A.8). `arrivalMs` is the local arrival time.
   */
  update(seq: number, timestamp: number, arrivalMs: number): SeqVerdict {
    const verdict = this.updateSeq(seq);
    if (verdict === 'valid') this.updateJitter(timestamp, arrivalMs);
    return verdict;
  }

  private updateSeq(seq: number): SeqVerdict {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.receivedCount++;
          return 'valid';
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return 'probation';
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with an acceptable gap; a smaller number means the 16 bits wrapped.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: a restart if the next packet continues from here, else a stray.
      if (seq === this.badSeq) {
        this.initSeq(seq);
        this.hasTransit = false;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return 'bad-sequence';
      }
    }
    // else: a duplicate or a reordered packet, counted as received (A.3 does).
    this.receivedCount++;
    return 'valid';
  }

  private updateJitter(timestamp: number, arrivalMs: number): void {
    // Packets repeating the previous timestamp (RFC 4733 event updates, one video frame in
    // several packets) were not sampled at their send time: they would read as jitter.
    if (timestamp === this.lastTimestamp) return;
    this.lastTimestamp = timestamp;
    // transit = arrival − timestamp, both in timestamp units; only differences matter, so the
    // 32-bit wrap of the timestamp is undone by taking the difference modulo 2^32 as signed.
    const transit = arrivalMs * this.tsPerMs - timestamp;
    if (!this.hasTransit) {
      this.transit = transit;
      this.hasTransit = true;
      return;
    }
    let d = transit - this.transit;
    this.transit = transit;
    d = Math.abs(d - Math.round(d / 4294967296) * 4294967296);
    this.jitter += (d - this.jitter) / 16;
  }

  /** Records an SR from the source (its NTP middle 32 bits) for the LSR/DLSR of our reports. */
  recordSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.lastSrMiddle = ntpMiddle32;
    this.lastSrArrivalMs = arrivalMs;
  }

  /** Packets counted valid since {@link reset}. */
  get received(): number {
    return this.receivedCount;
  }

  /** Highest sequence number with the wrap count in the high 16 bits. */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected (A.3); 0 while on probation. */
  get expected(): number {
    if (this.probation > 0 || this.ssrcValue === undefined) return 0;
    return this.extendedHighestSeq - this.baseSeq + 1;
  }

  /** Cumulative packets lost (A.3), unclamped. */
  get lost(): number {
    return this.expected - this.receivedCount;
  }

  /** Interarrival jitter in timestamp units. */
  get jitterTs(): number {
    return this.jitter;
  }

  /** Interarrival jitter in ms. */
  get jitterMs(): number {
    return this.jitter / this.tsPerMs;
  }

  /**
   * The reception report block for the source, as of `nowMs`. It closes the reporting interval:
   * the next block's fraction lost counts from here (A.3).
   */
  makeReportBlock(nowMs: number): RtcpReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.floor((lostInterval * 256) / expectedInterval) / 256;
    return {
      ssrc: this.ssrcValue ?? 0,
      fractionLost: fraction,
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, this.lost)),
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitter),
      lsr: this.lastSrMiddle,
      dlsr: this.lastSrMiddle === 0 ? 0 : dlsrFromMs(nowMs - this.lastSrArrivalMs),
    };
  }

  /** A snapshot for stats. */
  snapshot(): ReceiveStatsSnapshot {
    return {
      ssrc: this.ssrcValue,
      received: this.receivedCount,
      expected: this.expected,
      lost: this.lost,
      extendedHighestSeq: this.extendedHighestSeq,
      jitterTs: this.jitter,
      jitterMs: this.jitterMs,
    };
  }
}
