/**
 * Opus (RFC 6716, RTP payload format RFC 7587) through `@evan/opus`: libopus as a prebuilt
 * Node addon where one exists for the platform, else compiled to WebAssembly (set
 * `OPUS_FORCE_WASM=1` to force the latter). Both load synchronously at import; no init call.
 *
 * We encode mono at 48 kHz. The SDP always says `opus/48000/2` (RFC 7587 §7); a mono stream
 * is valid under it and every decoder accepts it.
 */
import { Decoder, Encoder } from '@evan/opus';
import type { AudioDecoder, AudioEncoder, Codec } from './types.js';

/** Opus always runs its RTP clock at 48 kHz; we also decode at 48 kHz. */
const RATE_HZ = 48000;
/** 2.5 ms, the shortest Opus frame: concealment is produced in multiples of it. */
const SAMPLES_PER_2_5_MS = 120;

/** Encoder settings. */
export interface OpusOptions {
  /** Target bit rate; 32 kbit/s gives wideband speech with room for FEC. */
  bitrateBps?: number;
  /**
   * 0–10. Encoding cost grows with it: at 5 a 20 ms frame costs ~0.1–0.2 ms of CPU, at 9–10
   * about twice that; 5 is the trade-off for a server carrying hundreds of calls.
   */
  complexity?: number;
  /** In-band forward error correction (LBRR): the next packet carries a coarse copy of this one. */
  inbandFec?: boolean;
  /** Expected loss; libopus adds FEC only when this is above 0. */
  expectedPacketLossPercent?: number;
}

const DEFAULTS: Required<OpusOptions> = {
  bitrateBps: 32000,
  complexity: 5,
  inbandFec: true,
  expectedPacketLossPercent: 10,
};

/** Opus encoder for one stream: 48 kHz mono, VOIP application. */
class OpusEncoder implements AudioEncoder {
  private readonly encoder: Encoder;

  constructor(options: Required<OpusOptions>) {
    this.encoder = new Encoder({ channels: 1, sample_rate: RATE_HZ, application: 'voip' });
    this.encoder.bitrate = options.bitrateBps;
    this.encoder.complexity = options.complexity as Encoder['complexity'];
    this.encoder.inband_fec = options.inbandFec;
    this.encoder.packet_loss = options.expectedPacketLossPercent;
    this.encoder.signal = 'voice';
  }

  /** Encodes 2.5–60 ms of 48 kHz PCM (960 samples per 20 ms frame) into one packet. */
  encode(samples: Int16Array): Uint8Array {
    return this.encoder.encode(samples);
  }
}

/**
 * A packet that holds only a TOC byte, code 3 (M frames, constant size) with M frames of zero
 * bytes each. libopus treats a frame of ≤ 1 byte as lost and runs its packet-loss concealment
 * for the frame duration the TOC names (decoding in the mode of the last real packet), so
 * this asks the decoder for exactly `frames` × (20 or 2.5) ms of concealment. The library's
 * own "empty packet" path is not usable: the native addon rejects it, the WebAssembly build
 * always conceals 120 ms.
 */
function concealmentPacket(frames: number, twentyMs: boolean): Uint8Array {
  // TOC config 31 = CELT-only fullband 20 ms, 28 = CELT-only fullband 2.5 ms; mono; code 3.
  const config = twentyMs ? 31 : 28;
  return Uint8Array.of((config << 3) | 3, frames);
}

/** Opus decoder for one stream: 48 kHz mono, with libopus's concealment for lost packets. */
class OpusDecoder implements AudioDecoder {
  private readonly decoder = new Decoder({ channels: 1, sample_rate: RATE_HZ });
  /** Concealment decoded beyond what the last conceal() call needed (under 2.5 ms). */
  private leftover: Int16Array = new Int16Array(0);

  /**
   * Decodes one packet. A packet libopus rejects (corrupt, or not Opus) is treated as lost
   * rather than thrown: one bad datagram must not end a call.
   */
  decode(payload: Uint8Array): Int16Array {
    this.leftover = new Int16Array(0);
    let bytes: Uint8Array;
    try {
      bytes = this.decoder.decode(payload);
    } catch {
      return this.conceal(this.lastDurationSamples());
    }
    return toInt16(bytes);
  }

  /** `sampleCount` samples of libopus packet-loss concealment (fading to silence). */
  conceal(sampleCount: number): Int16Array {
    const output = new Int16Array(sampleCount);
    let filled = Math.min(this.leftover.length, sampleCount);
    output.set(this.leftover.subarray(0, filled));
    this.leftover = this.leftover.subarray(filled);
    while (filled < sampleCount) {
      const remaining = sampleCount - filled;
      // Whole 20 ms frames (up to 120 ms per packet), then 2.5 ms ones for the rest.
      const twentyMs = remaining >= 8 * SAMPLES_PER_2_5_MS;
      const frames = twentyMs
        ? Math.min(6, Math.floor(remaining / (8 * SAMPLES_PER_2_5_MS)))
        : Math.ceil(remaining / SAMPLES_PER_2_5_MS);
      const pcm = toInt16(this.decoder.decode(concealmentPacket(frames, twentyMs)));
      if (pcm.length === 0) break; // cannot happen with valid packets; avoids a busy loop
      const used = Math.min(pcm.length, remaining);
      output.set(pcm.subarray(0, used), filled);
      this.leftover = pcm.subarray(used);
      filled += used;
    }
    return output;
  }

  private lastDurationSamples(): number {
    const samples = this.decoder.last_packet_duration;
    return samples > 0 ? samples : 960;
  }
}

/** Views (or, if unaligned, copies) libopus's native-endian PCM bytes as samples. */
function toInt16(bytes: Uint8Array): Int16Array {
  if (bytes.byteOffset % 2 === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  }
  return new Int16Array(bytes.slice().buffer);
}

/** An Opus codec with the given encoder settings (defaults: 32 kbit/s, complexity 5, FEC on). */
export function createOpusCodec(options: OpusOptions = {}): Codec {
  const settings: Required<OpusOptions> = { ...DEFAULTS, ...options };
  return Object.freeze({
    name: 'opus',
    sampleRateHz: RATE_HZ,
    clockRateHz: RATE_HZ,
    createEncoder: () => new OpusEncoder(settings),
    createDecoder: () => new OpusDecoder(),
  });
}

/** Opus with the default settings (dynamic RTP payload type; 111 is customary). */
export const opusCodec: Codec = createOpusCodec();
