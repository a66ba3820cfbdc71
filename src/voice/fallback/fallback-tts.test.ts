import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import { startAzureTtsFake, type AzureTtsFake } from '../testing/fakes/azure-tts-fake.js';
import { startOpenAiTtsFake, type OpenAiTtsFake } from '../testing/fakes/openai-tts-fake.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { AzureTts } from '../tts/azure.js';
import { OpenAiCompatibleTts } from '../tts/openai-compatible.js';
import { FallbackTts } from './fallback-tts.js';
import type { FallbackSwitch } from './provider-rotation.js';

/** What a scripted provider does, per sentence index (0-based) it is asked to speak. */
type Step =
  | { kind: 'ok' }
  | { kind: 'fail'; afterFrames: number }
  | { kind: 'stall'; afterFrames: number }
  | { kind: 'gate'; afterFrames: number; gate: Promise<void> };

const FRAMES_PER_SENTENCE = 10;

/**
 * A provider that speaks every sentence as 10 frames whose samples all carry its marker value
 * (so the test can tell who spoke each frame), and fails, stalls or waits as scripted.
 */
class ScriptedTts implements TextToSpeech {
  readonly kind = 'cloud' as const;
  readonly capabilities: TtsCapabilities = {
    streamingInput: false,
    streamingOutput: true,
    languages: ['en-US'],
    voices: ['v'],
    sampleRatesHz: [8000, 16000],
    ssml: false,
  };
  readonly calls: string[] = [];
  readonly aborted: string[] = [];

  constructor(
    readonly id: string,
    readonly marker: number,
    private readonly script: (call: number) => Step = () => ({ kind: 'ok' }),
  ) {}

  async *synthesize(
    text: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncGenerator<AudioFrame> {
    const sentence = typeof text === 'string' ? text : '(stream)';
    const call = this.calls.push(sentence) - 1;
    const step = this.script(call);
    const signal = options.signal;
    signal?.addEventListener('abort', () => this.aborted.push(sentence), { once: true });
    for (let i = 0; i < FRAMES_PER_SENTENCE; i++) {
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) return;
      if (step.kind !== 'ok' && i === step.afterFrames) {
        if (step.kind === 'fail')
          throw new ProviderError(this.id, 'HTTP 500: scripted failure', true, 500);
        if (step.kind === 'gate') {
          await step.gate;
          throw new ProviderError(this.id, 'connection reset: scripted', true);
        }
        // A stall: wait until the adapter gives up on us.
        await new Promise<void>((resolve) => {
          if (signal?.aborted) resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        return;
      }
      yield {
        samples: new Int16Array((options.sampleRateHz * FRAME_MS) / 1000).fill(this.marker),
        sampleRateHz: options.sampleRateHz,
        timestampMs: i * FRAME_MS,
      };
    }
  }
}

const TEXT = 'One is first. Two is second. Three is third.';

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

/** Who spoke each frame, run-length encoded: e.g. `a×10 b×20`. */
function speakers(frames: AudioFrame[], providers: ScriptedTts[]): string {
  const runs: Array<[string, number]> = [];
  for (const f of frames) {
    const who = providers.find((p) => p.marker === f.samples[0])?.id ?? '?';
    const last = runs.at(-1);
    if (last && last[0] === who) last[1]++;
    else runs.push([who, 1]);
  }
  return runs.map(([who, n]) => `${who}×${n}`).join(' ');
}

describe('FallbackTts with scripted providers', () => {
  it('switches to the next provider when the first fails at start', async () => {
    const a = new ScriptedTts('a', 1000, () => ({ kind: 'fail', afterFrames: 0 }));
    const b = new ScriptedTts('b', 2000);
    const switches: FallbackSwitch[] = [];
    const tts = new FallbackTts({ providers: [a, b], onSwitch: (s) => switches.push(s) });
    const frames = await collect(tts.synthesize(TEXT, { sampleRateHz: 8000 }));
    expect(speakers(frames, [a, b])).toBe('b×30');
    expect(a.calls).toEqual(['One is first.']);
    expect(b.calls).toEqual(['One is first.', 'Two is second.', 'Three is third.']);
    expect(switches).toEqual([{ from: 'a', to: 'b', reason: 'a: HTTP 500: scripted failure' }]);
    frames.forEach((f, i) => expect(f.timestampMs).toBe(i * FRAME_MS));
  });

  it('mid-answer, restarts only the sentence that failed and never repeats spoken ones', async () => {
    const a = new ScriptedTts('a', 1000, (call) =>
      call === 1 ? { kind: 'fail', afterFrames: 4 } : { kind: 'ok' },
    );
    const b = new ScriptedTts('b', 2000);
    const tts = new FallbackTts({ providers: [a, b] });
    const iterator = tts.synthesize(TEXT, { sampleRateHz: 8000 })[Symbol.asyncIterator]();
    const frames: AudioFrame[] = [(await iterator.next()).value as AudioFrame];
    // The listener is slow: by the time it takes the next frame, sentence two has failed.
    await expect.poll(() => b.calls.length).toBe(2);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) frames.push(r.value);
    expect(b.calls).toEqual(['Two is second.', 'Three is third.']);
    // The 4 frames "a" managed of sentence two were never heard, so nothing is spoken twice.
    expect(speakers(frames, [a, b])).toBe('a×10 b×20');
  });

  it('when part of the failed sentence was heard, the sentence restarts after it', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const a = new ScriptedTts('a', 1000, (call) =>
      call === 1 ? { kind: 'gate', afterFrames: 3, gate } : { kind: 'ok' },
    );
    const b = new ScriptedTts('b', 2000);
    const tts = new FallbackTts({ providers: [a, b] });
    const frames: AudioFrame[] = [];
    for await (const f of tts.synthesize(TEXT, { sampleRateHz: 8000 })) {
      frames.push(f);
      if (frames.length === 13) open(); // 10 of sentence one and 3 of sentence two heard
    }
    expect(speakers(frames, [a, b])).toBe('a×13 b×20');
    expect(b.calls).toEqual(['Two is second.', 'Three is third.']);
  });

  it('treats no first frame in time as a stall and stops the stalled provider', async () => {
    const a = new ScriptedTts('a', 1000, () => ({ kind: 'stall', afterFrames: 0 }));
    const b = new ScriptedTts('b', 2000);
    const switches: FallbackSwitch[] = [];
    const tts = new FallbackTts({
      providers: [a, b],
      firstFrameTimeoutMs: 200,
      onSwitch: (s) => switches.push(s),
    });
    const frames = await collect(tts.synthesize(TEXT, { sampleRateHz: 16000 }));
    expect(speakers(frames, [a, b])).toBe('b×30');
    expect(a.aborted).toEqual(['One is first.']);
    expect(switches[0]!.reason).toMatch(/stalled: no audio within 200 ms/);
  });

  it('treats a gap between frames as a stall', async () => {
    const a = new ScriptedTts('a', 1000, (call) =>
      call === 0 ? { kind: 'stall', afterFrames: 5 } : { kind: 'ok' },
    );
    const b = new ScriptedTts('b', 2000);
    const switches: FallbackSwitch[] = [];
    const tts = new FallbackTts({
      providers: [a, b],
      frameGapTimeoutMs: 200,
      onSwitch: (s) => switches.push(s),
    });
    const frames = await collect(tts.synthesize(TEXT, { sampleRateHz: 8000 }));
    expect(switches.map((s) => s.reason)).toEqual(['a: stalled: audio stopped for 200 ms']);
    expect(frames.filter((f) => f.samples[0] === 2000)).toHaveLength(30);
  });

  it('throws a ProviderError listing every reason when all fail', async () => {
    const a = new ScriptedTts('a', 1000, () => ({ kind: 'fail', afterFrames: 0 }));
    const b = new ScriptedTts('b', 2000, () => ({ kind: 'stall', afterFrames: 0 }));
    const tts = new FallbackTts({ providers: [a, b], firstFrameTimeoutMs: 200 });
    const error = await collect(tts.synthesize(TEXT, { sampleRateHz: 8000 })).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'fallback: all providers failed: a: HTTP 500: scripted failure; b: stalled: no audio within 200 ms',
    );
  });

  it('stays on the working provider for later answers, and goes back after the cooldown', async () => {
    let failing = true;
    const a = new ScriptedTts('a', 1000, () =>
      failing ? { kind: 'fail', afterFrames: 0 } : { kind: 'ok' },
    );
    const b = new ScriptedTts('b', 2000);
    let now = 0;
    const switches: FallbackSwitch[] = [];
    const tts = new FallbackTts({
      providers: [a, b],
      cooldownMs: 60_000,
      now: () => now,
      onSwitch: (s) => switches.push(s),
    });
    await collect(tts.synthesize('First answer.', { sampleRateHz: 8000 }));
    now = 30_000;
    await collect(tts.synthesize('Second answer.', { sampleRateHz: 8000 }));
    expect(a.calls).toEqual(['First answer.']);
    failing = false;
    now = 61_000;
    const frames = await collect(tts.synthesize('Third answer.', { sampleRateHz: 8000 }));
    expect(speakers(frames, [a, b])).toBe('a×10');
    expect(switches.map((s) => `${s.from}→${s.to} ${s.reason}`)).toEqual([
      'a→b a: HTTP 500: scripted failure',
      'b→a recovered',
    ]);
  });

  it('ends quietly when aborted', async () => {
    const a = new ScriptedTts('a', 1000);
    const tts = new FallbackTts({ providers: [a] });
    const controller = new AbortController();
    const frames: AudioFrame[] = [];
    for await (const f of tts.synthesize(TEXT, { sampleRateHz: 8000, signal: controller.signal })) {
      frames.push(f);
      if (frames.length === 3) controller.abort();
    }
    expect(frames).toHaveLength(3);
  });

  it('ends at once when its signal is already aborted', async () => {
    const a = new ScriptedTts('a', 1000);
    const tts = new FallbackTts({ providers: [a] });
    const frames = await collect(
      tts.synthesize(TEXT, { sampleRateHz: 8000, signal: AbortSignal.abort() }),
    );
    expect(frames).toEqual([]);
    expect(a.calls).toEqual([]);
  });

  it('gives each provider its own options (voices differ between vendors)', async () => {
    const seen: Array<string | undefined> = [];
    const a = new ScriptedTts('a', 1000, () => ({ kind: 'fail', afterFrames: 0 }));
    const b = new ScriptedTts('b', 2000);
    const spy = (p: ScriptedTts): TextToSpeech => ({
      id: p.id,
      kind: p.kind,
      capabilities: p.capabilities,
      synthesize: (text, options) => {
        seen.push(`${p.id}:${options.voice}`);
        return p.synthesize(text, options);
      },
    });
    const tts = new FallbackTts({
      providers: [spy(a), { provider: spy(b), options: { voice: 'b-voice' } }],
    });
    await collect(tts.synthesize('Hi.', { sampleRateHz: 8000, voice: 'a-voice' }));
    expect(seen).toEqual(['a:a-voice', 'b:b-voice']);
  });
});

describe('FallbackTts over two fake vendors', () => {
  let openai: OpenAiTtsFake;
  let azure: AzureTtsFake;
  let azureStalled: AzureTtsFake;

  beforeAll(async () => {
    openai = await startOpenAiTtsFake({ mode: 'unauthorized' });
    azure = await startAzureTtsFake();
    azureStalled = await startAzureTtsFake({ mode: 'stall' });
  });
  afterAll(async () => {
    await openai.close();
    await azure.close();
    await azureStalled.close();
  });

  const fallback = (onSwitch?: (s: FallbackSwitch) => void): FallbackTts =>
    new FallbackTts({
      providers: [
        new OpenAiCompatibleTts({ apiKey: openai.apiKey, baseUrl: openai.baseUrl }),
        {
          provider: new AzureTts({ apiKey: azure.apiKey, endpoint: azure.endpoint }),
          options: { voice: 'en-US-GuyNeural' },
        },
      ],
      onSwitch,
    });

  describeTtsContract('fallback (openai-compatible refusing, then azure)', {
    provider: () => fallback(),
    failing: () =>
      new FallbackTts({
        providers: [
          new OpenAiCompatibleTts({ apiKey: openai.apiKey, baseUrl: openai.baseUrl }),
          new AzureTts({ apiKey: azureStalled.apiKey, endpoint: azureStalled.endpoint }),
        ],
        frameGapTimeoutMs: 200,
      }),
    options: { voice: 'nova' },
  });

  it('reports the switch and speaks every sentence with azure, in its voice', async () => {
    const switches: FallbackSwitch[] = [];
    const before = azure.requests.length;
    const frames = await collect(
      fallback((s) => switches.push(s)).synthesize('Hello there. How are you?', {
        sampleRateHz: 8000,
        voice: 'nova',
      }),
    );
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ from: 'openai-compatible', to: 'azure' });
    expect(switches[0]!.reason).toContain('HTTP 401');
    const requests = azure.requests.slice(before);
    expect(requests.map((r) => r.text)).toEqual(['Hello there.', 'How are you?']);
    expect(requests.every((r) => r.ssml.includes("<voice name='en-US-GuyNeural'>"))).toBe(true);
    expect(frames.length).toBeGreaterThan(50);
  });
});
