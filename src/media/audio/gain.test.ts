import { describe, expect, it } from 'vitest';
import {
  applyGainDb,
  applyGainLinear,
  dbToLinear,
  frameEnergyDbfs,
  linearToDb,
  saturate16,
} from './gain.js';

describe('gain helpers', () => {
  it('converts decibels to amplitude factors and back', () => {
    expect(dbToLinear(0)).toBe(1);
    expect(dbToLinear(20)).toBeCloseTo(10, 10);
    expect(dbToLinear(-6)).toBeCloseTo(0.501, 3);
    expect(dbToLinear(-Infinity)).toBe(0);
    expect(linearToDb(0.1)).toBeCloseTo(-20, 10);
    expect(linearToDb(0)).toBe(-Infinity);
  });

  it('applies gain in place by default, into another array when given', () => {
    const samples = new Int16Array([1000, -1000, 3]);
    const same = applyGainDb(samples, 20);
    expect(same).toBe(samples);
    expect(Array.from(samples)).toEqual([10000, -10000, 30]);
    const out = new Int16Array(3);
    applyGainDb(samples, -20, out);
    expect(Array.from(out)).toEqual([1000, -1000, 3]);
    expect(Array.from(samples)).toEqual([10000, -10000, 30]);
  });

  it('saturates at ±32767 instead of wrapping', () => {
    const samples = new Int16Array([20000, -20000, -32768, 100]);
    applyGainDb(samples, 12);
    expect(Array.from(samples)).toEqual([32767, -32767, -32767, 398]);
    expect(saturate16(40000)).toBe(32767);
    expect(saturate16(-40000)).toBe(-32767);
    expect(saturate16(5)).toBe(5);
  });

  it('mutes with -Infinity dB and copies with 0 dB', () => {
    const samples = new Int16Array([5, -5]);
    const copy = applyGainLinear(samples, 1, new Int16Array(2));
    expect(Array.from(copy)).toEqual([5, -5]);
    applyGainDb(samples, -Infinity);
    expect(Array.from(samples)).toEqual([0, 0]);
    expect(() => applyGainDb(new Int16Array(4), 3, new Int16Array(2))).toThrow(RangeError);
  });

  it('measures RMS level in dBFS', () => {
    expect(frameEnergyDbfs(new Int16Array(160))).toBe(-Infinity);
    expect(frameEnergyDbfs(new Int16Array(0))).toBe(-Infinity);
    expect(frameEnergyDbfs(new Int16Array(160).fill(-32768))).toBeCloseTo(0, 6);
    const sine = new Int16Array(160);
    for (let i = 0; i < 160; i++)
      sine[i] = Math.round(32767 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
    expect(frameEnergyDbfs(sine)).toBeCloseTo(-3.01, 1);
    // −20 dB of gain is −20 dB of level.
    const quieter = applyGainDb(sine.slice(), -20);
    expect(frameEnergyDbfs(quieter) - frameEnergyDbfs(sine)).toBeCloseTo(-20, 1);
  });
});
