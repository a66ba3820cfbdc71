import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../media/index.js';
import { ProviderConfigError, ProviderError } from '../providers/types.js';
import { startOpenAiTtsFake, type OpenAiTtsFake } from '../testing/fakes/openai-tts-fake.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { OpenAiCompatibleTts } from './openai-compatible.js';

let fake: OpenAiTtsFake;
let failing: OpenAiTtsFake;

beforeAll(async () => {
  fake = await startOpenAiTtsFake();
  failing = await startOpenAiTtsFake({ mode: 'unauthorized' });
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

describeTtsContract('openai-compatible (fake server)', {
  provider: () => new OpenAiCompatibleTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }),
  failing: () => new OpenAiCompatibleTts({ apiKey: 'sk-wrong', baseUrl: failing.baseUrl }),
  options: { voice: 'nova' },
});

describe('OpenAiCompatibleTts', () => {
  it('sends the documented request: bearer key, model, voice, pcm, speed', async () => {
    const tts = new OpenAiCompatibleTts({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      model: 'tts-1',
      voice: 'shimmer',
    });
    const before = fake.requests.length;
    await collect(tts.synthesize('Hello there.', { sampleRateHz: 8000, rate: 1.25 }));
    const request = fake.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request.body).toEqual({
      model: 'tts-1',
      input: 'Hello there.',
      voice: 'shimmer',
      response_format: 'pcm',
      speed: 1.25,
    });
  });

  it('sends one request per sentence, as the sentences arrive', async () => {
    const tts = new OpenAiCompatibleTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const before = fake.requests.length;
    const frames = await collect(
      tts.synthesize('First sentence here. Second one! And a third?', { sampleRateHz: 16000 }),
    );
    const inputs = fake.requests.slice(before).map((r) => r.body?.input);
    expect(inputs).toEqual(['First sentence here.', 'Second one!', 'And a third?']);
    // Timestamps run on without gaps across the sentences.
    frames.forEach((f, i) => expect(f.timestampMs).toBe(i * 20));
  });

  it('speaks the first sentence of a streamed answer before the answer is complete', async () => {
    const tts = new OpenAiCompatibleTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const before = fake.requests.length;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* llm(): AsyncGenerator<string> {
      yield 'Thanks for ';
      yield 'calling. Let me';
      await gate; // the model is still thinking
      yield ' check that for you.';
    }
    const frames: AudioFrame[] = [];
    const done = (async () => {
      for await (const f of tts.synthesize(llm(), { sampleRateHz: 8000 })) frames.push(f);
    })();
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    expect(fake.requests.slice(before).map((r) => r.body?.input)).toEqual(['Thanks for calling.']);
    release();
    await done;
    expect(fake.requests.slice(before).map((r) => r.body?.input)).toEqual([
      'Thanks for calling.',
      'Let me check that for you.',
    ]);
  });

  it('ends at once, without a request, when its signal is already aborted', async () => {
    const tts = new OpenAiCompatibleTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const before = fake.requests.length;
    const frames = await collect(
      tts.synthesize('Never spoken.', { sampleRateHz: 8000, signal: AbortSignal.abort() }),
    );
    expect(frames).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it('reads a streamed WAV answer', async () => {
    const tts = new OpenAiCompatibleTts({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      format: 'wav',
    });
    const before = fake.requests.length;
    const frames = await collect(
      tts.synthesize('Hello from a wave file.', { sampleRateHz: 16000 }),
    );
    expect(fake.requests[before]!.body?.response_format).toBe('wav');
    expect(frames.length).toBeGreaterThan(20);
    expect(frames.every((f) => f.samples.length === 320)).toBe(true);
  });

  it('reports a 401 with the vendor message, not retryable', async () => {
    const tts = new OpenAiCompatibleTts({ apiKey: 'sk-wrong', baseUrl: fake.baseUrl });
    const error = await collect(tts.synthesize('Hi.', { sampleRateHz: 8000 })).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Incorrect API key');
  });

  it.each(['malformed', 'abrupt-close', 'stall'] as const)(
    'reports a %s answer as a ProviderError',
    async (mode) => {
      const broken = await startOpenAiTtsFake({ mode });
      try {
        const tts = new OpenAiCompatibleTts({
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

  it('reports a refused connection as a ProviderError', async () => {
    const closed = await startOpenAiTtsFake();
    await closed.close();
    const tts = new OpenAiCompatibleTts({ apiKey: 'x', baseUrl: closed.baseUrl });
    await expect(collect(tts.synthesize('Hi.', { sampleRateHz: 8000 }))).rejects.toBeInstanceOf(
      ProviderError,
    );
  });

  it('needs a key for api.openai.com, not for a self-hosted server', () => {
    expect(() => new OpenAiCompatibleTts({})).toThrow(ProviderConfigError);
    expect(() => new OpenAiCompatibleTts({})).toThrow(/apiKey/);
    const local = new OpenAiCompatibleTts({ baseUrl: 'http://localhost:8880' });
    expect(local.kind).toBe('self-hosted');
    expect(new OpenAiCompatibleTts({ apiKey: 'k' }).kind).toBe('cloud');
  });

  it('rejects malformed settings naming the setting', () => {
    expect(() => new OpenAiCompatibleTts({ apiKey: 'k', baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(
      () => new OpenAiCompatibleTts({ apiKey: 'k', format: 'mp3' as unknown as 'pcm' }),
    ).toThrow(/format/);
    expect(() => new OpenAiCompatibleTts({ apiKey: 'k', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

// The real service, only when a key is configured (OPENAI_TTS_BASE_URL points it at another
// compatible server).
const realKey = process.env['OPENAI_API_KEY'];
describe.runIf(realKey)('real OpenAI speech', () => {
  const baseUrl = process.env['OPENAI_TTS_BASE_URL'];
  describeTtsContract('openai-compatible (real service)', {
    provider: () => new OpenAiCompatibleTts({ apiKey: realKey, baseUrl }),
    failing: () => new OpenAiCompatibleTts({ apiKey: 'sk-not-a-valid-key', baseUrl }),
  });
});
