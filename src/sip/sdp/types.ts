/**
 * Types shared by the SDP offer/answer module (RFC 3264 over RFC 4566 session descriptions).
 * The UA and the media layer only ever see these; sdp-transform's own shapes stay inside the
 * module.
 */

/**
 * Media direction attribute (RFC 4566 §6, RFC 3264 §5.1), always from the point of view of
 * the party that wrote it: `sendonly` means "I will send and do not want to receive".
 */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Audio codecs the module can offer and accept. telephone-event is governed by `dtmf`. */
export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus' | 'L16';

/** What this side can do for one audio stream: the input of both offer and answer. */
export interface LocalMedia {
  /** Our RTP address: an IPv4 or IPv6 literal (IPv6 is written as `IN IP6`). */
  address: string;
  /** Our RTP port (1–65535). RTCP is assumed on port + 1 unless rtcp-mux is negotiated. */
  port: number;
  /** Codecs we support, most preferred first. Default `['PCMU', 'PCMA', 'G722', 'opus']`. */
  codecs?: CodecName[];
  /** Offer/accept RFC 4733 telephone-event. Default true. */
  dtmf?: boolean;
  /** Packetisation time we want, in ms. Default 20; an offer's `a=ptime` takes precedence. */
  ptimeMs?: number;
  /** Direction we want (the answer intersects it with the offer's). Default `sendrecv`. */
  direction?: Direction;
  /** o= session id (digits). Default: random. Keep it stable for the life of the dialog. */
  sessionId?: string | number;
  /**
   * o= session version, written as given. Default 0. RFC 3264 §8 needs it incremented each
   * time a changed SDP is sent in the same session, so the caller bumps it for re-offers and
   * re-answers (see `readOrigin` to learn what was last sent).
   */
  sessionVersion?: number;
  /**
   * RFC 5761 rtcp-mux: when answering, accept it if offered (default true); when offering,
   * offer it only if true (default false, because plain SIP trunks rarely support it).
   */
  rtcpMux?: boolean;
}

/** The codec both sides agreed on. */
export interface NegotiatedCodec {
  name: CodecName;
  /** Payload type to put in RTP packets we send (the peer's number, RFC 3264 §5.1). */
  payloadType: number;
  /** RTP timestamp clock (G722 is 8000 here per RFC 3551 §4.5.2, although it samples at 16 kHz). */
  clockRateHz: number;
  /** Real audio sample rate the codec works at (16000 for G722, else equal to the RTP clock). */
  sampleRateHz: number;
  /** Channel count from the rtpmap (opus always declares 2, RFC 7587 §7). */
  channels: number;
}

/** Result of a completed offer/answer exchange for the (single) audio stream. */
export interface NegotiatedMedia {
  codec: NegotiatedCodec;
  /** telephone-event payload type, when DTMF was negotiated. */
  dtmfPayloadType?: number;
  /**
   * RTP clock of the telephone-event format: usually the codec's, but an Opus call often
   * agrees on telephone-event/8000, whose durations count in 8 kHz units.
   */
  dtmfClockRateHz?: number;
  /** Packetisation time to send with, in ms. */
  ptimeMs: number;
  /** Where to send RTP (may be 0.0.0.0 for an old-style hold: send nothing then). */
  remoteAddress: string;
  remotePort: number;
  /** Remote RTCP port from `a=rtcp:` (RFC 3605), when the peer gave one. */
  rtcpPort?: number;
  /** True when both sides agreed to multiplex RTP and RTCP on one port (RFC 5761). */
  rtcpMux: boolean;
  /** Our direction after negotiation: what we may do. */
  direction: Direction;
  /**
   * The peer's effective direction, from its point of view. A connection address of 0.0.0.0
   * (RFC 2543 hold) removes "receive" from it: sendrecv becomes sendonly, recvonly inactive.
   */
  remoteDirection: Direction;
}

/** Why an SDP could not be used; the UA answers 488 Not Acceptable Here with this reason. */
export interface SdpFailure {
  ok: false;
  /** Human-readable cause, safe to put in a Warning header. */
  reason: string;
}

/** Outcome of `answerOffer`. */
export type AnswerResult =
  | {
      ok: true;
      /** The answer SDP, CRLF line endings. */
      answer: string;
      media: NegotiatedMedia;
    }
  | SdpFailure;
