/**
 * Our side as offerer (RFC 3264 §5 and §7): writing an offer, then reading the peer's answer
 * back into negotiated media.
 */
import { write } from 'sdp-transform';
import {
  CODECS,
  DEFAULT_TELEPHONE_EVENT_FMTP,
  TELEPHONE_EVENT_PAYLOAD_TYPE,
  describeFormats,
  formatLabel,
  isTelephoneEvent,
  matchCodec,
  pickTelephoneEvent,
} from './codecs.js';
import type { PayloadFormat } from './codecs.js';
import { answerDirection, effectiveDirection } from './direction.js';
import {
  DEFAULT_PTIME_MS,
  audioMediaDescription,
  resolveLocalMedia,
  sessionSkeleton,
} from './local.js';
import type { WrittenFormat } from './local.js';
import {
  connectionAddress,
  fail,
  findAudioIndex,
  noAudioReason,
  parseSdp,
  readPtime,
  readRtcpPort,
} from './parse.js';
import type { CodecName, LocalMedia, NegotiatedMedia, SdpFailure } from './types.js';

/**
 * Writes an offer for one audio stream: every local codec in preference order with its
 * static payload type or our dynamic pick (opus 111), telephone-event/8000 on 101 unless
 * `dtmf` is false, `a=ptime`, the local direction (default sendrecv), and rtcp-mux only when
 * `local.rtcpMux` is true (plain SIP trunks seldom support it).
 *
 * @throws TypeError when `local` is invalid (bad address, port, codec …): that is a bug in
 * our configuration, not a negotiation outcome.
 */
export function createOffer(local: LocalMedia): string {
  const resolved = resolveLocalMedia(local);
  if ('ok' in resolved) throw new TypeError(resolved.reason);

  const formats: WrittenFormat[] = resolved.codecs.map((name) => {
    const info = CODECS[name];
    return {
      payloadType: info.payloadType,
      encodingName: info.rtpmapName,
      clockRateHz: info.clockRateHz,
      channels: info.channels,
    };
  });
  if (resolved.dtmf) {
    formats.push({
      payloadType: TELEPHONE_EVENT_PAYLOAD_TYPE,
      encodingName: 'telephone-event',
      clockRateHz: 8000,
      fmtp: DEFAULT_TELEPHONE_EVENT_FMTP,
    });
  }

  const session = sessionSkeleton(resolved);
  session.media = [
    audioMediaDescription(
      resolved.port,
      'RTP/AVP',
      formats,
      resolved.ptimeMs,
      resolved.direction,
      resolved.rtcpMux === true,
    ),
  ];
  return write(session);
}

/** True when a `readAnswer` result is a failure rather than negotiated media. */
export function isSdpFailure(value: NegotiatedMedia | SdpFailure): value is SdpFailure {
  return 'ok' in value && value.ok === false;
}

/**
 * Reads the answer to an offer we made (RFC 3264 §7). The codec is the first one listed in
 * the answer that we offered; the answer's payload type numbers are the ones to send with
 * (RFC 3264 §5.1: numbers in an SDP are what its writer expects to receive), which are
 * normally the offer's. Our direction is what the offer allowed intersected with the
 * answer's.
 *
 * Never throws: a malformed answer, a mismatched m= line count, a rejected audio stream or a
 * codec we never offered give `{ ok: false, reason }` (the UA then sends BYE or re-offers).
 */
export function readAnswer(offer: string, answer: string): NegotiatedMedia | SdpFailure {
  try {
    return readAnswerUnchecked(offer, answer);
  } catch (err) {
    return fail(`Could not read the SDP answer: ${err instanceof Error ? err.message : 'error'}`);
  }
}

function readAnswerUnchecked(offerText: string, answerText: string): NegotiatedMedia | SdpFailure {
  const offer = parseSdp(offerText, 'SDP offer');
  if (!offer.ok) return offer;
  const answer = parseSdp(answerText, 'SDP answer');
  if (!answer.ok) return answer;

  const index = findAudioIndex(offer.mediaLines);
  const offeredRaw = offer.mediaLines[index];
  const offeredMedia = offer.session.media[index];
  if (offeredRaw === undefined || offeredMedia === undefined) {
    return fail(noAudioReason(offer.mediaLines, 'offer'));
  }
  // RFC 3264 §6: the answer has exactly as many m= lines as the offer, in the same order.
  if (answer.mediaLines.length !== offer.mediaLines.length) {
    return fail(
      `SDP answer has ${answer.mediaLines.length} m= lines but the offer had ${offer.mediaLines.length}`,
    );
  }
  const raw = answer.mediaLines[index];
  const media = answer.session.media[index];
  if (raw === undefined || media === undefined || raw.type !== 'audio') {
    return fail('SDP answer does not match the offer: no audio stream in its place');
  }
  if (raw.port === 0) return fail('SDP answer rejected the audio stream (port 0)');
  const remoteAddress = connectionAddress(answer.session, media);
  if (remoteAddress === undefined) {
    return fail('Malformed SDP answer: no c= line for the audio stream');
  }

  const offered = describeFormats(offeredRaw.formats, offeredMedia);
  const offeredCodecs = new Set(
    offered.map(matchCodec).filter((n): n is CodecName => n !== undefined),
  );
  const answered = describeFormats(raw.formats, media);
  let chosen: { format: PayloadFormat; name: CodecName } | undefined;
  for (const format of answered) {
    const name = matchCodec(format);
    if (name !== undefined && offeredCodecs.has(name)) {
      chosen = { format, name };
      break;
    }
  }
  if (chosen === undefined) {
    const labels = [...new Set(answered.map(formatLabel))].join(', ');
    return fail(`SDP answer has no codec from the offer: answered ${labels}`);
  }
  const info = CODECS[chosen.name];
  // DTMF counts only if we offered it: a peer adding telephone-event unasked is ignored.
  const dtmf = offered.some(isTelephoneEvent)
    ? pickTelephoneEvent(answered, info.clockRateHz)
    : undefined;

  const remoteDirection = effectiveDirection(answer.session, media);
  const direction = answerDirection(
    remoteDirection,
    effectiveDirection(offer.session, offeredMedia),
  );
  const ptimeMs = readPtime(media.ptime) ?? readPtime(offeredMedia.ptime) ?? DEFAULT_PTIME_MS;

  const negotiated: NegotiatedMedia = {
    codec: {
      name: info.name,
      payloadType: chosen.format.payloadType,
      clockRateHz: info.clockRateHz,
      sampleRateHz: info.sampleRateHz,
      channels: info.channels,
    },
    ptimeMs,
    remoteAddress,
    remotePort: raw.port,
    // rtcp-mux holds only if we offered it and the answer accepted it (RFC 5761 §5.1.1).
    rtcpMux: offeredMedia.rtcpMux !== undefined && media.rtcpMux !== undefined,
    direction,
    remoteDirection,
  };
  if (dtmf !== undefined) {
    negotiated.dtmfPayloadType = dtmf.payloadType;
    negotiated.dtmfClockRateHz = dtmf.clockRateHz ?? 8000;
  }
  const rtcpPort = readRtcpPort(media);
  if (rtcpPort !== undefined) negotiated.rtcpPort = rtcpPort;
  return negotiated;
}

/**
 * The o= session id and version of an SDP, so a caller can send a changed SDP later with the
 * same id and version + 1 (RFC 3264 §8). Undefined when the body has no readable o= line.
 */
export function readOrigin(sdp: string): { sessionId: string; sessionVersion: number } | undefined {
  const parsed = parseSdp(sdp);
  if (!parsed.ok) return undefined;
  const origin = parsed.session.origin;
  const sessionVersion = Number(origin?.sessionVersion);
  if (origin === undefined || !Number.isSafeInteger(sessionVersion)) return undefined;
  return { sessionId: String(origin.sessionId), sessionVersion };
}
