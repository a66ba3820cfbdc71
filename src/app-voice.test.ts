/**
 * The voice plane's start-up: providers picked by id in order, the ones that cannot be set up
 * reported with the setting to fix (and skipped), unknown ids named, and no agents at all when
 * nothing can recognise or synthesise speech.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../test/fixtures/test-store.js';
import { buildVoicePlane } from './app-voice.js';
import { configSchema } from './config/index.js';
import { createLogger, createMetrics } from './observability/index.js';
import { espeakAvailability, pocketsphinxAvailability } from './voice/index.js';

let testStore: TestStore;
let dataDir: string;
beforeAll(async () => {
  testStore = await openTestStore();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-voice-plane-'));
});
afterAll(async () => {
  await testStore.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

async function plane(voice: { stt: string[]; tts: string[] }) {
  return buildVoicePlane({
    config: configSchema.parse({ dataDir, voice }),
    store: testStore.store,
    metrics: createMetrics(),
    logger: createLogger({ level: 'silent' }),
    apologyFile: 'assets/prompts/apology.wav',
  });
}

const embedded = pocketsphinxAvailability().ok && (await espeakAvailability()).available === true;

describe('the voice plane at start-up', () => {
  it.runIf(embedded || process.env.SWITCHBOARD_E2E === 'required')(
    'names the setting of each provider it cannot set up and goes on with the next',
    async () => {
      const saved = { d: process.env.DEEPGRAM_API_KEY, e: process.env.ELEVENLABS_API_KEY };
      delete process.env.DEEPGRAM_API_KEY;
      delete process.env.ELEVENLABS_API_KEY;
      try {
        const p = await plane({
          stt: ['deepgram', 'whisperx', 'pocketsphinx'],
          tts: ['elevenlabs', 'espeak-ng'],
        });
        expect(p.runtime).toBeDefined();
        expect(await p.runtime!.has('demo')).toBe(true);
        const text = p.report.join('\n');
        expect(text).toContain('Voice agents: STT pocketsphinx, TTS espeak-ng');
        expect(text).toMatch(/STT deepgram: not available.*DEEPGRAM_API_KEY/);
        expect(text).toMatch(/STT whisperx: unknown provider \(known: .*deepgram.*\)/);
        expect(text).toMatch(/TTS elevenlabs: not available.*ELEVENLABS_API_KEY/);
        // What the embedded recogniser cannot do is said at start-up.
        expect(text).toContain('8 kHz phone audio');
        await p.stop();
      } finally {
        if (saved.d !== undefined) process.env.DEEPGRAM_API_KEY = saved.d;
        if (saved.e !== undefined) process.env.ELEVENLABS_API_KEY = saved.e;
      }
    },
  );

  it('runs no agents when no recogniser can be set up, and says so', async () => {
    delete process.env.AZURE_SPEECH_KEY;
    const p = await plane({ stt: ['azure'], tts: ['espeak-ng'] });
    expect(p.runtime).toBeUndefined();
    expect(p.report[0]).toMatch(/^Voice agents: off/);
    expect(p.report.join('\n')).toContain('AZURE_SPEECH_KEY');
    await p.stop();
  });
});
