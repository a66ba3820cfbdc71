import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProviderConfigError, ProviderError, type SttResult } from '../providers/types.js';
import { describeSttContract, silence, wavFrames } from '../testing/stt-contract.js';
import { startDeepgramFake, type DeepgramFake } from '../testing/fakes/deepgram-fake.js';
import type { FakeFailure } from '../testing/fakes/fake-server.js';
import { DeepgramStt, type DeepgramSttSettings } from './deepgram.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;
const utterance = { file: HELLO, expectWords: ['hello', 'world'] };

let fake: DeepgramFake;
const failing = new Map<FakeFailure, DeepgramFake>();

beforeAll(async () => {
  fake = await startDeepgramFake();
  for (const mode of ['auth', 'malformed', 'abrupt', 'stall'] as const) {
    failing.set(mode, await startDeepgramFake({ failure: mode }));
  }
});

afterAll(async () => {
  await fake.close();
  for (const f of failing.values()) await f.close();
});

function against(target: DeepgramFake, extra: Partial<DeepgramSttSettings> = {}): DeepgramStt {
  return new DeepgramStt({ apiKey: fake.apiKey, baseUrl: target.url, timeoutMs: 300, ...extra });
}

/** Streams silence, the fixture and trailing silence at 16 kHz; returns every result. */
async function recognise(stt: DeepgramStt, rateHz = 16000): Promise<SttResult[]> {
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
  for (const frame of frames) stream.write(frame);
  stream.end();
  await done;
  return all;
}

describeSttContract('deepgram (fake server)', {
  provider: () => against(fake),
  // 'malformed' fails only once audio arrives: the contract awaits the results by then.
  failing: () => against(failing.get('malformed')!),
  utterance,
});

describe('DeepgramStt against the fake', () => {
  it('authenticates with a Token header and asks for linear16 mono with interim results', async () => {
    const before = fake.sessions.length;
    await recognise(against(fake, { model: 'nova-2', language: 'en-GB' }), 8000);
    const session = fake.sessions[before]!;
    expect(session.headers.authorization).toBe(`Token ${fake.apiKey}`);
    expect(Object.fromEntries(session.query)).toMatchObject({
      encoding: 'linear16',
      sample_rate: '8000',
      channels: '1',
      interim_results: 'true',
      punctuate: 'true',
      model: 'nova-2',
      language: 'en-GB',
    });
    expect(session.closeStream).toBe(true);
    expect(session.audioBytes).toBeGreaterThan(0);
  });

  it('reports interim results as partials before the final, with word timings in ms', async () => {
    const all = await recognise(against(fake));
    const firstFinal = all.findIndex((r) => r.type === 'final');
    expect(firstFinal).toBeGreaterThan(0);
    expect(all.slice(0, firstFinal).every((r) => r.type === 'partial')).toBe(true);
    const final = all[firstFinal]!;
    expect(final.text).toBe('hello world');
    expect(final.language).toBe('en-US');
    expect(final.words?.map((w) => w.word)).toEqual(['hello', 'world']);
    // Speech starts after 5 frames of leading silence: 100 ms in, not 0.1 ms.
    expect(final.words![0]!.startMs).toBeGreaterThanOrEqual(100);
  });

  it('passes phrases as key terms (nova-3) or keywords (older models)', async () => {
    const before = fake.sessions.length;
    for (const model of ['nova-3', 'nova-2']) {
      const stream = against(fake, { model }).stream({
        sampleRateHz: 16000,
        phrases: ['Switchboard', 'agent'],
      });
      stream.write(silence(16000, 1)[0]!);
      stream.end();
      for await (const _ of stream.results) void _;
    }
    expect(fake.sessions[before]!.query.getAll('keyterm')).toEqual(['Switchboard', 'agent']);
    expect(fake.sessions[before + 1]!.query.getAll('keywords')).toEqual(['Switchboard', 'agent']);
  });

  it('sends KeepAlive while no audio flows', async () => {
    const before = fake.sessions.length;
    const stream = against(fake, { keepAliveMs: 20 }).stream({ sampleRateHz: 16000 });
    await vi.waitFor(() => expect(fake.sessions[before]?.keepAlives ?? 0).toBeGreaterThan(1));
    stream.close();
  });

  it.each(['auth', 'malformed', 'abrupt', 'stall'] as const)(
    'fails with a ProviderError when the server %s',
    async (mode) => {
      const error = await recognise(against(failing.get(mode)!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      if (mode === 'auth') expect((error as ProviderError).status).toBe(401);
      if (mode === 'stall') expect(String(error)).toMatch(/no answer within 300 ms/);
    },
  );

  it('spoke the protocol without violations', () => {
    expect(fake.violations).toEqual([]);
  });
});

describe('DeepgramStt settings', () => {
  it('names the missing or malformed setting', () => {
    const setting = (s: DeepgramSttSettings): string | undefined => {
      try {
        new DeepgramStt(s);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(ProviderConfigError);
        return (e as ProviderConfigError).setting;
      }
    };
    expect(setting({ apiKey: undefined })).toBe('DEEPGRAM_API_KEY');
    expect(setting({ apiKey: '  ' })).toBe('DEEPGRAM_API_KEY');
    expect(setting({ apiKey: 'k', baseUrl: 'not a url' })).toBe('DEEPGRAM_URL');
    expect(setting({ apiKey: 'k', baseUrl: 'ftp://x' })).toBe('DEEPGRAM_URL');
    expect(setting({ apiKey: 'k', timeoutMs: 0 })).toBe('DEEPGRAM_TIMEOUT_MS');
    expect(setting({ apiKey: 'k', keepAliveMs: -1 })).toBe('DEEPGRAM_KEEPALIVE_MS');
    expect(setting({ apiKey: 'k' })).toBeUndefined();
  });

  it('declares streaming with word timings, its language first', () => {
    const stt = new DeepgramStt({ apiKey: 'k', language: 'de' });
    expect(stt.capabilities).toMatchObject({ streaming: true, wordTimings: true, grammars: false });
    expect(stt.capabilities.languages[0]).toBe('de');
    expect(() => stt.stream({ sampleRateHz: 11025 })).toThrow(RangeError);
  });
});

// The real service, only when a key is configured.
const realKey = process.env['DEEPGRAM_API_KEY'];
describe.runIf(realKey)('real Deepgram', () => {
  describeSttContract('deepgram (real service)', {
    provider: () => new DeepgramStt({ apiKey: realKey }),
    failing: () => new DeepgramStt({ apiKey: 'not-a-valid-key' }),
    utterance,
  });
});
