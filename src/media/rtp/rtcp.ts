/**
 * RTCP (RFC 3550 §6): compound packet parsing with the validity checks of Appendix A.2,
 * serialisation of SR/RR/SDES/BYE/APP, NTP timestamps and round-trip time from LSR/DLSR.
 * RTCP arrives every few seconds, so clarity wins over allocation-avoidance here.
 */

/** RTCP packet types (RFC 3550 §12.1). */
export const RTCP_SR = 200;
/** Receiver report. */
export const RTCP_RR = 201;
/** Source description. */
export const RTCP_SDES = 202;
/** Goodbye. */
export const RTCP_BYE = 203;
/** Application-defined. */
export const RTCP_APP = 204;

/** SDES item type of the canonical name (§6.5.1). */
export const SDES_CNAME = 1;

/** One reception report block (§6.4.1): what a receiver says about one source. */
export interface RtcpReportBlock {
  /** The source this block reports on. */
  ssrc: number;
  /** Fraction of packets lost since the previous report, 0–1 (an 8-bit fixed-point on the wire). */
  fractionLost: number;
  /** Cumulative packets lost, 24-bit signed (duplicates can make it negative). */
  cumulativeLost: number;
  /** Cycles (high 16 bits) and highest sequence number received (low 16 bits). */
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source; 0 if none. */
  lsr: number;
  /** Delay since that SR, in units of 1/65536 s; 0 if none. */
  dlsr: number;
}

/** Sender report. */
export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp: seconds since 1900 (unsigned 32-bit). */
  ntpSeconds: number;
  /** NTP timestamp: fraction of a second in units of 2^-32 s. */
  ntpFraction: number;
  /** RTP timestamp corresponding to the NTP timestamp. */
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: RtcpReportBlock[];
}

/** Receiver report. */
export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: RtcpReportBlock[];
}

/** One SDES item; `value` is UTF-8 text (PRIV items keep their prefix inside the text). */
export interface RtcpSdesItem {
  type: number;
  value: string;
}

/** One SDES chunk: the items describing one source. */
export interface RtcpSdesChunk {
  ssrc: number;
  items: RtcpSdesItem[];
}

/** Source description. */
export interface RtcpSdes {
  type: 'sdes';
  chunks: RtcpSdesChunk[];
}

/** Goodbye: the listed sources are leaving. */
export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** Application-defined packet. */
export interface RtcpApp {
  type: 'app';
  subtype: number;
  ssrc: number;
  /** Four ASCII characters. */
  name: string;
  data: Uint8Array;
}

/** Any RTCP packet this module understands. Other types are skipped by their length. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpApp;

/** Why a datagram is not a valid compound RTCP packet. */
export type RtcpParseFailureReason =
  | 'too-short'
  | 'bad-version'
  | 'bad-first-type'
  | 'bad-padding'
  | 'bad-length'
  | 'bad-report-count'
  | 'bad-sdes'
  | 'bad-bye'
  | 'bad-app';

/** The result of {@link parseRtcp}. */
export type RtcpParseResult =
  { ok: true; packets: RtcpPacket[] } | { ok: false; reason: RtcpParseFailureReason };

const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_POW_32 = 4_294_967_296;
const REPORT_BLOCK_BYTES = 24;

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function fail(reason: RtcpParseFailureReason): RtcpParseResult {
  return { ok: false, reason };
}

/**
 * Parses a compound RTCP packet. Per RFC 3550 Appendix A.2 the first packet must be an SR or
 * RR without padding, every packet must be version 2, only the last may be padded, and the
 * lengths must add up to the datagram exactly; anything else is garbage and yields a failure.
 */
export function parseRtcp(buf: Uint8Array): RtcpParseResult {
  if (buf.length < 8) return fail('too-short');
  const first = buf[1]!;
  if (buf[0]! >> 6 !== 2) return fail('bad-version');
  if (first !== RTCP_SR && first !== RTCP_RR) return fail('bad-first-type');
  if (buf[0]! & 0x20) return fail('bad-padding');
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) return fail('bad-length');
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return fail('bad-version');
    const count = b0 & 0x1f;
    const type = buf[offset + 1]!;
    const bytes = (((buf[offset + 2]! << 8) | buf[offset + 3]!) + 1) * 4;
    const end = offset + bytes;
    if (end > buf.length) return fail('bad-length');
    let bodyEnd = end;
    if (b0 & 0x20) {
      // Only the last packet of a compound may carry padding (A.2).
      if (end !== buf.length) return fail('bad-padding');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > bytes - 4) return fail('bad-padding');
      bodyEnd = end - pad;
    }
    const body = buf.subarray(offset, bodyEnd);
    let parsed: RtcpPacket | RtcpParseFailureReason | undefined;
    switch (type) {
      case RTCP_SR:
        parsed = parseSr(body, count);
        break;
      case RTCP_RR:
        parsed = parseRr(body, count);
        break;
      case RTCP_SDES:
        parsed = parseSdes(body, count);
        break;
      case RTCP_BYE:
        parsed = parseBye(body, count);
        break;
      case RTCP_APP:
        parsed = parseApp(body, count);
        break;
      default:
        // Unknown types (XR, RTPFB, PSFB, …) are skipped by their length.
        parsed = undefined;
    }
    if (typeof parsed === 'string') return fail(parsed);
    if (parsed) packets.push(parsed);
    offset = end;
  }
  return { ok: true, packets };
}

function parseReportBlocks(
  b: Uint8Array,
  start: number,
  count: number,
): RtcpReportBlock[] | undefined {
  if (start + count * REPORT_BLOCK_BYTES > b.length) return undefined;
  const reports: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + i * REPORT_BLOCK_BYTES;
    // Cumulative lost is a 24-bit two's complement number.
    const rawLost = (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!;
    reports.push({
      ssrc: u32(b, o),
      fractionLost: b[o + 4]! / 256,
      cumulativeLost: rawLost & 0x800000 ? rawLost - 0x1000000 : rawLost,
      extendedHighestSeq: u32(b, o + 8),
      jitter: u32(b, o + 12),
      lsr: u32(b, o + 16),
      dlsr: u32(b, o + 20),
    });
  }
  return reports;
}

function parseSr(b: Uint8Array, count: number): RtcpSenderReport | RtcpParseFailureReason {
  if (b.length < 28) return 'bad-length';
  const reports = parseReportBlocks(b, 28, count);
  if (!reports) return 'bad-report-count';
  return {
    type: 'sr',
    ssrc: u32(b, 4),
    ntpSeconds: u32(b, 8),
    ntpFraction: u32(b, 12),
    rtpTimestamp: u32(b, 16),
    packetCount: u32(b, 20),
    octetCount: u32(b, 24),
    reports,
  };
}

function parseRr(b: Uint8Array, count: number): RtcpReceiverReport | RtcpParseFailureReason {
  if (b.length < 8) return 'bad-length';
  const reports = parseReportBlocks(b, 8, count);
  if (!reports) return 'bad-report-count';
  return { type: 'rr', ssrc: u32(b, 4), reports };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function parseSdes(b: Uint8Array, count: number): RtcpSdes | RtcpParseFailureReason {
  const chunks: RtcpSdesChunk[] = [];
  let o = 4;
  for (let c = 0; c < count; c++) {
    if (o + 4 > b.length) return 'bad-sdes';
    const chunk: RtcpSdesChunk = { ssrc: u32(b, o), items: [] };
    o += 4;
    for (;;) {
      if (o >= b.length) return 'bad-sdes';
      const itemType = b[o]!;
      if (itemType === 0) {
        // End of the item list: the chunk is null-terminated and padded to 32 bits.
        o = (o + 4) & ~3;
        break;
      }
      if (o + 2 > b.length) return 'bad-sdes';
      const itemLen = b[o + 1]!;
      if (o + 2 + itemLen > b.length) return 'bad-sdes';
      chunk.items.push({ type: itemType, value: utf8.decode(b.subarray(o + 2, o + 2 + itemLen)) });
      o += 2 + itemLen;
    }
    if (o > b.length) return 'bad-sdes';
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

function parseBye(b: Uint8Array, count: number): RtcpBye | RtcpParseFailureReason {
  const listEnd = 4 + count * 4;
  if (listEnd > b.length) return 'bad-bye';
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(u32(b, 4 + i * 4));
  if (listEnd < b.length) {
    const reasonLen = b[listEnd]!;
    if (listEnd + 1 + reasonLen > b.length) return 'bad-bye';
    const reason = utf8.decode(b.subarray(listEnd + 1, listEnd + 1 + reasonLen));
    return { type: 'bye', ssrcs, reason };
  }
  return { type: 'bye', ssrcs };
}

function parseApp(b: Uint8Array, subtype: number): RtcpApp | RtcpParseFailureReason {
  if (b.length < 12) return 'bad-app';
  return {
    type: 'app',
    subtype,
    ssrc: u32(b, 4),
    name: String.fromCharCode(b[8]!, b[9]!, b[10]!, b[11]!),
    data: b.subarray(12),
  };
}

/** Serialises packets into one compound RTCP datagram (the caller orders them: SR/RR first). */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  const parts = packets.map(serializeOne);
  return Buffer.concat(parts);
}

function header(out: Buffer, count: number, type: number): void {
  out[0] = 0x80 | (count & 0x1f);
  out[1] = type;
  out.writeUInt16BE(out.length / 4 - 1, 2);
}

function writeReportBlocks(out: Buffer, start: number, reports: readonly RtcpReportBlock[]): void {
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i]!;
    const o = start + i * REPORT_BLOCK_BYTES;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out[o + 4] = Math.max(0, Math.min(255, Math.floor(r.fractionLost * 256)));
    const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(r.cumulativeLost)));
    const raw = lost & 0xffffff;
    out[o + 5] = (raw >> 16) & 0xff;
    out[o + 6] = (raw >> 8) & 0xff;
    out[o + 7] = raw & 0xff;
    out.writeUInt32BE(r.extendedHighestSeq >>> 0, o + 8);
    out.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.round(r.jitter))) >>> 0, o + 12);
    out.writeUInt32BE(r.lsr >>> 0, o + 16);
    out.writeUInt32BE(r.dlsr >>> 0, o + 20);
  }
}

function serializeOne(p: RtcpPacket): Buffer {
  switch (p.type) {
    case 'sr': {
      // At most 31 blocks fit the 5-bit count; a sender with more splits them across RRs.
      const reports = p.reports.slice(0, 31);
      const out = Buffer.alloc(28 + reports.length * REPORT_BLOCK_BYTES);
      header(out, reports.length, RTCP_SR);
      out.writeUInt32BE(p.ssrc >>> 0, 4);
      out.writeUInt32BE(p.ntpSeconds >>> 0, 8);
      out.writeUInt32BE(p.ntpFraction >>> 0, 12);
      out.writeUInt32BE(p.rtpTimestamp >>> 0, 16);
      out.writeUInt32BE(p.packetCount >>> 0, 20);
      out.writeUInt32BE(p.octetCount >>> 0, 24);
      writeReportBlocks(out, 28, reports);
      return out;
    }
    case 'rr': {
      const reports = p.reports.slice(0, 31);
      const out = Buffer.alloc(8 + reports.length * REPORT_BLOCK_BYTES);
      header(out, reports.length, RTCP_RR);
      out.writeUInt32BE(p.ssrc >>> 0, 4);
      writeReportBlocks(out, 8, reports);
      return out;
    }
    case 'sdes': {
      const chunks = p.chunks.slice(0, 31).map((c) => {
        const items = c.items.map((i) => {
          const value = Buffer.from(i.value, 'utf8').subarray(0, 255);
          return Buffer.concat([Buffer.from([i.type, value.length]), value]);
        });
        const body = Buffer.concat(items);
        // SSRC + items + at least one null octet, padded to a multiple of 4.
        const len = (4 + body.length + 1 + 3) & ~3;
        const out = Buffer.alloc(len);
        out.writeUInt32BE(c.ssrc >>> 0, 0);
        body.copy(out, 4);
        return out;
      });
      const body = Buffer.concat(chunks);
      const out = Buffer.alloc(4 + body.length);
      body.copy(out, 4);
      header(out, chunks.length, RTCP_SDES);
      return out;
    }
    case 'bye': {
      const ssrcs = p.ssrcs.slice(0, 31);
      const reason = p.reason === undefined ? undefined : Buffer.from(p.reason, 'utf8');
      const reasonBytes = reason ? Math.min(reason.length, 255) : 0;
      const raw = 4 + ssrcs.length * 4 + (reason ? 1 + reasonBytes : 0);
      const out = Buffer.alloc((raw + 3) & ~3);
      ssrcs.forEach((s, i) => out.writeUInt32BE(s >>> 0, 4 + i * 4));
      if (reason) {
        const o = 4 + ssrcs.length * 4;
        out[o] = reasonBytes;
        reason.copy(out, o + 1, 0, reasonBytes);
      }
      header(out, ssrcs.length, RTCP_BYE);
      return out;
    }
    case 'app': {
      const out = Buffer.alloc(12 + ((p.data.length + 3) & ~3));
      out.writeUInt32BE(p.ssrc >>> 0, 4);
      for (let i = 0; i < 4; i++) out[8 + i] = p.name.charCodeAt(i) & 0xff;
      out.set(p.data, 12);
      header(out, p.subtype, RTCP_APP);
      return out;
    }
  }
}

/** An NTP timestamp (RFC 5905 format): seconds since 1900 and a 32-bit binary fraction. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** Converts Unix time in ms to an NTP timestamp. */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const totalS = unixMs / 1000 + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(totalS);
  const fraction = Math.floor((totalS - seconds) * TWO_POW_32);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** Converts an NTP timestamp back to Unix time in ms (era 0, i.e. until 2036). */
export function unixMsFromNtp(ntp: NtpTimestamp): number {
  return (ntp.seconds - NTP_UNIX_OFFSET_S + ntp.fraction / TWO_POW_32) * 1000;
}

/** The middle 32 bits of an NTP timestamp: the LSR format, in units of 1/65536 s. */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** The middle 32 bits of the NTP timestamp of a Unix time in ms. */
export function ntpMiddle32FromUnixMs(unixMs: number): number {
  const ntp = ntpFromUnixMs(unixMs);
  return ntpMiddle32(ntp.seconds, ntp.fraction);
}

/** Converts a duration in ms to the 1/65536 s units of DLSR (clamped to 32 bits). */
export function dlsrFromMs(delayMs: number): number {
  return Math.max(0, Math.min(0xffffffff, Math.round((delayMs * 65536) / 1000))) >>> 0;
}

/**
 * Round-trip time from a report block about us (RFC 3550 §6.4.1): the arrival time A of the
 * report minus the LSR it echoes minus the DLSR the remote waited, all in 1/65536 s units of
 * the middle NTP bits. Undefined when the remote has not had an SR from us (LSR 0) or the
 * result is negative (clock steps on our side).
 */
export function rttMsFromReport(
  arrivalUnixMs: number,
  lsr: number,
  dlsr: number,
): number | undefined {
  if (lsr === 0) return undefined;
  const a = ntpMiddle32FromUnixMs(arrivalUnixMs);
  const diff = (a - lsr - dlsr) | 0;
  if (diff < 0) return undefined;
  return (diff * 1000) / 65536;
}
