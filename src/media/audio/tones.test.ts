import { describe, expect, it } from 'vitest';
import { samplesOf } from '../../../test/fixtures/audio-signals.js';
import { FRAME_MS, type AudioFrame } from '../audio-frame.js';
import { goertzelCoefficient, goertzelPower } from '../dtmf/goertzel.js';
import { InbandDtmfDetector } from '../dtmf/inband-detector.js';
import {
  dtmfToneFrames,
  silenceFrames,
  TONES,
  ToneSource,
  toneFrames,
  type ToneSpec,
} from './tones.js';

/** Ms of each 10 ms slice that is on (any sample above a small threshold), run-length coded. */
function onOffRuns(samples: Int16Array, sampleRateHz: number): number[] {
  const slice = sampleRateHz / 100;
  const runs: number[] = [];
  let state = true;
  let run = 0;
  for (let i = 0; i < samples.length; i += slice) {
    let on = false;
    for (let j = i; j < i + slice; j++) if (Math.abs(samples[j]!) > 100) on = true;
    if (on === state) run += 10;
    else {
      runs.push(run);
      state = on;
      run = 10;
    }
  }
  runs.push(run);
  return runs;
}

const take = (source: ToneSource, count: number): AudioFrame[] =>
  Array.from({ length: count }, () => source.nextFrame()!);

describe('ToneSource', () => {
  it('plays the NA ringback cadence (2 s on, 4 s off), repeating, at the right frequencies', () => {
    const source = new ToneSource(TONES.ringbackNa, { sampleRateHz: 8000 });
    const frames = take(source, 600); // 12 s
    expect(source.done).toBe(false);
    expect(onOffRuns(samplesOf(frames), 8000)).toEqual([2000, 4000, 2000, 4000]);
    const burst = samplesOf(frames.slice(10, 60));
    const power = (f: number): number => goertzelPower(burst, goertzelCoefficient(f, 8000));
    expect(power(440) / power(620)).toBeGreaterThan(1000);
    expect(power(480) / power(350)).toBeGreaterThan(1000);
    expect(power(440) / power(480)).toBeCloseTo(1, 1);
  });

  it('has the presets the brief asks for', () => {
    const cadence = (spec: ToneSpec): number[] => {
      const frames = toneFrames(
        { ...spec, durationMs: 2 * spec.cadenceMs.reduce((a, b) => a + b, 0) },
        { sampleRateHz: 8000 },
      );
      return onOffRuns(samplesOf(frames), 8000);
    };
    expect(cadence(TONES.busyNa)).toEqual([500, 500, 500, 500]);
    expect(cadence(TONES.reorderNa)).toEqual([250, 250, 250, 250]);
    expect(cadence(TONES.busyCn)).toEqual([350, 350, 350, 350]);
    expect(cadence(TONES.ringbackCn)).toEqual([1000, 4000, 1000, 4000]);
    expect(TONES.busyNa.frequenciesHz).toEqual([480, 620]);
    expect(TONES.ringbackCn.frequenciesHz).toEqual([450]);
  });

  it('plays a finite beep, then stops; the last frame is padded', () => {
    const frames = toneFrames(
      { ...TONES.beep, durationMs: 210 },
      { sampleRateHz: 16000, startTimestampMs: 500 },
    );
    expect(frames).toHaveLength(11);
    expect(frames.map((f) => f.timestampMs)).toEqual(frames.map((_, i) => 500 + i * FRAME_MS));
    expect(frames.every((f) => f.samples.length === 320 && f.sampleRateHz === 16000)).toBe(true);
    expect(onOffRuns(samplesOf(frames), 16000)).toEqual([210, 10]);
    const beep = new ToneSource(TONES.beep, { sampleRateHz: 8000 });
    expect([...beep]).toHaveLength(10);
    expect(beep.nextFrame()).toBeUndefined();
    expect(() => toneFrames(TONES.dialNa, { sampleRateHz: 8000 })).toThrow(RangeError);
  });

  it('is phase-continuous across frames and at the requested level', () => {
    const source = new ToneSource(
      { frequenciesHz: [1000], cadenceMs: [], levelDbfs: -6 },
      { sampleRateHz: 8000 },
    );
    const samples = samplesOf(take(source, 50));
    const amplitude = 32767 * 10 ** (-6 / 20);
    let peak = 0;
    let maxStep = 0;
    for (let i = 20; i < samples.length; i++) {
      peak = Math.max(peak, Math.abs(samples[i]!));
      maxStep = Math.max(maxStep, Math.abs(samples[i]! - samples[i - 1]!));
    }
    expect(Math.abs(peak - amplitude)).toBeLessThan(amplitude * 0.01);
    // A 1 kHz sine at 8 kHz moves at most 2·sin(π/8)·A per sample; a phase jump would exceed it.
    expect(maxStep).toBeLessThanOrEqual(Math.ceil(2 * Math.sin(Math.PI / 8) * amplitude) + 1);
  });

  it('ramps its edges instead of clicking', () => {
    const frames = toneFrames(
      { frequenciesHz: [1000], cadenceMs: [], levelDbfs: 0, durationMs: 40 },
      { sampleRateHz: 8000, rampMs: 2 },
    );
    const samples = samplesOf(frames);
    expect(Math.abs(samples[1]!)).toBeLessThan(32767 * 0.2);
    expect(Math.abs(samples[318]!)).toBeLessThan(32767 * 0.2);
  });

  it('rejects an odd cadence', () => {
    expect(
      () => new ToneSource({ frequenciesHz: [400], cadenceMs: [100] }, { sampleRateHz: 8000 }),
    ).toThrow(RangeError);
  });
});

describe('dtmfToneFrames', () => {
  it('makes tone + gap per digit as whole frames with increasing timestamps', () => {
    const frames = dtmfToneFrames('12#', {
      sampleRateHz: 8000,
      toneMs: 100,
      gapMs: 50,
      startTimestampMs: 40,
    });
    expect(frames).toHaveLength(Math.ceil(450 / FRAME_MS));
    expect(frames.map((f) => f.timestampMs)).toEqual(frames.map((_, i) => 40 + i * FRAME_MS));
    expect(onOffRuns(samplesOf(frames), 8000)).toEqual([100, 50, 100, 50, 100, 60]);
    const first = samplesOf(frames.slice(0, 5));
    const power = (f: number): number => goertzelPower(first, goertzelCoefficient(f, 8000));
    expect(power(697) / power(770)).toBeGreaterThan(100);
    expect(power(1209) / power(1336)).toBeGreaterThan(100);
  });

  it('is heard by the in-band detector at 8 and 16 kHz', () => {
    for (const sampleRateHz of [8000, 16000]) {
      const detector = new InbandDtmfDetector();
      const digits = dtmfToneFrames('0123456789*#abcd', { sampleRateHz })
        .map((f) => detector.process(f)?.digit ?? '')
        .join('');
      expect(digits).toBe('0123456789*#ABCD');
    }
  });

  it('applies twist and rejects non-DTMF characters', () => {
    const samples = samplesOf(dtmfToneFrames('1', { sampleRateHz: 8000, twistDb: 6, gapMs: 0 }));
    const ratio =
      goertzelPower(samples, goertzelCoefficient(1209, 8000)) /
      goertzelPower(samples, goertzelCoefficient(697, 8000));
    expect(10 * Math.log10(ratio)).toBeCloseTo(6, 0);
    expect(() => dtmfToneFrames('12x', { sampleRateHz: 8000 })).toThrow(RangeError);
  });
});

describe('silenceFrames', () => {
  it('rounds up to whole silent frames', () => {
    const frames = silenceFrames(50, 16000, 100);
    expect(frames.map((f) => f.timestampMs)).toEqual([100, 120, 140]);
    expect(frames.every((f) => f.samples.length === 320 && f.samples.every((s) => s === 0))).toBe(
      true,
    );
  });
});
