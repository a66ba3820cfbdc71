import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { energy, sine } from '../../../test/fixtures/audio-signals.js';
import { G722Decoder, G722Encoder, g722Codec } from './g722.js';

/**
 * Reference data made by FFmpeg's G.722 codec (an independent implementation); see
 * test/fixtures/g722/make-fixtures.ts for how, and with which FFmpeg version.
 */
const FIXTURES = new URL('../../../test/fixtures/g722/', import.meta.url);

function readBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(name, FIXTURES))));
}

function readS16le(name: string): Int16Array {
  const bytes = readBytes(name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int16Array.from({ length: bytes.length / 2 }, (_, i) => view.getInt16(2 * i, true));
}

function concat<T extends Uint8Array | Int16Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Index of the first difference, or −1: a readable failure instead of a 5000-line diff. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A sine at 16 kHz, the codec's rate. */
function tone(frequencyHz: number, length: number, amplitude: number): Int16Array {
  return sine(frequencyHz, 16000, length, amplitude);
}

/** Best SNR of `output` against `input` over lags 0…63 (the codec delays by its QMF pair). */
function alignedSnrDb(input: Int16Array, output: Int16Array, from: number, to: number) {
  let best = -Infinity;
  for (let lag = 0; lag < 64; lag++) {
    let error = 0;
    let power = 0;
    for (let n = from; n < to; n++) {
      error += (output[n + lag]! - input[n]!) ** 2;
      power += input[n]! ** 2;
    }
    best = Math.max(best, 10 * Math.log10(power / error));
  }
  return best;
}

describe('G.722 against FFmpeg reference data', () => {
  const input = readS16le('input.raw');

  it('encodes bit-exactly like FFmpeg, frame by frame', () => {
    const encoder = new G722Encoder();
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < input.length; offset += 320) {
      frames.push(encoder.encode(input.subarray(offset, offset + 320)));
    }
    const encoded = concat(frames, (n) => new Uint8Array(n));
    expect(firstDifference(encoded, readBytes('ffmpeg-encoded.g722'))).toBe(-1);
  });

  it('encodes identically in one call (state carries across calls)', () => {
    const encoded = new G722Encoder().encode(input);
    expect(firstDifference(encoded, readBytes('ffmpeg-encoded.g722'))).toBe(-1);
  });

  it.each([
    ['ffmpeg-encoded.g722', 'ffmpeg-decoded.raw'],
    ['random.g722', 'random-decoded.raw'],
  ])('decodes %s bit-exactly like FFmpeg', (codesFile, pcmFile) => {
    const codes = readBytes(codesFile);
    const decoder = new G722Decoder();
    const frames: Int16Array[] = [];
    for (let offset = 0; offset < codes.length; offset += 160) {
      frames.push(decoder.decode(codes.subarray(offset, offset + 160)));
    }
    const decoded = concat(frames, (n) => new Int16Array(n));
    expect(firstDifference(decoded, readS16le(pcmFile))).toBe(-1);
  });
});

describe('G.722 codec', () => {
  it('is 16 kHz audio on an 8 kHz RTP clock, 160 bytes per 20 ms', () => {
    expect(g722Codec.name).toBe('G722');
    expect(g722Codec.sampleRateHz).toBe(16000);
    expect(g722Codec.clockRateHz).toBe(8000);
    expect(g722Codec.createEncoder().encode(new Int16Array(320))).toHaveLength(160);
    expect(g722Codec.createDecoder().decode(new Uint8Array(160))).toHaveLength(320);
  });

  it.each([1000, 300, 5000])('round-trips a %i Hz tone with > 20 dB SNR', (frequencyHz) => {
    const input = tone(frequencyHz, 16000, 10000);
    const encoder = g722Codec.createEncoder();
    const decoder = g722Codec.createDecoder();
    const frames: Int16Array[] = [];
    for (let offset = 0; offset < input.length; offset += 320) {
      frames.push(decoder.decode(encoder.encode(input.subarray(offset, offset + 320))));
    }
    const output = concat(frames, (n) => new Int16Array(n));
    // Skip the first 100 ms while the scale factors adapt.
    expect(alignedSnrDb(input, output, 1600, 15000)).toBeGreaterThan(20);
  });

  it('conceals losses with faded audio and recovers cleanly when packets return', () => {
    const input = tone(440, 16000, 8000);
    const encoder = new G722Encoder();
    const decoder = new G722Decoder();
    const frames: Int16Array[] = [];
    for (let k = 0; k < 50; k++) {
      const payload = encoder.encode(input.subarray(k * 320, (k + 1) * 320));
      // Frames 20–22 (60 ms) are lost; the encoder still ran, as the far end's would.
      frames.push(k >= 20 && k < 23 ? decoder.conceal(320) : decoder.decode(payload));
    }
    const last = energy(frames[19]!);
    expect(energy(frames[20]!)).toBeGreaterThan(0.5 * last);
    expect(energy(frames[21]!)).toBeLessThan(energy(frames[20]!));
    expect(energy(frames[22]!)).toBeLessThan(energy(frames[21]!));
    // 100 ms after the loss the decoder is back in step with the encoder.
    const output = concat(frames, (n) => new Int16Array(n));
    expect(alignedSnrDb(input, output, 28 * 320, 49 * 320)).toBeGreaterThan(20);
  });

  it('conceals any length, silently before the first packet', () => {
    const decoder = new G722Decoder();
    expect(decoder.conceal(320).every((v) => v === 0)).toBe(true);
    decoder.decode(new G722Encoder().encode(tone(500, 320, 5000)));
    expect(decoder.conceal(77)).toHaveLength(77);
  });

  it('reset() restarts both directions from the initial state', () => {
    const input = readS16le('input.raw').subarray(0, 640);
    const encoder = new G722Encoder();
    const first = encoder.encode(input);
    encoder.encode(tone(2000, 320, 9000));
    encoder.reset();
    expect(encoder.encode(input)).toEqual(first);

    const decoder = new G722Decoder();
    const decoded = decoder.decode(first);
    decoder.decode(first);
    decoder.reset();
    expect(decoder.decode(first)).toEqual(decoded);
  });
});
