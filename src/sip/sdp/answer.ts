/**
 * Answering an SDP offer (RFC 3264 §6): one audio stream is accepted, everything else is
 * declined with port 0, and the result is both the answer body and the negotiated media the
 * RTP layer needs.
 */
import type { MediaDescription } from 'sdp-transform';
import { write } from 'sdp-transform';
import {
  CODECS,
  DEFAULT_TELEPHONE_EVENT_FMTP,
  describeFormats,
  formatLabel,
  matchCodec,
  pickTelephoneEvent,
} from './codecs.js';
import type { PayloadFormat } from './codecs.js';
import { answerDirection, effectiveDirection } from './direction.js';
import { audioMediaDescription, resolveLocalMedia, sessionSkeleton } from './local.js';
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
import type { RawMediaLine } from './parse.js';
import type { AnswerResult, CodecName, LocalMedia, NegotiatedMedia } from './types.js';

/**
 * A declined stream (RFC 3264 §6): same media type and protocol, port 0, and the offered
 * formats echoed because an m= line must list at least one.
 */
function rejectedMedia(raw: RawMediaLine): MediaDescription {
  return {
    type: raw.type,
    port: 0,
    protocol: raw.protocol,
    payloads: raw.formats.join(' '),
    rtp: [],
    fmtp: [],
  };
}

/** The reason given when no offered codec is one we support; the UA sends it with a 488. */
function noCommonCodecReason(offered: readonly PayloadFormat[], supported: CodecName[]): string {
  const labels = [...new Set(offered.map(formatLabel))];
  return `No common codec: offered ${labels.join(', ') || 'nothing'}; supported ${supported.join(', ')}`;
}

/**
 * Answers an SDP offer. The first audio m= line with a non-zero port and a plain RTP profile
 * is negotiated; the codec is the first one in the offer's order that `local.codecs` allows
 * (RFC 3264 §6.1 lets the answerer choose, and honouring the offerer's preference is what
 * peers expect). The answer reuses the offerer's payload type numbers, keeps the number and
 * order of m= lines, and declines every other stream with port 0.
 *
 * Never throws: malformed offers, offers without audio and offers with no common codec give
 * `{ ok: false, reason }` (the UA answers 488 Not Acceptable Here).
 */
export function answerOffer(offer: string, local: LocalMedia): AnswerResult {
  try {
    return answerOfferUnchecked(offer, local);
  } catch (err) {
    // Validation should leave nothing to throw; this guard keeps the promise regardless.
    return fail(`Could not answer the SDP offer: ${err instanceof Error ? err.message : 'error'}`);
  }
}

function answerOfferUnchecked(offer: string, localInput: LocalMedia): AnswerResult {
  const local = resolveLocalMedia(localInput);
  if ('ok' in local) return local;
  const parsed = parseSdp(offer, 'SDP offer');
  if (!parsed.ok) return parsed;
  const { session, mediaLines } = parsed;

  const index = findAudioIndex(mediaLines);
  const raw = mediaLines[index];
  const media = session.media[index];
  if (raw === undefined || media === undefined) return fail(noAudioReason(mediaLines, 'offer'));

  const remoteAddress = connectionAddress(session, media);
  if (remoteAddress === undefined) {
    return fail('Malformed SDP offer: no c= line for the audio stream');
  }

  const formats = describeFormats(raw.formats, media);
  let chosen: { format: PayloadFormat; name: CodecName } | undefined;
  for (const format of formats) {
    const name = matchCodec(format);
    if (name !== undefined && local.codecs.includes(name)) {
      chosen = { format, name };
      break;
    }
  }
  if (chosen === undefined) return fail(noCommonCodecReason(formats, local.codecs));
  const info = CODECS[chosen.name];
  const dtmf = local.dtmf ? pickTelephoneEvent(formats, info.clockRateHz) : undefined;

  const remoteDirection = effectiveDirection(session, media);
  const direction = answerDirection(remoteDirection, local.direction);
  // The offerer's ptime is what it wants to receive (RFC 4566 §6); matching it keeps both
  // directions symmetric, which simple gateways assume.
  const ptimeMs = readPtime(media.ptime) ?? local.ptimeMs;
  const rtcpMux = media.rtcpMux !== undefined && local.rtcpMux !== false;

  const written: WrittenFormat[] = [
    {
      payloadType: chosen.format.payloadType,
      encodingName: info.rtpmapName,
      clockRateHz: info.clockRateHz,
      channels: info.channels,
    },
  ];
  if (dtmf !== undefined) {
    written.push({
      payloadType: dtmf.payloadType,
      encodingName: 'telephone-event',
      clockRateHz: dtmf.clockRateHz ?? 8000,
      fmtp: dtmf.fmtp ?? DEFAULT_TELEPHONE_EVENT_FMTP,
    });
  }

  const answerSession = sessionSkeleton(local);
  answerSession.media = mediaLines.map((line, i) =>
    i === index
      ? audioMediaDescription(local.port, line.protocol, written, ptimeMs, direction, rtcpMux)
      : rejectedMedia(line),
  );

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
    rtcpMux,
    direction,
    remoteDirection,
  };
  if (dtmf !== undefined) {
    negotiated.dtmfPayloadType = dtmf.payloadType;
    negotiated.dtmfClockRateHz = dtmf.clockRateHz ?? 8000;
  }
  const rtcpPort = readRtcpPort(media);
  if (rtcpPort !== undefined) negotiated.rtcpPort = rtcpPort;

  return { ok: true, answer: write(answerSession), media: negotiated };
}
