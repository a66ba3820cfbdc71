/**
 * The time line of one RTP source as the jitter buffer sees it: 16-bit sequence numbers
 * extended past their wrap, and 32-bit timestamps unwrapped into one continuous ("mapped")
 * line. A timestamp discontinuity without SSRC change — a B2BUA switching sources, a sender
 * restart — is spliced out, so the line stays continuous; the packet duration is learnt from
 * consecutive packets.
 */
import type { RtpPacket } from './rtp-packet.js';

/** Options of an {@link RtpTimeline}. */
export interface RtpTimelineOptions {
  /** Packet duration assumed until two equal deltas are seen (timestamp units). */
  defaultPacketTs: number;
  /** Longest duration taken from a delta (Opus allows 120 ms). */
  maxPacketTs: number;
  /** A deviation from the expected timestamp beyond this splices the line. */
  resyncTs: number;
  /** The same for a packet with the marker bit (start of a talkspurt). */
  markerResyncTs: number;
}

/** Extended sequence numbers and a continuous timestamp line (see the module comment). */
export class RtpTimeline {
  /** Highest extended sequence number seen. */
  highestExtSeq = 0;
  /** Mapped timestamp of that packet. */
  highestMappedTs = 0;
  /** Packet duration in timestamp units, learnt from the stream. */
  packetTs: number;
  /** Whether the last {@link map} spliced a discontinuity. */
  resynced = false;
  private highestRawTs = 0;
  // mapped = unwrapped − offset; packets older than a splice (reordered across it) keep the
  // offset that was in force before it.
  private tsOffset = 0;
  private prevTsOffset = 0;
  private offsetStartSeq = 0;
  private lastDeltaTs = 0;

  constructor(private readonly options: RtpTimelineOptions) {
    this.packetTs = options.defaultPacketTs;
  }

  /** Starts a new line at `packet` (its extended sequence number is one cycle up, so that
   * early reordering stays positive). */
  start(packet: RtpPacket, keepPacketTs: boolean): void {
    this.highestExtSeq = packet.sequenceNumber + 0x10000;
    this.highestRawTs = packet.timestamp;
    this.highestMappedTs = packet.timestamp;
    this.tsOffset = 0;
    this.prevTsOffset = 0;
    this.offsetStartSeq = this.highestExtSeq;
    this.lastDeltaTs = 0;
    this.resynced = false;
    if (!keepPacketTs) this.packetTs = this.options.defaultPacketTs;
  }

  /** Signed distance of `seq` from the highest sequence number, in −32768…32767. */
  seqDelta(seq: number): number {
    return ((seq - (this.highestExtSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
  }

  /**
   * The mapped timestamp of a packet `seqDelta` away from the highest. A newer packet becomes
   * the highest; if its timestamp is off the expected one by more than the thresholds, the
   * line is spliced so that it lands where expected ({@link resynced} tells).
   */
  map(packet: RtpPacket, seqDelta: number): number {
    this.resynced = false;
    const ext = this.highestExtSeq + seqDelta;
    // Signed 32-bit difference from the highest: undoes the timestamp wrap.
    const unwrapped = this.highestRawTs + ((packet.timestamp - this.highestRawTs) | 0);
    if (seqDelta <= 0) {
      return unwrapped - (ext >= this.offsetStartSeq ? this.tsOffset : this.prevTsOffset);
    }
    let mapped = unwrapped - this.tsOffset;
    const expected = this.highestMappedTs + seqDelta * this.packetTs;
    const dev = mapped - expected;
    const jump = Math.abs(dev);
    const o = this.options;
    if (jump > o.resyncTs || (packet.marker && jump > o.markerResyncTs)) {
      this.prevTsOffset = this.tsOffset;
      this.offsetStartSeq = ext;
      this.tsOffset += dev;
      mapped = expected;
      this.resynced = true;
    } else if (seqDelta === 1) {
      this.learnPacketDuration(mapped - this.highestMappedTs);
    }
    this.highestExtSeq = ext;
    this.highestRawTs = unwrapped;
    this.highestMappedTs = mapped;
    return mapped;
  }

  private learnPacketDuration(deltaTs: number): void {
    // Two equal deltas in a row: one odd gap (silence, a lost packet's neighbour) does not
    // redefine the packet duration.
    if (deltaTs > 0 && deltaTs <= this.options.maxPacketTs) {
      if (deltaTs === this.lastDeltaTs) this.packetTs = deltaTs;
      this.lastDeltaTs = deltaTs;
    }
  }
}
