import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfigError, ProviderError, type SttResult } from '../providers/types.js';
import { describeSttContract, silence, wavFrames } from '../testing/stt-contract.js';
import type { FakeFailure } from '../testing/fakes/fake-server.js';
import { startFunAsrFake, type FunAsrFake } from '../testing/fakes/funasr-fake.js';
import { FunAsrStt, type FunAsrSttSettings } from './funasr.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;
const utterance = { file: HELLO, expectWords: ['hello', 'world'] };

let fake: FunAsrFake;
const failing = new Map<FakeFailure, FunAsrFake>();

beforeAll(async () => {
  fake = await startFunAsrFake();
  for (const mode of ['auth', 'malformed', 'abrupt', 'stall'] as const) {
    failing.set(mode, await startFunAsrFake({ failure: mode }));
  }
});

afterAll(async () => {
  await fake.close();
  for (const f of failing.values()) await f.close();
});

function against(target: FunAsrFake, extra: Partial<FunAsrSttSettings> = {}): FunAsrStt {
  return new FunAsrStt({ url: target.url, timeoutMs: 300, ...extra });
}

/** Streams the fixture; with `trailingSilence` false the audio ends mid-sentence. */
async function recognise(
  stt: FunAsrStt,
  {
    rateHz = 16000,
    trailingSilence = true,
    phrases,
  }: {
    rateHz?: number;
    trailingSilence?: boolean;
    phrases?: string[];
  } = {},
): Promise<SttResult[]> {
  // Frames first: a failure must not arrive while nothing awaits the results yet.
  const frames = [
    ...silence(rateHz, 5),
    ...(await wavFrames(HELLO, rateHz)).slice(0, trailingSilence ? undefined : 40),
    ...(trailingSilence ? silence(rateHz, 25) : []),
  ];
  const stream = stt.stream({ sampleRateHz: rateHz, phrases });
  const all: SttResult[] = [];
  const done = (async () => {
    for await (const r of stream.results) all.push(r);
  })();
  for (const frame of frames) stream.write(frame);
  stream.end();
  await done;
  return all;
}

describeSttContract('funasr (fake server)', {
  provider: () => against(fake),
  // 'malformed' fails only once audio arrives: the contract awaits the results by then.
  failing: () => against(failing.get('malformed')!),
  utterance,
});

describe('FunAsrStt against the fake', () => {
  it('opens with the 2pass configuration, hotwords as a JSON string, and ends speaking', async () => {
    const before = fake.sessions.length;
    await recognise(against(fake, { chunkSize: [8, 8, 4] }), {
      rateHz: 8000,
      phrases: ['阿里巴巴', 'Switchboard'],
    });
    const session = fake.sessions[before]!;
    expect(session.first).toMatchObject({
      mode: '2pass',
      chunk_size: [8, 8, 4],
      is_speaking: true,
      wav_format: 'pcm',
      audio_fs: 8000,
      itn: true,
      hotwords: JSON.stringify({ 阿里巴巴: 20, Switchboard: 20 }),
    });
    expect(session.first?.['wav_name']).toMatch(/^switchboard-/);
    expect(session.speakingEnded).toBe(true);
  });

  it('accumulates online pieces into partials; the offline sentence is the final', async () => {
    const all = await recognise(against(fake));
    const partials = all.filter((r) => r.type === 'partial').map((r) => r.text);
    expect(partials.length).toBeGreaterThan(0);
    // Each partial holds everything heard so far, not only the newest piece.
    expect(partials.at(-1)).toBe('hello world');
    expect(all.filter((r) => r.type === 'final')).toEqual([
      { type: 'final', text: 'hello world', language: 'zh-CN' },
    ]);
  });

  it('takes the final from the is_final answer when the audio ends mid-sentence', async () => {
    const all = await recognise(against(fake), { trailingSilence: false });
    expect(all.filter((r) => r.type === 'final').map((r) => r.text)).toEqual(['hello world']);
  });

  it('in online mode, turns the accumulated pieces into the final at the end', async () => {
    const stt = against(fake, { mode: 'online' });
    expect(stt.capabilities.streaming).toBe(true);
    const all = await recognise(stt, { trailingSilence: false });
    expect(all.filter((r) => r.type === 'final').map((r) => r.text)).toEqual(['hello world']);
  });

  it.each(['auth', 'malformed', 'abrupt', 'stall'] as const)(
    'fails with a ProviderError when the server %s',
    async (mode) => {
      const error = await recognise(against(failing.get(mode)!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      if (mode === 'auth') expect((error as ProviderError).status).toBe(503);
      if (mode === 'stall') expect(String(error)).toMatch(/no answer within 300 ms/);
    },
  );

  it('spoke the protocol without violations', () => {
    expect(fake.violations).toEqual([]);
  });
});

describe('FunAsrStt settings', () => {
  const setting = (s: FunAsrSttSettings): string | undefined => {
    try {
      new FunAsrStt(s);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      return (e as ProviderConfigError).setting;
    }
  };

  it('names the missing or malformed setting', () => {
    expect(setting({ url: undefined })).toBe('FUNASR_URL');
    expect(setting({ url: 'http://x:10095' })).toBe('FUNASR_URL');
    expect(setting({ url: 'ws://x', mode: 'both' as '2pass' })).toBe('FUNASR_MODE');
    expect(setting({ url: 'ws://x', chunkSize: [5, 0, 5] })).toBe('FUNASR_CHUNK_SIZE');
    expect(setting({ url: 'ws://x', hotwordWeight: 0 })).toBe('FUNASR_HOTWORD_WEIGHT');
    expect(setting({ url: 'ws://x', timeoutMs: Infinity })).toBe('FUNASR_TIMEOUT_MS');
    expect(setting({ url: 'wss://x:10095', tlsInsecure: true })).toBeUndefined();
  });

  it('declares a self-hosted provider, streaming unless offline', () => {
    expect(new FunAsrStt({ url: 'ws://x' })).toMatchObject({
      kind: 'self-hosted',
      capabilities: { streaming: true, wordTimings: false, languages: ['zh-CN'] },
    });
    expect(new FunAsrStt({ url: 'ws://x', mode: 'offline' }).capabilities.streaming).toBe(false);
  });
});

// A real FunASR server, only when one is configured (its models must recognise English for
// the fixture).
const realUrl = process.env['FUNASR_URL'];
describe.runIf(realUrl)('real FunASR server', () => {
  describeSttContract('funasr (real server)', {
    provider: () =>
      new FunAsrStt({ url: realUrl, tlsInsecure: process.env['FUNASR_TLS_INSECURE'] === 'true' }),
    // Nothing listens on port 9 (discard) locally: the connection is refused.
    failing: () => new FunAsrStt({ url: 'ws://127.0.0.1:9' }),
    utterance,
  });
});
