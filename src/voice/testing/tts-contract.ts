/**
 * The contract every TextToSpeech provider is held to, written once and run against each: the
 * embedded engine for real, the cloud adapters against local fake servers that speak their
 * vendor's protocol. A provider's test file calls {@link describeTtsContract} with a factory.
 *
 * Test-only: nothing outside `*.test.ts` files imports this module.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import { ProviderError, type TextToSpeech, type TtsOptions } from '../providers/types.js';

/** How a provider's test sets it up for the contract. */
export interface TtsContractSubject {
  /** A working provider (pointed at its fake server, or the real engine). */
  provider: () => TextToSpeech | Promise<TextToSpeech>;
  /** A provider whose server refuses, breaks the protocol or stalls. */
  failing: () => TextToSpeech | Promise<TextToSpeech>;
  /** Extra options (voice, language) for the provider. */
  options?: Partial<TtsOptions>;
}

/** Root mean square of a frame's samples. */
function level(frame: AudioFrame): number {
  let sum = 0;
  for (const s of frame.samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, frame.samples.length));
}

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

async function* chunks(parts: string[]): AsyncIterable<string> {
  for (const part of parts) {
    await new Promise((r) => setImmediate(r));
    yield part;
  }
}

/** Registers the TextToSpeech contract for one provider. */
export function describeTtsContract(name: string, subject: TtsContractSubject): void {
  describe(`TextToSpeech contract: ${name}`, () => {
    it('declares its capabilities', async () => {
      const tts = await subject.provider();
      expect(tts.id).toMatch(/^[a-z0-9-]+$/);
      expect(['embedded', 'cloud', 'self-hosted']).toContain(tts.kind);
      expect(tts.capabilities.languages.length).toBeGreaterThan(0);
      expect(tts.capabilities.sampleRatesHz.length).toBeGreaterThan(0);
    });

    it.each([8000, 16000])('speaks a sentence as whole 20 ms frames at %i Hz', async (rate) => {
      const tts = await subject.provider();
      const frames = await collect(
        tts.synthesize('Hello, this is a test of the voice.', {
          ...subject.options,
          sampleRateHz: rate,
        }),
      );
      expect(frames.length).toBeGreaterThan(10);
      for (const f of frames) {
        expect(f.sampleRateHz).toBe(rate);
        expect(f.samples.length).toBe((rate * FRAME_MS) / 1000);
      }
      // Speech, not silence: a good share of frames carry sound.
      const loud = frames.filter((f) => level(f) > 200).length;
      expect(loud / frames.length).toBeGreaterThan(0.3);
    });

    it('speaks text that arrives in pieces (as a language model streams it)', async () => {
      const tts = await subject.provider();
      const frames = await collect(
        tts.synthesize(chunks(['Good ', 'morning. ', 'How can I ', 'help you today?']), {
          ...subject.options,
          sampleRateHz: 16000,
        }),
      );
      expect(frames.filter((f) => level(f) > 200).length).toBeGreaterThan(10);
    });

    it('stops when its abort signal fires', async () => {
      const tts = await subject.provider();
      const controller = new AbortController();
      const frames: AudioFrame[] = [];
      const long = 'This sentence goes on. '.repeat(20);
      await expect(
        (async () => {
          for await (const f of tts.synthesize(long, {
            ...subject.options,
            sampleRateHz: 16000,
            signal: controller.signal,
          })) {
            frames.push(f);
            if (frames.length === 5) controller.abort();
          }
        })(),
      ).resolves.toBeUndefined();
      // Far fewer frames than the whole text would give (about 20 s of speech).
      expect(frames.length).toBeLessThan(400);
    });

    it('reports a provider failure as a ProviderError', async () => {
      const tts = await subject.failing();
      await expect(
        collect(tts.synthesize('Hello.', { ...subject.options, sampleRateHz: 16000 })),
      ).rejects.toBeInstanceOf(ProviderError);
    });
  });
}
