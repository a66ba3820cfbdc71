import { describe, expect, it } from 'vitest';
import { resample, type AudioFrame } from '../../media/index.js';
import { PcmFramer } from './pcm-framer.js';

function sine(rateHz: number, seconds: number, frequencyHz = 300): Int16Array {
  const out = new Int16Array(Math.round(rateHz * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz));
  }
  return out;
}

function bytesOf(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return bytes;
}

function joined(frames: AudioFrame[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.samples.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f.samples, at);
    at += f.samples.length;
  }
  return out;
}

describe('PcmFramer', () => {
  it('passes PCM bytes in odd-sized pieces through unchanged at the same rate', () => {
    const input = sine(16000, 0.05);
    const bytes = bytesOf(input);
    const framer = new PcmFramer(16000, 1000);
    const frames: AudioFrame[] = [];
    for (let i = 0; i < bytes.length; i += 77) {
      frames.push(...framer.pushBytes(bytes.subarray(i, i + 77), 16000));
    }
    frames.push(...framer.end());
    expect(frames.map((f) => f.timestampMs)).toEqual([1000, 1020, 1040]);
    expect(frames.every((f) => f.samples.length === 320 && f.sampleRateHz === 16000)).toBe(true);
    const out = joined(frames);
    expect(Array.from(out.subarray(0, input.length))).toEqual(Array.from(input));
    // The last frame is padded with silence.
    expect(out.subarray(input.length).every((s) => s === 0)).toBe(true);
  });

  it('resamples 24 kHz to 8 kHz in step with the one-shot resampler, delay removed', () => {
    const input = sine(24000, 0.5);
    const bytes = bytesOf(input);
    const framer = new PcmFramer(8000);
    const frames: AudioFrame[] = [];
    for (let i = 0; i < bytes.length; i += 1001) {
      frames.push(...framer.pushBytes(bytes.subarray(i, i + 1001), 24000));
    }
    frames.push(...framer.end());
    expect(frames).toHaveLength(25);
    expect(frames.every((f) => f.samples.length === 160)).toBe(true);
    const out = joined(frames);
    const reference = resample(input, 24000, 8000);
    let maxError = 0;
    for (let i = 0; i < reference.length; i++) {
      maxError = Math.max(maxError, Math.abs(out[i]! - reference[i]!));
    }
    expect(maxError).toBeLessThanOrEqual(2);
  });

  it('keeps going when the input rate changes, without losing the first run', () => {
    const framer = new PcmFramer(16000);
    const frames = [
      ...framer.pushSamples(sine(24000, 0.1), 24000),
      ...framer.pushSamples(sine(8000, 0.1), 8000),
      ...framer.end(),
    ];
    expect(frames).toHaveLength(10);
  });

  it('gives nothing for no input', () => {
    expect(new PcmFramer(8000).end()).toEqual([]);
  });
});
