/**
 * Audio codecs of the media plane: G.711 (PCMU/PCMA), G.722, Opus and L16, each a
 * {@link Codec} with per-stream encoders and decoders (decoders conceal lost packets), plus
 * the registry that finds them by SDP name.
 */
export type { AudioDecoder, AudioEncoder, Codec, CodecName } from './types.js';
export {
  SUPPORTED_CODECS,
  codecNameFromSdp,
  createCodec,
  type CreateCodecOptions,
} from './registry.js';
export {
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  pcmaCodec,
  pcmuCodec,
  ulawToLinear,
} from './g711.js';
export { G722Decoder, G722Encoder, g722Codec } from './g722.js';
export { createOpusCodec, opusCodec, type OpusOptions } from './opus.js';
export { createL16Codec, decodeL16, encodeL16 } from './l16.js';
export { PacketLossConcealer } from './packet-loss-concealer.js';
