/**
 * ITU-T G.722 wideband codec at 64 kbit/s: 16 kHz audio, one byte per two samples (160 bytes
 * per 20 ms). Its RTP clock is 8000 Hz although it samples at 16 kHz — an error in the original
 * RFC 1890 kept for compatibility (RFC 3551 §4.5.2), so RTP timestamps advance by 160 per frame.
 */
import { G722Decoder } from './g722-decoder.js';
import { G722Encoder } from './g722-encoder.js';
import type { Codec } from './types.js';

export { G722Decoder } from './g722-decoder.js';
export { G722Encoder } from './g722-encoder.js';

/** G.722 (RTP static payload type 9). */
export const g722Codec: Codec = Object.freeze({
  name: 'G722',
  sampleRateHz: 16000,
  clockRateHz: 8000,
  createEncoder: () => new G722Encoder(),
  createDecoder: () => new G722Decoder(),
});
