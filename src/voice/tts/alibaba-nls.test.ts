import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../media/index.js';
import { ProviderConfigError, ProviderError } from '../providers/types.js';
import {
  startAlibabaNlsTtsFake,
  type AlibabaNlsTtsFake,
} from '../testing/fakes/alibaba-nls-tts-fake.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { AlibabaNlsTts } from './alibaba-nls.js';

let fake: AlibabaNlsTtsFake;
let failing: AlibabaNlsTtsFake;

beforeAll(async () => {
  fake = await startAlibabaNlsTtsFake();
  failing = await startAlibabaNlsTtsFake({ mode: 'unauthorized' });
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

const nls = (extra: Partial<ConstructorParameters<typeof AlibabaNlsTts>[0]> = {}): AlibabaNlsTts =>
  new AlibabaNlsTts({ appKey: fake.appKey, token: fake.token, url: fake.url, ...extra });

describeTtsContract('alibaba-nls (fake server)', {
  provider: () => nls(),
  failing: () => new AlibabaNlsTts({ appKey: failing.appKey, token: 'expired', url: failing.url }),
  options: { language: 'zh-CN' },
});

describe('AlibabaNlsTts', () => {
  it('speaks the protocol: token, appkey, ids, Start → Run → Stop with the payload', async () => {
    const before = fake.tasks.length;
    await collect(
      nls({ voice: 'longxiaoxia' }).synthesize('你好。欢迎致电。', {
        sampleRateHz: 8000,
        rate: 2,
        pitch: 0,
      }),
    );
    const task = fake.tasks[before]!;
    expect(task.failure).toBeUndefined();
    expect(task.token).toBe(fake.token);
    const names = task.messages.map((m) => m.header.name);
    expect(names).toEqual(['StartSynthesis', 'RunSynthesis', 'StopSynthesis']);
    const taskIds = new Set(task.messages.map((m) => m.header.task_id));
    expect(taskIds.size).toBe(1);
    const messageIds = new Set(task.messages.map((m) => m.header.message_id));
    expect(messageIds.size).toBe(3);
    for (const m of task.messages) {
      expect(m.header).toMatchObject({
        appkey: fake.appKey,
        namespace: 'FlowingSpeechSynthesizer',
      });
    }
    expect(task.messages[0]!.payload).toEqual({
      voice: 'longxiaoxia',
      format: 'pcm',
      sample_rate: 16000,
      volume: 50,
      speech_rate: 500,
      pitch_rate: 0,
    });
    expect(task.texts).toEqual(['你好。欢迎致电。']);
  });

  it('maps the speaking rate onto the server scale', async () => {
    const before = fake.tasks.length;
    await collect(nls().synthesize('慢一点。', { sampleRateHz: 16000, rate: 0.5 }));
    expect(fake.tasks[before]!.messages[0]!.payload.speech_rate).toBe(-500);
  });

  it('sends text pieces as they arrive, before the text is complete', async () => {
    const before = fake.tasks.length;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* llm(): AsyncGenerator<string> {
      yield '您好，';
      yield '这里是客服中心。';
      await gate; // the second half waits until the server has the first
      yield '请问有什么可以帮您？';
    }
    const frames: AudioFrame[] = [];
    const done = (async () => {
      for await (const f of nls().synthesize(llm(), { sampleRateHz: 16000 })) frames.push(f);
    })();
    await expect.poll(() => fake.tasks[before]?.texts.length ?? 0).toBe(2);
    // The first sentence is already being spoken while the model is still writing.
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    release();
    await done;
    expect(fake.tasks[before]!.texts).toEqual([
      '您好，',
      '这里是客服中心。',
      '请问有什么可以帮您？',
    ]);
  });

  it('asks a token function for a current token', async () => {
    let calls = 0;
    const tts = nls({
      token: async () => {
        calls++;
        return fake.token;
      },
    });
    await collect(tts.synthesize('一。', { sampleRateHz: 8000 }));
    await collect(tts.synthesize('二。', { sampleRateHz: 8000 }));
    expect(calls).toBe(2);
  });

  it('reports TaskFailed with the gateway status', async () => {
    const error = await collect(
      new AlibabaNlsTts({ appKey: fake.appKey, token: 'expired', url: fake.url }).synthesize(
        '你好。',
        { sampleRateHz: 8000 },
      ),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(40000001);
    expect(error.message).toContain('ACCESS_DENIED');
  });

  it.each(['malformed', 'abrupt-close', 'stall'] as const)(
    'reports a %s server as a ProviderError',
    async (mode) => {
      const broken = await startAlibabaNlsTtsFake({ mode });
      try {
        const tts = new AlibabaNlsTts({
          appKey: broken.appKey,
          token: broken.token,
          url: broken.url,
          timeoutMs: 300,
        });
        await expect(
          collect(tts.synthesize('你好，欢迎致电。', { sampleRateHz: 8000 })),
        ).rejects.toBeInstanceOf(ProviderError);
      } finally {
        await broken.close();
      }
    },
  );

  it('reports a refused connection as a ProviderError', async () => {
    const gone = await startAlibabaNlsTtsFake();
    await gone.close();
    const tts = new AlibabaNlsTts({ appKey: 'a', token: 't', url: gone.url });
    await expect(collect(tts.synthesize('你好。', { sampleRateHz: 8000 }))).rejects.toBeInstanceOf(
      ProviderError,
    );
  });

  it('ends at once when its signal is already aborted', async () => {
    const frames = await collect(
      nls().synthesize('Never spoken.', { sampleRateHz: 8000, signal: AbortSignal.abort() }),
    );
    expect(frames).toEqual([]);
  });

  it('names the missing or malformed setting', () => {
    expect(() => new AlibabaNlsTts({ token: 't' } as never)).toThrow(ProviderConfigError);
    expect(() => new AlibabaNlsTts({ token: 't' } as never)).toThrow(/appKey/);
    expect(() => new AlibabaNlsTts({ appKey: 'a' } as never)).toThrow(/token/);
    expect(() => new AlibabaNlsTts({ appKey: 'a', token: 't', url: 'https://x' })).toThrow(/url/);
    expect(() => new AlibabaNlsTts({ appKey: 'a', token: 't', region: 'Shanghai' })).toThrow(
      /region/,
    );
    expect(() => new AlibabaNlsTts({ appKey: 'a', token: 't', vendorSampleRateHz: 11025 })).toThrow(
      /vendorSampleRateHz/,
    );
    expect(() => new AlibabaNlsTts({ appKey: 'a', token: 't', volume: 101 })).toThrow(/volume/);
    expect(new AlibabaNlsTts({ appKey: 'a', token: 't' }).capabilities.streamingInput).toBe(true);
  });
});

// The real service, only when a token and appkey are configured (ALIBABA_NLS_TTS_URL picks
// another gateway than the default Beijing one).
const realToken = process.env['ALIBABA_NLS_TOKEN'];
const realAppKey = process.env['ALIBABA_NLS_APPKEY'];
describe.runIf(realToken && realAppKey)('real Alibaba NLS', () => {
  describeTtsContract('alibaba-nls (real service)', {
    provider: () =>
      new AlibabaNlsTts({
        token: realToken!,
        appKey: realAppKey!,
        url: process.env['ALIBABA_NLS_TTS_URL'],
      }),
    failing: () =>
      new AlibabaNlsTts({
        token: 'not-a-valid-token',
        appKey: realAppKey!,
        url: process.env['ALIBABA_NLS_TTS_URL'],
      }),
  });
});
