/**
 * One RTP stream over UDP (RFC 3550): validated receive with drop counters, symmetric RTP
 * latching, SSRC-change policy, sending with our own SSRC and sequence, RTCP reports (SR/RR
 * + SDES CNAME, BYE on close) and inactivity detection.
 *
 * The per-packet paths allocate nothing of their own beyond the parsed packet: listeners are
 * bound once, the send path writes into a small ring of preallocated datagram buffers, and
 * sources are tracked by a fixed handful of fields (never a map keyed by SSRC), so a flood of
 * garbage or random SSRCs costs counters, not memory.
 *
 * Sockets belong to whoever bound them (RtpPortPool's `release()` closes them);
 * the session only adds and, on close, removes its own listeners.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import {
  RTP_HEADER_BYTES,
  isRtcpPacket,
  isRtpParseFailure,
  parseRtp,
  writeRtpHeader,
  type RtpPacket,
} from './rtp-packet.js';
import { ReceiveStats } from './receive-stats.js';
import { AddressLatch, SsrcGuard } from './source-guard.js';
import { RtcpReporter, type RtpRemoteReport } from './rtcp-reporter.js';
import type { RtcpPacket } from './rtcp.js';
import { defaultRtpTimers, type RtpTimers } from './rtp-timers.js';

/** Options of an {@link RtpSession}. */
export interface RtpSessionOptions {
  rtpSocket: Socket;
  /** RTCP socket (RTP port + 1); absent with rtcp-mux. Without it and without mux: no RTCP. */
  rtcpSocket?: Socket;
  /** Where the SDP says to send RTP. */
  remoteAddress: string;
  remotePort: number;
  /** Where the SDP says to send RTCP (a=rtcp); default remotePort + 1. */
  remoteRtcpPort?: number;
  /** RTCP multiplexed on the RTP port (RFC 5761). */
  rtcpMux: boolean;
  /** RTP clock of the stream's audio payload type. */
  clockRateHz: number;
  /** Payload types accepted (the negotiated codec, telephone-event, CN); others are dropped. */
  acceptedPayloadTypes: ReadonlySet<number>;
  /** Send to where media comes from rather than to the SDP address (default true). */
  symmetric?: boolean;
  /** `inactive` after this long without RTP; 0 disables. Default 60 000. */
  inactivityTimeoutMs?: number;
  /** Mean RTCP report interval (randomised 0.5–1.5×, RFC 3550 §6.3.1). Default 5000. */
  rtcpIntervalMs?: number;
  /** Silence of the latched source after which another source may be latched. Default 1500. */
  relatchAfterMs?: number;
  /** SDES CNAME; default a random one. */
  cname?: string;
  /** Wall clock in ms (Unix epoch: RTCP needs NTP time); default sub-ms `performance` time. */
  now?: () => number;
  timers?: RtpTimers;
}

/** Why the session threw a datagram away. */
export type RtpDropReason =
  | 'malformed'
  | 'unknown-payload-type'
  | 'wrong-source'
  | 'ssrc-unconfirmed'
  | 'bad-sequence'
  | 'rtcp-garbage'
  | 'rtcp-wrong-source'
  | 'send-error';

/** Events of an {@link RtpSession}. */
export interface RtpSessionEvents {
  /** An accepted RTP packet of the current source; `arrivalMs` is from the session's clock. */
  packet: [packet: RtpPacket, arrivalMs: number];
  /** The remote source changed (first packet: `previous` undefined). Reset jitter buffers. */
  ssrcChange: [ssrc: number, previous: number | undefined];
  /** A valid compound RTCP packet from the remote. */
  rtcp: [packets: RtcpPacket[]];
  /** The remote source said goodbye. */
  bye: [ssrc: number, reason: string | undefined];
  /** No RTP for `inactivityTimeoutMs` (once per arming; see resumeInactivity()). */
  inactive: [];
  /** We latched onto a source address (RTP). */
  latch: [address: string, port: number];
  /** A datagram was dropped (also counted in stats().dropped). */
  drop: [reason: RtpDropReason];
}

/** Statistics of an {@link RtpSession}. */
export interface RtpSessionStats {
  localSsrc: number;
  remoteSsrc: number | undefined;
  /** RTP packets accepted. */
  packetsReceived: number;
  /** Payload octets of the accepted packets. */
  bytesReceived: number;
  /** Packets lost (RFC 3550 A.3, summed over the remote's SSRCs; negative with duplicates). */
  packetsLost: number;
  /** lost / expected over the call, 0–1. */
  fractionLost: number;
  /** Interarrival jitter of the current source, ms. */
  jitterMs: number;
  packetsSent: number;
  /** Payload octets sent. */
  bytesSent: number;
  dropped: Record<RtpDropReason, number>;
  /** What the remote last reported about our stream. */
  remoteReport: RtpRemoteReport | undefined;
  ssrcChanges: number;
  /** Where we send RTP now. */
  remoteAddress: string;
  remotePort: number;
  latched: boolean;
}

const defaultNow = (): number => performance.timeOrigin + performance.now();

/** Datagram buffers in the send ring, and their size (header + 20 ms of L16 at 16 kHz fits). */
const SEND_SLOTS = 16;
const SEND_SLOT_BYTES = RTP_HEADER_BYTES + 640;

/** One RTP stream over UDP (see the module comment). */
export class RtpSession extends EventEmitter<RtpSessionEvents> {
  /** Our SSRC (random, RFC 3550 §8). */
  readonly localSsrc: number;
  private readonly rtpSocket: Socket;
  private readonly rtcpSocket: Socket | undefined;
  private readonly rtcpMux: boolean;
  private readonly symmetric: boolean;
  private accepted: ReadonlySet<number>;
  private readonly now: () => number;
  private readonly timers: RtpTimers;
  private readonly inactivityTimeoutMs: number;
  private sdpAddress: string;
  private sdpPort: number;
  private sdpRtcpPort: number;
  private readonly rtpLatch: AddressLatch;
  private readonly rtcpLatch: AddressLatch;
  private readonly ssrcGuard = new SsrcGuard();
  private recv: ReceiveStats;
  private readonly reporter: RtcpReporter;
  private readonly sendSlots: Buffer[] = [];
  private sendSlot = 0;
  private sendsInFlight = 0;
  private seq: number;
  private closed = false;
  private inactivityTimer: unknown;
  private inactivityPaused = false;
  private inactivityFired = false;
  private lastRtpMs: number;
  private receivedPackets = 0;
  private receivedBytes = 0;
  private lostPrior = 0;
  private expectedPrior = 0;
  private ssrcChanges = 0;
  private readonly dropped: Record<RtpDropReason, number> = {
    malformed: 0,
    'unknown-payload-type': 0,
    'wrong-source': 0,
    'ssrc-unconfirmed': 0,
    'bad-sequence': 0,
    'rtcp-garbage': 0,
    'rtcp-wrong-source': 0,
    'send-error': 0,
  };

  constructor(options: RtpSessionOptions) {
    super();
    this.rtpSocket = options.rtpSocket;
    this.rtcpSocket = options.rtcpMux ? undefined : options.rtcpSocket;
    this.rtcpMux = options.rtcpMux;
    this.symmetric = options.symmetric ?? true;
    this.accepted = options.acceptedPayloadTypes;
    this.now = options.now ?? defaultNow;
    this.timers = options.timers ?? defaultRtpTimers;
    this.inactivityTimeoutMs = options.inactivityTimeoutMs ?? 60_000;
    this.sdpAddress = options.remoteAddress;
    this.sdpPort = options.remotePort;
    this.sdpRtcpPort = options.remoteRtcpPort ?? options.remotePort + 1;
    const relatchAfterMs = options.relatchAfterMs ?? 1500;
    this.rtpLatch = new AddressLatch(relatchAfterMs);
    this.rtcpLatch = new AddressLatch(relatchAfterMs);
    const random = randomBytes(6);
    this.localSsrc = random.readUInt32BE(0);
    // A random initial sequence number makes known-plaintext attacks on SRTP harder (§5.1).
    this.seq = random.readUInt16BE(4);
    this.recv = new ReceiveStats(options.clockRateHz);
    for (let i = 0; i < SEND_SLOTS; i++) this.sendSlots.push(Buffer.allocUnsafe(SEND_SLOT_BYTES));
    this.lastRtpMs = this.now();
    this.reporter = new RtcpReporter({
      localSsrc: this.localSsrc,
      clockRateHz: options.clockRateHz,
      cname: options.cname ?? `${randomBytes(8).toString('hex')}@switchboard`,
      intervalMs: options.rtcpIntervalMs ?? 5000,
      recv: this.recv,
      now: this.now,
      timers: this.timers,
      send: this.sendRtcp,
    });
    this.rtpSocket.on('message', this.onRtpMessage);
    this.rtcpSocket?.on('message', this.onRtcpMessage);
    if (this.rtcpMux || this.rtcpSocket) this.reporter.start();
    this.armInactivity();
  }

  /** Where RTP goes now: the latched source when symmetric, else the SDP address. */
  get remoteAddress(): string {
    return this.symmetric && this.rtpLatch.address !== undefined
      ? this.rtpLatch.address
      : this.sdpAddress;
  }

  /** The RTP port we send to now. */
  get remotePort(): number {
    return this.symmetric && this.rtpLatch.latched ? this.rtpLatch.port : this.sdpPort;
  }

  /** The current remote SSRC. */
  get remoteSsrc(): number | undefined {
    return this.ssrcGuard.current;
  }

  private readonly onRtpMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.closed) return;
    if (isRtcpPacket(msg)) {
      // Demultiplexed even without negotiated rtcp-mux: RTP must not use these payload types.
      this.onRtcp(msg, rinfo, true);
      return;
    }
    const packet = parseRtp(msg);
    if (isRtpParseFailure(packet)) return this.drop('malformed');
    if (!this.accepted.has(packet.payloadType)) return this.drop('unknown-payload-type');
    const nowMs = this.now();
    // Only packets that passed validation may latch: garbage must not steer our media.
    const verdict = this.rtpLatch.check(rinfo.address, rinfo.port, nowMs);
    if (verdict === 'wrong-source') return this.drop('wrong-source');
    if (verdict === 'latched') {
      // A new media source: its RTCP is latched afresh too.
      this.rtcpLatch.reset();
      this.emit('latch', rinfo.address, rinfo.port);
    }
    const ssrc = this.ssrcGuard.check(packet.ssrc, packet.sequenceNumber, nowMs);
    if (ssrc === 'unconfirmed') return this.drop('ssrc-unconfirmed');
    if (ssrc !== 'current') this.switchSource(packet, ssrc === 'first');
    if (this.recv.update(packet.sequenceNumber, packet.timestamp, nowMs) === 'bad-sequence') {
      return this.drop('bad-sequence');
    }
    this.lastRtpMs = nowMs;
    this.receivedPackets++;
    this.receivedBytes += packet.payload.length;
    this.emit('packet', packet, nowMs);
  };

  private switchSource(packet: RtpPacket, first: boolean): void {
    const previous = this.recv.ssrc;
    if (!first) {
      this.ssrcChanges++;
      this.lostPrior += this.recv.lost;
      this.expectedPrior += this.recv.expected;
    }
    this.recv.reset(packet.ssrc, packet.sequenceNumber);
    this.reporter.sourceChanged();
    this.emit('ssrcChange', packet.ssrc, previous);
  }

  private readonly onRtcpMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (!this.closed) this.onRtcp(msg, rinfo, false);
  };

  private onRtcp(msg: Buffer, rinfo: RemoteInfo, onRtpSocket: boolean): void {
    const result = this.reporter.parse(msg);
    if (!result) return this.drop('rtcp-garbage');
    if (!this.acceptRtcpSource(rinfo, onRtpSocket)) return this.drop('rtcp-wrong-source');
    const nowMs = this.now();
    const left = this.reporter.receive(result, this.ssrcGuard.current, nowMs);
    if (left) this.ssrcGuard.sourceLeft(left.ssrc);
    this.emit('rtcp', result);
    if (left) this.emit('bye', left.ssrc, left.reason);
  }

  private acceptRtcpSource(rinfo: RemoteInfo, onRtpSocket: boolean): boolean {
    if (onRtpSocket) {
      // Muxed RTCP comes from the RTP source itself.
      return !this.rtpLatch.latched || this.rtpLatch.matches(rinfo.address, rinfo.port);
    }
    // On the RTCP port: the host must be the media source's; the port is latched.
    if (this.rtpLatch.latched && rinfo.address !== this.rtpLatch.address) return false;
    return this.rtcpLatch.check(rinfo.address, rinfo.port, this.now()) !== 'wrong-source';
  }

  private drop(reason: RtpDropReason): void {
    this.dropped[reason]++;
    this.emit('drop', reason);
  }

  /**
   * Sends one RTP packet from our SSRC with the next sequence number. The payload is copied
   * (into a reused buffer when it fits), so the caller may reuse its buffer right away.
   */
  send(payload: Uint8Array, payloadType: number, timestamp: number, marker: boolean): void {
    if (this.closed) return;
    this.seq = (this.seq + 1) & 0xffff;
    const total = RTP_HEADER_BYTES + payload.length;
    // Node reads the datagram after an asynchronous address step, so a ring slot is reused
    // only once every send issued before it has completed (sends complete in order).
    let buf: Buffer;
    if (total <= SEND_SLOT_BYTES && this.sendsInFlight < SEND_SLOTS) {
      buf = this.sendSlots[this.sendSlot]!;
      this.sendSlot = (this.sendSlot + 1) % SEND_SLOTS;
    } else {
      buf = Buffer.allocUnsafe(total);
    }
    writeRtpHeader(
      { marker, payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.localSsrc },
      buf,
      0,
    );
    buf.set(payload, RTP_HEADER_BYTES);
    this.sendsInFlight++;
    try {
      this.rtpSocket.send(buf, 0, total, this.remotePort, this.remoteAddress, this.onSent);
    } catch {
      // A closed socket throws synchronously; the packet is gone either way.
      this.sendsInFlight--;
      this.drop('send-error');
      return;
    }
    this.reporter.sent(timestamp, payload.length);
  }

  private readonly onSent = (err: Error | null): void => {
    this.sendsInFlight--;
    if (err) this.drop('send-error');
  };

  private readonly sendRtcp = (datagram: Buffer): void => {
    let socket: Socket;
    let address: string;
    let port: number;
    if (this.rtcpMux) {
      socket = this.rtpSocket;
      address = this.remoteAddress;
      port = this.remotePort;
    } else if (this.rtcpSocket) {
      socket = this.rtcpSocket;
      if (this.symmetric && this.rtcpLatch.address !== undefined) {
        address = this.rtcpLatch.address;
        port = this.rtcpLatch.port;
      } else if (this.symmetric && this.rtpLatch.address !== undefined) {
        // No RTCP heard yet: the media host, at the conventional port + 1 (RFC 3550 §11).
        address = this.rtpLatch.address;
        port = this.rtpLatch.port + 1;
      } else {
        address = this.sdpAddress;
        port = this.sdpRtcpPort;
      }
    } else {
      return;
    }
    try {
      socket.send(datagram, port, address, this.onRtcpSent);
    } catch {
      this.drop('send-error');
    }
  };

  private readonly onRtcpSent = (err: Error | null): void => {
    if (err) this.drop('send-error');
  };

  /** Replaces the accepted payload types (a re-INVITE changed the codec or DTMF type). */
  setAcceptedPayloadTypes(types: ReadonlySet<number>): void {
    this.accepted = types;
  }

  /** A re-INVITE moved the remote: send to the new SDP address and latch afresh. */
  /**
   * Switches to another RTP clock rate after a codec change. Receive statistics start afresh:
   * sequence and jitter state in the old clock's units mean nothing in the new one.
   */
  setClockRate(clockRateHz: number): void {
    if (clockRateHz === this.recv.clockRateHz) return;
    this.recv = new ReceiveStats(clockRateHz);
    this.reporter.setClock(clockRateHz, this.recv);
  }

  updateRemote(remote: { address: string; port: number; rtcpPort?: number }): void {
    this.sdpAddress = remote.address;
    this.sdpPort = remote.port;
    this.sdpRtcpPort = remote.rtcpPort ?? remote.port + 1;
    this.rtpLatch.reset();
    this.rtcpLatch.reset();
    this.ssrcGuard.expectChange();
  }

  /** Stops inactivity detection (the call is on hold: silence is expected). */
  pauseInactivity(): void {
    this.inactivityPaused = true;
    this.clearInactivity();
  }

  /** Restarts inactivity detection from now, re-arming the `inactive` event. */
  resumeInactivity(): void {
    this.inactivityPaused = false;
    this.inactivityFired = false;
    this.lastRtpMs = this.now();
    this.armInactivity();
  }

  private armInactivity(): void {
    this.clearInactivity();
    if (this.closed || this.inactivityPaused || this.inactivityFired) return;
    if (this.inactivityTimeoutMs <= 0) return;
    const dueInMs = this.lastRtpMs + this.inactivityTimeoutMs - this.now();
    // One timer per timeout period, re-armed from the last arrival when it fires: no timer
    // work per packet.
    this.inactivityTimer = this.timers.setTimeout(this.onInactivityTimer, Math.max(0, dueInMs));
  }

  private readonly onInactivityTimer = (): void => {
    this.inactivityTimer = undefined;
    if (this.closed || this.inactivityPaused) return;
    if (this.now() - this.lastRtpMs >= this.inactivityTimeoutMs) {
      this.inactivityFired = true;
      this.emit('inactive');
      return;
    }
    this.armInactivity();
  };

  private clearInactivity(): void {
    if (this.inactivityTimer !== undefined) {
      this.timers.clearTimeout(this.inactivityTimer);
      this.inactivityTimer = undefined;
    }
  }

  /** Counters and the remote's view of our stream. */
  stats(): RtpSessionStats {
    const lost = this.lostPrior + this.recv.lost;
    const expected = this.expectedPrior + this.recv.expected;
    return {
      localSsrc: this.localSsrc,
      remoteSsrc: this.ssrcGuard.current,
      packetsReceived: this.receivedPackets,
      bytesReceived: this.receivedBytes,
      packetsLost: lost,
      fractionLost: expected > 0 ? Math.max(0, lost) / expected : 0,
      jitterMs: this.recv.jitterMs,
      packetsSent: this.reporter.sentPackets,
      bytesSent: this.reporter.sentOctets,
      dropped: { ...this.dropped },
      remoteReport: this.reporter.remoteReport,
      ssrcChanges: this.ssrcChanges,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      latched: this.rtpLatch.latched,
    };
  }

  /**
   * Ends the session: sends an RTCP BYE (in a compound with a final report), stops its timers
   * and removes its socket listeners. The sockets stay open: their owner closes them.
   */
  close(reason?: string): void {
    if (this.closed) return;
    if (this.rtcpMux || this.rtcpSocket) this.reporter.sendBye(reason);
    this.closed = true;
    this.reporter.stop();
    this.clearInactivity();
    this.rtpSocket.off('message', this.onRtpMessage);
    this.rtcpSocket?.off('message', this.onRtcpMessage);
  }
}
