/**
 * Codec table and payload-format matching. An m= line lists payload type numbers; what they
 * mean comes from `a=rtpmap` for dynamic types and from the RFC 3551 table for static ones,
 * which peers may legitimately send without any rtpmap line.
 */
import type { MediaDescription } from 'sdp-transform';
import type { CodecName } from './types.js';

/** Static description of a codec this module can negotiate. */
export interface CodecInfo {
  name: CodecName;
  /** Encoding name as written in `a=rtpmap` (matched case-insensitively). */
  rtpmapName: string;
  /** Payload type used when we offer it: the static one, or our pick for dynamic codecs. */
  payloadType: number;
  /** True when the payload type is assigned by RFC 3551 and needs no rtpmap to be understood. */
  staticPayloadType: boolean;
  /** RTP timestamp clock rate. */
  clockRateHz: number;
  /** Actual audio sampling rate. */
  sampleRateHz: number;
  /** Channel count as written in the rtpmap. */
  channels: number;
}

/**
 * The codecs we support. G722's RTP clock is 8000 even though it samples at 16 kHz: RFC 3551
 * §4.5.2 kept the erroneous value for backward compatibility, and every peer relies on it.
 * opus always declares 48000/2 in the rtpmap whatever it really encodes (RFC 7587 §7).
 */
export const CODECS: Readonly<Record<CodecName, CodecInfo>> = {
  PCMU: {
    name: 'PCMU',
    rtpmapName: 'PCMU',
    payloadType: 0,
    staticPayloadType: true,
    clockRateHz: 8000,
    sampleRateHz: 8000,
    channels: 1,
  },
  PCMA: {
    name: 'PCMA',
    rtpmapName: 'PCMA',
    payloadType: 8,
    staticPayloadType: true,
    clockRateHz: 8000,
    sampleRateHz: 8000,
    channels: 1,
  },
  G722: {
    name: 'G722',
    rtpmapName: 'G722',
    payloadType: 9,
    staticPayloadType: true,
    clockRateHz: 8000,
    sampleRateHz: 16000,
    channels: 1,
  },
  // L16 at 16 kHz mono (RFC 3551 §4.5.11 with a dynamic type): uncompressed wideband for LAN
  // peers and test rigs. 256 kbit/s, so it is offered only when configured.
  L16: {
    name: 'L16',
    rtpmapName: 'L16',
    payloadType: 118,
    staticPayloadType: false,
    clockRateHz: 16000,
    sampleRateHz: 16000,
    channels: 1,
  },
  opus: {
    name: 'opus',
    rtpmapName: 'opus',
    payloadType: 111,
    staticPayloadType: false,
    clockRateHz: 48000,
    sampleRateHz: 48000,
    channels: 2,
  },
};

/** Codecs used when `LocalMedia.codecs` is not given, in preference order. */
export const DEFAULT_CODECS: readonly CodecName[] = ['PCMU', 'PCMA', 'G722', 'opus'];

/** Dynamic payload type we use for telephone-event in our offers. */
export const TELEPHONE_EVENT_PAYLOAD_TYPE = 101;

/** fmtp for telephone-event when the peer gave none: DTMF digits 0-9, *, #, A-D, flash. */
export const DEFAULT_TELEPHONE_EVENT_FMTP = '0-16';

/**
 * RFC 3551 static audio payload types. Only PCMU, PCMA and G722 are negotiated; the other
 * names exist so a "no common codec" reason says "G729" rather than "18".
 */
const STATIC_AUDIO: ReadonlyMap<number, { name: string; rate: number; channels: number }> = new Map(
  [
    [0, { name: 'PCMU', rate: 8000, channels: 1 }],
    [3, { name: 'GSM', rate: 8000, channels: 1 }],
    [4, { name: 'G723', rate: 8000, channels: 1 }],
    [5, { name: 'DVI4', rate: 8000, channels: 1 }],
    [6, { name: 'DVI4', rate: 16000, channels: 1 }],
    [7, { name: 'LPC', rate: 8000, channels: 1 }],
    [8, { name: 'PCMA', rate: 8000, channels: 1 }],
    [9, { name: 'G722', rate: 8000, channels: 1 }],
    [10, { name: 'L16', rate: 44100, channels: 2 }],
    [11, { name: 'L16', rate: 44100, channels: 1 }],
    [12, { name: 'QCELP', rate: 8000, channels: 1 }],
    [13, { name: 'CN', rate: 8000, channels: 1 }],
    [14, { name: 'MPA', rate: 90000, channels: 1 }],
    [15, { name: 'G728', rate: 8000, channels: 1 }],
    [16, { name: 'DVI4', rate: 11025, channels: 1 }],
    [17, { name: 'DVI4', rate: 22050, channels: 1 }],
    [18, { name: 'G729', rate: 8000, channels: 1 }],
  ],
);

/** One payload format of an m= line with its meaning resolved. */
export interface PayloadFormat {
  payloadType: number;
  /** Encoding name from the rtpmap, or from the static table; undefined if unknown. */
  encodingName?: string;
  /** Clock rate from the rtpmap or the static table, when known. */
  clockRateHz?: number;
  /** Channel count when the rtpmap gives one (or the static table implies it). */
  channels?: number;
  /** fmtp parameters for this payload type, verbatim. */
  fmtp?: string;
}

/**
 * Resolves the formats of an RTP m= line, in the order the m= line lists them (the order is
 * the sender's preference, RFC 3264 §5.1). Tokens that are not payload type numbers are
 * skipped: they cannot be RTP formats.
 */
export function describeFormats(
  formats: readonly string[],
  media: MediaDescription,
): PayloadFormat[] {
  const result: PayloadFormat[] = [];
  for (const token of formats) {
    if (!/^\d{1,3}$/.test(token)) continue;
    const payloadType = Number(token);
    if (payloadType > 127) continue;
    const format: PayloadFormat = { payloadType };
    const rtpmap = (media.rtp ?? []).find((r) => r.payload === payloadType);
    const staticEntry = STATIC_AUDIO.get(payloadType);
    if (rtpmap && typeof rtpmap.codec === 'string' && rtpmap.codec !== '') {
      format.encodingName = rtpmap.codec;
      const rate = Number(rtpmap.rate);
      if (Number.isInteger(rate) && rate > 0) format.clockRateHz = rate;
      const channels = Number(rtpmap.encoding);
      if (rtpmap.encoding !== undefined && Number.isInteger(channels) && channels > 0) {
        format.channels = channels;
      }
    } else if (staticEntry && payloadType < 96) {
      format.encodingName = staticEntry.name;
      format.clockRateHz = staticEntry.rate;
      format.channels = staticEntry.channels;
    }
    const fmtp = (media.fmtp ?? []).find((f) => f.payload === payloadType);
    if (fmtp && typeof fmtp.config === 'string') format.fmtp = fmtp.config;
    result.push(format);
  }
  return result;
}

/**
 * Which of our codecs a format is, if any. Names compare case-insensitively; the clock rate
 * must match when the rtpmap gives one (a missing rate is tolerated, as some peers omit it
 * for static types). Channels are checked for the mono codecs only, since opus declares 2
 * regardless of content.
 */
export function matchCodec(format: PayloadFormat): CodecName | undefined {
  const name = format.encodingName?.toLowerCase();
  if (name === undefined) return undefined;
  for (const info of Object.values(CODECS)) {
    if (info.rtpmapName.toLowerCase() !== name) continue;
    if (format.clockRateHz !== undefined && format.clockRateHz !== info.clockRateHz) continue;
    if (info.name !== 'opus' && format.channels !== undefined && format.channels !== 1) continue;
    return info.name;
  }
  return undefined;
}

/** True for an RFC 4733 telephone-event format. */
export function isTelephoneEvent(format: PayloadFormat): boolean {
  return format.encodingName?.toLowerCase() === 'telephone-event';
}

/**
 * Picks the telephone-event format to use with a codec: the one whose clock equals the
 * codec's RTP clock (RFC 4733 §2.1 wants events on the audio clock), else the common
 * 8000 Hz one, else none.
 */
export function pickTelephoneEvent(
  formats: readonly PayloadFormat[],
  codecClockRateHz: number,
): PayloadFormat | undefined {
  const events = formats.filter(isTelephoneEvent);
  // A telephone-event rtpmap without a rate is read as 8000, the only rate RFC 4733 shows.
  const rateOf = (f: PayloadFormat): number => f.clockRateHz ?? 8000;
  return (
    events.find((f) => rateOf(f) === codecClockRateHz) ?? events.find((f) => rateOf(f) === 8000)
  );
}

/** Short label of a format for error reasons, e.g. "PCMA", "opus/48000", "PT 98". */
export function formatLabel(format: PayloadFormat): string {
  if (format.encodingName === undefined) return `PT ${format.payloadType}`;
  // The rate is shown only where it tells something: narrowband is the norm on SIP trunks.
  const rate = format.clockRateHz;
  return rate === undefined || rate === 8000
    ? format.encodingName
    : `${format.encodingName}/${rate}`;
}
