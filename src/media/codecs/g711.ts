/**
 * ITU-T G.711 µ-law (PCMU) and A-law (PCMA), 8 kHz, one byte per sample.
 *
 * The conversions follow the ITU-T reference implementation (G.191 Software Tool Library,
 * `ulaw_compress`/`alaw_compress`): the 16-bit input is truncated to the law's 14 or 13
 * significant bits, negative values in one's complement, so for example µ-law encodes
 * 0 and +1 as 0xFF and −1 as 0x7F. Both directions run through tables built once at load:
 * 64 Ki entries per law to encode, 256 to decode.
 */
import { PacketLossConcealer } from './packet-loss-concealer.js';
import type { AudioDecoder, AudioEncoder, Codec } from './types.js';

/** µ-law compression of one 16-bit sample, computed (G.191 `ulaw_compress`). */
function computeUlaw(sample: number): number {
  // Magnitude in 14-bit units; one's complement keeps −1 next to 0, as the reference does.
  let magnitude = (sample < 0 ? ~sample : sample) >> 2;
  magnitude += 33; // the µ-law bias, so segment boundaries fall on powers of two
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const high = 8 - segment;
  const low = 0x0f - ((magnitude >> segment) & 0x0f);
  const code = (high << 4) | low;
  return sample >= 0 ? code | 0x80 : code;
}

/** µ-law expansion of one code (G.191 `ulaw_expand`). */
function computeUlawDecode(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const inverted = ~code;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

/** A-law compression of one 16-bit sample, computed (G.191 `alaw_compress`). */
function computeAlaw(sample: number): number {
  let magnitude = (sample < 0 ? ~sample : sample) >> 4; // 0 ≤ magnitude < 2048
  if (magnitude > 15) {
    let exponent = 1;
    while (magnitude > 16 + 15) {
      magnitude >>= 1;
      exponent++;
    }
    magnitude -= 16; // drop the implicit leading one
    magnitude += exponent << 4;
  }
  if (sample >= 0) magnitude |= 0x80;
  return magnitude ^ 0x55; // A-law inverts the even bits on the line
}

/** A-law expansion of one code (G.191 `alaw_expand`). */
function computeAlawDecode(code: number): number {
  const value = (code ^ 0x55) & 0x7f;
  const exponent = value >> 4;
  let mantissa = value & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8; // half a quantisation step puts the value mid-interval
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 127 ? mantissa : -mantissa;
}

/** Encode tables indexed by the sample's 16-bit two's complement pattern (`sample & 0xffff`). */
const ULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
/** Decode tables indexed by code. */
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);

for (let sample = -32768; sample <= 32767; sample++) {
  ULAW_ENCODE[sample & 0xffff] = computeUlaw(sample);
  ALAW_ENCODE[sample & 0xffff] = computeAlaw(sample);
}
for (let code = 0; code < 256; code++) {
  ULAW_DECODE[code] = computeUlawDecode(code);
  ALAW_DECODE[code] = computeAlawDecode(code);
}

/** µ-law code of one PCM16 sample. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff]!;
}

/** PCM16 value of one µ-law code. */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

/** A-law code of one PCM16 sample. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff]!;
}

/** PCM16 value of one A-law code. */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

function encodeWith(table: Uint8Array, samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]! & 0xffff]!;
  return out;
}

function decodeWith(table: Int16Array, codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** µ-law-encodes PCM16 samples, one byte each (stateless; also used for Twilio-style streams). */
export function encodeUlaw(samples: Int16Array): Uint8Array {
  return encodeWith(ULAW_ENCODE, samples);
}

/** Decodes µ-law bytes to PCM16. */
export function decodeUlaw(codes: Uint8Array): Int16Array {
  return decodeWith(ULAW_DECODE, codes);
}

/** A-law-encodes PCM16 samples, one byte each. */
export function encodeAlaw(samples: Int16Array): Uint8Array {
  return encodeWith(ALAW_ENCODE, samples);
}

/** Decodes A-law bytes to PCM16. */
export function decodeAlaw(codes: Uint8Array): Int16Array {
  return decodeWith(ALAW_DECODE, codes);
}

/** G.711 decoder: table lookup plus waveform-repetition concealment of lost packets. */
class G711Decoder implements AudioDecoder {
  private readonly plc = new PacketLossConcealer(8000);

  constructor(private readonly table: Int16Array) {}

  decode(payload: Uint8Array): Int16Array {
    return this.plc.receive(decodeWith(this.table, payload));
  }

  conceal(sampleCount: number): Int16Array {
    return this.plc.conceal(sampleCount);
  }
}

function g711Codec(name: 'PCMU' | 'PCMA', encode: Uint8Array, decode: Int16Array): Codec {
  return Object.freeze({
    name,
    sampleRateHz: 8000,
    clockRateHz: 8000,
    createEncoder: (): AudioEncoder => ({ encode: (samples) => encodeWith(encode, samples) }),
    createDecoder: (): AudioDecoder => new G711Decoder(decode),
  });
}

/** G.711 µ-law (RTP static payload type 0). */
export const pcmuCodec: Codec = g711Codec('PCMU', ULAW_ENCODE, ULAW_DECODE);

/** G.711 A-law (RTP static payload type 8). */
export const pcmaCodec: Codec = g711Codec('PCMA', ALAW_ENCODE, ALAW_DECODE);
