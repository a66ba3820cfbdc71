/**
 * Start-up repair: a recording interrupted by a crash (placeholder header sizes, a torn last
 * sample frame) is fixed before the server takes calls, without losing its audio.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { configSchema } from '../../src/config/index.js';
import { int16ToLeBytes, parseWav, wavHeader, WAV_UNKNOWN_SIZE } from '../../src/media/index.js';
import { sine } from '../fixtures/audio-signals.js';

let sb: Switchboard | undefined;
let dataDir = '';

afterEach(async () => {
  await sb?.stop();
  sb = undefined;
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

it('repairs interrupted recordings at start-up', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-repair-'));
  const dir = path.join(dataDir, 'recordings', '2026-11-21');
  await mkdir(dir, { recursive: true });
  const audio = sine(440, 8000, 16_000); // one second of stereo audio, interleaved
  const header = wavHeader({ sampleRateHz: 8000, channels: 2, bitsPerSample: 16, dataBytes: 0 });
  header.writeUInt32LE(WAV_UNKNOWN_SIZE, 4);
  header.writeUInt32LE(WAV_UNKNOWN_SIZE, 40);
  const torn = Buffer.from([0x01, 0x02, 0x03]); // a partial stereo frame: the crash hit mid-write
  const file = path.join(dir, 'crashed-call.wav');
  await writeFile(file, Buffer.concat([header, int16ToLeBytes(audio), torn]));

  sb = await startTestSwitchboard(
    configSchema.parse({
      sip: { host: '127.0.0.1', port: 0, transports: ['udp'] },
      http: { host: '127.0.0.1', port: 0 },
      dataDir,
      logLevel: 'silent',
    }),
  );

  const fixed = await readFile(file);
  const wav = parseWav(fixed);
  expect(wav.sizeMismatch).toBe(false);
  expect(wav.declaredDataBytes).toBe(audio.length * 2);
  expect(fixed.readUInt32LE(4)).toBe(fixed.length - 8);
  expect(wav.samples).toEqual(audio);
});
