import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfigError, ProviderError, type SttResult } from '../providers/types.js';
import { describeSttContract, silence, wavFrames } from '../testing/stt-contract.js';
import { startAlibabaNlsFake, type AlibabaNlsFake } from '../testing/fakes/alibaba-nls-fake.js';
import type { FakeFailure } from '../testing/fakes/fake-server.js';
import { AlibabaNlsStt, type AlibabaNlsSttSettings } from './alibaba-nls.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;
const utterance = { file: HELLO, expectWords: ['hello', 'world'] };

let fake: AlibabaNlsFake;
const failing = new Map<FakeFailure, AlibabaNlsFake>();

beforeAll(async () => {
  fake = await startAlibabaNlsFake();
  for (const mode of ['auth', 'malformed', 'abrupt', 'stall'] as const) {
    failing.set(mode, await startAlibabaNlsFake({ failure: mode }));
  }
});

afterAll(async () => {
  await fake.close();
  for (const f of failing.values()) await f.close();
});

function against(
  target: AlibabaNlsFake,
  extra: Partial<AlibabaNlsSttSettings> = {},
): AlibabaNlsStt {
  return new AlibabaNlsStt({
    token: fake.token,
    appKey: fake.appKey,
    url: target.url,
    timeoutMs: 300,
    ...extra,
  });
}

async function recognise(stt: AlibabaNlsStt, rateHz = 16000): Promise<SttResult[]> {
  // Frames first: a failure must not arrive while nothing awaits the results yet.
  const frames = [
    ...silence(rateHz, 5),
    ...(await wavFrames(HELLO, rateHz)),
    ...silence(rateHz, 25),
  ];
  const stream = stt.stream({ sampleRateHz: rateHz });
  const all: SttResult[] = [];
  const done = (async () => {
    for await (const r of stream.results) all.push(r);
  })();
  // Written at once, before TranscriptionStarted: the adapter must hold the audio back.
  for (const frame of frames) stream.write(frame);
  stream.end();
  await done;
  return all;
}

describeSttContract('alibaba-nls (fake server)', {
  provider: () => against(fake),
  // 'malformed' fails only once audio arrives: the contract awaits the results by then.
  failing: () => against(failing.get('malformed')!),
  utterance,
});

describe('AlibabaNlsStt against the fake', () => {
  it('sends the token, starts the task, waits for it, streams 100 ms chunks, stops', async () => {
    const before = fake.sessions.length;
    await recognise(against(fake, { maxSentenceSilenceMs: 500 }), 8000);
    const session = fake.sessions[before]!;
    expect(session.token).toBe(fake.token);
    expect(session.sequence).toEqual(['StartTranscription', 'audio', 'StopTranscription']);
    expect(session.start).toEqual({
      format: 'pcm',
      sample_rate: 8000,
      enable_intermediate_result: true,
      enable_punctuation_prediction: true,
      enable_inverse_text_normalization: true,
      enable_words: true,
      max_sentence_silence: 500,
    });
    expect(session.largestChunk).toBe(1600);
  });

  it('reports result changes as partials and sentence ends as finals', async () => {
    const all = await recognise(against(fake, { language: 'en-US' }));
    const firstFinal = all.findIndex((r) => r.type === 'final');
    expect(firstFinal).toBeGreaterThan(0);
    expect(all.slice(0, firstFinal).every((r) => r.type === 'partial')).toBe(true);
    const final = all[firstFinal]!;
    expect(final).toMatchObject({ text: 'hello world', confidence: 0.91, language: 'en-US' });
    expect(final.words?.map((w) => w.word)).toEqual(['hello', 'world']);
    expect(final.words![0]!.startMs).toBeGreaterThanOrEqual(100);
  });

  it('reports the TaskFailed reason of a refused token', async () => {
    const stt = against(fake, { token: 'expired-token' });
    const error = await recognise(stt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(String(error)).toMatch(/ACCESS_DENIED/);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).status).toBe(40000001);
  });

  it.each(['auth', 'malformed', 'abrupt', 'stall'] as const)(
    'fails with a ProviderError when the server %s',
    async (mode) => {
      const error = await recognise(against(failing.get(mode)!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      if (mode === 'stall') expect(String(error)).toMatch(/within 300 ms/);
    },
  );

  it('spoke the protocol without violations', () => {
    expect(fake.violations).toEqual([]);
  });
});

describe('AlibabaNlsStt settings', () => {
  const setting = (s: AlibabaNlsSttSettings): string | undefined => {
    try {
      new AlibabaNlsStt(s);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      return (e as ProviderConfigError).setting;
    }
  };

  it('names the missing or malformed setting', () => {
    expect(setting({ token: undefined, appKey: 'a' })).toBe('ALIBABA_NLS_TOKEN');
    expect(setting({ token: 't', appKey: '' })).toBe('ALIBABA_NLS_APPKEY');
    expect(setting({ token: 't', appKey: 'a', url: 'https://x' })).toBe('ALIBABA_NLS_URL');
    expect(setting({ token: 't', appKey: 'a', maxSentenceSilenceMs: 100 })).toBe(
      'ALIBABA_NLS_SENTENCE_SILENCE_MS',
    );
    expect(setting({ token: 't', appKey: 'a', timeoutMs: 0 })).toBe('ALIBABA_NLS_TIMEOUT_MS');
    expect(setting({ token: 't', appKey: 'a' })).toBeUndefined();
  });

  it('declares streaming at 8 and 16 kHz in the project language', () => {
    const stt = new AlibabaNlsStt({ token: 't', appKey: 'a' });
    expect(stt.capabilities).toMatchObject({
      streaming: true,
      languages: ['zh-CN'],
      sampleRatesHz: [16000, 8000],
    });
  });
});

// The real service, only when a token and appkey are configured (the appkey's project must
// recognise English for the fixture).
const realToken = process.env['ALIBABA_NLS_TOKEN'];
const realAppKey = process.env['ALIBABA_NLS_APPKEY'];
describe.runIf(realToken && realAppKey)('real Alibaba NLS', () => {
  describeSttContract('alibaba-nls (real service)', {
    provider: () =>
      new AlibabaNlsStt({
        token: realToken,
        appKey: realAppKey,
        url: process.env['ALIBABA_NLS_URL'],
      }),
    failing: () => new AlibabaNlsStt({ token: 'not-a-valid-token', appKey: realAppKey }),
    utterance,
  });
});
