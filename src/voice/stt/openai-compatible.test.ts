import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfigError, ProviderError, type SttResult } from '../providers/types.js';
import { describeSttContract, silence, wavFrames } from '../testing/stt-contract.js';
import type { FakeFailure } from '../testing/fakes/fake-server.js';
import {
  startOpenAiTranscriptionFake,
  type OpenAiTranscriptionFake,
} from '../testing/fakes/openai-transcription-fake.js';
import { OpenAiCompatibleStt, type OpenAiCompatibleSttSettings } from './openai-compatible.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;
const utterance = { file: HELLO, expectWords: ['hello', 'world'] };

let fake: OpenAiTranscriptionFake;
let keyless: OpenAiTranscriptionFake;
const failing = new Map<FakeFailure, OpenAiTranscriptionFake>();

beforeAll(async () => {
  fake = await startOpenAiTranscriptionFake();
  keyless = await startOpenAiTranscriptionFake({ apiKey: null });
  for (const mode of ['auth', 'malformed', 'abrupt', 'stall'] as const) {
    failing.set(mode, await startOpenAiTranscriptionFake({ failure: mode }));
  }
});

afterAll(async () => {
  await fake.close();
  await keyless.close();
  for (const f of failing.values()) await f.close();
});

function against(
  target: OpenAiTranscriptionFake,
  extra: Partial<OpenAiCompatibleSttSettings> = {},
): OpenAiCompatibleStt {
  return new OpenAiCompatibleStt({
    apiKey: 'test-openai-key',
    baseUrl: target.url,
    timeoutMs: 300,
    ...extra,
  });
}

async function recognise(stt: OpenAiCompatibleStt, rateHz = 16000): Promise<SttResult[]> {
  // Frames first: a failure must not arrive while nothing awaits the results yet.
  const frames = [...silence(rateHz, 5), ...(await wavFrames(HELLO, rateHz))];
  const stream = stt.stream({ sampleRateHz: rateHz });
  const all: SttResult[] = [];
  const done = (async () => {
    for await (const r of stream.results) all.push(r);
  })();
  for (const frame of frames) stream.write(frame);
  stream.end();
  await done;
  return all;
}

describeSttContract('openai-compatible (fake server)', {
  provider: () => against(fake),
  // 'malformed' fails only once audio arrives: the contract awaits the results by then.
  failing: () => against(failing.get('malformed')!),
  utterance,
});

describe('OpenAiCompatibleStt against the fake', () => {
  it('posts one WAV with model, ISO 639-1 language and verbose_json with word timings', async () => {
    const before = fake.requests.length;
    const all = await recognise(against(fake, { language: 'en-US', model: 'whisper-1' }), 8000);
    expect(fake.requests.length).toBe(before + 1);
    const request = fake.requests[before]!;
    expect(request.headers.authorization).toBe('Bearer test-openai-key');
    expect(request.fields).toMatchObject({
      model: ['whisper-1'],
      language: ['en'],
      response_format: ['verbose_json'],
      'timestamp_granularities[]': ['word', 'segment'],
    });
    expect(request.wav).toMatchObject({ sampleRateHz: 8000, channels: 1, bitsPerSample: 16 });
    expect(all).toEqual([
      expect.objectContaining({ type: 'final', text: 'hello world', language: 'en-US' }),
    ]);
    expect(all[0]!.words?.map((w) => w.word)).toEqual(['hello', 'world']);
  });

  it('reads plain json (gpt-4o-transcribe) and declares no word timings then', async () => {
    const stt = against(fake, { responseFormat: 'json', model: 'gpt-4o-transcribe' });
    expect(stt.capabilities.wordTimings).toBe(false);
    const before = fake.requests.length;
    const all = await recognise(stt);
    expect(fake.requests[before]!.fields['response_format']).toEqual(['json']);
    expect(fake.requests[before]!.fields['timestamp_granularities[]']).toBeUndefined();
    expect(all.map((r) => r.text)).toEqual(['hello world']);
  });

  it('talks to a keyless self-hosted server (faster-whisper, whisper.cpp) with a /v1 base', async () => {
    const stt = new OpenAiCompatibleStt({
      baseUrl: `${keyless.url}/v1`,
      model: 'Systran/faster-whisper-small',
      id: 'faster-whisper',
    });
    expect(stt.kind).toBe('self-hosted');
    expect(stt.id).toBe('faster-whisper');
    const all = await recognise(stt);
    expect(keyless.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(all.map((r) => r.text)).toEqual(['hello world']);
  });

  it('sends phrases as the prompt', async () => {
    const before = fake.requests.length;
    const stream = against(fake).stream({ sampleRateHz: 16000, phrases: ['Switchboard', 'IVR'] });
    for (const frame of await wavFrames(HELLO, 16000)) stream.write(frame);
    stream.end();
    for await (const _ of stream.results) void _;
    expect(fake.requests[before]!.fields['prompt']).toEqual(['Switchboard, IVR']);
  });

  it('makes no request for a stream without audio', async () => {
    const before = fake.requests.length;
    const stream = against(fake).stream({ sampleRateHz: 16000 });
    stream.end();
    const all: SttResult[] = [];
    for await (const r of stream.results) all.push(r);
    expect(all).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it('fails when the utterance outgrows the buffer', async () => {
    const stream = against(fake, { maxAudioMs: 100 }).stream({ sampleRateHz: 16000 });
    for (const frame of silence(16000, 10)) stream.write(frame);
    stream.end();
    await expect(
      (async () => {
        for await (const _ of stream.results) void _;
      })(),
    ).rejects.toThrow(/longer than 100 ms/);
  });

  it.each(['auth', 'malformed', 'abrupt', 'stall'] as const)(
    'fails with a ProviderError when the server %s',
    async (mode) => {
      const error = await recognise(against(failing.get(mode)!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      if (mode === 'auth') {
        expect((error as ProviderError).status).toBe(401);
        expect(String(error)).toMatch(/Incorrect API key/);
      }
      if (mode === 'stall') expect(String(error)).toMatch(/no answer within 300 ms/);
    },
  );

  it('spoke the protocol without violations', () => {
    expect(fake.violations).toEqual([]);
    expect(keyless.violations).toEqual([]);
  });
});

describe('OpenAiCompatibleStt settings', () => {
  const setting = (s: OpenAiCompatibleSttSettings): string | undefined => {
    try {
      new OpenAiCompatibleStt(s);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      return (e as ProviderConfigError).setting;
    }
  };

  it('names the missing or malformed setting', () => {
    expect(setting({})).toBe('OPENAI_API_KEY');
    expect(setting({ apiKey: ' ' })).toBe('OPENAI_API_KEY');
    expect(setting({ apiKey: 'k', baseUrl: 'nope' })).toBe('OPENAI_STT_BASE_URL');
    expect(setting({ apiKey: 'k', baseUrl: 'ws://x' })).toBe('OPENAI_STT_BASE_URL');
    expect(setting({ apiKey: 'k', model: '' })).toBe('OPENAI_STT_MODEL');
    expect(setting({ apiKey: 'k', timeoutMs: Number.NaN })).toBe('OPENAI_STT_TIMEOUT_MS');
    expect(setting({ apiKey: 'k', responseFormat: 'srt' as unknown as 'json' })).toBe(
      'OPENAI_STT_RESPONSE_FORMAT',
    );
    expect(setting({ baseUrl: 'http://127.0.0.1:8000' })).toBeUndefined();
    expect(setting({ apiKey: 'k' })).toBeUndefined();
  });

  it('declares a non-streaming provider', () => {
    const stt = new OpenAiCompatibleStt({ apiKey: 'k', language: 'zh' });
    expect(stt.kind).toBe('cloud');
    expect(stt.capabilities).toMatchObject({ streaming: false, wordTimings: true });
    expect(stt.capabilities.languages[0]).toBe('zh');
  });
});

// The real service, only when a key is configured.
const realKey = process.env['OPENAI_API_KEY'];
describe.runIf(realKey)('real OpenAI transcription', () => {
  describeSttContract('openai (real service)', {
    provider: () => new OpenAiCompatibleStt({ apiKey: realKey, language: 'en' }),
    failing: () => new OpenAiCompatibleStt({ apiKey: 'sk-not-a-valid-key' }),
    utterance,
  });
});
