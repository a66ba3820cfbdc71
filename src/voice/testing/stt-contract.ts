/**
 * The contract every SpeechToText provider is held to, written once and run against each: the
 * embedded engines for real, the cloud adapters against local fake servers that speak their
 * vendor's protocol. A provider's test file calls {@link describeSttContract} with a factory.
 *
 * Test-only: nothing outside `*.test.ts` files imports this module.
 */
import { describe, expect, it } from 'vitest';
import { clipFrames, FRAME_MS, openAudioFile, type AudioFrame } from '../../media/index.js';
import { ProviderError, type SpeechToText, type SttResult } from '../providers/types.js';

/** How a provider's test sets it up for the contract. */
export interface SttContractSubject {
  /** A working provider (pointed at its fake server, or the real engine). */
  provider: () => SpeechToText | Promise<SpeechToText>;
  /**
   * A provider that fails: its server refuses, breaks the protocol or stalls. The contract
   * checks that the failure surfaces as a ProviderError from the results iterator.
   */
  failing: () => SpeechToText | Promise<SpeechToText>;
  /** The utterance to recognise: a 16 kHz WAV fixture and words that must be in the final. */
  utterance: { file: string; expectWords: string[] };
  /** Rate to stream at (one the provider declares); default its first. */
  sampleRateHz?: number;
}

/** Reads a WAV fixture as 20 ms frames at `rateHz`. */
export async function wavFrames(file: string, rateHz: number): Promise<AudioFrame[]> {
  return [...clipFrames(await openAudioFile(file, rateHz), { startTimestampMs: 0 })];
}

/** `count` frames of silence from `startMs`. */
export function silence(rateHz: number, count: number, startMs = 0): AudioFrame[] {
  const perFrame = (rateHz * FRAME_MS) / 1000;
  return Array.from({ length: count }, (_, i) => ({
    samples: new Int16Array(perFrame),
    sampleRateHz: rateHz,
    timestampMs: startMs + i * FRAME_MS,
  }));
}

async function collect(results: AsyncIterable<SttResult>): Promise<SttResult[]> {
  const out: SttResult[] = [];
  for await (const r of results) out.push(r);
  return out;
}

/** Registers the SpeechToText contract for one provider. */
export function describeSttContract(name: string, subject: SttContractSubject): void {
  describe(`SpeechToText contract: ${name}`, () => {
    it('declares its capabilities', async () => {
      const stt = await subject.provider();
      expect(stt.id).toMatch(/^[a-z0-9-]+$/);
      expect(['embedded', 'cloud', 'self-hosted']).toContain(stt.kind);
      expect(stt.capabilities.languages.length).toBeGreaterThan(0);
      expect(stt.capabilities.sampleRatesHz.length).toBeGreaterThan(0);
    });

    it('recognises an utterance, with a final result once the audio ends', async () => {
      const stt = await subject.provider();
      const rate = subject.sampleRateHz ?? stt.capabilities.sampleRatesHz[0]!;
      const frames = [
        ...silence(rate, 10),
        ...(await wavFrames(subject.utterance.file, rate)),
        ...silence(rate, 25),
      ];
      const stream = stt.stream({ sampleRateHz: rate });
      const results = collect(stream.results);
      for (const frame of frames) stream.write(frame);
      stream.end();
      const all = await results;
      const finals = all.filter((r) => r.type === 'final');
      expect(finals.length, JSON.stringify(all)).toBeGreaterThan(0);
      const text = finals.map((r) => r.text.toLowerCase()).join(' ');
      for (const word of subject.utterance.expectWords) expect(text).toContain(word);
      for (const r of all) {
        if (r.confidence !== undefined) {
          expect(r.confidence).toBeGreaterThanOrEqual(0);
          expect(r.confidence).toBeLessThanOrEqual(1);
        }
      }
      if (stt.capabilities.wordTimings) {
        const words = finals.flatMap((r) => r.words ?? []);
        expect(words.length).toBeGreaterThan(0);
        for (const w of words) expect(w.endMs).toBeGreaterThanOrEqual(w.startMs);
      }
    });

    it('ends its results promptly when closed mid-stream, without an error', async () => {
      const stt = await subject.provider();
      const rate = subject.sampleRateHz ?? stt.capabilities.sampleRatesHz[0]!;
      const stream = stt.stream({ sampleRateHz: rate });
      const results = collect(stream.results);
      for (const frame of (await wavFrames(subject.utterance.file, rate)).slice(0, 20)) {
        stream.write(frame);
      }
      stream.close();
      await expect(results).resolves.toBeInstanceOf(Array);
      // Writing after close is ignored, not a crash.
      stream.write(silence(rate, 1)[0]!);
    });

    it('stops when its abort signal fires', async () => {
      const stt = await subject.provider();
      const rate = subject.sampleRateHz ?? stt.capabilities.sampleRatesHz[0]!;
      const controller = new AbortController();
      const stream = stt.stream({ sampleRateHz: rate, signal: controller.signal });
      const results = collect(stream.results);
      stream.write(silence(rate, 1)[0]!);
      controller.abort();
      await expect(results).resolves.toBeInstanceOf(Array);
    });

    it('reports a provider failure as a ProviderError from its results', async () => {
      const stt = await subject.failing();
      const rate = subject.sampleRateHz ?? stt.capabilities.sampleRatesHz[0]!;
      const stream = stt.stream({ sampleRateHz: rate });
      const results = collect(stream.results);
      // A refusal may arrive while the frames are still being read: handled, checked below.
      results.catch(() => undefined);
      for (const frame of await wavFrames(subject.utterance.file, rate)) stream.write(frame);
      stream.end();
      await expect(results).rejects.toBeInstanceOf(ProviderError);
    });
  });
}
