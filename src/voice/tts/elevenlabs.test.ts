import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../media/index.js';
import { ProviderConfigError, ProviderError } from '../providers/types.js';
import {
  startElevenLabsTtsFake,
  type ElevenLabsTtsFake,
} from '../testing/fakes/elevenlabs-tts-fake.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { ElevenLabsTts } from './elevenlabs.js';

let fake: ElevenLabsTtsFake;
let failing: ElevenLabsTtsFake;

beforeAll(async () => {
  fake = await startElevenLabsTtsFake();
  failing = await startElevenLabsTtsFake({ mode: 'malformed' });
});
afterAll(async () => {
  await fake.close();
  await failing.close();
});

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

const eleven = (extra: Partial<ConstructorParameters<typeof ElevenLabsTts>[0]> = {}) =>
  new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, ...extra });

describeTtsContract('elevenlabs (fake server)', {
  provider: () => eleven(),
  failing: () => new ElevenLabsTts({ apiKey: failing.apiKey, baseUrl: failing.baseUrl }),
});

describe('ElevenLabsTts', () => {
  it('connects with the key header, voice, model and PCM format, then speaks the protocol', async () => {
    const before = fake.sessions.length;
    await collect(
      eleven({ model: 'eleven_turbo_v2_5', voiceSettings: { stability: 0.4 } }).synthesize(
        'Hello there.',
        { sampleRateHz: 8000, voice: 'voice-123', rate: 1.1 },
      ),
    );
    const session = fake.sessions[before]!;
    expect(session.failure).toBeUndefined();
    expect(session.apiKeyHeader).toBe(fake.apiKey);
    expect(session.voiceId).toBe('voice-123');
    expect(session.query).toEqual({ model_id: 'eleven_turbo_v2_5', output_format: 'pcm_16000' });
    expect(session.messages[0]).toEqual({
      text: ' ',
      voice_settings: { stability: 0.4, speed: 1.1 },
    });
    expect(session.messages.at(-1)).toEqual({ text: '' });
    expect(
      session.messages
        .slice(1, -1)
        .map((m) => m.text)
        .join(''),
    ).toBe('Hello there. ');
  });

  it('sends text chunks as they arrive, flushing each finished sentence', async () => {
    const before = fake.sessions.length;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* llm(): AsyncGenerator<string> {
      yield 'Good ';
      yield 'morning. How ';
      await gate; // the rest waits until the server has heard the first sentence
      yield 'can I help';
      yield ' you today?';
    }
    const frames: AudioFrame[] = [];
    const done = (async () => {
      for await (const f of eleven().synthesize(llm(), { sampleRateHz: 16000 })) frames.push(f);
    })();
    await expect.poll(() => fake.sessions[before]?.generations.length ?? 0).toBe(1);
    const session = fake.sessions[before]!;
    expect(session.generations[0]).toBe('Good morning.');
    // Audio for the first sentence flows while the model has not finished the second.
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    release();
    await done;
    const texts = session.messages.slice(1).map((m) => ({ text: m.text, flush: m.flush }));
    expect(texts).toEqual([
      { text: 'Good ', flush: undefined },
      { text: 'morning. ', flush: true },
      { text: 'How ', flush: undefined },
      { text: 'can I ', flush: undefined },
      { text: 'help you ', flush: undefined },
      { text: 'today? ', flush: true },
      { text: '', flush: undefined },
    ]);
    expect(session.generations).toEqual(['Good morning.', 'How can I help you today?']);
  });

  it('reports a refused key as a ProviderError', async () => {
    const error = await collect(
      new ElevenLabsTts({ apiKey: 'wrong', baseUrl: fake.baseUrl }).synthesize('Hi.', {
        sampleRateHz: 8000,
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('Invalid API key');
  });

  it.each(['unauthorized', 'abrupt-close', 'stall'] as const)(
    'reports a %s server as a ProviderError',
    async (mode) => {
      const broken = await startElevenLabsTtsFake({ mode });
      try {
        const tts = new ElevenLabsTts({
          apiKey: broken.apiKey,
          baseUrl: broken.baseUrl,
          timeoutMs: 300,
        });
        await expect(
          collect(tts.synthesize('Hello there, how are you?', { sampleRateHz: 8000 })),
        ).rejects.toBeInstanceOf(ProviderError);
      } finally {
        await broken.close();
      }
    },
  );

  it('ends at once when its signal is already aborted', async () => {
    const frames = await collect(
      eleven().synthesize('Never spoken.', { sampleRateHz: 8000, signal: AbortSignal.abort() }),
    );
    expect(frames).toEqual([]);
  });

  it('names the missing or malformed setting', () => {
    expect(() => new ElevenLabsTts({} as never)).toThrow(ProviderConfigError);
    expect(() => new ElevenLabsTts({} as never)).toThrow(/apiKey/);
    expect(() => new ElevenLabsTts({ apiKey: 'k', baseUrl: 'https://api.elevenlabs.io' })).toThrow(
      /baseUrl/,
    );
    expect(() => new ElevenLabsTts({ apiKey: 'k', vendorSampleRateHz: 48000 })).toThrow(
      /vendorSampleRateHz/,
    );
    expect(() => new ElevenLabsTts({ apiKey: 'k', voiceSettings: { stability: 2 } })).toThrow(
      /voiceSettings.stability/,
    );
    expect(new ElevenLabsTts({ apiKey: 'k' }).capabilities.streamingInput).toBe(true);
  });
});

// The real service, only when a key is configured.
const realKey = process.env['ELEVENLABS_API_KEY'];
describe.runIf(realKey)('real ElevenLabs', () => {
  describeTtsContract('elevenlabs (real service)', {
    provider: () => new ElevenLabsTts({ apiKey: realKey! }),
    failing: () => new ElevenLabsTts({ apiKey: 'not-a-valid-key' }),
  });
});
