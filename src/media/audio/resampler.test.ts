import { describe, expect, it } from 'vitest';
import { concatSamples, rms, sine, tonePower } from '../../../test/fixtures/audio-signals.js';
import { Resampler, resample } from './resampler.js';

const RATES_HZ = [8000, 16000, 48000] as const;
const PAIRS = RATES_HZ.flatMap((from) => RATES_HZ.map((to) => [from, to] as const));

/** A sine of amplitude 10000 unless told otherwise. */
function tone(frequencyHz: number, sampleRateHz: number, length: number, amplitude = 10000) {
  return sine(frequencyHz, sampleRateHz, length, amplitude);
}

/** Runs `signal` through a fresh resampler in 20 ms frames and concatenates the output. */
function streamInFrames(signal: Int16Array, fromHz: number, toHz: number): Int16Array {
  const resampler = new Resampler(fromHz, toHz);
  const frameLength = fromHz / 50;
  const parts: Int16Array[] = [];
  for (let offset = 0; offset < signal.length; offset += frameLength) {
    parts.push(resampler.process(signal.subarray(offset, offset + frameLength)));
  }
  return concatSamples(parts);
}

describe('Resampler', () => {
  it.each(PAIRS)(
    'returns exactly length × to/from samples per 20 ms frame (%i → %i Hz)',
    (from, to) => {
      const resampler = new Resampler(from, to);
      const input = tone(440, from, from / 50);
      for (let call = 0; call < 200; call++) {
        expect(resampler.process(input)).toHaveLength(to / 50);
      }
    },
  );

  it('passes audio through unchanged (as a copy) when the rates are equal', () => {
    const resampler = new Resampler(16000, 16000);
    const input = tone(1000, 16000, 320);
    const output = resampler.process(input);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
    expect(resampler.delaySamples).toBe(0);
  });

  it.each(PAIRS.filter(([from, to]) => from !== to))(
    'streams frame by frame exactly like one call on the whole signal (%i → %i Hz)',
    (from, to) => {
      const signal = new Int16Array(from); // one second: a tone plus a chirp-like sweep
      for (let n = 0; n < signal.length; n++) {
        const t = n / from;
        signal[n] = Math.round(
          8000 * Math.sin(2 * Math.PI * 700 * t) + 4000 * Math.sin(2 * Math.PI * 300 * t * t * 5),
        );
      }
      const whole = new Resampler(from, to).process(signal);
      expect(streamInFrames(signal, from, to)).toEqual(whole);
    },
  );

  it('also streams odd chunk sizes without losing or duplicating samples', () => {
    const signal = tone(1000, 48000, 48000);
    const whole = new Resampler(48000, 8000).process(signal);
    const resampler = new Resampler(48000, 8000);
    const parts: number[] = [];
    let offset = 0;
    for (const size of [1, 7, 5, 960, 13, 2000, 6, 3]) {
      parts.push(...resampler.process(signal.subarray(offset, offset + size)));
      offset += size;
    }
    parts.push(...resampler.process(signal.subarray(offset)));
    expect(Int16Array.from(parts)).toEqual(whole);
  });

  it.each(PAIRS)('keeps a 1 kHz tone at 1 kHz and at its level (%i → %i Hz)', (from, to) => {
    const output = streamInFrames(tone(1000, from, from / 2), from, to);
    const steady = output.subarray(to / 10); // skip the filter's start-up
    const atTone = tonePower(steady, 1000, to);
    const expected = (10000 * 10000) / 4;
    expect(10 * Math.log10(atTone / expected)).toBeGreaterThan(-0.2);
    expect(10 * Math.log10(atTone / expected)).toBeLessThan(0.2);
    // Nothing of note elsewhere: the tone's power is (nearly) all the power.
    expect(Math.abs(rms(steady) - 10000 / Math.SQRT2)).toBeLessThan(0.01 * 10000);
  });

  it.each([
    [48000, 8000, 6000],
    [48000, 8000, 4600],
    [48000, 16000, 10000],
    [16000, 8000, 6000],
    [16000, 8000, 4600],
  ])('attenuates %i → %i Hz aliasing of a %i Hz tone by more than 40 dB', (from, to, frequency) => {
    const output = streamInFrames(tone(frequency, from, from / 2, 20000), from, to);
    const steady = output.subarray(to / 10);
    const attenuationDb = 20 * Math.log10(rms(steady) / (20000 / Math.SQRT2));
    expect(attenuationDb).toBeLessThan(-40);
  });

  it.each([
    [8000, 16000],
    [8000, 48000],
    [16000, 48000],
  ])('does not create images above the input band when upsampling %i → %i Hz', (from, to) => {
    const output = streamInFrames(tone(3000, from, from / 2), from, to);
    const steady = output.subarray(to / 10);
    // The first image of 3 kHz sits at fromHz − 3 kHz.
    const image = tonePower(steady, from - 3000, to);
    expect(10 * Math.log10(image / ((10000 * 10000) / 4))).toBeLessThan(-50);
  });

  it('has no clicks at frame boundaries: a sine stays smooth across 20 ms joins', () => {
    const output = streamInFrames(tone(500, 8000, 8000), 8000, 48000);
    let maxStep = 0;
    for (let n = 4800; n < output.length; n++) {
      maxStep = Math.max(maxStep, Math.abs(output[n]! - output[n - 1]!));
    }
    // The steepest slope of a 500 Hz sine of amplitude 10000 at 48 kHz is 2π·500/48000·10000.
    expect(maxStep).toBeLessThan(((2 * Math.PI * 500) / 48000) * 10000 * 1.05);
  });

  it('reset() forgets the history', () => {
    const resampler = new Resampler(8000, 16000);
    const first = resampler.process(tone(1000, 8000, 160));
    resampler.process(tone(300, 8000, 160));
    resampler.reset();
    expect(resampler.process(tone(1000, 8000, 160))).toEqual(first);
  });

  it('rejects invalid rates', () => {
    expect(() => new Resampler(0, 8000)).toThrow(RangeError);
    expect(() => new Resampler(8000, 1.5)).toThrow(RangeError);
  });
});

describe('resample (one-shot)', () => {
  it.each([
    [8000, 16000],
    [16000, 8000],
    [48000, 8000],
    [8000, 48000],
    [44100, 16000],
    [22050, 8000],
    [44100, 48000],
    [16000, 44100],
    [11025, 16000],
  ])('removes the delay: output lines up with the ideal tone (%i → %i Hz)', (from, to) => {
    const input = tone(1000, from, from);
    const output = resample(input, from, to);
    expect(output).toHaveLength(Math.round((input.length * to) / from));
    const ideal = tone(1000, to, output.length);
    // Compare away from the edges (where the filter sees the signal start and stop).
    let error = 0;
    let power = 0;
    for (let n = to / 20; n < output.length - to / 20; n++) {
      error += (output[n]! - ideal[n]!) ** 2;
      power += ideal[n]! ** 2;
    }
    expect(10 * Math.log10(power / error)).toBeGreaterThan(40);
  });

  it('equals the streaming output shifted by the fixed delay', () => {
    const input = tone(700, 16000, 16000);
    const streamed = streamInFrames(input, 16000, 48000);
    const delay = new Resampler(16000, 48000).delaySamples;
    const oneShot = resample(input, 16000, 48000);
    expect(oneShot.subarray(0, streamed.length - delay)).toEqual(streamed.subarray(delay));
  });

  it('falls back to interpolation for huge ratios and still keeps the tone', () => {
    const input = tone(1000, 44101, 44101);
    const output = resample(input, 44101, 8000);
    expect(output).toHaveLength(8000);
    const steady = output.subarray(800, 7200);
    expect(tonePower(steady, 1000, 8000)).toBeGreaterThan(0.9 * ((10000 * 10000) / 4));
  });

  it('copies when the rates are equal', () => {
    const input = tone(1000, 8000, 80);
    expect(resample(input, 8000, 8000)).toEqual(input);
  });
});
