import { describe, expect, it } from 'vitest';
import { energy, sine as sineAt } from '../../../test/fixtures/audio-signals.js';
import {
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

/**
 * Independent decode formulas, written the way the classic Sun Microsystems g711.c states
 * them (bias-and-shift), not the way g711.ts does (G.191's mantissa/step form).
 */
function ulawFormula(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawFormula(code: number): number {
  const a = code ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

/** A sine at 8 kHz, G.711's rate. */
function sine(frequencyHz: number, length: number, amplitude: number): Int16Array {
  return sineAt(frequencyHz, 8000, length, amplitude);
}

describe('G.711 µ-law', () => {
  it('encodes the G.191 reference values', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(1)).toBe(0xff);
    expect(linearToUlaw(-1)).toBe(0x7f); // one's complement: −1 is "negative zero"
    expect(linearToUlaw(4)).toBe(0xfe);
    expect(linearToUlaw(-5)).toBe(0x7e);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToUlaw(32124)).toBe(0x80);
    expect(linearToUlaw(1000)).toBe(0xce);
    expect(linearToUlaw(-1000)).toBe(0x4e);
  });

  it('decodes the known end points', () => {
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0);
    expect(ulawToLinear(0xfe)).toBe(8);
    expect(ulawToLinear(0x7e)).toBe(-8);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
  });

  it('decodes all 256 codes as the bias-and-shift formula says', () => {
    for (let code = 0; code < 256; code++) expect(ulawToLinear(code)).toBe(ulawFormula(code));
  });

  it('round-trips every code (0x7F, negative zero, comes back as 0xFF)', () => {
    for (let code = 0; code < 256; code++) {
      expect(linearToUlaw(ulawToLinear(code))).toBe(code === 0x7f ? 0xff : code);
    }
  });

  it('quantises monotonically with bounded error over the whole 16-bit range', () => {
    const bad: number[] = [];
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const y = ulawToLinear(linearToUlaw(x));
      // Half the top segment's step (512) plus the 2 truncated bits, or clipping above 32124.
      const bound = x > 32124 || x < -32124 ? 644 : 516;
      if (y < previous || Math.abs(y - x) > bound) bad.push(x);
      previous = y;
    }
    expect(bad).toEqual([]);
  });

  it('vector helpers match the per-sample functions', () => {
    const input = sine(1000, 160, 12000);
    const codes = encodeUlaw(input);
    expect(Array.from(codes)).toEqual(Array.from(input, linearToUlaw));
    expect(Array.from(decodeUlaw(codes))).toEqual(Array.from(codes, ulawToLinear));
  });
});

describe('G.711 A-law', () => {
  it('encodes the G.191 reference values', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(15)).toBe(0xd5);
    expect(linearToAlaw(16)).toBe(0xd4);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
    expect(linearToAlaw(1000)).toBe(0xfa);
    expect(linearToAlaw(-1000)).toBe(0x7a);
  });

  it('decodes the known end points', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('decodes all 256 codes as the formula says', () => {
    for (let code = 0; code < 256; code++) expect(alawToLinear(code)).toBe(alawFormula(code));
  });

  it('round-trips every code', () => {
    for (let code = 0; code < 256; code++) expect(linearToAlaw(alawToLinear(code))).toBe(code);
  });

  it('quantises monotonically with bounded error over the whole 16-bit range', () => {
    const bad: number[] = [];
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const y = alawToLinear(linearToAlaw(x));
      // Half the top segment's step (512) plus the 4 truncated bits.
      if (y < previous || Math.abs(y - x) > 528) bad.push(x);
      previous = y;
    }
    expect(bad).toEqual([]);
  });

  it('vector helpers match the per-sample functions', () => {
    const input = sine(700, 160, 20000);
    const codes = encodeAlaw(input);
    expect(Array.from(codes)).toEqual(Array.from(input, linearToAlaw));
    expect(Array.from(decodeAlaw(codes))).toEqual(Array.from(codes, alawToLinear));
  });
});

describe.each([pcmuCodec, pcmaCodec])('$name codec', (codec) => {
  it('is 8 kHz with an 8 kHz RTP clock', () => {
    expect(codec.sampleRateHz).toBe(8000);
    expect(codec.clockRateHz).toBe(8000);
  });

  it('round-trips a 20 ms frame with telephone quality (> 30 dB SNR)', () => {
    const input = sine(1000, 160, 10000);
    const payload = codec.createEncoder().encode(input);
    expect(payload).toHaveLength(160);
    const output = codec.createDecoder().decode(payload);
    const noise = energy(Int16Array.from(output, (v, i) => v - input[i]!));
    expect(10 * Math.log10(energy(input) / noise)).toBeGreaterThan(30);
  });

  it('conceals a lost frame with faded audio, not silence, then silence after ~60 ms', () => {
    const encoder = codec.createEncoder();
    const decoder = codec.createDecoder();
    // A voiced-like signal: 125 Hz with harmonics, period 64 samples.
    const signal = Int16Array.from({ length: 8000 }, (_, n) =>
      Math.round(
        6000 * Math.sin((2 * Math.PI * 125 * n) / 8000) +
          3000 * Math.sin((2 * Math.PI * 250 * n) / 8000 + 1) +
          1500 * Math.sin((2 * Math.PI * 375 * n) / 8000 + 2),
      ),
    );
    let last: Int16Array = new Int16Array(0);
    for (let offset = 0; offset < 1600; offset += 160) {
      last = decoder.decode(encoder.encode(signal.subarray(offset, offset + 160)));
    }
    const lost = [1, 2, 3, 4].map(() => decoder.conceal(160));
    const lastEnergy = energy(last);
    expect(energy(lost[0]!)).toBeGreaterThan(0.5 * lastEnergy);
    expect(energy(lost[1]!)).toBeLessThan(energy(lost[0]!));
    expect(energy(lost[2]!)).toBeLessThan(energy(lost[1]!));
    expect(energy(lost[2]!)).toBeGreaterThan(0);
    expect(lost[3]!.every((v) => v === 0)).toBe(true);
    // The first 10 ms continue the periodic signal closely.
    const truth = signal.subarray(1600, 1680);
    const error = energy(Int16Array.from(lost[0]!.subarray(0, 80), (v, i) => v - truth[i]!));
    expect(10 * Math.log10(energy(truth) / error)).toBeGreaterThan(15);
  });

  it('conceals arbitrary lengths and returns silence before any audio', () => {
    const decoder = codec.createDecoder();
    expect(decoder.conceal(240)).toEqual(new Int16Array(240));
    decoder.decode(codec.createEncoder().encode(sine(300, 160, 8000)));
    expect(decoder.conceal(37)).toHaveLength(37);
  });
});
