/**
 * Voice activity detection on real synthesised speech: the Silero model (bundled ONNX, run by
 * onnxruntime-node) and the energy fallback find an utterance between silences, at 16 and
 * 8 kHz, with one start and one end; the state machine's minimum speech and trailing silence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resampler, type AudioFrame } from '../../media/index.js';
import { silence, wavFrames } from '../testing/stt-contract.js';
import type { VadEvent, VoiceActivityDetector } from '../providers/types.js';
import { EnergyVad } from './energy-vad.js';
import { SileroModel } from './silero-vad.js';
import { VadStateMachine } from './vad-state.js';

const FIXTURE = new URL('../../../test/fixtures/speech/weather.wav', import.meta.url).pathname;

/** 1 s silence, the utterance, 1.5 s silence, retimed as one stream at `rate`. */
async function utteranceStream(rate: number): Promise<{ frames: AudioFrame[]; speechMs: number }> {
  const speech = await wavFrames(FIXTURE, 16000);
  const at16 = [...silence(16000, 50), ...speech, ...silence(16000, 75)];
  // One resampler for the whole stream, as a leg has: per-frame resampling would click.
  const resampler = new Resampler(16000, rate);
  const frames = at16.map((f, i) => ({
    samples: rate === 16000 ? f.samples : resampler.process(f.samples),
    sampleRateHz: rate,
    timestampMs: i * 20,
  }));
  return { frames, speechMs: speech.length * 20 };
}

async function run(vad: VoiceActivityDetector, frames: AudioFrame[]): Promise<VadEvent[]> {
  const events: VadEvent[] = [];
  for (const f of frames) events.push(...(await vad.process(f)));
  return events;
}

describe('voice activity detection', () => {
  let model: SileroModel;
  beforeAll(async () => {
    model = await SileroModel.load();
  });
  afterAll(() => model.close());

  it.each([16000, 8000])('Silero finds the one utterance at %i Hz', async (rate) => {
    const { frames, speechMs } = await utteranceStream(rate);
    const events = await run(model.detector(), frames);
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
    const [start, end] = events as [VadEvent, VadEvent & { durationMs: number }];
    // The speech starts after the leading second of silence and lasts about the fixture.
    expect(start.atMs).toBeGreaterThanOrEqual(900);
    expect(start.atMs).toBeLessThan(1400);
    expect(end.durationMs).toBeGreaterThan(speechMs * 0.6);
  });

  it('Silero ignores silence and quiet noise', async () => {
    const noise: AudioFrame[] = Array.from({ length: 100 }, (_, i) => ({
      samples: Int16Array.from({ length: 320 }, (_, j) => ((i * 7919 + j * 104729) % 61) - 30),
      sampleRateHz: 16000,
      timestampMs: i * 20,
    }));
    expect(await run(model.detector(), noise)).toEqual([]);
  });

  it('the energy detector finds the same utterance', async () => {
    const { frames } = await utteranceStream(16000);
    const events = await run(new EnergyVad(), frames);
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
  });

  it('needs the minimum speech to start and the silence to end', () => {
    const vad = new VadStateMachine({ minSpeechMs: 100, silenceMs: 500 });
    const steps = (p: number, n: number, from: number): VadEvent[] =>
      Array.from({ length: n }, (_, i) => vad.step(p, from + i * 20)).flat();
    // 80 ms of speech is a click, not speech.
    expect(steps(0.9, 4, 0)).toEqual([]);
    expect(steps(0.1, 2, 80)).toEqual([]);
    expect(steps(0.9, 5, 120)).toEqual([{ type: 'speech-start', atMs: 120 }]);
    // A 300 ms pause inside the utterance does not end it; 500 ms does.
    expect(steps(0.1, 15, 220)).toEqual([]);
    expect(steps(0.9, 5, 520)).toEqual([]);
    expect(steps(0.1, 25, 620)).toEqual([{ type: 'speech-end', atMs: 620, durationMs: 500 }]);
  });
});
