/**
 * Statistics of the jitter buffer: the event counters it keeps as it runs, and the snapshot
 * `JitterBuffer.stats()` returns (those counters plus the delay figures of the moment).
 */

/** Counters and gauges of a `JitterBuffer`. */
export interface JitterBufferStats {
  state: 'idle' | 'priming' | 'playing';
  /** Media buffered ahead of the playout point at the last pull. */
  delayMs: number;
  /** Measured playout delay of the fastest recent packets; 0 before measurements. */
  playoutDelayMs: number;
  targetDelayMs: number;
  /** RFC 3550 interarrival jitter of the pushed packets, in ms. */
  jitterMs: number;
  /** Packets pushed. */
  received: number;
  duplicates: number;
  /** Packets that arrived after their playout time. */
  late: number;
  /** Sequence numbers never played (skipped at playout). */
  lost: number;
  /** Packets that arrived after a higher sequence number. */
  reordered: number;
  /** Times the buffer overflowed and was flushed. */
  overflows: number;
  /** Packets thrown away to shrink the delay or by an overflow flush. */
  dropped: number;
  /** Media time the caller was asked to conceal (loss, growth, underrun). */
  concealedMs: number;
  /** Frames inserted to grow the delay. */
  stretches: number;
  /** Frames skipped to shrink the delay. */
  shrinks: number;
  /** Times the buffer ran dry and re-primed. */
  underruns: number;
  /** Timestamp or sequence discontinuities re-synchronised. */
  resyncs: number;
  /** Packets held now. */
  bufferedPackets: number;
}

/** The figures of the moment a snapshot takes from the buffer's state. */
export type JitterGauges = Pick<
  JitterBufferStats,
  'state' | 'delayMs' | 'playoutDelayMs' | 'targetDelayMs' | 'jitterMs' | 'bufferedPackets'
>;

/** Event counters of a `JitterBuffer`; concealment is counted in RTP timestamp units. */
export class JitterCounters {
  received = 0;
  duplicates = 0;
  late = 0;
  lost = 0;
  reordered = 0;
  overflows = 0;
  dropped = 0;
  concealedTs = 0;
  stretches = 0;
  shrinks = 0;
  underruns = 0;
  resyncs = 0;

  /** The counters with `gauges`, as {@link JitterBufferStats} (`tsPerMs`: RTP clock in kHz). */
  snapshot(gauges: JitterGauges, tsPerMs: number): JitterBufferStats {
    return {
      state: gauges.state,
      delayMs: gauges.delayMs,
      playoutDelayMs: gauges.playoutDelayMs,
      targetDelayMs: gauges.targetDelayMs,
      jitterMs: gauges.jitterMs,
      received: this.received,
      duplicates: this.duplicates,
      late: this.late,
      lost: this.lost,
      reordered: this.reordered,
      overflows: this.overflows,
      dropped: this.dropped,
      concealedMs: this.concealedTs / tsPerMs,
      stretches: this.stretches,
      shrinks: this.shrinks,
      underruns: this.underruns,
      resyncs: this.resyncs,
      bufferedPackets: gauges.bufferedPackets,
    };
  }
}
