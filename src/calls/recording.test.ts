/**
 * recordLeg on a fake leg that emits 'tick' events by hand: what the party said (one tone)
 * and what it was sent (another tone), read back with parseWav.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelOf, toneShare } from '../../test/fixtures/audio-signals.js';
import { FakeLeg, flushPromises } from '../../test/fixtures/fake-leg.js';
import {
  CallRecorder,
  ToneSource,
  monoRecordingPath,
  parseWav,
  type AudioFrame,
} from '../media/index.js';
import { recordLeg } from './recording.js';

const IN_HZ = 600;
const OUT_HZ = 1400;

function toneSource(frequencyHz: number, sampleRateHz: number): Iterator<AudioFrame> {
  return new ToneSource(
    { frequenciesHz: [frequencyHz], cadenceMs: [], levelDbfs: -12 },
    { sampleRateHz },
  )[Symbol.iterator]();
}

/**
 * Emits `ticks` ticks on the leg: inbound a tone at IN_HZ, outbound a tone at OUT_HZ except
 * on the ticks `silentOut` lists, where the leg was sent nothing.
 */
function emitTicks(leg: FakeLeg, ticks: number, silentOut: (i: number) => boolean = () => false) {
  const said = toneSource(IN_HZ, leg.sampleRateHz);
  const sent = toneSource(OUT_HZ, leg.sampleRateHz);
  for (let i = 0; i < ticks; i++) {
    const inbound = said.next().value as AudioFrame;
    const outbound = sent.next().value as AudioFrame;
    leg.emit('tick', inbound, silentOut(i) ? undefined : outbound);
  }
}

/** Frame `k` (20 ms) of mono samples. */
function frameOf(samples: Int16Array, sampleRateHz: number, k: number): Int16Array {
  const n = (sampleRateHz * 20) / 1000;
  return samples.subarray(k * n, (k + 1) * n);
}

function peak(samples: Int16Array): number {
  let max = 0;
  for (const v of samples) max = Math.max(max, Math.abs(v));
  return max;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-recording-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordLeg', () => {
  it('writes the party on the left and what it heard on the right, and stops when the leg ends', async () => {
    const leg = new FakeLeg('leg-1', 8000);
    const recording = await recordLeg(leg, { dir });
    expect(path.basename(recording.path)).toBe('leg-1.wav');
    expect(path.dirname(recording.path)).toMatch(/\d{4}-\d{2}-\d{2}$/);

    // Ticks 20–29: the leg was sent nothing (a gap) — it is kept as silence.
    emitTicks(leg, 50, (i) => i >= 20 && i < 30);
    leg.end();
    await flushPromises();
    expect(leg.listenerCount('tick')).toBe(0);
    emitTicks(leg, 5); // after the end: not recorded

    const result = await recording.stop();
    expect(result.path).toBe(recording.path);
    expect(result.durationMs).toBe(1000);
    const wav = parseWav(await readFile(recording.path));
    expect(result.bytes).toBe(wav.dataOffset + wav.dataBytes);
    expect(wav.sizeMismatch).toBe(false);
    expect(wav.channels).toBe(2);
    expect(wav.sampleRateHz).toBe(8000);
    expect(wav.encoding).toBe('pcm16');
    expect(wav.frameCount).toBe(50 * 160);

    const left = channelOf(wav.samples, 0);
    const right = channelOf(wav.samples, 1);
    expect(toneShare(left, IN_HZ, 8000)).toBeGreaterThan(0.95);
    expect(toneShare(left, OUT_HZ, 8000)).toBeLessThan(0.01);
    for (const k of [...Array(20).keys(), ...Array.from({ length: 20 }, (_, i) => 30 + i)]) {
      const f = frameOf(right, 8000, k);
      expect(toneShare(f, OUT_HZ, 8000), `right channel, frame ${k}`).toBeGreaterThan(0.95);
      expect(toneShare(f, IN_HZ, 8000), `right channel, frame ${k}`).toBeLessThan(0.01);
    }
    for (let k = 20; k < 30; k++) expect(peak(frameOf(right, 8000, k))).toBe(0);
    // The left channel went on through the gap: the channels stay aligned.
    for (let k = 20; k < 30; k++) {
      expect(toneShare(frameOf(left, 8000, k), IN_HZ, 8000)).toBeGreaterThan(0.95);
    }
  });

  it("'both' also writes a -mono.wav with the two sides mixed", async () => {
    const leg = new FakeLeg('leg-2', 16000);
    const recording = await recordLeg(leg, { dir, name: 'call-42', mode: 'both' });
    expect(path.basename(recording.path)).toBe('call-42.wav');
    emitTicks(leg, 25);
    const result = await recording.stop();
    expect(await recording.stop()).toBe(result); // idempotent
    expect(result.durationMs).toBe(500);

    const stereo = parseWav(await readFile(recording.path));
    expect(stereo).toMatchObject({ channels: 2, sampleRateHz: 16000, sizeMismatch: false });
    expect(stereo.frameCount).toBe(25 * 320);
    expect(toneShare(channelOf(stereo.samples, 0), IN_HZ, 16000)).toBeGreaterThan(0.95);
    expect(toneShare(channelOf(stereo.samples, 1), OUT_HZ, 16000)).toBeGreaterThan(0.95);

    const monoPath = monoRecordingPath(recording.path);
    expect(path.basename(monoPath)).toBe('call-42-mono.wav');
    expect(existsSync(monoPath)).toBe(true);
    const mono = parseWav(await readFile(monoPath));
    expect(mono).toMatchObject({ channels: 1, sampleRateHz: 16000, sizeMismatch: false });
    expect(mono.frameCount).toBe(25 * 320);
    // Two tones of equal level: about half the energy each.
    expect(toneShare(mono.samples, IN_HZ, 16000)).toBeGreaterThan(0.4);
    expect(toneShare(mono.samples, OUT_HZ, 16000)).toBeGreaterThan(0.4);

    // The leg ending after stop() changes nothing.
    leg.end();
    await flushPromises();
    expect(await recording.stop()).toBe(result);
  });

  it('records a wideband leg at 16 kHz by default and resamples to a requested 8 kHz', async () => {
    const wide = new FakeLeg('wide', 16000);
    const narrowed = new FakeLeg('narrowed', 16000);
    const a = await recordLeg(wide, { dir });
    const b = await recordLeg(narrowed, { dir, sampleRateHz: 8000 });
    emitTicks(wide, 10);
    emitTicks(narrowed, 10);
    const [wavA, wavB] = await Promise.all(
      [a, b].map(async (r) => parseWav(await readFile((await r.stop()).path))),
    );
    expect(wavA).toMatchObject({ sampleRateHz: 16000, frameCount: 10 * 320, sizeMismatch: false });
    expect(wavB).toMatchObject({ sampleRateHz: 8000, frameCount: 10 * 160, sizeMismatch: false });
    // After the resampler's start-up (first frame), the tones are intact at 8 kHz.
    const left = channelOf(wavB!.samples, 0).subarray(160);
    const right = channelOf(wavB!.samples, 1).subarray(160);
    expect(toneShare(left, IN_HZ, 8000)).toBeGreaterThan(0.95);
    expect(toneShare(right, OUT_HZ, 8000)).toBeGreaterThan(0.95);
  });

  it('a recording that fails to finalise when the leg ends does not crash the process', async () => {
    const failure = new Error('ENOSPC: no space left on device');
    const recorder = {
      writeFrames: vi.fn(),
      stop: vi.fn(() => Promise.reject(failure)),
    };
    const start = vi
      .spyOn(CallRecorder, 'start')
      .mockResolvedValue(recorder as unknown as CallRecorder);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const leg = new FakeLeg('leg-3', 8000);
      const recording = await recordLeg(leg, { dir });
      emitTicks(leg, 2);
      expect(recorder.writeFrames).toHaveBeenCalledTimes(2);
      leg.end();
      await flushPromises();
      await flushPromises();
      expect(recorder.stop).toHaveBeenCalledTimes(1);
      expect(unhandled).toEqual([]);
      // Whoever asks for the result still learns about the failure.
      await expect(recording.stop()).rejects.toBe(failure);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      start.mockRestore();
    }
  });
});
