import { describe, expect, it } from 'vitest';
import { sineFrame, toneAmplitude } from '../../../test/fixtures/audio-signals.js';
import type { AudioFrame } from '../audio-frame.js';
import { AudioBridge } from './bridge.js';

/** Tick `k` of a continuous sine of amplitude 6000, media time starting at 40 ms. */
function tone(freqHz: number, rateHz: number, k: number): AudioFrame {
  return sineFrame(freqHz, rateHz, k, 6000, 40);
}

describe('AudioBridge', () => {
  it('hands each side the other side’s frame as is at equal rates', () => {
    const bridge = new AudioBridge();
    const fromA = tone(400, 8000, 0);
    const fromB = tone(700, 8000, 0);
    bridge.put('a', fromA);
    bridge.put('b', fromB);
    expect(bridge.take('a', 8000)).toBe(fromB);
    expect(bridge.take('b', 8000)).toBe(fromA);
    // Consumed: nothing new from the other side means nothing to play.
    expect(bridge.take('a', 8000)).toBeUndefined();
  });

  it('resamples when the sides run at different rates', () => {
    const bridge = new AudioBridge();
    const atB: number[] = [];
    const atA: number[] = [];
    for (let k = 0; k < 25; k++) {
      bridge.put('a', tone(400, 8000, k));
      bridge.put('b', tone(1000, 48000, k));
      const toA = bridge.take('a', 8000) as AudioFrame;
      const toB = bridge.take('b', 48000) as AudioFrame;
      expect(toA).toMatchObject({ sampleRateHz: 8000, timestampMs: 40 + k * 20 });
      expect(toA.samples.length).toBe(160);
      expect(toB.samples.length).toBe(960);
      if (k >= 5) {
        atA.push(...toA.samples);
        atB.push(...toB.samples);
      }
    }
    expect(toneAmplitude(Int16Array.from(atA), 1000, 8000)).toBeGreaterThan(5500);
    expect(toneAmplitude(Int16Array.from(atB), 400, 48000)).toBeGreaterThan(5500);
  });

  it('mutes one direction', () => {
    const bridge = new AudioBridge();
    bridge.setMuted('b', true);
    bridge.put('a', tone(400, 8000, 0));
    bridge.put('b', tone(700, 8000, 0));
    expect(bridge.take('a', 8000)).toBeUndefined();
    expect(bridge.take('b', 8000)).toBeDefined();
    bridge.setMuted('b', false);
    bridge.put('b', tone(700, 8000, 1));
    expect(bridge.take('a', 8000)).toBeDefined();
  });
});
