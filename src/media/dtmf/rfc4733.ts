/**
 * RFC 4733 telephone-events (the DTMF payload negotiated as `telephone-event` in SDP): parse and
 * build the 4-byte payload, turn a stream of event packets into one {@link DtmfEvent} per key
 * press, and produce the packets to send for one press.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * All packets of one event carry the RTP timestamp of the event's start; the duration grows in
 * each update, and the final packet (E bit) is sent three times (§2.5.1.4).
 */
import { FRAME_MS } from '../audio-frame.js';
import { dtmfDigitFromEventCode, dtmfEventCode, isDtmfDigit } from './digits.js';
import type { DtmfDigit, DtmfEvent } from './types.js';

/** Largest duration one event packet can carry, in RTP clock units (§2.5.1.3). */
export const MAX_TELEPHONE_EVENT_DURATION_UNITS = 0xffff;

/** The fields of one telephone-event payload. */
export interface TelephoneEventPayload {
  /** Event code: 0–15 are DTMF keys, 16 is flash; others are tones and line events. */
  event: number;
  /** The E bit: this is (a retransmission of) the final packet of the event. */
  end: boolean;
  /** Power level of the tone in -dBm0 (0–63); informational. */
  volume: number;
  /** Duration so far, in units of the RTP clock (0–65535). */
  durationUnits: number;
}

/** Parses a telephone-event payload; undefined when shorter than 4 bytes. Extra bytes are ignored. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEventPayload | undefined {
  if (payload.length < 4) return undefined;
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    durationUnits: (payload[2]! << 8) | payload[3]!,
  };
}

/** Builds a 4-byte telephone-event payload (R bit zero, fields clamped to their widths). */
export function encodeTelephoneEvent(fields: TelephoneEventPayload): Uint8Array {
  const duration = Math.min(Math.max(Math.round(fields.durationUnits), 0), 0xffff);
  const volume = Math.min(Math.max(Math.round(fields.volume), 0), 63);
  return Uint8Array.of(
    fields.event & 0xff,
    (fields.end ? 0x80 : 0) | volume,
    duration >>> 8,
    duration & 0xff,
  );
}

/** Options of a {@link TelephoneEventReceiver}. */
export interface TelephoneEventReceiverOptions {
  /**
   * RTP timestamp (same clock and SSRC as the events) that corresponds to media time 0, usually
   * the timestamp of the stream's first audio packet. Events then carry `timestampMs` in the
   * same media time as the stream's AudioFrames. Without it, `timestampMs` is the event's RTP
   * timestamp converted to ms (wrapping with the 32-bit timestamp). Settable later with
   * {@link TelephoneEventReceiver.setRtpTimestampBase}.
   */
  rtpTimestampBase?: number;
  /**
   * How long an event may go without any packet before it is reported anyway, in ms of the
   * clock passed to `receive`/`expire`: covers the case where all three end packets are lost.
   * Senders update every 20–50 ms, so 200 ms is several missed updates. Default 200.
   */
  endTimeoutMs?: number;
}

/** Counters of a {@link TelephoneEventReceiver}, for metrics and debugging. */
export interface TelephoneEventReceiverStats {
  /** Every packet passed to `receive`. */
  packets: number;
  /** Events reported (one per key press). */
  events: number;
  /** Payloads shorter than 4 bytes. */
  malformed: number;
  /** Packets of events that are not DTMF keys (flash = 16, tones, line events). */
  unsupportedEvents: number;
  /** Packets of an already reported event: the redundant end packets and late updates. */
  duplicates: number;
  /** Packets of an older event that arrived after a newer one had started. */
  stale: number;
  /** Events reported without having seen an end packet (new event started, timeout, flush). */
  endLost: number;
}

/** RTP timestamps further back than this many seconds are a timestamp jump, not a late packet. */
const STALE_WINDOW_S = 10;
/** Finished events remembered so that their late and redundant packets are ignored. */
const RECENT_EVENTS = 16;

/**
 * Turns incoming telephone-event packets into one {@link DtmfEvent} per key press.
 *
 * An event is identified by its RTP timestamp and event code. It is reported on the first
 * packet carrying the E bit; the redundant end packets and any late or retransmitted update are
 * ignored. If every end packet is lost, the event is still reported exactly once: when the next
 * event starts, when {@link expire} sees no packet for `endTimeoutMs`, or on {@link flush}.
 * Long events split into segments (§2.5.1.3: a new timestamp, same code, no marker, one
 * maximum duration later) are joined back into one press.
 *
 * One receiver per RTP stream (SSRC); call {@link reset} if the SSRC changes.
 */
export class TelephoneEventReceiver {
  /** Counters since construction. */
  readonly stats: TelephoneEventReceiverStats = {
    packets: 0,
    events: 0,
    malformed: 0,
    unsupportedEvents: 0,
    duplicates: 0,
    stale: 0,
    endLost: 0,
  };

  private readonly endTimeoutMs: number;
  private rtpTimestampBase: number | undefined;
  private lastNowMs = 0;

  // The event in progress (or the last one, once reported).
  private active = false;
  private code = 0;
  /** RTP timestamp of the press (first segment). */
  private startTs = 0;
  /** RTP timestamp of the current segment. */
  private segmentTs = 0;
  /** Duration of the segments before the current one, in RTP units. */
  private earlierUnits = 0;
  /** Largest duration seen in the current segment (packets may arrive reordered). */
  private segmentUnits = 0;
  private clockRateHz = 8000;
  private ended = false;
  private reported = false;
  private lastPacketMs = 0;

  // Keys (timestamp * 256 + code) of finished segments, in a ring.
  private readonly recent = new Float64Array(RECENT_EVENTS).fill(-1);
  private recentNext = 0;

  constructor(options: TelephoneEventReceiverOptions = {}) {
    this.endTimeoutMs = options.endTimeoutMs ?? 200;
    this.rtpTimestampBase =
      options.rtpTimestampBase === undefined ? undefined : options.rtpTimestampBase >>> 0;
  }

  /** Sets the RTP timestamp that is media time 0 (see {@link TelephoneEventReceiverOptions}). */
  setRtpTimestampBase(rtpTimestamp: number): void {
    this.rtpTimestampBase = rtpTimestamp >>> 0;
  }

  /**
   * Feeds one packet of the telephone-event payload type.
   * @param payload the RTP payload (4 bytes; more are ignored, RFC 4733 §2.5.1.5 redundancy
   *   blocks are not used by DTMF senders)
   * @param rtpTimestamp the packet's RTP timestamp (the event's start)
   * @param marker the RTP marker bit (set on an event's first packet)
   * @param clockRateHz the payload type's clock rate from SDP (8000, or 48000 with Opus)
   * @param nowMs arrival time on the owner's clock, the same clock given to {@link expire};
   *   defaults to the last time given to `expire` (at most one tick stale)
   * @returns the key press, exactly once per press, or undefined
   */
  receive(
    payload: Uint8Array,
    rtpTimestamp: number,
    marker: boolean,
    clockRateHz: number,
    nowMs: number = this.lastNowMs,
  ): DtmfEvent | undefined {
    this.stats.packets++;
    this.lastNowMs = nowMs;
    if (payload.length < 4) {
      this.stats.malformed++;
      return undefined;
    }
    const code = payload[0]!;
    if (dtmfDigitFromEventCode(code) === undefined) {
      this.stats.unsupportedEvents++;
      return undefined;
    }
    const end = (payload[1]! & 0x80) !== 0;
    const units = (payload[2]! << 8) | payload[3]!;
    const ts = rtpTimestamp >>> 0;

    if (this.active && ts === this.segmentTs && code === this.code) {
      return this.update(units, end, nowMs);
    }
    if (this.isRecent(ts, code)) {
      this.stats.duplicates++;
      return undefined;
    }

    let out: DtmfEvent | undefined;
    if (this.active) {
      const delta = (ts - this.segmentTs) | 0;
      if (
        code === this.code &&
        !marker &&
        !this.ended &&
        !this.reported &&
        Math.abs(delta - MAX_TELEPHONE_EVENT_DURATION_UNITS) <= clockRateHz * 0.1
      ) {
        // The next segment of a long press: same press, new timestamp.
        this.remember(this.segmentTs, this.code);
        this.earlierUnits += delta;
        this.segmentTs = ts;
        this.segmentUnits = 0;
        return this.update(units, end, nowMs);
      }
      if (delta < 0 && delta > -clockRateHz * STALE_WINDOW_S) {
        this.stats.stale++;
        return undefined;
      }
      if (!this.reported) out = this.report(false);
      this.remember(this.segmentTs, this.code);
    }

    this.active = true;
    this.code = code;
    this.startTs = ts;
    this.segmentTs = ts;
    this.earlierUnits = 0;
    this.segmentUnits = units;
    this.clockRateHz = clockRateHz;
    this.ended = end;
    this.reported = false;
    this.lastPacketMs = nowMs;
    // A press whose first surviving packet is already an end packet, right after a press whose
    // end was lost: the older one is returned now, this one on the next receive/expire call.
    if (end && out === undefined) out = this.report(true);
    return out;
  }

  /**
   * Reports an event whose end packets were lost once `endTimeoutMs` passed without a packet
   * for it (or one held back by {@link receive}). Call it every media tick (20 ms).
   * @param nowMs the owner's clock, the same one passed to `receive`
   */
  expire(nowMs: number): DtmfEvent | undefined {
    this.lastNowMs = nowMs;
    if (!this.active || this.reported) return undefined;
    if (this.ended) return this.report(true);
    if (nowMs - this.lastPacketMs >= this.endTimeoutMs) return this.report(false);
    return undefined;
  }

  /** Reports the event in progress now, if any is unreported (at the end of the stream). */
  flush(): DtmfEvent | undefined {
    if (!this.active || this.reported) return undefined;
    return this.report(this.ended);
  }

  /** Forgets the event in progress and the recent ones (new SSRC). Counters are kept. */
  reset(): void {
    this.active = false;
    this.recent.fill(-1);
    this.recentNext = 0;
  }

  private update(units: number, end: boolean, nowMs: number): DtmfEvent | undefined {
    this.lastPacketMs = nowMs;
    // Reordered packets carry smaller durations: the largest one seen is the truth.
    if (units > this.segmentUnits) this.segmentUnits = units;
    if (end) this.ended = true;
    if (this.reported) {
      this.stats.duplicates++;
      return undefined;
    }
    return this.ended ? this.report(true) : undefined;
  }

  private report(sawEnd: boolean): DtmfEvent {
    this.reported = true;
    this.stats.events++;
    if (!sawEnd) this.stats.endLost++;
    const clock = this.clockRateHz;
    const base = this.rtpTimestampBase;
    const startUnits = base === undefined ? this.startTs : (this.startTs - base) | 0;
    return {
      digit: dtmfDigitFromEventCode(this.code)!,
      durationMs: Math.round(((this.earlierUnits + this.segmentUnits) * 1000) / clock),
      source: 'rfc4733',
      timestampMs: Math.round((startUnits * 1000) / clock),
    };
  }

  private remember(ts: number, code: number): void {
    this.recent[this.recentNext] = ts * 256 + code;
    this.recentNext = (this.recentNext + 1) % RECENT_EVENTS;
  }

  private isRecent(ts: number, code: number): boolean {
    const key = ts * 256 + code;
    for (let i = 0; i < RECENT_EVENTS; i++) if (this.recent[i] === key) return true;
    return false;
  }
}

/** Options of {@link telephoneEventPackets}. */
export interface TelephoneEventPacketOptions {
  /** Clock rate of the negotiated telephone-event payload type (8000, or 48000 with Opus). */
  clockRateHz: number;
  /** How long the key is "held". Default 100 ms; capped at 65535 clock units (§2.5.1.3). */
  durationMs?: number;
  /** Tone power in -dBm0 (0–63) put in the volume field. Default 10 (i.e. -10 dBm0). */
  volume?: number;
  /** Time between packets; the stream sends one per tick. Default {@link FRAME_MS} (20 ms). */
  packetIntervalMs?: number;
}

/** One packet of a key press, as produced by {@link telephoneEventPackets}. */
export interface TelephoneEventPacket {
  /** The 4-byte telephone-event payload. */
  payload: Uint8Array;
  /** RTP marker bit: set on the first packet of the event only. */
  marker: boolean;
  /** Always 0: every packet of an event carries the event's start timestamp (§2.5.1.1). */
  timestampOffset: 0;
  /** Duration field of this packet, in clock units. */
  durationUnits: number;
  /** E bit: the final packet, sent three times. */
  end: boolean;
}

/**
 * The packets to send, one per packet interval, for one key press (RFC 4733 §2.5): the first
 * with the marker bit, each reporting the duration up to the end of its interval, the last
 * with the E bit and sent three times in all (§2.5.1.4), all with the same RTP timestamp.
 */
export function telephoneEventPackets(
  digit: DtmfDigit,
  options: TelephoneEventPacketOptions,
): TelephoneEventPacket[] {
  if (!isDtmfDigit(digit)) throw new RangeError(`not a DTMF digit: ${String(digit)}`);
  const event = dtmfEventCode(digit);
  const volume = options.volume ?? 10;
  const clock = options.clockRateHz;
  const totalUnits = Math.min(
    Math.max(Math.round(((options.durationMs ?? 100) * clock) / 1000), 1),
    MAX_TELEPHONE_EVENT_DURATION_UNITS,
  );
  const stepUnits = Math.max(
    1,
    Math.round(((options.packetIntervalMs ?? FRAME_MS) * clock) / 1000),
  );
  const updates = Math.ceil(totalUnits / stepUnits);
  const packets: TelephoneEventPacket[] = [];
  for (let k = 0; k < updates + 2; k++) {
    const end = k >= updates - 1;
    const durationUnits = Math.min((k + 1) * stepUnits, totalUnits);
    packets.push({
      payload: encodeTelephoneEvent({ event, end, volume, durationUnits }),
      marker: k === 0,
      timestampOffset: 0,
      durationUnits,
      end,
    });
  }
  return packets;
}

/** Per-event settings of {@link TelephoneEventSender.start}; unset fields use the sender's. */
export type TelephoneEventStartOptions = Partial<TelephoneEventPacketOptions>;

/** A packet to send now, as returned by {@link TelephoneEventSender.next}. */
export interface OutgoingTelephoneEvent {
  payload: Uint8Array;
  /** RTP marker bit (first packet of the event only). */
  marker: boolean;
  /** RTP timestamp to put on the packet: the event's start, identical for all its packets. */
  timestamp: number;
  /** The key being sent. */
  digit: DtmfDigit;
  /** E bit set: one of the three final packets. */
  end: boolean;
  /** The last packet of the event: the next `next()` returns undefined. */
  final: boolean;
}

/**
 * Sends one key press at a time as RFC 4733 events, one packet per media tick, for an RTP
 * stream to interleave with its audio. The stream calls {@link start} with the RTP timestamp of
 * the current tick, then {@link next} once per tick: while it returns a packet the stream sends
 * that (telephone-event payload type, same SSRC, next sequence number) instead of the audio
 * packet; when it returns undefined the stream sends audio again. The stream's own timestamp
 * keeps advancing every tick, events included, so audio after the event and the next event
 * start later on the timeline (§2.5.1.4). Queueing digits and the inter-digit gap are the
 * stream's business; the three end packets already leave 40 ms between events.
 */
export class TelephoneEventSender {
  private packets: TelephoneEventPacket[] = [];
  private packetIndex = 0;
  private digit: DtmfDigit = '0';
  private eventTimestamp = 0;
  private volume = 10;
  private readonly defaults: TelephoneEventPacketOptions;

  /** @param options defaults for every event: clock 8000 Hz, 100 ms, volume 10, 20 ms packets */
  constructor(options: TelephoneEventStartOptions = {}) {
    this.defaults = { ...options, clockRateHz: options.clockRateHz ?? 8000 };
  }

  /**
   * Starts sending `digit`, replacing any event in progress (which is then left without end
   * packets: call {@link stop} first to end it cleanly).
   * @param startTimestamp RTP timestamp of the current tick; every packet of the event carries it
   * @throws RangeError when `digit` is not a DTMF key
   */
  start(digit: DtmfDigit, startTimestamp: number, options: TelephoneEventStartOptions = {}): void {
    const d = this.defaults;
    const merged: TelephoneEventPacketOptions = {
      clockRateHz: options.clockRateHz ?? d.clockRateHz,
      durationMs: options.durationMs ?? d.durationMs,
      volume: options.volume ?? d.volume,
      packetIntervalMs: options.packetIntervalMs ?? d.packetIntervalMs,
    };
    this.packets = telephoneEventPackets(digit, merged);
    this.volume = merged.volume ?? 10;
    this.packetIndex = 0;
    this.digit = digit;
    this.eventTimestamp = startTimestamp >>> 0;
  }

  /** True while packets of an event remain to be sent. */
  get busy(): boolean {
    return this.packetIndex < this.packets.length;
  }

  /**
   * Ends the event in progress early: the remaining packets become the three end packets with
   * the duration reached so far, so the far end never sees a stuck key. No-op when idle.
   */
  stop(): void {
    if (!this.busy) return;
    if (this.packetIndex === 0) {
      this.packets = [];
      return;
    }
    const sent = this.packets[this.packetIndex - 1]!;
    if (sent.end) return; // already in the end packets
    const payload = encodeTelephoneEvent({
      event: dtmfEventCode(this.digit),
      end: true,
      volume: this.volume,
      durationUnits: sent.durationUnits,
    });
    const end: TelephoneEventPacket = {
      payload,
      marker: false,
      timestampOffset: 0,
      durationUnits: sent.durationUnits,
      end: true,
    };
    this.packets = [end, end, end];
    this.packetIndex = 0;
  }

  /** The packet to send on this tick, or undefined to send audio. */
  next(): OutgoingTelephoneEvent | undefined {
    const packet = this.packets[this.packetIndex];
    if (packet === undefined) return undefined;
    this.packetIndex++;
    return {
      payload: packet.payload,
      marker: packet.marker,
      timestamp: this.eventTimestamp,
      digit: this.digit,
      end: packet.end,
      final: this.packetIndex === this.packets.length,
    };
  }
}
