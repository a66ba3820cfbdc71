/**
 * The RTCP half of an RTP session: sender statistics, the randomised report schedule
 * (RFC 3550 §6.3), building SR/RR + SDES compounds (and BYE), and reading what the remote
 * reports about our stream (loss, jitter, round-trip time from LSR/DLSR).
 */
import {
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  rttMsFromReport,
  serializeRtcp,
  SDES_CNAME,
  type RtcpPacket,
} from './rtcp.js';
import type { ReceiveStats } from './receive-stats.js';
import type { RtpTimers } from './rtp-timers.js';

/** What the remote last reported about the stream we send. */
export interface RtpRemoteReport {
  /** Fraction lost in the remote's last interval, 0–1. */
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** The remote's interarrival jitter of our stream, ms. */
  jitterMs: number;
  /** Round-trip time, when the remote echoed one of our SRs. */
  rttMs: number | undefined;
  /** When the report arrived (session clock). */
  receivedAtMs: number;
}

/** Options of an {@link RtcpReporter}. */
export interface RtcpReporterOptions {
  localSsrc: number;
  clockRateHz: number;
  cname: string;
  intervalMs: number;
  /** Receive statistics of the remote source, for our report blocks. */
  recv: ReceiveStats;
  now: () => number;
  timers: RtpTimers;
  /** Sends one compound RTCP datagram to wherever RTCP goes now. */
  send: (datagram: Buffer) => void;
}

/** RTCP reports for one RTP session. */
export class RtcpReporter {
  private packetCount = 0;
  private octetCount = 0;
  private sentSinceReport = false;
  private lastRtpTimestamp = 0;
  private lastSendMs = 0;
  private receivedAtLastReport = 0;
  private timer: unknown;
  private running = false;
  private report: RtpRemoteReport | undefined;

  constructor(private options: RtcpReporterOptions) {}

  /** A codec change moved the RTP clock (re-INVITE from PCMU to Opus): report in the new units. */
  setClock(clockRateHz: number, recv: RtcpReporterOptions['recv']): void {
    this.options = { ...this.options, clockRateHz, recv };
  }

  /** RTP packets we sent. */
  get sentPackets(): number {
    return this.packetCount;
  }

  /** Payload octets we sent. */
  get sentOctets(): number {
    return this.octetCount;
  }

  /** The remote's last report about us. */
  get remoteReport(): RtpRemoteReport | undefined {
    return this.report;
  }

  /** Starts the report schedule; the first report goes out after half an interval or so. */
  start(): void {
    this.running = true;
    this.schedule(0.5);
  }

  /** Stops the schedule. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(scale: number): void {
    if (!this.running) return;
    // §6.3.1: the interval is randomised to 0.5–1.5× so that sessions do not synchronise.
    const delayMs = this.options.intervalMs * scale * (0.5 + Math.random());
    this.timer = this.options.timers.setTimeout(this.onTimer, delayMs);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    this.sendReport(undefined);
    this.schedule(1);
  };

  /** Accounts one RTP packet we sent (for the SR's sender info). */
  sent(rtpTimestamp: number, payloadBytes: number): void {
    this.packetCount++;
    this.octetCount += payloadBytes;
    this.sentSinceReport = true;
    this.lastRtpTimestamp = rtpTimestamp;
    this.lastSendMs = this.options.now();
  }

  /** The remote source changed: its first report block counts from now. */
  sourceChanged(): void {
    this.receivedAtLastReport = 0;
  }

  /** Sends a final report with a BYE. */
  sendBye(reason: string | undefined): void {
    this.sendReport(reason ?? '');
  }

  private sendReport(byeReason: string | undefined): void {
    const o = this.options;
    const nowMs = o.now();
    const packets: RtcpPacket[] = [];
    const reports = [];
    // A block only for a source heard since the last report (§6.4).
    if (o.recv.ssrc !== undefined && o.recv.received > this.receivedAtLastReport) {
      reports.push(o.recv.makeReportBlock(nowMs));
      this.receivedAtLastReport = o.recv.received;
    }
    if (this.sentSinceReport) {
      const ntp = ntpFromUnixMs(nowMs);
      // The RTP time matching "now", extrapolated from the last packet sent (§6.4.1).
      const elapsedTs = Math.round(((nowMs - this.lastSendMs) * o.clockRateHz) / 1000);
      packets.push({
        type: 'sr',
        ssrc: o.localSsrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: (this.lastRtpTimestamp + elapsedTs) >>> 0,
        packetCount: this.packetCount >>> 0,
        octetCount: this.octetCount >>> 0,
        reports,
      });
    } else {
      packets.push({ type: 'rr', ssrc: o.localSsrc, reports });
    }
    this.sentSinceReport = false;
    packets.push({
      type: 'sdes',
      chunks: [{ ssrc: o.localSsrc, items: [{ type: SDES_CNAME, value: o.cname }] }],
    });
    if (byeReason !== undefined) {
      packets.push(
        byeReason === ''
          ? { type: 'bye', ssrcs: [o.localSsrc] }
          : { type: 'bye', ssrcs: [o.localSsrc], reason: byeReason },
      );
    }
    o.send(serializeRtcp(packets));
  }

  /** Parses a datagram; undefined for garbage (A.2 validity). */
  parse(datagram: Uint8Array): RtcpPacket[] | undefined {
    const r = parseRtcp(datagram);
    return r.ok ? r.packets : undefined;
  }

  /**
   * Takes in a compound from the remote: its SR feeds our LSR/DLSR, its report block about us
   * becomes the remote report. Returns the BYE of the current remote source, if it sent one.
   */
  receive(
    packets: readonly RtcpPacket[],
    remoteSsrc: number | undefined,
    nowMs: number,
  ): { ssrc: number; reason: string | undefined } | undefined {
    const o = this.options;
    let left: { ssrc: number; reason: string | undefined } | undefined;
    for (const p of packets) {
      if (p.type === 'sr' || p.type === 'rr') {
        if (p.type === 'sr' && p.ssrc === remoteSsrc) {
          o.recv.recordSenderReport(ntpMiddle32(p.ntpSeconds, p.ntpFraction), nowMs);
        }
        for (const block of p.reports) {
          if (block.ssrc !== o.localSsrc) continue;
          this.report = {
            fractionLost: block.fractionLost,
            cumulativeLost: block.cumulativeLost,
            extendedHighestSeq: block.extendedHighestSeq,
            jitterMs: (block.jitter * 1000) / o.clockRateHz,
            rttMs: rttMsFromReport(nowMs, block.lsr, block.dlsr),
            receivedAtMs: nowMs,
          };
        }
      } else if (p.type === 'bye' && remoteSsrc !== undefined && p.ssrcs.includes(remoteSsrc)) {
        left = { ssrc: remoteSsrc, reason: p.reason };
      }
    }
    return left;
  }
}
