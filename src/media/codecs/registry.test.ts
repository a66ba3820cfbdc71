import { describe, expect, it } from 'vitest';
import { SUPPORTED_CODECS, codecNameFromSdp, createCodec } from './registry.js';

describe('codec registry', () => {
  it('creates every supported codec under its own name', () => {
    for (const name of SUPPORTED_CODECS) expect(createCodec(name).name).toBe(name);
  });

  it('has the RFC 3551 / RFC 7587 rates', () => {
    const rates = SUPPORTED_CODECS.map((name) => {
      const codec = createCodec(name);
      return [name, codec.sampleRateHz, codec.clockRateHz];
    });
    expect(rates).toEqual([
      ['opus', 48000, 48000],
      ['G722', 16000, 8000],
      ['PCMU', 8000, 8000],
      ['PCMA', 8000, 8000],
      ['L16', 8000, 8000],
    ]);
  });

  it('takes the L16 rate from the options and ignores it for fixed-rate codecs', () => {
    expect(createCodec('L16', { sampleRateHz: 16000 }).sampleRateHz).toBe(16000);
    expect(createCodec('G722', { sampleRateHz: 8000 }).sampleRateHz).toBe(16000);
    expect(createCodec('opus', { sampleRateHz: 48000 }).sampleRateHz).toBe(48000);
    expect(() => createCodec('L16', { sampleRateHz: 11025 })).toThrow(RangeError);
  });

  it('gives independent encoder/decoder state per stream', () => {
    const codec = createCodec('G722');
    const a = codec.createDecoder();
    const b = codec.createDecoder();
    expect(a).not.toBe(b);
  });

  it('rejects unknown names', () => {
    expect(() => createCodec('GSM' as never)).toThrow(/unsupported codec GSM/);
  });

  it('maps SDP encoding names case-insensitively', () => {
    expect(codecNameFromSdp('OPUS')).toBe('opus');
    expect(codecNameFromSdp('pcmu')).toBe('PCMU');
    expect(codecNameFromSdp('g722')).toBe('G722');
    expect(codecNameFromSdp('telephone-event')).toBeUndefined();
  });
});
