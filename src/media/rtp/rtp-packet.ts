/**
 * RTP fixed header (RFC 3550 §5.1): parsing that never throws on hostile input, and a
 * serialiser that can write into a reused buffer. The payload of a parsed packet is a view
 * into the received datagram, so parsing costs one small object per packet and no copy.
 */

/** Length of the fixed RTP header without CSRCs. */
export const RTP_HEADER_BYTES = 12;

/** A parsed RTP packet. */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number as sent. */
  sequenceNumber: number;
  /** 32-bit RTP timestamp as sent (unsigned). */
  timestamp: number;
  /** 32-bit synchronisation source (unsigned). */
  ssrc: number;
  /** Number of contributing sources listed in the header (their ids are not kept). */
  csrcCount: number;
  /** The payload without header, extension or padding: a view into the datagram, not a copy. */
  payload: Uint8Array;
}

/** Why a datagram is not an RTP packet. */
export type RtpParseFailureReason =
  'too-short' | 'bad-version' | 'truncated-csrc' | 'bad-extension' | 'bad-padding';

/** The result of {@link parseRtp} for input that is not a valid RTP packet. */
export interface RtpParseFailure {
  ok: false;
  reason: RtpParseFailureReason;
}

// One frozen object per reason: rejecting garbage (a flood of it, typically) allocates nothing.
const FAILURES: Record<RtpParseFailureReason, RtpParseFailure> = {
  'too-short': Object.freeze({ ok: false, reason: 'too-short' }),
  'bad-version': Object.freeze({ ok: false, reason: 'bad-version' }),
  'truncated-csrc': Object.freeze({ ok: false, reason: 'truncated-csrc' }),
  'bad-extension': Object.freeze({ ok: false, reason: 'bad-extension' }),
  'bad-padding': Object.freeze({ ok: false, reason: 'bad-padding' }),
};

/** True when {@link parseRtp} rejected its input. */
export function isRtpParseFailure(r: RtpPacket | RtpParseFailure): r is RtpParseFailure {
  return (r as Partial<RtpParseFailure>).ok === false;
}

/**
 * Parses one RTP datagram. CSRCs and a header extension (§5.3.1) are skipped, padding (P bit)
 * is removed; anything inconsistent is reported as a failure, never thrown.
 */
export function parseRtp(buf: Uint8Array): RtpPacket | RtpParseFailure {
  const len = buf.length;
  if (len < RTP_HEADER_BYTES) return FAILURES['too-short'];
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return FAILURES['bad-version'];
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > len) return FAILURES['truncated-csrc'];
  if (b0 & 0x10) {
    // Extension: 16-bit profile id, 16-bit length in 32-bit words, then the words.
    if (offset + 4 > len) return FAILURES['bad-extension'];
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    offset += 4 + words * 4;
    if (offset > len) return FAILURES['bad-extension'];
  }
  let end = len;
  if (b0 & 0x20) {
    // The last octet counts the padding octets including itself, so it cannot be zero.
    const pad = buf[len - 1]!;
    if (pad === 0 || offset + pad > len) return FAILURES['bad-padding'];
    end = len - pad;
  }
  const b1 = buf[1]!;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (buf[2]! << 8) | buf[3]!,
    timestamp: ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0,
    ssrc: ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0,
    csrcCount,
    payload: buf.subarray(offset, end),
  };
}

/** Header fields {@link writeRtp} writes. */
export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/**
 * Writes the 12-byte fixed header (no CSRC, no extension, no padding) at `offset` of `out`
 * and returns the number of bytes written. Values are truncated to their field widths.
 */
export function writeRtpHeader(fields: RtpHeaderFields, out: Uint8Array, offset = 0): number {
  const seq = fields.sequenceNumber;
  const ts = fields.timestamp;
  const ssrc = fields.ssrc;
  out[offset] = 0x80;
  out[offset + 1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  out[offset + 2] = (seq >>> 8) & 0xff;
  out[offset + 3] = seq & 0xff;
  out[offset + 4] = (ts >>> 24) & 0xff;
  out[offset + 5] = (ts >>> 16) & 0xff;
  out[offset + 6] = (ts >>> 8) & 0xff;
  out[offset + 7] = ts & 0xff;
  out[offset + 8] = (ssrc >>> 24) & 0xff;
  out[offset + 9] = (ssrc >>> 16) & 0xff;
  out[offset + 10] = (ssrc >>> 8) & 0xff;
  out[offset + 11] = ssrc & 0xff;
  return RTP_HEADER_BYTES;
}

/**
 * Serialises a packet. With `out` large enough, the packet is written into it and a view of
 * exactly the packet's length is returned (no new memory); otherwise a new buffer is allocated.
 */
export function writeRtp(fields: RtpHeaderFields, payload: Uint8Array, out?: Buffer): Buffer {
  const total = RTP_HEADER_BYTES + payload.length;
  const target = out && out.length >= total ? out : Buffer.allocUnsafe(total);
  writeRtpHeader(fields, target, 0);
  target.set(payload, RTP_HEADER_BYTES);
  return target.length === total ? target : target.subarray(0, total);
}

/**
 * RFC 5761 §4 demultiplexing for rtcp-mux: RTCP packet types 192–223 (SR 200, RR 201, …) land
 * in the second octet where RTP has marker + payload type 64–95, which RTP must not use then.
 */
export function isRtcpPacket(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const b1 = buf[1]!;
  return b1 >= 192 && b1 <= 223;
}
