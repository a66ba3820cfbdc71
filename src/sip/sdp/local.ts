/**
 * Checking `LocalMedia` and turning it into the session-level lines both offers and answers
 * carry (o=, s=, c=, t=). Kept apart so offer and answer write identical headers.
 */
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { CODECS, DEFAULT_CODECS } from './codecs.js';
import { isDirection } from './direction.js';
import { fail } from './parse.js';
import type { CodecName, Direction, LocalMedia, SdpFailure } from './types.js';

/** Default packetisation time: the de-facto standard for telephony (RFC 3551 §4.2). */
export const DEFAULT_PTIME_MS = 20;

/** `LocalMedia` with defaults applied and values checked. */
export interface ResolvedLocalMedia {
  address: string;
  ipVersion: 4 | 6;
  port: number;
  codecs: CodecName[];
  dtmf: boolean;
  ptimeMs: number;
  direction: Direction;
  sessionId: string;
  sessionVersion: number;
  /** Undefined means "not said": accept when answering, do not offer when offering. */
  rtcpMux: boolean | undefined;
}

/**
 * A fresh o= session id. RFC 4566 §5.2 suggests an NTP timestamp; any random number that
 * fits a 64-bit unsigned field works just as well for uniqueness, and stays below 2^48 so it
 * survives a round trip through a JavaScript number.
 */
export function generateSessionId(): string {
  return String(randomInt(1, 2 ** 47));
}

/**
 * Applies defaults and checks a `LocalMedia`. A failure here is a configuration bug on our
 * side, so the reason says "local media" to keep it apart from a bad remote SDP.
 */
export function resolveLocalMedia(local: LocalMedia): ResolvedLocalMedia | SdpFailure {
  if (typeof local !== 'object' || local === null) return fail('Local media: not an object');
  const { address, port } = local;
  const ipVersion = typeof address === 'string' ? isIP(address) : 0;
  if (ipVersion !== 4 && ipVersion !== 6) {
    return fail(`Local media: address "${String(address)}" is not an IPv4 or IPv6 address`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return fail(`Local media: port ${String(port)} is not in 1-65535`);
  }

  const codecs: CodecName[] = [];
  for (const name of local.codecs ?? DEFAULT_CODECS) {
    if (!Object.hasOwn(CODECS, name)) return fail(`Local media: unknown codec "${String(name)}"`);
    if (!codecs.includes(name)) codecs.push(name);
  }
  if (codecs.length === 0) return fail('Local media: no codecs configured');

  const ptimeMs = local.ptimeMs ?? DEFAULT_PTIME_MS;
  if (!Number.isInteger(ptimeMs) || ptimeMs < 1 || ptimeMs > 1000) {
    return fail(`Local media: ptime ${String(ptimeMs)} is not a whole number of ms in 1-1000`);
  }
  const direction = local.direction ?? 'sendrecv';
  if (!isDirection(direction)) return fail(`Local media: bad direction "${String(direction)}"`);

  const sessionId = local.sessionId === undefined ? generateSessionId() : String(local.sessionId);
  if (!/^\d{1,20}$/.test(sessionId)) {
    return fail(`Local media: session id "${sessionId}" is not a number`);
  }
  const sessionVersion = local.sessionVersion ?? 0;
  if (!Number.isSafeInteger(sessionVersion) || sessionVersion < 0) {
    return fail(`Local media: session version ${String(sessionVersion)} is not a whole number`);
  }

  return {
    address,
    ipVersion,
    port,
    codecs,
    dtmf: local.dtmf !== false,
    ptimeMs,
    direction,
    sessionId,
    sessionVersion,
    rtcpMux: local.rtcpMux,
  };
}

/**
 * Session-level part of an SDP we write: o=, s=-, c= (at session level so rejected m= lines
 * need none of their own), t=0 0 (RFC 3264 §5: unbounded session).
 */
export function sessionSkeleton(local: ResolvedLocalMedia): SessionDescription {
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: local.sessionId,
      sessionVersion: local.sessionVersion,
      netType: 'IN',
      ipVer: local.ipVersion,
      address: local.address,
    },
    name: '-',
    connection: { version: local.ipVersion, ip: local.address },
    timing: { start: 0, stop: 0 },
    media: [],
  };
}

/** One payload format of an m= line we write. */
export interface WrittenFormat {
  payloadType: number;
  encodingName: string;
  clockRateHz: number;
  /** Written only when above 1 (RFC 4566 §6: the channel count may be omitted for mono). */
  channels?: number;
  fmtp?: string;
}

/**
 * The audio m= block we write in offers and answers. Every format gets an rtpmap, static
 * ones included: it costs a line and spares peers that (wrongly) insist on one.
 */
export function audioMediaDescription(
  port: number,
  protocol: string,
  formats: readonly WrittenFormat[],
  ptimeMs: number,
  direction: Direction,
  rtcpMux: boolean,
): MediaDescription {
  const media: MediaDescription = {
    type: 'audio',
    port,
    protocol,
    payloads: formats.map((f) => f.payloadType).join(' '),
    rtp: formats.map((f) => ({
      payload: f.payloadType,
      codec: f.encodingName,
      rate: f.clockRateHz,
      ...(f.channels !== undefined && f.channels > 1 ? { encoding: f.channels } : {}),
    })),
    fmtp: formats.flatMap((f) =>
      f.fmtp === undefined ? [] : [{ payload: f.payloadType, config: f.fmtp }],
    ),
    ptime: ptimeMs,
    direction,
  };
  if (rtcpMux) media.rtcpMux = 'rtcp-mux';
  return media;
}
