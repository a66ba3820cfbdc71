/**
 * Codec lookup by SDP encoding name: the one place that knows every codec the media plane
 * implements.
 */
import { pcmaCodec, pcmuCodec } from './g711.js';
import { g722Codec } from './g722.js';
import { createL16Codec } from './l16.js';
import { opusCodec } from './opus.js';
import type { Codec, CodecName } from './types.js';

/** Every codec {@link createCodec} accepts, in a sensible order of preference for offers. */
export const SUPPORTED_CODECS: readonly CodecName[] = Object.freeze([
  'opus',
  'G722',
  'PCMU',
  'PCMA',
  'L16',
]);

/** Options of {@link createCodec}. */
export interface CreateCodecOptions {
  /**
   * Sample rate for L16, which exists at several (8000 by default). Ignored by the other
   * codecs, whose rates are fixed (G.722's SDP rate of 8000 is only its RTP clock).
   */
  sampleRateHz?: number;
}

const l16Codecs = new Map<number, Codec>();

/** The codec named `name` (an SDP rtpmap encoding name, exact case). Throws for unknown names. */
export function createCodec(name: CodecName, options: CreateCodecOptions = {}): Codec {
  switch (name) {
    case 'PCMU':
      return pcmuCodec;
    case 'PCMA':
      return pcmaCodec;
    case 'G722':
      return g722Codec;
    case 'opus':
      return opusCodec;
    case 'L16': {
      const rateHz = options.sampleRateHz ?? 8000;
      let codec = l16Codecs.get(rateHz);
      if (!codec) {
        codec = createL16Codec(rateHz);
        l16Codecs.set(rateHz, codec);
      }
      return codec;
    }
    default:
      throw new Error(`unsupported codec ${String(name)}`);
  }
}

/**
 * The {@link CodecName} for an SDP encoding name, compared case-insensitively as RFC 4855
 * §3 requires ("OPUS", "pcmu" …); undefined when the media plane does not implement it.
 */
export function codecNameFromSdp(encodingName: string): CodecName | undefined {
  const wanted = encodingName.toLowerCase();
  return SUPPORTED_CODECS.find((name) => name.toLowerCase() === wanted);
}
