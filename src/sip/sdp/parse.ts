/**
 * Validating front end to sdp-transform. sdp-transform is deliberately tolerant: it skips
 * lines it does not understand and never fails, so garbage parses into an empty but
 * plausible object. Here the lines that negotiation depends on (v=, m=, c=) are checked first,
 * so a broken offer is refused with a reason instead of being answered nonsensically.
 */
import { isIPv6 } from 'node:net';
import { parse } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { SdpFailure } from './types.js';

/**
 * Bodies larger than this are refused outright: a real audio SDP is well under 4 KB, and a
 * UDP SIP message cannot exceed 64 KB anyway.
 */
export const MAX_SDP_LENGTH = 65_536;

/** An m= line as written, independent of sdp-transform's narrower grammar. */
export interface RawMediaLine {
  /** Media type: audio, video, application, image, … */
  type: string;
  port: number;
  /** Transport protocol token, e.g. RTP/AVP. */
  protocol: string;
  /** Format tokens (payload type numbers for RTP). */
  formats: string[];
}

/** A validated SDP: sdp-transform's view plus our own reading of each m= line (same order). */
export interface ParsedSdp {
  ok: true;
  session: SessionDescription;
  mediaLines: RawMediaLine[];
}

/** Shortens a line quoted in a failure reason so a hostile body cannot flood logs. */
function quote(line: string): string {
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

/** Builds the failure value; kept as a function so every reason is prefixed the same way. */
export function fail(reason: string): SdpFailure {
  return { ok: false, reason };
}

/**
 * Validates and parses an SDP body. Never throws: anything that is not a usable SDP yields a
 * failure naming the first problem found. o=, s= and t= are not required, because some
 * gateways omit or mangle them and nothing in the negotiation depends on them.
 */
export function parseSdp(text: unknown, what = 'SDP'): ParsedSdp | SdpFailure {
  if (typeof text !== 'string') return fail(`Malformed ${what}: body is not text`);
  if (text.length > MAX_SDP_LENGTH) return fail(`Malformed ${what}: body too large`);
  // Blank lines and trailing whitespace are tolerated: they are common and harmless.
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  if (lines.length === 0) return fail(`Malformed ${what}: body is empty`);
  if (lines[0] !== 'v=0') return fail(`Malformed ${what}: first line must be v=0`);

  const mediaLines: RawMediaLine[] = [];
  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    if (!/^[a-z]=/.test(line)) {
      return fail(`Malformed ${what}: line ${lineNo} is not <type>=<value>: "${quote(line)}"`);
    }
    if (line.startsWith('m=')) {
      // Split on any whitespace run: some stacks pad the format list with double spaces.
      const [type, portText = '', protocol, ...formats] = line.slice(2).trim().split(/\s+/);
      if (type === undefined || protocol === undefined || formats.length === 0) {
        return fail(`Malformed ${what}: m= line ${lineNo} needs media, port, proto and formats`);
      }
      const port = Number(portText);
      if (!/^\d{1,5}$/.test(portText) || port > 65535) {
        return fail(
          `Malformed ${what}: m= line ${lineNo} port "${quote(portText)}" is not a port number`,
        );
      }
      mediaLines.push({ type: type.toLowerCase(), port, protocol, formats });
    } else if (line.startsWith('c=')) {
      // sdp-transform would silently drop a c= line it cannot read, leaving us with no
      // address or, worse, the session-level one.
      if (!/^c=IN IP[46] [^\s/]+(?:\/\d+){0,2}$/.test(line)) {
        return fail(`Malformed ${what}: bad c= line ${lineNo}: "${quote(line)}"`);
      }
    }
  }

  let session: SessionDescription;
  try {
    session = parse(lines.join('\r\n') + '\r\n');
  } catch {
    return fail(`Malformed ${what}: could not be parsed`);
  }
  if (!Array.isArray(session.media) || session.media.length !== mediaLines.length) {
    return fail(`Malformed ${what}: could not read every m= line`);
  }
  return { ok: true, session, mediaLines };
}

/**
 * True for the unspecified address: 0.0.0.0 is the RFC 2543 way to put a call on hold
 * (RFC 3264 §8.4 still asks answerers to understand it); `::` is its IPv6 counterpart.
 */
export function isUnspecifiedAddress(address: string): boolean {
  return address === '0.0.0.0' || (isIPv6(address) && /^[0:]+$/.test(address));
}

/**
 * The connection address for one m= line: media-level c= wins over session-level (RFC 4566
 * §5.7). Multicast TTL/count suffixes are dropped. Undefined when neither level has one.
 */
export function connectionAddress(
  session: SessionDescription,
  media: MediaDescription,
): string | undefined {
  const ip = media.connection?.ip ?? session.connection?.ip;
  if (typeof ip !== 'string' || ip === '') return undefined;
  return ip.split('/')[0];
}

/** RTP transport profiles we can speak: plain RTP only, since SRTP/DTLS are not implemented. */
export function isPlainRtp(protocol: string): boolean {
  const p = protocol.toUpperCase();
  return p === 'RTP/AVP' || p === 'RTP/AVPF';
}

/**
 * Index of the audio stream to negotiate: the first audio m= line with a non-zero port and a
 * plain RTP profile. -1 when there is none.
 */
export function findAudioIndex(mediaLines: readonly RawMediaLine[]): number {
  return mediaLines.findIndex((m) => m.type === 'audio' && m.port !== 0 && isPlainRtp(m.protocol));
}

/**
 * Explains why `findAudioIndex` found nothing, distinguishing "no audio at all" from "audio
 * we cannot do" (SRTP), since the latter is worth a clearer log line.
 */
export function noAudioReason(mediaLines: readonly RawMediaLine[], what: string): string {
  const live = mediaLines.filter((m) => m.type === 'audio' && m.port !== 0);
  if (live.length === 0) return `No audio stream in the ${what}`;
  const protocols = [...new Set(live.map((m) => m.protocol))].join(', ');
  return `No common codec: audio offered over ${protocols}; only RTP/AVP and RTP/AVPF are supported`;
}

/** Reads a positive ptime/maxptime value; sdp-transform hands over a number or a raw string. */
export function readPtime(value: unknown): number | undefined {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n <= 0 || n > 1000) return undefined;
  return Math.max(1, Math.round(n));
}

/** A valid RTCP port from `a=rtcp:` (RFC 3605), if the peer gave one. */
export function readRtcpPort(media: MediaDescription): number | undefined {
  const port = Number(media.rtcp?.port);
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}
