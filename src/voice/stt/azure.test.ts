import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderConfigError, ProviderError, type SttResult } from '../providers/types.js';
import { describeSttContract, silence, wavFrames } from '../testing/stt-contract.js';
import { startAzureSpeechFake, type AzureSpeechFake } from '../testing/fakes/azure-speech-fake.js';
import type { FakeFailure } from '../testing/fakes/fake-server.js';
import { AzureStt, type AzureSttSettings } from './azure.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;
const utterance = { file: HELLO, expectWords: ['hello', 'world'] };

let fake: AzureSpeechFake;
const failing = new Map<FakeFailure, AzureSpeechFake>();

beforeAll(async () => {
  fake = await startAzureSpeechFake();
  for (const mode of ['auth', 'malformed', 'abrupt', 'stall'] as const) {
    failing.set(mode, await startAzureSpeechFake({ failure: mode }));
  }
});

afterAll(async () => {
  await fake.close();
  for (const f of failing.values()) await f.close();
});

function against(target: AzureSpeechFake, extra: Partial<AzureSttSettings> = {}): AzureStt {
  return new AzureStt({ apiKey: fake.apiKey, endpoint: target.url, timeoutMs: 300, ...extra });
}

async function recognise(stt: AzureStt, rateHz = 16000, phrases?: string[]): Promise<SttResult[]> {
  // Frames first: a failure must not arrive while nothing awaits the results yet.
  const frames = [
    ...silence(rateHz, 5),
    ...(await wavFrames(HELLO, rateHz)),
    ...silence(rateHz, 25),
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

describeSttContract('azure (fake server)', {
  provider: () => against(fake),
  // 'malformed' fails only once audio arrives: the contract awaits the results by then.
  failing: () => against(failing.get('malformed')!),
  utterance,
});

describe('AzureStt against the fake', () => {
  it('authenticates with the subscription key and frames config, context and audio', async () => {
    const before = fake.sessions.length;
    await recognise(against(fake, { language: 'en-GB' }), 8000, ['Switchboard']);
    const session = fake.sessions[before]!;
    expect(session.headers['ocp-apim-subscription-key']).toBe(fake.apiKey);
    expect(session.query.get('language')).toBe('en-GB');
    expect(session.query.get('format')).toBe('detailed');
    expect(session.query.get('wordLevelTimestamps')).toBe('true');
    expect(session.paths).toEqual(['speech.config', 'speech.context', 'audio']);
    expect(session.context).toEqual({
      dgi: { Groups: [{ Type: 'Generic', Items: [{ Text: 'Switchboard' }] }] },
    });
    expect(session.sampleRateHz).toBe(8000);
    expect(session.ended).toBe(true);
  });

  it('reports hypotheses as partials and the detailed phrase as a final', async () => {
    const all = await recognise(against(fake));
    const firstFinal = all.findIndex((r) => r.type === 'final');
    expect(firstFinal).toBeGreaterThan(0);
    expect(all.slice(0, firstFinal).every((r) => r.type === 'partial')).toBe(true);
    const final = all[firstFinal]!;
    expect(final).toMatchObject({ text: 'hello world', confidence: 0.93, language: 'en-US' });
    expect(final.words?.map((w) => w.word)).toEqual(['hello', 'world']);
    // Ticks (100 ns) become ms: speech starts after 100 ms of leading silence.
    expect(final.words![0]!.startMs).toBeGreaterThanOrEqual(100);
    expect(final.words![0]!.startMs).toBeLessThan(400);
  });

  it('ends a stream without audio cleanly', async () => {
    const stream = against(fake).stream({ sampleRateHz: 16000 });
    stream.end();
    const all: SttResult[] = [];
    for await (const r of stream.results) all.push(r);
    expect(all).toEqual([]);
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

describe('AzureStt settings', () => {
  const setting = (s: AzureSttSettings): string | undefined => {
    try {
      new AzureStt(s);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(ProviderConfigError);
      return (e as ProviderConfigError).setting;
    }
  };

  it('names the missing or malformed setting', () => {
    expect(setting({ apiKey: undefined, region: 'westeurope' })).toBe('AZURE_SPEECH_KEY');
    expect(setting({ apiKey: 'k' })).toBe('AZURE_SPEECH_REGION');
    expect(setting({ apiKey: 'k', region: 'West Europe' })).toBe('AZURE_SPEECH_REGION');
    expect(setting({ apiKey: 'k', endpoint: 'ftp://x' })).toBe('AZURE_SPEECH_ENDPOINT');
    expect(setting({ apiKey: 'k', region: 'westeurope', language: 'en US' })).toBe(
      'AZURE_SPEECH_LANGUAGE',
    );
    expect(setting({ apiKey: 'k', region: 'westeurope', timeoutMs: -5 })).toBe(
      'AZURE_SPEECH_TIMEOUT_MS',
    );
    expect(setting({ apiKey: 'k', region: 'westeurope' })).toBeUndefined();
  });

  it('declares streaming at 8 and 16 kHz with word timings', () => {
    const stt = new AzureStt({ apiKey: 'k', region: 'westeurope', language: 'zh-CN' });
    expect(stt.capabilities).toMatchObject({
      streaming: true,
      sampleRatesHz: [16000, 8000],
      wordTimings: true,
    });
    expect(stt.capabilities.languages[0]).toBe('zh-CN');
    expect(() => stt.stream({ sampleRateHz: 48000 })).toThrow(RangeError);
  });
});

// The real service, only when a key and region are configured.
const realKey = process.env['AZURE_SPEECH_KEY'];
const realRegion = process.env['AZURE_SPEECH_REGION'];
describe.runIf(realKey && realRegion)('real Azure Speech', () => {
  describeSttContract('azure (real service)', {
    provider: () => new AzureStt({ apiKey: realKey, region: realRegion }),
    failing: () => new AzureStt({ apiKey: 'not-a-valid-key', region: realRegion }),
    utterance,
  });
});
