/**
 * One RTP stream of the generator: its own UDP socket on loopback, stamped PCMU packets sent
 * when the {@link SendLoop} visits it, and per-packet bookkeeping of what came back (send time
 * and latency by send index), from which the step's loss, lateness and latency are computed.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { LogHistogram } from '../lib/histogram.js';
import {
  JitterEstimator,
  PACKET_INTERVAL_MS,
  PCMU_PAYLOAD_BYTES,
  PCMU_PT,
  RTP_HEADER_BYTES,
  parseRtpHeader,
  readStamp,
  writeRtpHeader,
  writeStampedPayload,
} from './rtp-stamp.js';

const PACKET_BYTES = RTP_HEADER_BYTES + PCMU_PAYLOAD_BYTES;
const SAMPLES_PER_PACKET = 160;

/** What the generator needs to know about the measurement window while packets flow. */
export interface WindowClock {
  /** Scheduled send times in [startMs, endMs) are measured (`performance.now()` ms). */
  startMs: number;
  endMs: number;
  /** Generator send lateness of packets scheduled inside the window. */
  lateness: LogHistogram;
}

/** Receive-side counters of one stream. */
export interface StreamCounters {
  /** RTP packets received (any payload type). */
  received: number;
  /** PCMU packets without a valid stamp (silence, concealment, or a non-transparent path). */
  unstamped: number;
  /** Stamped packets that carried another stream's id: media delivered to the wrong call. */
  misrouted: number;
  /** Stamped packets whose index had already been received. */
  duplicates: number;
  /** Stamped packets older than one already received. */
  reordered: number;
  /** Packets with a payload type other than PCMU (e.g. telephone-event). */
  otherPayload: number;
  /** Datagrams that were not RTP (RTCP under rtcp-mux). */
  nonRtp: number;
  /** Unstamped PCMU packets received while the window was open. */
  unstampedInWindow: number;
  /** RTP packets received while the window was open. */
  receivedInWindow: number;
}

/** An RTP stream of one call leg. */
export class MediaStream {
  private socket: dgram.Socket | undefined;
  /** Local RTP port. */
  port = 0;
  private readonly ssrc = randomInt(1, 2 ** 32 - 1);
  private readonly seqBase = randomInt(0, 65536);
  private readonly tsBase = randomInt(0, 2 ** 32 - 1);
  /** Whether the send loop sends for this stream. */
  private sending = false;
  private wantStart = false;
  /** Send loop tick of send index 0. */
  firstTick = -1;
  /** Next send index. */
  nextIndex = 0;
  /** Actual send time (`performance.now()`) by send index. */
  private sentAt = new Float64Array(1024);
  /** Scheduled send time by send index. */
  private scheduledAt = new Float64Array(1024);
  /**
   * Latency (source send → received here) by the source's send index; NaN until received.
   * Lives on the receiving stream because in a bridge the source is the peer.
   */
  private latency = new Float32Array(1024).fill(Number.NaN);
  /** The stream whose packets arrive here: itself for echo, the bridged peer otherwise. */
  source: MediaStream = this;
  private highestReceived = -1;
  /** The first duplicated send indices, for diagnosis. */
  private readonly duplicateSample: number[] = [];
  private readonly jitter = new JitterEstimator();
  private jitterSum = 0;
  private jitterCount = 0;
  private jitterMax = 0;
  readonly counters: StreamCounters = {
    received: 0,
    unstamped: 0,
    misrouted: 0,
    duplicates: 0,
    reordered: 0,
    otherPayload: 0,
    nonRtp: 0,
    unstampedInWindow: 0,
    receivedInWindow: 0,
  };
  sendErrors = 0;

  /**
   * @param streamId - written into every stamp this stream sends
   * @param expectedStreamId - the id returned packets must carry (own id for echo, peer's for a bridge)
   * @param slot - send-loop slot (phase within the 20 ms packet interval)
   */
  constructor(
    readonly streamId: number,
    readonly expectedStreamId: number,
    readonly slot: number,
    private readonly window: WindowClock,
  ) {}

  /** Binds the socket on `host`, port chosen by the kernel. */
  async open(host: string): Promise<void> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (data) => this.onPacket(data));
    socket.on('error', () => {
      this.sendErrors++;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.port = socket.address().port;
  }

  /**
   * Directs RTP to the peer's address. The socket is connected, which spares every send an
   * address lookup and makes the kernel drop datagrams from anyone else.
   */
  async connect(address: string, port: number): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error('stream not open');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  }

  /** Starts sending at this stream's next slot. */
  start(): void {
    if (!this.sending) this.wantStart = true;
  }

  /** Stops sending (receiving goes on until {@link close}). */
  stop(): void {
    this.wantStart = false;
    this.sending = false;
  }

  /** Whether the stream has started sending. */
  get started(): boolean {
    return this.firstTick >= 0;
  }

  /**
   * Called by the send loop on each of this stream's ticks: sends one packet.
   *
   * @param tick - the loop tick being served
   * @param scheduledMs - when that tick was due
   */
  onTick(tick: number, scheduledMs: number): void {
    if (this.wantStart) {
      this.wantStart = false;
      this.sending = true;
      this.firstTick = tick;
      this.nextIndex = 0;
    }
    if (!this.sending || !this.socket) return;
    const k = this.nextIndex++;
    this.ensureCapacity(k);
    const packet = Buffer.allocUnsafe(PACKET_BYTES);
    writeRtpHeader(
      packet,
      PCMU_PT,
      k === 0,
      this.seqBase + k,
      this.tsBase + k * SAMPLES_PER_PACKET,
      this.ssrc,
    );
    writeStampedPayload(packet, RTP_HEADER_BYTES, this.streamId, k);
    const now = performance.now();
    this.sentAt[k] = now;
    this.scheduledAt[k] = scheduledMs;
    if (scheduledMs >= this.window.startMs && scheduledMs < this.window.endMs) {
      this.window.lateness.record(now - scheduledMs);
    }
    // No callback: a closure per packet is measurable at 50 000 packets/s; errors arrive as
    // 'error' events and are counted there.
    this.socket.send(packet);
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    this.stop();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private ensureCapacity(k: number): void {
    if (k < this.sentAt.length) return;
    const size = this.sentAt.length * 2;
    const grow = <T extends Float64Array | Float32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.sentAt = grow(this.sentAt, (n) => new Float64Array(n));
    this.scheduledAt = grow(this.scheduledAt, (n) => new Float64Array(n));
  }

  private onPacket(data: Buffer): void {
    const now = performance.now();
    const rtp = parseRtpHeader(data);
    if (!rtp) {
      this.counters.nonRtp++;
      return;
    }
    const c = this.counters;
    c.received++;
    const inWindow = now >= this.window.startMs && now < this.window.endMs;
    if (inWindow) c.receivedInWindow++;
    if (rtp.payloadType !== PCMU_PT) {
      c.otherPayload++;
      return;
    }
    this.jitter.update(now, rtp.timestamp, rtp.ssrc);
    if (inWindow) {
      const j = this.jitter.valueMs;
      if (j !== undefined) {
        this.jitterSum += j;
        this.jitterCount++;
        if (j > this.jitterMax) this.jitterMax = j;
      }
    }
    const stamp = readStamp(data, rtp.payloadOffset, rtp.payloadEnd);
    if (!stamp) {
      c.unstamped++;
      if (inWindow) c.unstampedInWindow++;
      return;
    }
    if (stamp.stream !== this.expectedStreamId) {
      c.misrouted++;
      return;
    }
    // The source's index space: in echo mode our own, in a bridge the peer stream's.
    const k = stamp.index;
    const source = this.source;
    if (k >= source.nextIndex) {
      // An index never sent (a corrupt stamp that passed the check): not ours.
      c.misrouted++;
      return;
    }
    if (k >= this.latency.length) {
      const next = new Float32Array(Math.max(this.latency.length * 2, k + 1)).fill(Number.NaN);
      next.set(this.latency);
      this.latency = next;
    }
    if (!Number.isNaN(this.latency[k]!)) {
      c.duplicates++;
      if (this.duplicateSample.length < 10) this.duplicateSample.push(k);
      return;
    }
    if (k < this.highestReceived) c.reordered++;
    else this.highestReceived = k;
    this.latency[k] = now - source.sentAt[k]!;
  }

  /**
   * Results for packets this stream's source sent inside the window: how many were sent, which
   * came back here and with what latency.
   */
  windowResult(): StreamWindowResult {
    const source = this.source;
    const latencies: number[] = [];
    const lostBySecond: number[] = [];
    const lostSample: number[] = [];
    let sent = 0;
    for (let k = 0; k < source.nextIndex; k++) {
      const due = source.scheduledAt[k]!;
      if (due < this.window.startMs || due >= this.window.endMs) continue;
      sent++;
      const ms = this.latency[k];
      if (ms !== undefined && !Number.isNaN(ms)) {
        latencies.push(ms);
        continue;
      }
      const second = Math.floor((due - this.window.startMs) / 1000);
      lostBySecond[second] = (lostBySecond[second] ?? 0) + 1;
      if (lostSample.length < 10) lostSample.push(k);
    }
    return {
      streamId: this.streamId,
      sent,
      latencies,
      lostBySecond,
      lostSample,
      duplicateSample: [...this.duplicateSample],
      jitterMeanMs: this.jitterCount === 0 ? undefined : this.jitterSum / this.jitterCount,
      jitterMaxMs: this.jitterCount === 0 ? undefined : this.jitterMax,
      counters: { ...this.counters },
      sendErrors: this.sendErrors,
    };
  }
}

/** Per-stream window figures (see {@link MediaStream.windowResult}). */
export interface StreamWindowResult {
  /** The receiving stream. */
  streamId: number;
  /** Packets the source sent with a scheduled time inside the window. */
  sent: number;
  /** Latency of each of those that arrived (first copy), ms. */
  latencies: number[];
  /** Lost window packets by second of the window (sparse). */
  lostBySecond: number[];
  /** The first lost send indices and the first duplicated ones, for diagnosis. */
  lostSample: number[];
  duplicateSample: number[];
  /** Mean of the RFC 3550 jitter estimate over the window, ms. */
  jitterMeanMs: number | undefined;
  jitterMaxMs: number | undefined;
  counters: StreamCounters;
  sendErrors: number;
}

/** Packets per second of one stream. */
export const PACKETS_PER_SECOND = 1000 / PACKET_INTERVAL_MS;
