/**
 * RTP for the media benchmark: header writing and parsing, the sequence stamp carried inside the
 * PCMU payload, and the RFC 3550 interarrival jitter estimator.
 *
 * The stamp is what makes loss and latency exact. The server decodes each µ-law payload to PCM
 * and encodes what it sends back; G.711 µ-law decode→encode returns the same byte for every code
 * except 0x7F ("negative zero", which comes back as 0xFF). So bytes drawn from a round-tripping
 * alphabet survive a server that is bit-transparent for G.711, and the generator can read back
 * which stream and which send index a returned packet carries. Anything the server synthesises
 * instead (silence, packet-loss concealment) carries no valid stamp and is counted apart.
 *
 * Deliberately independent of `src/media`: the benchmark must not share a codec with the server
 * it measures.
 */
// The server's own G.711 (ITU-T G.191 tables): the stamp must survive exactly what it does.
import { linearToUlaw, ulawToLinear } from '../../src/media/index.js';

/** RTP payload type of PCMU (RFC 3551). */
export const PCMU_PT = 0;
/** Payload type the generator offers for telephone-event (RFC 4733). */
export const TELEPHONE_EVENT_PT = 101;
/** Bytes of a 20 ms PCMU payload at 8 kHz. */
export const PCMU_PAYLOAD_BYTES = 160;
/** Packet interval. */
export const PACKET_INTERVAL_MS = 20;
/** RTP header without CSRCs or extension. */
export const RTP_HEADER_BYTES = 12;

/**
 * The 16 codes that carry a stamp's nibbles: positive samples of moderate level (segment 2 of
 * µ-law, around +1000 of 32767), far from 0x7F/0xFF where decode→encode is not the identity.
 */
const NIBBLE_CODES = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
/** Code → nibble, or -1 for codes outside the alphabet. */
const NIBBLE_OF = new Int8Array(256).fill(-1);
for (const [nibble, code] of NIBBLE_CODES.entries()) NIBBLE_OF[code] = nibble;
/** Marks the start of a stamp; none of these bytes is in the nibble alphabet. */
const MAGIC = [0x35, 0xca, 0x53] as const;
/** Filler between stamps: small negative samples, neither magic nor alphabet. */
const FILLER_CODE = 0x6e;

/** magic (3) + stream id (4 nibbles) + send index (6 nibbles) + check (2 nibbles). */
export const STAMP_BYTES = 15;
/** Stamps repeat every this many bytes, so a stamp survives a server that shifts samples. */
const STAMP_PERIOD = 16;
/** Largest stream id a stamp can carry. */
export const MAX_STREAM_ID = 0xffff;
/** Send indices wrap at 2^24: 93 hours at 50 packets/s. */
const INDEX_MASK = 0xffffff;

function check(stream: number, index: number): number {
  return (stream * 31 + (index & 0xfff) * 7 + (index >>> 12) * 13 + 0x5a) & 0xff;
}

/**
 * Verifies with the G.191 reference algorithm that every stamp byte is unchanged by µ-law
 * decode→encode. If this fails the stamp design is wrong, not the server.
 *
 * @returns the codes that do not round-trip (empty when the alphabet is sound)
 */
export function stampAlphabetProblems(): number[] {
  const bad: number[] = [];
  for (const code of [...NIBBLE_CODES, ...MAGIC]) {
    if (linearToUlaw(ulawToLinear(code)) !== code) bad.push(code);
  }
  return bad;
}

/**
 * Writes a full 160-byte payload: the stamp repeated every 16 bytes with filler in between.
 *
 * @param out - destination, at least `offset + 160` bytes
 */
export function writeStampedPayload(
  out: Uint8Array,
  offset: number,
  stream: number,
  index: number,
): void {
  const idx = index & INDEX_MASK;
  const c = check(stream, idx);
  const stamp = STAMP_SCRATCH;
  stamp[0] = MAGIC[0];
  stamp[1] = MAGIC[1];
  stamp[2] = MAGIC[2];
  for (let i = 0; i < 4; i++) stamp[3 + i] = NIBBLE_CODES[(stream >>> (12 - 4 * i)) & 0xf]!;
  for (let i = 0; i < 6; i++) stamp[7 + i] = NIBBLE_CODES[(idx >>> (20 - 4 * i)) & 0xf]!;
  stamp[13] = NIBBLE_CODES[c >>> 4]!;
  stamp[14] = NIBBLE_CODES[c & 0xf]!;
  // 160 = 10 × 16: ten whole stamps, each followed by one filler byte.
  for (let pos = 0; pos + STAMP_PERIOD <= PCMU_PAYLOAD_BYTES; pos += STAMP_PERIOD) {
    out.set(stamp, offset + pos);
    out.fill(FILLER_CODE, offset + pos + STAMP_BYTES, offset + pos + STAMP_PERIOD);
  }
}
const STAMP_SCRATCH = new Uint8Array(STAMP_BYTES);

/** What a returned payload's stamp says. */
export interface Stamp {
  stream: number;
  index: number;
}

/**
 * Finds the first intact stamp in a payload (any alignment), or `undefined` when none survives
 * (silence, concealment, or a path that is not bit-transparent).
 */
export function readStamp(buf: Uint8Array, start: number, end: number): Stamp | undefined {
  for (let p = start; p + STAMP_BYTES <= end; p++) {
    if (buf[p] !== MAGIC[0] || buf[p + 1] !== MAGIC[1] || buf[p + 2] !== MAGIC[2]) continue;
    let stream = 0;
    let index = 0;
    let c = 0;
    let ok = true;
    for (let i = 0; i < 12 && ok; i++) {
      const nibble = NIBBLE_OF[buf[p + 3 + i]!]!;
      if (nibble < 0) ok = false;
      else if (i < 4) stream = (stream << 4) | nibble;
      else if (i < 10) index = (index << 4) | nibble;
      else c = (c << 4) | nibble;
    }
    if (ok && c === check(stream, index)) return { stream, index };
  }
  return undefined;
}

/** Fields of a received RTP packet the benchmark uses. */
export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload in the datagram. */
  payloadOffset: number;
  /** End of the payload (before padding). */
  payloadEnd: number;
}

/** Writes a 12-byte RTP header (version 2, no padding, extension or CSRCs). */
export function writeRtpHeader(
  out: Buffer,
  payloadType: number,
  marker: boolean,
  sequence: number,
  timestamp: number,
  ssrc: number,
): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out.writeUInt16BE(sequence & 0xffff, 2);
  out.writeUInt32BE(timestamp >>> 0, 4);
  out.writeUInt32BE(ssrc >>> 0, 8);
}

/**
 * Parses an RTP header, skipping CSRCs, a header extension and padding.
 *
 * @returns the header, or `undefined` for anything that is not RTP version 2 (RTCP included:
 *   payload types 72–76 with the marker bit are RTCP packet types 200–204 under rtcp-mux)
 */
export function parseRtpHeader(buf: Buffer): RtpHeader | undefined {
  if (buf.length < RTP_HEADER_BYTES || buf[0]! >> 6 !== 2) return undefined;
  const second = buf[1]!;
  if (second >= 200 && second <= 204) return undefined;
  const csrcCount = buf[0]! & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (end < offset) return undefined;
  return {
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payloadOffset: offset,
    payloadEnd: end,
  };
}

/**
 * RFC 3550 §6.4.1 / A.8 interarrival jitter: J += (|D| − J) / 16, where D is the difference of
 * the arrival spacing and the RTP timestamp spacing of consecutive packets, in timestamp units.
 * Kept in milliseconds here (8 kHz: 8 units per ms).
 */
export class JitterEstimator {
  private lastArrivalMs: number | undefined;
  private lastTimestamp = 0;
  private lastSsrc = 0;
  private jitterMs = 0;
  private samples = 0;

  constructor(private readonly clockRateHz = 8000) {}

  /** Feeds one packet: its arrival time and RTP timestamp (and SSRC, to restart on a change). */
  update(arrivalMs: number, timestamp: number, ssrc: number): void {
    if (this.lastArrivalMs === undefined || ssrc !== this.lastSsrc) {
      this.lastArrivalMs = arrivalMs;
      this.lastTimestamp = timestamp;
      this.lastSsrc = ssrc;
      return;
    }
    // Timestamp difference modulo 2^32, signed, so a wrap does not look like a jump.
    const dTs = ((timestamp - this.lastTimestamp) | 0) / (this.clockRateHz / 1000);
    const d = arrivalMs - this.lastArrivalMs - dTs;
    this.jitterMs += (Math.abs(d) - this.jitterMs) / 16;
    this.lastArrivalMs = arrivalMs;
    this.lastTimestamp = timestamp;
    this.samples++;
  }

  /** The current estimate in ms, or `undefined` before two packets. */
  get valueMs(): number | undefined {
    return this.samples === 0 ? undefined : this.jitterMs;
  }
}
