import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channelOf,
  constantFrame,
  sineFrame,
  toneAmplitude,
} from '../../../test/fixtures/audio-signals.js';
import { parseWav } from '../audio/wav.js';
import { CallRecorder, monoRecordingPath } from './call-recorder.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-recorder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CallRecorder', () => {
  it('records the caller left and the other party right', async () => {
    const path = join(dir, 'stereo.wav');
    const rec = await CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 });
    for (let k = 0; k < 50; k++) rec.writeFrames(sineFrame(440, 8000, k), sineFrame(1000, 8000, k));
    const result = await rec.stop();
    expect(result).toMatchObject({ path, durationMs: 1000, bytes: 44 + 8000 * 4 });
    expect(result.files).toHaveLength(1);
    const wav = parseWav(await readFile(path));
    expect(wav).toMatchObject({ channels: 2, sampleRateHz: 8000, frameCount: 8000 });
    const left = channelOf(wav.samples, 0);
    const right = channelOf(wav.samples, 1);
    expect(toneAmplitude(left, 440, 8000)).toBeGreaterThan(7500);
    expect(toneAmplitude(left, 1000, 8000)).toBeLessThan(100);
    expect(toneAmplitude(right, 1000, 8000)).toBeGreaterThan(7500);
    expect(toneAmplitude(right, 440, 8000)).toBeLessThan(100);
  });

  it('keeps silences: a tick without a frame is 20 ms of silence on that side', async () => {
    const path = join(dir, 'gaps.wav');
    const rec = await CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 });
    for (let k = 0; k < 100; k++) {
      const left = k >= 40 && k < 60 ? undefined : constantFrame(1000, 8000, k * 20);
      const right = k >= 70 && k < 75 ? undefined : constantFrame(-500, 8000, k * 20);
      // During the caller's gap its timestamps jump; the recorder goes by ticks, not timestamps.
      rec.writeFrames(left, k < 80 ? right : undefined);
    }
    rec.writeFrames(undefined, undefined);
    expect(rec.durationMs).toBe(101 * 20);
    const { durationMs } = await rec.stop();
    expect(durationMs).toBe(101 * 20);
    const wav = parseWav(await readFile(path));
    const left = channelOf(wav.samples, 0);
    const right = channelOf(wav.samples, 1);
    const at = (ch: Int16Array, tick: number) => ch[tick * 160 + 80];
    expect([at(left, 39), at(left, 40), at(left, 59), at(left, 60), at(left, 100)]).toEqual([
      1000, 0, 0, 1000, 0,
    ]);
    expect([at(right, 69), at(right, 70), at(right, 75), at(right, 79), at(right, 80)]).toEqual([
      -500, 0, -500, -500, 0,
    ]);
  });

  it('mixes both sides to mono with saturation', async () => {
    const path = join(dir, 'mono.wav');
    const rec = await CallRecorder.start({ path, mode: 'mono', sampleRateHz: 16000 });
    rec.writeFrames(constantFrame(1000, 16000, 0), constantFrame(2000, 16000, 0));
    rec.writeFrames(constantFrame(30000, 16000, 20), constantFrame(30000, 16000, 20));
    rec.writeFrames(constantFrame(-30000, 16000, 40), constantFrame(-30000, 16000, 40));
    rec.writeFrames(undefined, constantFrame(-7, 16000, 60));
    const result = await rec.stop();
    expect(result.durationMs).toBe(80);
    const wav = parseWav(await readFile(path));
    expect(wav).toMatchObject({ channels: 1, sampleRateHz: 16000, frameCount: 4 * 320 });
    expect([wav.samples[0], wav.samples[320], wav.samples[640], wav.samples[960]]).toEqual([
      3000, 32767, -32767, -7,
    ]);
  });

  it("mode 'both' writes <name>.wav stereo and <name>-mono.wav mixed", async () => {
    const path = join(dir, 'both.wav');
    const rec = await CallRecorder.start({ path, mode: 'both', sampleRateHz: 8000 });
    for (let k = 0; k < 10; k++)
      rec.writeFrames(constantFrame(100, 8000, k * 20), constantFrame(200, 8000, k * 20));
    const result = await rec.stop();
    const monoPath = join(dir, 'both-mono.wav');
    expect(monoRecordingPath(path)).toBe(monoPath);
    expect(result.path).toBe(path);
    expect(result.files.map((f) => f.path)).toEqual([path, monoPath]);
    const stereo = parseWav(await readFile(path));
    const mono = parseWav(await readFile(monoPath));
    expect(stereo.channels).toBe(2);
    expect(Array.from(stereo.samples.subarray(0, 4))).toEqual([100, 200, 100, 200]);
    expect(mono.channels).toBe(1);
    expect(mono.frameCount).toBe(stereo.frameCount);
    expect(mono.samples[0]).toBe(300);
  });

  it('resamples frames at other rates, one resampler per side', async () => {
    const path = join(dir, 'rates.wav');
    const rec = await CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 });
    for (let k = 0; k < 50; k++)
      rec.writeFrames(sineFrame(700, 16000, k), sineFrame(1200, 48000, k));
    await rec.stop();
    const wav = parseWav(await readFile(path));
    expect(wav.frameCount).toBe(8000);
    // Skip the first frames (filter start-up).
    const left = channelOf(wav.samples, 0).subarray(400);
    const right = channelOf(wav.samples, 1).subarray(400);
    expect(toneAmplitude(left, 700, 8000)).toBeGreaterThan(7000);
    expect(toneAmplitude(left, 1200, 8000)).toBeLessThan(150);
    expect(toneAmplitude(right, 1200, 8000)).toBeGreaterThan(7000);
    expect(toneAmplitude(right, 700, 8000)).toBeLessThan(150);
  });

  it('records silence while paused (default) or leaves the pause out (skip)', async () => {
    const silencePath = join(dir, 'pause-silence.wav');
    const skipPath = join(dir, 'pause-skip.wav');
    const a = await CallRecorder.start({ path: silencePath, mode: 'mono', sampleRateHz: 8000 });
    const b = await CallRecorder.start({
      path: skipPath,
      mode: 'mono',
      sampleRateHz: 8000,
      pauseMode: 'skip',
    });
    for (let k = 0; k < 30; k++) {
      if (k === 10) {
        a.pause();
        b.pause();
        expect(a.paused).toBe(true);
      }
      if (k === 20) {
        a.resume();
        b.resume();
      }
      const card = constantFrame(k + 1, 8000, k * 20); // stands for digits spoken during the pause
      a.writeFrames(card, undefined);
      b.writeFrames(card, undefined);
    }
    expect((await a.stop()).durationMs).toBe(600);
    expect((await b.stop()).durationMs).toBe(400);
    const withSilence = parseWav(await readFile(silencePath)).samples;
    expect([
      withSilence[9 * 160],
      withSilence[10 * 160],
      withSilence[19 * 160],
      withSilence[20 * 160],
    ]).toEqual([10, 0, 0, 21]);
    const skipped = parseWav(await readFile(skipPath)).samples;
    expect([skipped[9 * 160], skipped[10 * 160]]).toEqual([10, 21]);
    expect(Array.from(skipped).some((s) => s >= 11 && s <= 20)).toBe(false);
  });

  it('ignores ticks after stop and stops once', async () => {
    const path = join(dir, 'late.wav');
    const rec = await CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 });
    rec.writeFrames(constantFrame(1, 8000, 0), undefined);
    const first = rec.stop();
    rec.writeFrames(constantFrame(1, 8000, 20), undefined);
    expect(await rec.stop()).toEqual(await first);
    expect((await first).durationMs).toBe(20);
  });

  it('fails to start when the recording already exists', async () => {
    const path = join(dir, 'dup.wav');
    await (await CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 })).stop();
    await expect(CallRecorder.start({ path, mode: 'stereo', sampleRateHz: 8000 })).rejects.toThrow(
      /EEXIST/,
    );
  });
});
