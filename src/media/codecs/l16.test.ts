import { describe, expect, it } from 'vitest';
import { createL16Codec, decodeL16, encodeL16 } from './l16.js';

describe('L16', () => {
  it('writes samples big-endian (network byte order)', () => {
    const bytes = encodeL16(Int16Array.of(0x0102, -1, -32768, 32767, 0, 256, -2));
    expect(Array.from(bytes)).toEqual([
      0x01, 0x02, 0xff, 0xff, 0x80, 0x00, 0x7f, 0xff, 0x00, 0x00, 0x01, 0x00, 0xff, 0xfe,
    ]);
  });

  it('reads big-endian bytes with sign', () => {
    const samples = decodeL16(Uint8Array.of(0x01, 0x02, 0xff, 0xff, 0x80, 0x00, 0x7f, 0xff));
    expect(Array.from(samples)).toEqual([0x0102, -1, -32768, 32767]);
  });

  it('ignores a trailing odd byte', () => {
    expect(Array.from(decodeL16(Uint8Array.of(0x00, 0x05, 0x09)))).toEqual([5]);
  });

  it('round-trips every 16-bit value', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    expect(decodeL16(encodeL16(all))).toEqual(all);
  });

  it('takes its rate from the parameter, 8 kHz by default', () => {
    expect(createL16Codec().sampleRateHz).toBe(8000);
    const wide = createL16Codec(16000);
    expect(wide.sampleRateHz).toBe(16000);
    expect(wide.clockRateHz).toBe(16000);
    expect(() => createL16Codec(44100)).toThrow(RangeError);
  });

  it('encodes a 20 ms frame into 2 bytes per sample and conceals losses', () => {
    const codec = createL16Codec(16000);
    const frame = Int16Array.from({ length: 320 }, (_, n) =>
      Math.round(5000 * Math.sin((2 * Math.PI * 200 * n) / 16000)),
    );
    const payload = codec.createEncoder().encode(frame);
    expect(payload).toHaveLength(640);
    const decoder = codec.createDecoder();
    expect(decoder.decode(payload)).toEqual(frame);
    const concealed = decoder.conceal(320);
    expect(concealed).toHaveLength(320);
    expect(concealed.some((v) => v !== 0)).toBe(true);
  });
});
