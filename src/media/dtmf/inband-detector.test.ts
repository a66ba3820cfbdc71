import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../../test/fixtures/audio-signals.js';
import { prng } from '../../../test/fixtures/prng.js';
import { FRAME_MS, samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { dtmfToneFrames, silenceFrames, toneFrames } from '../audio/tones.js';
import { decodeUlaw, encodeUlaw } from '../codecs/g711.js';
import { DTMF_DIGITS, dtmfFrequenciesHz } from './digits.js';
import { GoertzelBank, goertzelCoefficient, goertzelPower } from './goertzel.js';
import { InbandDtmfDetector } from './inband-detector.js';
import type { DtmfEvent } from './types.js';

const ALL = DTMF_DIGITS.join('');
const RATES = [8000, 16000];

function detect(frames: AudioFrame[], detector = new InbandDtmfDetector()): DtmfEvent[] {
  const events: DtmfEvent[] = [];
  for (const frame of frames) {
    const event = detector.process(frame);
    if (event) events.push(event);
  }
  const last = detector.flush();
  if (last) events.push(last);
  return events;
}

const digitsOf = (events: DtmfEvent[]): string => events.map((e) => e.digit).join('');

/** RMS (PCM units) of white noise `snrDb` below a DTMF pair at `levelDbfs` per tone. */
function noiseRmsFor(levelDbfs: number, snrDb: number): number {
  const amplitude = 32767 * 10 ** (levelDbfs / 20);
  const tonePower = amplitude * amplitude; // two sines of amplitude A: 2 × A²/2
  return Math.sqrt(tonePower / 10 ** (snrDb / 10));
}

/** Frames in a row starting at `startMs`, renumbered so several signals can be concatenated. */
function concat(...parts: AudioFrame[][]): AudioFrame[] {
  return parts.flat().map((f, i) => ({ ...f, timestampMs: i * FRAME_MS }));
}

/** G.711 µ-law round trip: what a trunk does. */
function muLaw(frames: AudioFrame[]): AudioFrame[] {
  return frames.map((f) => ({ ...f, samples: decodeUlaw(encodeUlaw(f.samples)) }));
}

/** A DTMF-like pair with both frequencies scaled by (1 + deviation), 100 ms, then 100 ms quiet. */
function deviatedDigits(deviation: number, sampleRateHz: number): AudioFrame[] {
  return concat(
    ...DTMF_DIGITS.flatMap((digit) => {
      const { rowHz, columnHz } = dtmfFrequenciesHz(digit);
      const frequenciesHz = [rowHz * (1 + deviation), columnHz * (1 + deviation)];
      return [
        toneFrames(
          { frequenciesHz, cadenceMs: [], levelDbfs: -10, durationMs: 100 },
          { sampleRateHz },
        ),
        silenceFrames(100, sampleRateHz),
      ];
    }),
  );
}

describe('Goertzel', () => {
  it('measures (A·N/2)² for a sine at the analysed frequency and little elsewhere', () => {
    const n = 205;
    const amplitude = 1000;
    const sine = Float64Array.from(
      { length: n },
      (_, i) => amplitude * Math.sin((2 * Math.PI * 1209 * i) / 8000),
    );
    const on = goertzelPower(sine, goertzelCoefficient(1209, 8000));
    const off = goertzelPower(sine, goertzelCoefficient(1477, 8000));
    expect(on / ((amplitude * n) / 2) ** 2).toBeCloseTo(1, 1);
    expect(off / on).toBeLessThan(0.01);
  });

  it('a bank fed in slices matches one-shot filters and sums the energy', () => {
    const samples = Int16Array.from({ length: 300 }, (_, i) =>
      Math.round(8000 * Math.sin(i * 0.7) + 3000 * Math.sin(i * 1.9)),
    );
    const bank = new GoertzelBank([697, 1336], 8000);
    bank.update(samples, 0, 100);
    bank.update(samples, 100, 300);
    expect(bank.count).toBe(300);
    expect(bank.power(1)).toBeCloseTo(goertzelPower(samples, goertzelCoefficient(1336, 8000)), 3);
    expect(bank.energy).toBe(samples.reduce((sum, x) => sum + x * x, 0));
    bank.reset();
    expect(bank.power(0)).toBe(0);
  });
});

describe('InbandDtmfDetector', () => {
  for (const rate of RATES) {
    it(`detects each of the 16 keys exactly once at ${rate} Hz, with duration and time`, () => {
      const events = detect(dtmfToneFrames(ALL, { sampleRateHz: rate }));
      expect(digitsOf(events)).toBe(ALL);
      events.forEach((event, i) => {
        expect(event.source).toBe('inband');
        expect(Math.abs(event.durationMs - 100)).toBeLessThanOrEqual(16);
        expect(Math.abs(event.timestampMs - i * 200)).toBeLessThanOrEqual(13);
      });
    });

    it(`detects all keys in white noise 15 dB below the tones at ${rate} Hz`, () => {
      // Tones at -20 dBFS each; noise RMS 15 dB below their combined power, across the band.
      for (const seed of [1, 2, 3]) {
        const frames = dtmfToneFrames(ALL, { sampleRateHz: rate, levelDbfs: -20 });
        expect(digitsOf(detect(addNoise(frames, noiseRmsFor(-20, 15), seed)))).toBe(ALL);
      }
      // And still at 10 dB.
      const frames = dtmfToneFrames(ALL, { sampleRateHz: rate, levelDbfs: -20 });
      expect(digitsOf(detect(addNoise(frames, noiseRmsFor(-20, 10), 9)))).toBe(ALL);
    });

    it(`fires on nothing in 1 s of white noise at several levels at ${rate} Hz`, () => {
      for (const rms of [30, 300, 3000, 12000]) {
        expect(detect(noiseFrames(1000, rate, rms, rms))).toEqual([]);
      }
    });

    it(`fires on nothing in 10 s of a synthetic voice at ${rate} Hz`, () => {
      for (const seed of [1, 2]) expect(detect(speechLikeFrames(5000, rate, seed))).toEqual([]);
    });

    it(`fires on single tones and non-DTMF dual tones at ${rate} Hz`, () => {
      const specs = [
        ...[697, 770, 852, 941, 1209, 1336, 1477, 1633, 1000, 2000].map((f) => [f]),
        [440, 480], // ringback
        [480, 620], // busy
        [350, 440], // dial tone
        [697, 770], // two rows
        [1209, 1336], // two columns
      ];
      for (const frequenciesHz of specs) {
        const frames = toneFrames(
          { frequenciesHz, cadenceMs: [], levelDbfs: -10, durationMs: 1000 },
          { sampleRateHz: rate },
        );
        expect(detect(frames), `${frequenciesHz.join('+')} Hz`).toEqual([]);
      }
    });
  }

  it('ignores 5 ms and 20 ms blips but takes 40 ms tones', () => {
    for (const rate of RATES) {
      expect(detect(dtmfToneFrames('159#', { sampleRateHz: rate, toneMs: 5, gapMs: 100 }))).toEqual(
        [],
      );
      expect(
        detect(dtmfToneFrames('159#', { sampleRateHz: rate, toneMs: 20, gapMs: 100 })),
      ).toEqual([]);
      expect(
        digitsOf(detect(dtmfToneFrames(ALL, { sampleRateHz: rate, toneMs: 40, gapMs: 60 }))),
      ).toBe(ALL);
    }
  });

  it('detects two quick presses of the same key (100 ms on, 60 ms gap) as two', () => {
    for (const rate of RATES) {
      expect(digitsOf(detect(dtmfToneFrames('55', { sampleRateHz: rate, gapMs: 60 })))).toBe('55');
      expect(digitsOf(detect(dtmfToneFrames('1212', { sampleRateHz: rate, gapMs: 60 })))).toBe(
        '1212',
      );
      expect(
        digitsOf(detect(dtmfToneFrames('0000', { sampleRateHz: rate, toneMs: 50, gapMs: 50 }))),
      ).toBe('0000');
    }
  });

  it('bridges a 10 ms dropout inside a tone', () => {
    const tone = dtmfToneFrames('8', { sampleRateHz: 8000, toneMs: 300, gapMs: 100 });
    for (const frame of tone.slice(5, 6)) frame.samples.fill(0, 40, 120);
    const events = detect(tone);
    expect(digitsOf(events)).toBe('8');
    expect(events[0]!.durationMs).toBeGreaterThan(280);
  });

  it('accepts twist within 8 dB (low louder) and 4 dB (high louder), rejects beyond', () => {
    for (const rate of RATES) {
      const twisted = (twistDb: number): string =>
        digitsOf(detect(dtmfToneFrames(ALL, { sampleRateHz: rate, levelDbfs: -12, twistDb })));
      expect(twisted(-7)).toBe(ALL);
      expect(twisted(3)).toBe(ALL);
      expect(twisted(-10)).toBe('');
      expect(twisted(6)).toBe('');
    }
  });

  it('accepts frequencies off by 1.5 % and rejects 3.5 % (Q.24)', () => {
    for (const rate of RATES) {
      expect(digitsOf(detect(deviatedDigits(0.015, rate)))).toBe(ALL);
      expect(digitsOf(detect(deviatedDigits(-0.015, rate)))).toBe(ALL);
      expect(detect(deviatedDigits(0.035, rate))).toEqual([]);
      expect(detect(deviatedDigits(-0.035, rate))).toEqual([]);
    }
  });

  it('has a level threshold', () => {
    expect(digitsOf(detect(dtmfToneFrames('123', { sampleRateHz: 8000, levelDbfs: -33 })))).toBe(
      '123',
    );
    expect(detect(dtmfToneFrames('123', { sampleRateHz: 8000, levelDbfs: -40 }))).toEqual([]);
    const strict = new InbandDtmfDetector({ minLevelDbfs: -20 });
    expect(detect(dtmfToneFrames('123', { sampleRateHz: 8000, levelDbfs: -25 }), strict)).toEqual(
      [],
    );
  });

  it('survives G.711 µ-law and reports a long press once with its length', () => {
    const frames = muLaw(
      concat(
        dtmfToneFrames('7', { sampleRateHz: 8000, toneMs: 1000 }),
        dtmfToneFrames('9', { sampleRateHz: 8000 }),
      ),
    );
    const events = detect(frames);
    expect(digitsOf(events)).toBe('79');
    expect(Math.abs(events[0]!.durationMs - 1000)).toBeLessThanOrEqual(16);
  });

  it('reports a press still held at the end on flush, once', () => {
    const detector = new InbandDtmfDetector();
    for (const frame of dtmfToneFrames('4', { sampleRateHz: 8000, toneMs: 200, gapMs: 0 })) {
      expect(detector.process(frame)).toBeUndefined();
    }
    expect(detector.flush()?.digit).toBe('4');
    expect(detector.flush()).toBeUndefined();
  });

  it('handles a lost frame inside a tone and a timestamp jump between tones', () => {
    const tone = dtmfToneFrames('3', { sampleRateHz: 8000, toneMs: 300, gapMs: 100 });
    tone.splice(6, 1); // one lost packet: a 20 ms hole in the timestamps
    expect(digitsOf(detect(tone))).toBe('3');
    const jump = [
      ...dtmfToneFrames('1', { sampleRateHz: 8000, gapMs: 0 }),
      ...dtmfToneFrames('2', { sampleRateHz: 8000, startTimestampMs: 5000 }),
    ];
    expect(digitsOf(detect(jump))).toBe('12');
  });

  it("follows the frames' sample rate", () => {
    const detector = new InbandDtmfDetector({ sampleRateHz: 8000 });
    const events = [
      ...detect(dtmfToneFrames('12', { sampleRateHz: 8000 }), detector),
      ...detect(dtmfToneFrames('34', { sampleRateHz: 16000, startTimestampMs: 400 }), detector),
    ];
    expect(digitsOf(events)).toBe('1234');
  });

  it('gives the same answer for every stream fed through one detector', () => {
    const detector = new InbandDtmfDetector();
    const frames = dtmfToneFrames(ALL, { sampleRateHz: 8000 });
    const frameSamples = samplesPerFrame(8000);
    expect(frames.every((f) => f.samples.length === frameSamples)).toBe(true);
    // Many frames through one detector: same answer every round (state fully recovers).
    for (let round = 0; round < 3; round++) expect(digitsOf(detect(frames, detector))).toBe(ALL);
  });
});

// ---- deterministic test signals ------------------------------------------------------------

/** Adds white Gaussian noise of RMS `rms` (PCM units) to copies of `frames`, saturating. */
function addNoise(frames: AudioFrame[], rms: number, seed: number): AudioFrame[] {
  const gaussian = gaussianNoise(seed);
  return frames.map((f) => {
    const samples = new Int16Array(f.samples.length);
    for (let i = 0; i < samples.length; i++) {
      const v = Math.round(f.samples[i]! + gaussian() * rms);
      samples[i] = Math.max(-32767, Math.min(32767, v));
    }
    return { ...f, samples };
  });
}

/** Frames of white noise only. */
function noiseFrames(
  durationMs: number,
  sampleRateHz: number,
  rms: number,
  seed: number,
): AudioFrame[] {
  const frames: AudioFrame[] = [];
  for (let t = 0; t < durationMs; t += FRAME_MS) {
    frames.push({
      samples: new Int16Array(samplesPerFrame(sampleRateHz)),
      sampleRateHz,
      timestampMs: t,
    });
  }
  return addNoise(frames, rms, seed);
}

/**
 * A voice-like signal: harmonics of a pitch wandering between 120 and 220 Hz with a -6 dB/octave
 * tilt, weighted by three formant resonances that sweep through the DTMF bands (F1 300–900 Hz,
 * F2 900–2300 Hz, F3 2300–3000 Hz), under a syllable envelope of about 4 Hz. Peak -6 dBFS.
 */
function speechLikeFrames(durationMs: number, sampleRateHz: number, seed: number): AudioFrame[] {
  const random = prng(seed);
  const total = Math.round((durationMs * sampleRateHz) / 1000);
  const pcm = new Float64Array(total);
  const nyquist = sampleRateHz / 2;
  let phase = 0;
  // Slow random targets for pitch and formants, re-drawn every 60–160 ms, glided towards.
  let f0 = 160;
  let f0Target = 160;
  const formants = [500, 1500, 2500];
  const targets = [500, 1500, 2500];
  const ranges: [number, number][] = [
    [300, 900],
    [900, 2300],
    [2300, 3000],
  ];
  let nextChange = 0;
  let peak = 0;
  for (let n = 0; n < total; n++) {
    if (n >= nextChange) {
      f0Target = 120 + random() * 100;
      for (let k = 0; k < 3; k++)
        targets[k] = ranges[k]![0] + random() * (ranges[k]![1] - ranges[k]![0]);
      nextChange = n + Math.round(((60 + random() * 100) * sampleRateHz) / 1000);
    }
    f0 += (f0Target - f0) * 0.002;
    for (let k = 0; k < 3; k++) formants[k]! += (targets[k]! - formants[k]!) * 0.002;
    phase += (2 * Math.PI * f0) / sampleRateHz;
    let value = 0;
    for (let h = 1; h * f0 < Math.min(nyquist, 3800); h++) {
      const f = h * f0;
      let gain = 0;
      for (let k = 0; k < 3; k++) {
        const d = (f - formants[k]!) / (80 + 40 * k);
        gain += 1 / (1 + d * d) / (k + 1);
      }
      // -6 dB/octave: the glottal source's roll-off net of lip radiation, as in real voices.
      value += (gain / h) * Math.sin(h * phase);
    }
    const syllable = 0.5 - 0.5 * Math.cos((2 * Math.PI * 4 * n) / sampleRateHz);
    pcm[n] = value * syllable;
    peak = Math.max(peak, Math.abs(pcm[n]!));
  }
  const scale = (32767 * 0.5) / peak;
  const frameSamples = samplesPerFrame(sampleRateHz);
  const frames: AudioFrame[] = [];
  for (let i = 0; i * frameSamples < total; i++) {
    const samples = new Int16Array(frameSamples);
    for (let j = 0; j < frameSamples && i * frameSamples + j < total; j++) {
      samples[j] = Math.round(pcm[i * frameSamples + j]! * scale);
    }
    frames.push({ samples, sampleRateHz, timestampMs: i * FRAME_MS });
  }
  return frames;
}
