import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sine, tonePower } from '../../../test/fixtures/audio-signals.js';
import {
  AudioFileError,
  FilePlayer,
  clipFrames,
  musicOnHold,
  openAudioFile,
  type PcmClip,
} from './file-player.js';
import { encodeWav } from './wav.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-player-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ramp(count: number): Int16Array {
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = i + 1;
  return out;
}

function clipOf(samples: Int16Array, sampleRateHz = 8000): PcmClip {
  return { path: 'mem', samples, sampleRateHz, durationMs: (samples.length * 1000) / sampleRateHz };
}

describe('clipFrames', () => {
  it('cuts 20 ms frames and pads the last partial frame with silence', () => {
    const frames = [...clipFrames(clipOf(ramp(400)), { startTimestampMs: 1000 })];
    expect(frames.map((f) => f.timestampMs)).toEqual([1000, 1020, 1040]);
    expect(frames.every((f) => f.samples.length === 160 && f.sampleRateHz === 8000)).toBe(true);
    expect(frames[1]?.samples[0]).toBe(161);
    const last = frames[2]?.samples as Int16Array;
    expect(last[79]).toBe(400);
    expect(last[80]).toBe(0);
    expect(last[159]).toBe(0);
  });

  it('yields exact frames without padding, and none for an empty clip', () => {
    expect([...clipFrames(clipOf(ramp(320)))]).toHaveLength(2);
    expect([...clipFrames(clipOf(new Int16Array(0)))]).toHaveLength(0);
    expect([...musicOnHold(clipOf(new Int16Array(0)))]).toHaveLength(0);
  });

  it('loops without a gap for music on hold', () => {
    const it = musicOnHold(clipOf(ramp(200)), 40);
    const frames = Array.from({ length: 5 }, () => it.next().value);
    expect(frames.map((f) => f?.timestampMs)).toEqual([40, 60, 80, 100, 120]);
    const joined = frames.flatMap((f) => Array.from(f?.samples ?? []));
    // 800 samples of a 200-sample clip: exactly four seamless repetitions.
    expect(joined).toEqual([
      ...Array.from(ramp(200)),
      ...Array.from(ramp(200)),
      ...Array.from(ramp(200)),
      ...Array.from(ramp(200)),
    ]);
  });

  it('hands out copies, so gain in place cannot corrupt the shared clip', () => {
    const clip = clipOf(ramp(160));
    const [frame] = [...clipFrames(clip)];
    frame?.samples.fill(0);
    expect(clip.samples[0]).toBe(1);
  });
});

describe('FilePlayer', () => {
  it('opens a stereo 8 kHz file as mono at its own rate', async () => {
    const path = join(dir, 'stereo.wav');
    const interleaved = new Int16Array(320);
    for (let i = 0; i < 160; i++) {
      interleaved[2 * i] = 100;
      interleaved[2 * i + 1] = 300;
    }
    await writeFile(path, encodeWav(interleaved, 8000, 2));
    const clip = await new FilePlayer().open(path, 8000);
    expect(clip).toMatchObject({ path, sampleRateHz: 8000, durationMs: 20 });
    expect(clip.samples.length).toBe(160);
    expect(clip.samples.every((s) => s === 200)).toBe(true);
  });

  it('resamples to the target rate (48 kHz file for an 8 kHz leg, 8 kHz file for 16 kHz)', async () => {
    const path = join(dir, 'tone48k.wav');
    await writeFile(path, encodeWav(sine(1000, 48000, 48000), 48000));
    const player = new FilePlayer();
    const narrow = await player.open(path, 8000);
    expect(narrow.samples.length).toBe(8000);
    expect(narrow.durationMs).toBe(1000);
    const mid = narrow.samples.subarray(1000, 7000);
    expect(tonePower(mid, 1000, 8000)).toBeGreaterThan((0.8 * (8000 * 8000)) / 4);
    const frames = [...clipFrames(narrow)];
    expect(frames).toHaveLength(50);

    const path8 = join(dir, 'tone8k.wav');
    await writeFile(path8, encodeWav(sine(500, 8000, 8000), 8000));
    const wide = await player.open(path8, 16000);
    expect(wide.samples.length).toBe(16000);
    expect(tonePower(wide.samples.subarray(2000, 14000), 500, 16000)).toBeGreaterThan(
      (0.8 * (8000 * 8000)) / 4,
    );
  });

  it('decodes a file once for many players and again when it changes', async () => {
    const path = join(dir, 'greeting.wav');
    await writeFile(path, encodeWav(ramp(800), 8000));
    const player = new FilePlayer();
    const clips = await Promise.all(Array.from({ length: 50 }, () => player.open(path, 8000)));
    expect(player.decodeCount).toBe(1);
    expect(new Set(clips).size).toBe(1);
    await player.open(path, 16000);
    expect(player.decodeCount).toBe(2);

    await writeFile(path, encodeWav(ramp(1600), 8000));
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    const changed = await player.open(path, 8000);
    expect(changed.samples.length).toBe(1600);
    expect(player.decodeCount).toBe(3);
  });

  it('evicts the least recently used clips beyond its byte budget', async () => {
    const paths = ['a', 'b', 'c'].map((n) => join(dir, `lru-${n}.wav`));
    for (const p of paths) await writeFile(p, encodeWav(ramp(1000), 8000));
    // Each clip is 2,000 bytes decoded: room for two.
    const player = new FilePlayer({ maxCacheBytes: 4500 });
    const [a, b, c] = paths as [string, string, string];
    await player.open(a, 8000);
    await player.open(b, 8000);
    await player.open(a, 8000); // a is now the most recent
    await player.open(c, 8000); // evicts b
    expect(player.decodeCount).toBe(3);
    expect(player.cacheBytes).toBe(4000);
    await player.open(a, 8000);
    expect(player.decodeCount).toBe(3);
    await player.open(b, 8000);
    expect(player.decodeCount).toBe(4);
    player.clear();
    expect(player.cacheBytes).toBe(0);
  });

  it('names the file and the reason when it cannot play it', async () => {
    const missing = join(dir, 'nope.wav');
    await expect(openAudioFile(missing, 8000)).rejects.toThrow(
      `cannot play ${missing}: file not found`,
    );

    const mp3 = join(dir, 'song.mp3');
    await writeFile(mp3, Buffer.concat([Buffer.from('ID3\x04\x00', 'latin1'), Buffer.alloc(100)]));
    const err = await openAudioFile(mp3, 8000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioFileError);
    expect((err as AudioFileError).path).toBe(mp3);
    expect((err as Error).message).toMatch(/song\.mp3: not a WAV file \(looks like MP3\)/);

    const deep = join(dir, 'deep.wav');
    const wav24 = encodeWav(new Int16Array(30), 8000);
    wav24.writeUInt16LE(24, 34);
    wav24.writeUInt16LE(3, 32);
    await writeFile(deep, wav24);
    await expect(openAudioFile(deep, 8000)).rejects.toThrow(
      /deep\.wav: unsupported encoding: 24-bit PCM/,
    );

    const float = join(dir, 'float.wav');
    const wavFloat = encodeWav(new Int16Array(30), 8000);
    wavFloat.writeUInt16LE(3, 20);
    wavFloat.writeUInt16LE(32, 34);
    wavFloat.writeUInt16LE(4, 32);
    await writeFile(float, wavFloat);
    await expect(openAudioFile(float, 8000)).rejects.toThrow(
      /float\.wav: unsupported encoding: 32-bit IEEE float/,
    );

    await expect(openAudioFile(dir, 8000)).rejects.toThrow(/not a regular file/);
  });

  it('does not cache failures', async () => {
    const path = join(dir, 'later.wav');
    const player = new FilePlayer();
    await expect(player.open(path, 8000)).rejects.toThrow(/file not found/);
    await writeFile(path, encodeWav(ramp(160), 8000));
    expect((await player.open(path, 8000)).samples.length).toBe(160);
  });
});
