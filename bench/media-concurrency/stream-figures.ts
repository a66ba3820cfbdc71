/**
 * The step's media figures from the per-stream window results: loss, lateness, latency and
 * jitter over all streams, and the receive counters summed.
 */
import { LogHistogram } from '../lib/histogram.js';
import type { StreamWindowResult } from './media-stream.js';

/** Media figures of one step, over the streams of the calls that got up. */
export interface StreamFigures {
  /** Packets sent inside the window by streams whose call was up (one per stream per 20 ms). */
  packetsSent: number;
  /** Of those, how many came back (first copy, any time before tear-down). */
  packetsReturned: number;
  /** 1 − returned/sent. */
  lossRatio: number;
  /** Streams with at least one lost packet in the window. */
  streamsWithLoss: number;
  /** Lost window packets by second of the window, all streams. */
  lostBySecond: number[];
  /** Send indices lost and duplicated on the first stream that had any (diagnosis). */
  lossSample: { stream: number; lost: number[]; duplicated: number[] } | undefined;
  /** Highest per-stream loss ratio. */
  worstStreamLoss: number;
  /** Returned packets whose latency exceeded their stream's median by more than `lateMs`. */
  latePackets: number;
  lateRatio: number;
  /** Send → receive latency of returned window packets, ms (one pass through the server). */
  latency: LogHistogram;
  /** Per-stream mean RFC 3550 jitter over the window, ms (one value per stream). */
  jitterMs: number[];
  /** Per-stream maximum jitter estimate in the window, ms. */
  jitterMaxMs: number[];
  /** Receive counters summed over streams. */
  unstamped: number;
  unstampedInWindow: number;
  receivedInWindow: number;
  misrouted: number;
  duplicates: number;
  reordered: number;
  otherPayload: number;
  nonRtp: number;
  rtpSendErrors: number;
}

/**
 * Aggregates per-stream window results.
 *
 * @param lateMs - a returned packet is late when its latency exceeds its stream's median by more
 */
export function aggregateStreams(
  results: readonly StreamWindowResult[],
  lateMs: number,
): StreamFigures {
  const latency = new LogHistogram();
  let sent = 0;
  let returned = 0;
  let late = 0;
  let streamsWithLoss = 0;
  let worst = 0;
  const lostBySecond: number[] = [];
  let lossSample: StreamFigures['lossSample'];
  const jitterMs: number[] = [];
  const jitterMaxMs: number[] = [];
  const sum = {
    unstamped: 0,
    unstampedInWindow: 0,
    receivedInWindow: 0,
    misrouted: 0,
    duplicates: 0,
    reordered: 0,
    otherPayload: 0,
    nonRtp: 0,
    rtpSendErrors: 0,
  };
  for (const r of results) {
    sent += r.sent;
    returned += r.latencies.length;
    r.lostBySecond.forEach((n, second) => {
      lostBySecond[second] = (lostBySecond[second] ?? 0) + n;
    });
    if (!lossSample && (r.lostSample.length > 0 || r.duplicateSample.length > 0)) {
      lossSample = { stream: r.streamId, lost: r.lostSample, duplicated: r.duplicateSample };
    }
    if (r.sent > 0) {
      const loss = 1 - r.latencies.length / r.sent;
      if (loss > 0) streamsWithLoss++;
      if (loss > worst) worst = loss;
    }
    if (r.latencies.length > 0) {
      const sorted = Float64Array.from(r.latencies).sort();
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      for (const ms of r.latencies) {
        latency.record(ms);
        if (ms > median + lateMs) late++;
      }
    }
    if (r.jitterMeanMs !== undefined) jitterMs.push(r.jitterMeanMs);
    if (r.jitterMaxMs !== undefined) jitterMaxMs.push(r.jitterMaxMs);
    sum.unstamped += r.counters.unstamped;
    sum.unstampedInWindow += r.counters.unstampedInWindow;
    sum.receivedInWindow += r.counters.receivedInWindow;
    sum.misrouted += r.counters.misrouted;
    sum.duplicates += r.counters.duplicates;
    sum.reordered += r.counters.reordered;
    sum.otherPayload += r.counters.otherPayload;
    sum.nonRtp += r.counters.nonRtp;
    sum.rtpSendErrors += r.sendErrors;
  }
  return {
    packetsSent: sent,
    packetsReturned: returned,
    lossRatio: sent === 0 ? 0 : 1 - returned / sent,
    streamsWithLoss,
    lostBySecond: Array.from(lostBySecond, (n) => n ?? 0),
    lossSample,
    worstStreamLoss: worst,
    latePackets: late,
    lateRatio: returned === 0 ? 0 : late / returned,
    latency,
    jitterMs,
    jitterMaxMs,
    ...sum,
  };
}
