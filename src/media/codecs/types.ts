/**
 * Codec contracts. A codec turns one frame of PCM16 at its own sample rate into one RTP
 * payload and back. Encoders and decoders are separate, stateful objects (G.722 and Opus carry
 * state between frames), one per direction per stream.
 */

/** Codecs the media plane implements. Names match SDP rtpmap encoding names. */
export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus' | 'L16';

/** Encodes PCM16 frames into RTP payloads. */
export interface AudioEncoder {
  /** Encodes one frame (`samples.length` = the codec rate × ptime) into one payload. */
  encode(samples: Int16Array): Uint8Array;
}

/** Decodes RTP payloads into PCM16. */
export interface AudioDecoder {
  /** Decodes one payload into PCM16 at the codec's sample rate. */
  decode(payload: Uint8Array): Int16Array;
  /**
   * Packet-loss concealment: `sampleCount` samples to play in place of a lost packet, made
   * from what was decoded before (repeat-and-fade for G.711, the codec's own PLC for Opus).
   */
  conceal(sampleCount: number): Int16Array;
}

/** A codec: its rates and a factory for per-stream encoders and decoders. */
export interface Codec {
  readonly name: CodecName;
  /** Rate of the PCM the codec consumes and produces. */
  readonly sampleRateHz: number;
  /** RTP timestamp clock rate (8000 for G.722, RFC 3551 §4.5.2; 48000 for Opus). */
  readonly clockRateHz: number;
  createEncoder(): AudioEncoder;
  createDecoder(): AudioDecoder;
}
