import { describe, expect, it } from 'vitest';
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type SpeechToText,
  type SttCapabilities,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
} from '../providers/types.js';
import { describeSttContract, silence } from '../testing/stt-contract.js';
import { AsyncQueue } from '../tts/cloud-tts-kit.js';
import { FallbackStt } from './fallback-stt.js';
import type { FallbackSwitch } from './provider-rotation.js';

const HELLO = new URL('../../../test/fixtures/speech/hello-world.wav', import.meta.url).pathname;

/** What a scripted recogniser does with one stream. */
type Script =
  | { kind: 'ok'; text?: string; finalAfterFrames?: number }
  | { kind: 'fail'; afterFrames: number }
  | { kind: 'final-then-fail'; text: string; finalAfterFrames: number; failAfterFrames: number }
  | { kind: 'stall' };

/**
 * A recogniser that "hears" whatever it is scripted to: it records the frames it is given and
 * answers a final (after N frames and/or at the end), fails after N frames, or never answers.
 */
class ScriptedStt implements SpeechToText {
  readonly kind = 'cloud' as const;
  readonly capabilities: SttCapabilities;
  /** Frames written to each stream opened, in order. */
  readonly streams: AudioFrame[][] = [];
  readonly options: SttStreamOptions[] = [];

  constructor(
    readonly id: string,
    private readonly script: (stream: number) => Script,
    sampleRatesHz = [16000],
  ) {
    this.capabilities = {
      streaming: true,
      languages: ['en-US'],
      sampleRatesHz,
      wordTimings: true,
      grammars: false,
    };
  }

  stream(options: SttStreamOptions): SttStream {
    const frames: AudioFrame[] = [];
    this.streams.push(frames);
    this.options.push(options);
    const script = this.script(this.streams.length - 1);
    const queue = new AsyncQueue<SttResult>();
    const text =
      script.kind === 'ok' || script.kind === 'final-then-fail'
        ? (script.text ?? 'hello world')
        : '';
    const final = (): SttResult => ({
      type: 'final',
      text,
      confidence: 0.9,
      words: [{ word: text.split(' ')[0]!, startMs: 100, endMs: 400 }],
    });
    let done = false;
    options.signal?.addEventListener('abort', () => queue.close(), { once: true });
    if (script.kind === 'fail' && script.afterFrames === 0) {
      queue.fail(new ProviderError(this.id, 'HTTP 503: scripted', true, 503));
    }
    return {
      results: queue,
      write: (frame) => {
        if (done) return;
        frames.push(frame);
        if (script.kind === 'fail' && frames.length === script.afterFrames) {
          queue.fail(new ProviderError(this.id, 'socket closed: scripted', true));
        }
        if (script.kind === 'ok' && frames.length === script.finalAfterFrames) {
          queue.push(final());
        }
        if (script.kind === 'final-then-fail') {
          if (frames.length === script.finalAfterFrames) queue.push(final());
          if (frames.length === script.failAfterFrames) {
            queue.fail(new ProviderError(this.id, 'socket closed: scripted', true));
          }
        }
      },
      end: () => {
        if (done) return;
        done = true;
        if (script.kind === 'ok') {
          if (script.finalAfterFrames === undefined) queue.push(final());
          queue.close();
        }
      },
      close: () => {
        done = true;
        queue.close();
      },
    };
  }
}

/** `count` frames of a loud tone from `startMs`, each stamped with its index. */
function speech(rateHz: number, count: number, startMs = 0): AudioFrame[] {
  const perFrame = (rateHz * FRAME_MS) / 1000;
  return Array.from({ length: count }, (_, i) => ({
    samples: Int16Array.from({ length: perFrame }, (_, n) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 300 * n) / rateHz)),
    ),
    sampleRateHz: rateHz,
    timestampMs: startMs + i * FRAME_MS,
  }));
}

async function collect(results: AsyncIterable<SttResult>): Promise<SttResult[]> {
  const out: SttResult[] = [];
  for await (const r of results) out.push(r);
  return out;
}

describe('FallbackStt with scripted providers', () => {
  it('opens the next provider when the first fails at start, and keeps feeding it', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'fail', afterFrames: 0 }));
    const b = new ScriptedStt('b', () => ({ kind: 'ok' }));
    const switches: FallbackSwitch[] = [];
    const stt = new FallbackStt({ providers: [a, b], onSwitch: (s) => switches.push(s) });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    await new Promise((r) => setImmediate(r));
    for (const frame of speech(16000, 40)) stream.write(frame);
    stream.end();
    expect((await results).map((r) => r.text)).toEqual(['hello world']);
    expect(b.streams[0]).toHaveLength(40);
    expect(switches).toEqual([{ from: 'a', to: 'b', reason: 'a: HTTP 503: scripted' }]);
  });

  it('mid-stream, replays the audio since the last final (at most replayMs) into the next one', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'fail', afterFrames: 150 }));
    const b = new ScriptedStt('b', () => ({ kind: 'ok', text: 'second part' }));
    const stt = new FallbackStt({ providers: [a, b], replayMs: 1000 });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    const frames = speech(16000, 200);
    for (const frame of frames.slice(0, 150)) stream.write(frame);
    await new Promise((r) => setImmediate(r));
    for (const frame of frames.slice(150)) stream.write(frame);
    stream.end();
    const all = await results;
    expect(all.map((r) => r.text)).toEqual(['second part']);
    // 1000 ms = the last 50 frames before the failure, then everything after it.
    const fed = b.streams[0]!;
    expect(fed[0]!.timestampMs).toBe(100 * FRAME_MS);
    expect(fed).toHaveLength(100);
    // Word timings are moved onto the caller's timeline (b's audio started 2 s in).
    expect(all[0]!.words![0]).toMatchObject({ startMs: 2100, endMs: 2400 });
  });

  it('does not replay audio that a final already covered', async () => {
    const a = new ScriptedStt('a', () => ({
      kind: 'final-then-fail',
      text: 'account number',
      finalAfterFrames: 30,
      failAfterFrames: 40,
    }));
    const b = new ScriptedStt('b', () => ({ kind: 'ok', text: 'is one two three' }));
    const stt = new FallbackStt({ providers: [a, b] });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    const frames = speech(16000, 60);
    for (const frame of frames.slice(0, 40)) {
      stream.write(frame);
      await new Promise((r) => setImmediate(r));
    }
    for (const frame of frames.slice(40)) stream.write(frame);
    stream.end();
    expect((await results).map((r) => r.text)).toEqual(['account number', 'is one two three']);
    expect(a.streams).toHaveLength(1);
    // Frames 31…40 (after the final) are replayed, then 41…60.
    expect(b.streams[0]![0]!.timestampMs).toBe(30 * FRAME_MS);
    expect(b.streams[0]).toHaveLength(30);
  });

  it('treats speech without any result as a stall', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'stall' }));
    const b = new ScriptedStt('b', () => ({ kind: 'ok' }));
    const switches: FallbackSwitch[] = [];
    const stt = new FallbackStt({
      providers: [a, b],
      speechTimeoutMs: 50,
      onSwitch: (s) => switches.push(s),
    });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    // Silence first: nobody speaking is not a stall.
    for (const frame of silence(16000, 10)) stream.write(frame);
    await new Promise((r) => setTimeout(r, 80));
    expect(switches).toEqual([]);
    for (const frame of speech(16000, 10, 200)) stream.write(frame);
    await expect.poll(() => switches.length).toBe(1);
    expect(switches[0]!.reason).toBe('stalled: speech for 50 ms and no result');
    stream.end();
    expect((await results).map((r) => r.text)).toEqual(['hello world']);
  });

  it('treats results that never finish after the end as a stall', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'stall' }));
    const b = new ScriptedStt('b', () => ({ kind: 'ok' }));
    const stt = new FallbackStt({ providers: [a, b], endTimeoutMs: 50, speechTimeoutMs: 60_000 });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    for (const frame of speech(16000, 30)) stream.write(frame);
    stream.end();
    expect((await results).map((r) => r.text)).toEqual(['hello world']);
    expect(b.streams[0]).toHaveLength(30);
  });

  it('throws a ProviderError listing every reason when all fail', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'fail', afterFrames: 0 }));
    const b = new ScriptedStt('b', () => ({ kind: 'fail', afterFrames: 5 }));
    const stt = new FallbackStt({ providers: [a, b] });
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    await new Promise((r) => setImmediate(r));
    for (const frame of speech(16000, 20)) stream.write(frame);
    stream.end();
    const error = await results.catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'fallback: all providers failed: a: HTTP 503: scripted; b: socket closed: scripted',
    );
  });

  it('feeds a provider at a rate of its own when it lacks the caller’s', async () => {
    const a = new ScriptedStt('a', () => ({ kind: 'fail', afterFrames: 0 }), [8000, 16000]);
    const b = new ScriptedStt('b', () => ({ kind: 'ok' }), [8000]);
    const stt = new FallbackStt({ providers: [a, b] });
    expect(stt.capabilities.sampleRatesHz).toEqual([8000, 16000]);
    const stream = stt.stream({ sampleRateHz: 16000 });
    const results = collect(stream.results);
    await new Promise((r) => setImmediate(r));
    for (const frame of speech(16000, 5)) stream.write(frame);
    stream.end();
    await results;
    expect(b.options[0]!.sampleRateHz).toBe(8000);
    expect(b.streams[0]!.every((f) => f.samples.length === 160 && f.sampleRateHz === 8000)).toBe(
      true,
    );
  });
});

describeSttContract('fallback (failing scripted provider, then a working one)', {
  provider: () =>
    new FallbackStt({
      providers: [
        new ScriptedStt('down', () => ({ kind: 'fail', afterFrames: 0 })),
        new ScriptedStt('up', () => ({ kind: 'ok', text: 'hello world' })),
      ],
    }),
  failing: () =>
    new FallbackStt({
      providers: [
        new ScriptedStt('down', () => ({ kind: 'fail', afterFrames: 0 })),
        new ScriptedStt('stuck', () => ({ kind: 'stall' })),
      ],
      endTimeoutMs: 100,
    }),
  utterance: { file: HELLO, expectWords: ['hello', 'world'] },
});
