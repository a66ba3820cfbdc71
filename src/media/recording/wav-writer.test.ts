import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAV_UNKNOWN_SIZE, parseWav } from '../audio/wav.js';
import { WavFileWriter } from './wav-writer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-wav-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Frame `k` of a recognisable signal: sample i of frame k is (k * 7 + i) wrapped to PCM16. */
function frame(k: number, samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = ((k * 7919 + i * 13) % 60000) - 30000;
  return out;
}

describe('WavFileWriter', () => {
  it('writes mono audio incrementally and fixes the header exactly on close', async () => {
    const path = join(dir, 'sub', 'mono.wav');
    const w = await WavFileWriter.create(path, { sampleRateHz: 8000, channels: 1 });
    const expected: number[] = [];
    for (let k = 0; k < 151; k++) {
      const f = frame(k, 160);
      w.write(f);
      expected.push(...f);
      f.fill(0); // the writer copied it: reusing the caller's array is safe
    }
    expect(w.durationMs).toBe(3020);
    const result = await w.close();
    expect(result).toEqual({ path, durationMs: 3020, bytes: 44 + 151 * 320, droppedMs: 0 });
    const buf = await readFile(path);
    expect(buf.length).toBe(result.bytes);
    expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
    expect(buf.readUInt32LE(40)).toBe(151 * 320);
    const info = parseWav(buf);
    expect(info.sizeMismatch).toBe(false);
    expect(Array.from(info.samples)).toEqual(expected);
    // Idempotent.
    expect(await w.close()).toEqual(result);
    expect(() => w.write(frame(0, 160))).toThrow(/closed/);
  });

  it('writes interleaved stereo', async () => {
    const path = join(dir, 'stereo.wav');
    const w = await WavFileWriter.create(path, { sampleRateHz: 16000, channels: 2, chunkMs: 100 });
    const pair = new Int16Array(640);
    for (let i = 0; i < 320; i++) {
      pair[2 * i] = 1000;
      pair[2 * i + 1] = -2000;
    }
    for (let k = 0; k < 25; k++) w.write(pair);
    const result = await w.close();
    expect(result.durationMs).toBe(500);
    const info = parseWav(await readFile(path));
    expect(info).toMatchObject({ channels: 2, sampleRateHz: 16000, frameCount: 8000 });
    expect(info.samples[0]).toBe(1000);
    expect(info.samples[1]).toBe(-2000);
    expect(info.samples[15999]).toBe(-2000);
  });

  it('starts with the unknown-size placeholder and keeps the header within a second of the data', async () => {
    const path = join(dir, 'periodic.wav');
    const w = await WavFileWriter.create(path, {
      sampleRateHz: 8000,
      channels: 1,
      chunkMs: 500,
      headerUpdateMs: 1000,
    });
    const head = await readFile(path);
    expect(head.length).toBe(44);
    expect(head.readUInt32LE(4)).toBe(WAV_UNKNOWN_SIZE);
    expect(head.readUInt32LE(40)).toBe(WAV_UNKNOWN_SIZE);

    for (let k = 0; k < 130; k++) w.write(frame(k, 160)); // 2.6 s
    await w.idle();
    // Five full 0.5 s chunks are on disk, the last 0.1 s still buffered; the header was last
    // updated at 2 s of audio. This is what a crash right now would leave.
    const crashed = await readFile(path);
    expect(crashed.length).toBe(44 + 5 * 8000);
    expect(crashed.readUInt32LE(40)).toBe(2 * 16000);
    const partial = parseWav(crashed);
    expect(partial.durationMs).toBe(2000);

    await w.flush();
    const flushed = await readFile(path);
    expect(flushed.readUInt32LE(40)).toBe(130 * 320);
    expect(parseWav(flushed).sizeMismatch).toBe(false);

    for (let k = 130; k < 140; k++) w.write(frame(k, 160));
    const result = await w.close();
    expect(result.durationMs).toBe(2800);
    const info = parseWav(await readFile(path));
    expect(info.frameCount).toBe(140 * 160);
    expect(Array.from(info.samples.subarray(139 * 160))).toEqual(Array.from(frame(139, 160)));
  });

  it('bounds memory: audio beyond maxPendingMs of unwritten data is dropped and reported', async () => {
    const path = join(dir, 'bounded.wav');
    const w = await WavFileWriter.create(path, {
      sampleRateHz: 8000,
      channels: 1,
      chunkMs: 200,
      maxPendingMs: 1000,
    });
    // Synchronous writes give the disk no chance to drain: only the first second fits.
    for (let k = 0; k < 150; k++) w.write(frame(k, 160));
    const result = await w.close();
    expect(result.durationMs).toBe(1000);
    expect(result.droppedMs).toBe(2000);
    expect((await stat(path)).size).toBe(44 + 16000);
  });

  it('refuses to overwrite an existing recording unless asked', async () => {
    const path = join(dir, 'exists.wav');
    await writeFile(path, 'precious');
    await expect(WavFileWriter.create(path, { sampleRateHz: 8000, channels: 1 })).rejects.toThrow(
      /EEXIST/,
    );
    expect(await readFile(path, 'utf8')).toBe('precious');
    const w = await WavFileWriter.create(path, {
      sampleRateHz: 8000,
      channels: 1,
      overwrite: true,
    });
    expect((await w.close()).bytes).toBe(44);
    expect(parseWav(await readFile(path)).frameCount).toBe(0);
  });
});
