import { copyFile, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAV_UNKNOWN_SIZE, encodeWav, parseWav } from '../audio/wav.js';
import { repairRecordings } from './repair.js';
import { WavFileWriter } from './wav-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-repair-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ramp(count: number, from = 0): Int16Array {
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = ((from + i) % 20000) - 10000;
  return out;
}

function expectConsistent(buf: Buffer): void {
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  expect(buf.readUInt32LE(40)).toBe(buf.length - 44);
  expect(parseWav(buf).sizeMismatch).toBe(false);
}

describe('repairRecordings', () => {
  it('repairs a file left by a writer that crashed before close()', async () => {
    const livePath = join(dir, 'live.wav');
    const w = await WavFileWriter.create(livePath, {
      sampleRateHz: 8000,
      channels: 2,
      chunkMs: 250,
    });
    const interleaved = ramp(2 * 160 * 140); // 2.8 s of stereo
    for (let k = 0; k < 140; k++) w.write(interleaved.subarray(k * 320, (k + 1) * 320));
    await w.idle();
    // The crash image: what is on disk now, with the header from the last periodic update.
    const crashPath = join(dir, '2025-01-01', 'call-1.wav');
    await mkdir(join(dir, '2025-01-01'));
    await copyFile(livePath, crashPath);
    await w.close();
    const before = await readFile(crashPath);
    expect(before.readUInt32LE(40)).toBeLessThan(before.length - 44);

    const report = await repairRecordings(join(dir, '2025-01-01'));
    expect(report).toEqual({ repaired: [crashPath], ok: 0, failed: [], skipped: [] });
    const after = await readFile(crashPath);
    expect(after.length).toBe(before.length);
    expectConsistent(after);
    const info = parseWav(after);
    // Every whole chunk that reached the disk (2.75 s) is audio again, sample for sample.
    expect(info.durationMs).toBe(2750);
    expect(Array.from(info.samples)).toEqual(
      Array.from(interleaved.subarray(0, info.samples.length)),
    );
  });

  it('repairs placeholder headers and cuts a trailing partial sample frame, recursively', async () => {
    const audio = ramp(2 * 800);
    const file = encodeWav(audio, 16000, 2);
    file.writeUInt32LE(WAV_UNKNOWN_SIZE, 4);
    file.writeUInt32LE(WAV_UNKNOWN_SIZE, 40);
    const torn = Buffer.concat([file, Buffer.from([0x12, 0x34, 0x56])]); // 3 bytes of a 4-byte frame
    const nested = join(dir, 'a', 'b');
    await mkdir(nested, { recursive: true });
    const tornPath = join(nested, 'torn.WAV');
    await writeFile(tornPath, torn);

    const zeroSizes = encodeWav(ramp(500), 8000);
    zeroSizes.writeUInt32LE(36, 4);
    zeroSizes.writeUInt32LE(0, 40);
    const zeroPath = join(dir, 'zero.wav');
    await writeFile(zeroPath, zeroSizes);

    const report = await repairRecordings(dir);
    expect(report.repaired.sort()).toEqual([tornPath, zeroPath].sort());
    const fixed = await readFile(tornPath);
    expect(fixed.length).toBe(44 + audio.byteLength);
    expectConsistent(fixed);
    expect(Array.from(parseWav(fixed).samples)).toEqual(Array.from(audio));
    const zero = await readFile(zeroPath);
    expectConsistent(zero);
    expect(parseWav(zero).frameCount).toBe(500);

    // A second run finds nothing to do.
    expect(await repairRecordings(dir)).toEqual({ repaired: [], ok: 2, failed: [], skipped: [] });
  });

  it('leaves good files alone, including ones with chunks after the data', async () => {
    const plain = join(dir, 'plain.wav');
    await writeFile(plain, encodeWav(ramp(1000), 8000));
    const list = Buffer.alloc(8 + 10);
    list.write('LIST', 0, 'latin1');
    list.writeUInt32LE(10, 4);
    list.write('INFOabcdef', 8, 'latin1');
    const withTail = Buffer.concat([encodeWav(ramp(1000), 8000), list]);
    withTail.writeUInt32LE(withTail.length - 8, 4);
    const tailed = join(dir, 'tailed.wav');
    await writeFile(tailed, withTail);
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(plain, old, old);
    await utimes(tailed, old, old);
    await writeFile(join(dir, 'notes.txt'), 'not audio');

    expect(await repairRecordings(dir)).toEqual({ repaired: [], ok: 2, failed: [], skipped: [] });
    expect((await stat(plain)).mtime).toEqual(old);
    expect((await stat(tailed)).mtime).toEqual(old);
    expect(await readFile(tailed)).toEqual(withTail);
  });

  it('fixes only the RIFF size when that is all that is wrong', async () => {
    const buf = encodeWav(ramp(320), 8000);
    buf.writeUInt32LE(12345, 4);
    const path = join(dir, 'riff.wav');
    await writeFile(path, buf);
    expect((await repairRecordings(dir)).repaired).toEqual([path]);
    expectConsistent(await readFile(path));
  });

  it('reports files it cannot read and never deletes them', async () => {
    const empty = join(dir, 'empty.wav');
    await writeFile(empty, Buffer.alloc(0));
    const junk = join(dir, 'junk.wav');
    await writeFile(junk, 'this is not audio at all, just text');
    const report = await repairRecordings(dir);
    expect(report.repaired).toEqual([]);
    expect(report.failed.map((f) => f.path)).toEqual([empty, junk]);
    expect(report.failed[0]?.error).toMatch(/not a RIFF\/WAVE file \(0 bytes\)/);
    expect((await stat(empty)).size).toBe(0);
    expect(await readFile(junk, 'utf8')).toBe('this is not audio at all, just text');
  });

  it('skips recently modified files when asked (shared directories) and tolerates a missing directory', async () => {
    const buf = encodeWav(ramp(320), 8000);
    buf.writeUInt32LE(0, 40);
    const path = join(dir, 'live.wav');
    await writeFile(path, buf);
    const mtimeMs = (await stat(path)).mtimeMs;
    const report = await repairRecordings(dir, { minAgeMs: 10_000, now: () => mtimeMs + 5000 });
    expect(report).toEqual({ repaired: [], ok: 0, failed: [], skipped: [path] });
    const later = await repairRecordings(dir, { minAgeMs: 10_000, now: () => mtimeMs + 20_000 });
    expect(later.repaired).toEqual([path]);
    expect(await repairRecordings(join(dir, 'missing'))).toEqual({
      repaired: [],
      ok: 0,
      failed: [],
      skipped: [],
    });
  });
});
