import { describe, expect, it } from 'vitest';
import {
  concatSamples,
  meanSquare,
  sine,
  tonePower,
} from '../../../test/fixtures/audio-signals.js';
import { createOpusCodec, opusCodec } from './opus.js';

const RATE_HZ = 48000;
const FRAME = 960;

function tone(frequencyHz: number, length: number, amplitude: number): Int16Array {
  return sine(frequencyHz, RATE_HZ, length, amplitude);
}

/** Encodes and decodes `signal` frame by frame; `lost` frame indexes are concealed instead. */
function roundTrip(signal: Int16Array, lost: ReadonlySet<number> = new Set()): Int16Array[] {
  const encoder = opusCodec.createEncoder();
  const decoder = opusCodec.createDecoder();
  const frames: Int16Array[] = [];
  for (let k = 0; k * FRAME < signal.length; k++) {
    const payload = encoder.encode(signal.subarray(k * FRAME, (k + 1) * FRAME));
    frames.push(lost.has(k) ? decoder.conceal(FRAME) : decoder.decode(payload));
  }
  return frames;
}

describe('Opus codec', () => {
  it('is 48 kHz with a 48 kHz RTP clock', () => {
    expect(opusCodec.name).toBe('opus');
    expect(opusCodec.sampleRateHz).toBe(48000);
    expect(opusCodec.clockRateHz).toBe(48000);
  });

  it('keeps a 1 kHz tone at 1 kHz and at its level through encode and decode', () => {
    const input = tone(1000, RATE_HZ, 10000);
    const output = concatSamples(roundTrip(input));
    expect(output).toHaveLength(input.length);
    const steady = output.subarray(RATE_HZ / 5); // after the encoder settles
    const atTone = tonePower(steady, 1000, RATE_HZ);
    const expected = (10000 * 10000) / 4;
    expect(Math.abs(10 * Math.log10(atTone / expected))).toBeLessThan(1);
    // Nearly all the output's power is the tone (> 20 dB above everything else).
    const rest = meanSquare(steady) - 2 * atTone;
    expect(10 * Math.log10((2 * atTone) / Math.max(rest, 1e-9))).toBeGreaterThan(20);
  });

  it('distinguishes frequencies: a 400 Hz tone comes out at 400 Hz, not 1 kHz', () => {
    const output = concatSamples(roundTrip(tone(400, RATE_HZ / 2, 8000))).subarray(RATE_HZ / 5);
    expect(tonePower(output, 400, RATE_HZ)).toBeGreaterThan(100 * tonePower(output, 1000, RATE_HZ));
  });

  it('keeps packets near the 32 kbit/s target', () => {
    const encoder = opusCodec.createEncoder();
    const input = tone(700, RATE_HZ, 9000);
    let bytes = 0;
    for (let k = 0; k < 50; k++)
      bytes += encoder.encode(input.subarray(k * FRAME, (k + 1) * FRAME)).length;
    expect(bytes * 8).toBeGreaterThan(16000);
    expect(bytes * 8).toBeLessThan(48000);
  });

  it('conceals a lost frame with libopus PLC: right length, audible, then fading', () => {
    const input = tone(500, RATE_HZ, 10000);
    const frames = roundTrip(input, new Set([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]));
    for (const frame of frames) expect(frame).toHaveLength(FRAME);
    const before = meanSquare(frames[19]!);
    expect(meanSquare(frames[20]!)).toBeGreaterThan(0.1 * before);
    expect(tonePower(frames[20]!, 500, RATE_HZ)).toBeGreaterThan(
      0.05 * tonePower(frames[19]!, 500, RATE_HZ),
    );
    expect(meanSquare(frames[29]!)).toBeLessThan(0.01 * before);
    // Back in step once packets return.
    const after = concatSamples(frames.slice(35));
    expect(Math.abs(10 * Math.log10(tonePower(after, 500, RATE_HZ) / (1e8 / 4)))).toBeLessThan(1);
  });

  it('conceals any length, including ones that are not a multiple of 2.5 ms', () => {
    const encoder = opusCodec.createEncoder();
    const decoder = opusCodec.createDecoder();
    const input = tone(300, 10 * FRAME, 8000);
    for (let k = 0; k < 10; k++)
      decoder.decode(encoder.encode(input.subarray(k * FRAME, (k + 1) * FRAME)));
    expect(decoder.conceal(1000)).toHaveLength(1000);
    expect(decoder.conceal(7)).toHaveLength(7);
    expect(decoder.conceal(9600)).toHaveLength(9600); // 200 ms: more than one 120 ms packet
    expect(decoder.decode(encoder.encode(input.subarray(0, FRAME)))).toHaveLength(FRAME);
  });

  it('conceals with silence before the first packet', () => {
    expect(
      opusCodec
        .createDecoder()
        .conceal(FRAME)
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('treats a corrupt packet as lost instead of throwing', () => {
    const decoder = opusCodec.createDecoder();
    // Code 3 with a frame count of 0 is invalid (RFC 6716 §3.2.5).
    expect(decoder.decode(Uint8Array.of(0x03, 0x00))).toHaveLength(FRAME);
  });

  it('accepts encoder settings', () => {
    const codec = createOpusCodec({ bitrateBps: 16000, complexity: 1, inbandFec: false });
    const encoder = codec.createEncoder();
    const input = tone(700, RATE_HZ, 9000);
    let bytes = 0;
    for (let k = 0; k < 50; k++)
      bytes += encoder.encode(input.subarray(k * FRAME, (k + 1) * FRAME)).length;
    expect(bytes * 8).toBeLessThan(24000);
  });
});
