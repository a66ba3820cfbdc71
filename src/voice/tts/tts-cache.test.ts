import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import { ProviderError, type TextToSpeech, type TtsOptions } from '../providers/types.js';
import { describeWithTool } from '../testing/describe-with-tool.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { EspeakNgTts, espeakAvailability } from './espeak-ng.js';
import { TtsCache, ttsCacheKey } from './tts-cache.js';

const FRAMES_PER_TEXT = 10;
/** Bytes of one fake synthesis at 16 kHz, and of its disk file (20-byte header). */
const ENTRY_BYTES = FRAMES_PER_TEXT * 320 * 2;
const FILE_BYTES = ENTRY_BYTES + 20;

/**
 * A scripted inner provider: each synthesis gives ten frames whose samples depend on the text
 * and options, so a wrong key would give wrong audio. It counts calls, can be held at a gate
 * after a given frame, and can fail after a given frame.
 */
class ScriptedTts implements TextToSpeech {
  readonly id = 'scripted';
  readonly kind = 'cloud' as const;
  readonly capabilities = {
    streamingInput: false,
    streamingOutput: true,
    languages: ['en-US'],
    voices: ['a', 'b'],
    sampleRatesHz: [8000, 16000],
    ssml: false,
  };
  calls: string[] = [];
  aborted = 0;
  failAfter: number | undefined;
  private gate: { after: number; open: Promise<void>; release: () => void } | undefined;

  /** Holds every synthesis after `after` frames until {@link release}. */
  hold(after: number): void {
    let release!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    this.gate = { after, open, release };
  }

  release(): void {
    this.gate?.release();
    this.gate = undefined;
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    this.calls.push(typeof text === 'string' ? text : '<stream>');
    return this.frames(typeof text === 'string' ? text : 'stream', options);
  }

  private async *frames(text: string, options: TtsOptions): AsyncGenerator<AudioFrame> {
    const perFrame = (options.sampleRateHz * FRAME_MS) / 1000;
    const base = text.length * 100 + (options.voice === 'b' ? 5000 : 0) + (options.rate ?? 1) * 10;
    for (let i = 0; i < FRAMES_PER_TEXT; i++) {
      if (this.gate && i === this.gate.after) await this.gate.open;
      if (options.signal?.aborted) {
        this.aborted++;
        return;
      }
      if (this.failAfter === i) throw new ProviderError('scripted', 'vendor went away', true);
      yield {
        samples: new Int16Array(perFrame).fill(base + i),
        sampleRateHz: options.sampleRateHz,
        timestampMs: i * FRAME_MS,
      };
    }
  }
}

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

const at16k: TtsOptions = { sampleRateHz: 16000 };

/** First sample of each frame: identifies the audio. */
const signature = (frames: AudioFrame[]): number[] => frames.map((f) => f.samples[0]!);

describe('ttsCacheKey', () => {
  const key = (options: Partial<TtsOptions>, text = 'Hello.', id = 'p', ns = ''): string =>
    ttsCacheKey(id, text, { sampleRateHz: 16000, ...options }, ns);

  it('changes with every option that changes the audio', () => {
    const keys = [
      key({}),
      key({}, 'Hello!'),
      key({}, 'Hello.', 'q'),
      key({}, 'Hello.', 'p', 'model-2'),
      key({ voice: 'b' }),
      key({ language: 'en-GB' }),
      key({ rate: 1.2 }),
      key({ pitch: 2 }),
      key({ ssml: true }),
      key({ sampleRateHz: 8000 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });

  it('treats defaults as what they mean and ignores the signal', () => {
    expect(key({ rate: 1, pitch: 0, ssml: false })).toBe(key({}));
    expect(key({ signal: new AbortController().signal })).toBe(key({}));
  });
});

describe('TtsCache in memory', () => {
  it('synthesises a miss once and replays the hit without the inner provider', async () => {
    const inner = new ScriptedTts();
    const cache = new TtsCache(inner);
    const first = await collect(cache.synthesize('Welcome.', at16k));
    const second = await collect(cache.synthesize('Welcome.', at16k));
    expect(inner.calls).toEqual(['Welcome.']);
    expect(second).toEqual(first);
    expect(second.map((f) => f.timestampMs)).toEqual(first.map((_, i) => i * FRAME_MS));
    expect(cache.stats()).toMatchObject({ misses: 1, memoryHits: 1, memoryBytes: ENTRY_BYTES });
    // Frames handed out are copies: changing them does not change the cache.
    second[0]!.samples.fill(0);
    expect(await collect(cache.synthesize('Welcome.', at16k))).toEqual(first);
  });

  it('keeps different voices and rates apart', async () => {
    const inner = new ScriptedTts();
    const cache = new TtsCache(inner);
    const a = await collect(cache.synthesize('Hi.', { ...at16k, voice: 'a' }));
    const b = await collect(cache.synthesize('Hi.', { ...at16k, voice: 'b' }));
    const fast = await collect(cache.synthesize('Hi.', { ...at16k, voice: 'a', rate: 1.5 }));
    expect(inner.calls).toHaveLength(3);
    expect(signature(a)).not.toEqual(signature(b));
    expect(signature(a)).not.toEqual(signature(fast));
    expect(await collect(cache.synthesize('Hi.', { ...at16k, voice: 'b' }))).toEqual(b);
    expect(inner.calls).toHaveLength(3);
  });

  it('passes streamed text through uncached', async () => {
    const inner = new ScriptedTts();
    const cache = new TtsCache(inner);
    async function* chunks(): AsyncIterable<string> {
      yield 'Hello ';
      yield 'there.';
    }
    await collect(cache.synthesize(chunks(), at16k));
    await collect(cache.synthesize(chunks(), at16k));
    expect(inner.calls).toEqual(['<stream>', '<stream>']);
    expect(cache.stats()).toMatchObject({ passedThrough: 2, memoryEntries: 0 });
  });

  it('evicts the least recently used entry beyond its byte budget', async () => {
    const inner = new ScriptedTts();
    const cache = new TtsCache(inner, { memoryBytes: 2 * ENTRY_BYTES });
    await collect(cache.synthesize('A.', at16k));
    await collect(cache.synthesize('BB.', at16k));
    await collect(cache.synthesize('A.', at16k)); // A is now the most recent
    await collect(cache.synthesize('CCC.', at16k)); // evicts BB
    expect(cache.stats()).toMatchObject({ memoryEntries: 2, memoryBytes: 2 * ENTRY_BYTES });
    await collect(cache.synthesize('A.', at16k));
    await collect(cache.synthesize('CCC.', at16k));
    expect(inner.calls).toEqual(['A.', 'BB.', 'CCC.']);
    await collect(cache.synthesize('BB.', at16k));
    expect(inner.calls).toEqual(['A.', 'BB.', 'CCC.', 'BB.']);
  });

  it('does not cache an aborted synthesis, and ends it quietly', async () => {
    const inner = new ScriptedTts();
    inner.hold(3); // still synthesising when the listener leaves
    const cache = new TtsCache(inner);
    const controller = new AbortController();
    const frames: AudioFrame[] = [];
    for await (const f of cache.synthesize('Stop me.', { ...at16k, signal: controller.signal })) {
      frames.push(f);
      if (frames.length === 2) controller.abort();
    }
    expect(frames).toHaveLength(2);
    inner.release();
    expect(await collect(cache.synthesize('Stop me.', at16k))).toHaveLength(FRAMES_PER_TEXT);
    expect(inner.calls).toEqual(['Stop me.', 'Stop me.']);
    expect(inner.aborted).toBe(1);
  });

  it('does not cache a failed synthesis, and passes its error on', async () => {
    const inner = new ScriptedTts();
    inner.failAfter = 3;
    const cache = new TtsCache(inner);
    await expect(collect(cache.synthesize('Fail.', at16k))).rejects.toThrow(/vendor went away/);
    inner.failAfter = undefined;
    expect(await collect(cache.synthesize('Fail.', at16k))).toHaveLength(FRAMES_PER_TEXT);
    expect(inner.calls).toHaveLength(2);
  });

  it('shares one synthesis between concurrent identical requests', async () => {
    const inner = new ScriptedTts();
    inner.hold(3);
    const cache = new TtsCache(inner);
    const first = collect(cache.synthesize('Shared.', at16k));
    const second = collect(cache.synthesize('Shared.', at16k));
    inner.release();
    const [a, b] = await Promise.all([first, second]);
    expect(inner.calls).toEqual(['Shared.']);
    expect(a).toHaveLength(FRAMES_PER_TEXT);
    expect(b).toEqual(a);
    expect(cache.stats()).toMatchObject({ misses: 1, sharedMisses: 1 });
  });

  it('keeps a shared synthesis going while one listener remains', async () => {
    const inner = new ScriptedTts();
    inner.hold(3);
    const cache = new TtsCache(inner);
    const controller = new AbortController();
    const quitter = (async () => {
      let n = 0;
      for await (const _ of cache.synthesize('Both.', { ...at16k, signal: controller.signal })) {
        if (++n === 2) controller.abort();
      }
      return n;
    })();
    const stayer = collect(cache.synthesize('Both.', at16k));
    expect(await quitter).toBe(2);
    inner.release();
    expect(await stayer).toHaveLength(FRAMES_PER_TEXT);
    expect(inner.aborted).toBe(0);
    await collect(cache.synthesize('Both.', at16k));
    expect(inner.calls).toEqual(['Both.']);
  });

  it('aborts the inner synthesis once every listener has gone', async () => {
    const inner = new ScriptedTts();
    inner.hold(3);
    const cache = new TtsCache(inner);
    for await (const _ of cache.synthesize('Gone.', at16k)) break;
    // A request arriving now starts afresh instead of joining the abandoned synthesis.
    const again = collect(cache.synthesize('Gone.', at16k));
    inner.release();
    expect(await again).toHaveLength(FRAMES_PER_TEXT);
    expect(inner.calls).toEqual(['Gone.', 'Gone.']);
    expect(inner.aborted).toBe(1);
  });
});

describe('TtsCache on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tts-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = (): string[] => readdirSync(dir).sort();

  it('is read back after a restart', async () => {
    const cache = new TtsCache(new ScriptedTts(), { directory: dir });
    const spoken = await collect(cache.synthesize('Persist me.', at16k));
    await cache.flush();
    expect(files()).toEqual([`${ttsCacheKey('scripted', 'Persist me.', at16k)}.pcm`]);

    const inner = new ScriptedTts();
    const restarted = new TtsCache(inner, { directory: dir });
    expect(await collect(restarted.synthesize('Persist me.', at16k))).toEqual(spoken);
    expect(inner.calls).toEqual([]);
    expect(restarted.stats()).toMatchObject({ diskHits: 1, diskEntries: 1, memoryEntries: 1 });
    // Now in memory as well.
    await collect(restarted.synthesize('Persist me.', at16k));
    expect(restarted.stats()).toMatchObject({ diskHits: 1, memoryHits: 1 });
  });

  it('evicts the least recently used files beyond its byte budget, also across restarts', async () => {
    const inner = new ScriptedTts();
    const options = { directory: dir, memoryBytes: 0, diskBytes: 2 * FILE_BYTES };
    const cache = new TtsCache(inner, options);
    await collect(cache.synthesize('A.', at16k));
    await cache.flush();
    await collect(cache.synthesize('BB.', at16k));
    await cache.flush();
    await collect(cache.synthesize('A.', at16k)); // a disk hit: A becomes the most recent
    await collect(cache.synthesize('CCC.', at16k)); // evicts BB
    await cache.flush();
    const keyOf = (text: string): string => `${ttsCacheKey('scripted', text, at16k)}.pcm`;
    expect(files()).toEqual([keyOf('A.'), keyOf('CCC.')].sort());
    expect(cache.stats()).toMatchObject({ diskEntries: 2, diskBytes: 2 * FILE_BYTES, diskHits: 1 });

    // A smaller budget after a restart keeps the most recent file (by mtime).
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, keyOf('A.')), past, past);
    const smaller = new TtsCache(new ScriptedTts(), { ...options, diskBytes: FILE_BYTES });
    await collect(smaller.synthesize('CCC.', at16k));
    expect(files()).toEqual([keyOf('CCC.')]);
    expect(smaller.stats()).toMatchObject({ diskHits: 1, diskEntries: 1 });
  });

  it('treats a truncated or corrupt file as a miss and removes it', async () => {
    const cache = new TtsCache(new ScriptedTts(), { directory: dir });
    await collect(cache.synthesize('Short.', at16k));
    await collect(cache.synthesize('Flipped.', at16k));
    await cache.flush();
    const short = join(dir, `${ttsCacheKey('scripted', 'Short.', at16k)}.pcm`);
    const flipped = join(dir, `${ttsCacheKey('scripted', 'Flipped.', at16k)}.pcm`);
    truncateSync(short, FILE_BYTES - 7);
    const data = readFileSync(flipped);
    data[100] = data[100]! ^ 0xff;
    writeFileSync(flipped, data);

    const inner = new ScriptedTts();
    const restarted = new TtsCache(inner, { directory: dir });
    expect(await collect(restarted.synthesize('Short.', at16k))).toHaveLength(FRAMES_PER_TEXT);
    expect(await collect(restarted.synthesize('Flipped.', at16k))).toHaveLength(FRAMES_PER_TEXT);
    expect(inner.calls).toEqual(['Short.', 'Flipped.']);
    // Synthesised again and rewritten whole.
    await restarted.flush();
    const fresh = new TtsCache(new ScriptedTts(), { directory: dir });
    await collect(fresh.synthesize('Short.', at16k));
    expect(fresh.stats()).toMatchObject({ diskHits: 1, misses: 0 });
  });

  it('writes nothing for an aborted synthesis, and cleans stale temporary files only', async () => {
    const key = ttsCacheKey('scripted', 'x', at16k);
    writeFileSync(join(dir, `${key}.123-abc.tmp`), 'half a write');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, `${key}.123-abc.tmp`), old, old);
    writeFileSync(join(dir, `${key}.456-def.tmp`), 'a write in progress elsewhere');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');

    const inner = new ScriptedTts();
    inner.hold(2);
    const cache = new TtsCache(inner, { directory: dir });
    const controller = new AbortController();
    for await (const _ of cache.synthesize('Cut.', { ...at16k, signal: controller.signal })) {
      controller.abort();
    }
    inner.release();
    await cache.flush();
    expect(files()).toEqual([`${key}.456-def.tmp`, 'notes.txt']);
  });

  it('carries on in memory when the directory cannot be used', async () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    const errors: Error[] = [];
    const inner = new ScriptedTts();
    const cache = new TtsCache(inner, {
      directory: join(blocker, 'cache'),
      onDiskError: (e) => errors.push(e),
    });
    await collect(cache.synthesize('Hi.', at16k));
    await cache.flush();
    await collect(cache.synthesize('Hi.', at16k));
    expect(inner.calls).toHaveLength(1);
    expect(errors.length).toBeGreaterThan(0);
    expect(cache.stats().diskErrors).toBeGreaterThan(0);
  });
});

const espeak = await espeakAvailability();
describeWithTool(
  'espeak-ng',
  espeak.available ? undefined : espeak.reason,
  'TtsCache around espeak-ng',
  () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'tts-cache-espeak-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    describeTtsContract('espeak-ng behind TtsCache', {
      provider: () => new TtsCache(new EspeakNgTts(), { directory: dir }),
      failing: () => new TtsCache(new EspeakNgTts({ binaryPath: '/nonexistent/espeak-ng' })),
    });

    it('replays espeak-ng audio exactly from memory and from disk', async () => {
      const cache = new TtsCache(new EspeakNgTts(), { directory: dir });
      const spoken = await collect(cache.synthesize('Thank you for calling.', at16k));
      expect(await collect(cache.synthesize('Thank you for calling.', at16k))).toEqual(spoken);
      await cache.flush();
      const restarted = new TtsCache(new EspeakNgTts({ binaryPath: '/nonexistent/espeak-ng' }), {
        directory: dir,
      });
      expect(await collect(restarted.synthesize('Thank you for calling.', at16k))).toEqual(spoken);
    });
  },
);
