/**
 * L16 (RFC 3551 §4.5.11): uncompressed 16-bit signed linear PCM, most significant byte first
 * (network order), one channel here. Used between systems that want no codec loss at all.
 */
import { isSampleRate } from '../audio-frame.js';
import { PacketLossConcealer } from './packet-loss-concealer.js';
import type { AudioDecoder, AudioEncoder, Codec } from './types.js';

/** Writes PCM16 samples as big-endian bytes (two per sample). */
export function encodeL16(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0, j = 0; i < samples.length; i++, j += 2) {
    const value = samples[i]!;
    out[j] = (value >> 8) & 0xff;
    out[j + 1] = value & 0xff;
  }
  return out;
}

/** Reads big-endian 16-bit samples; a trailing odd byte (malformed payload) is ignored. */
export function decodeL16(payload: Uint8Array): Int16Array {
  const out = new Int16Array(payload.length >> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    // `<< 24 >> 16` sign-extends the high byte.
    out[i] = ((payload[j]! << 24) >> 16) | payload[j + 1]!;
  }
  return out;
}

class L16Decoder implements AudioDecoder {
  private readonly plc: PacketLossConcealer;

  constructor(sampleRateHz: number) {
    this.plc = new PacketLossConcealer(sampleRateHz);
  }

  decode(payload: Uint8Array): Int16Array {
    return this.plc.receive(decodeL16(payload));
  }

  conceal(sampleCount: number): Int16Array {
    return this.plc.conceal(sampleCount);
  }
}

/**
 * The L16 codec at `sampleRateHz` (8000, 16000 or 48000; the RTP clock equals the sample rate).
 * Lost packets are concealed by repeating and fading, as for G.711.
 */
export function createL16Codec(sampleRateHz = 8000): Codec {
  if (!isSampleRate(sampleRateHz)) {
    throw new RangeError(`L16 supports 8000, 16000 or 48000 Hz, not ${sampleRateHz}`);
  }
  const encoder: AudioEncoder = { encode: encodeL16 };
  return Object.freeze({
    name: 'L16',
    sampleRateHz,
    clockRateHz: sampleRateHz,
    createEncoder: () => encoder,
    createDecoder: () => new L16Decoder(sampleRateHz),
  });
}
