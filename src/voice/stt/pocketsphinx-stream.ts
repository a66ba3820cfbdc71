/**
 * One PocketSphinx recognition stream on a pooled decoder: buffers the caller's audio into
 * 100 ms chunks (filling timestamp gaps with silence), feeds them to the engine one call at a
 * time, ends an utterance when the engine's speech detector drops, and turns hypotheses and
 * word segments into partial and final {@link SttResult}s with media-time word timings. Also
 * the JSGF grammar built from a stream's `phrases` in grammar mode.
 *
 * Kept apart from the provider (settings, availability) and the pool (decoder bookkeeping)
 * because it is the largest role — the per-stream state machine. Endpointing, confidence and
 * grammar behaviour are described in the module comment of pocketsphinx.ts.
 */
import type { AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
  type WordTiming,
} from '../providers/types.js';
import { AsyncQueue } from '../tts/cloud-tts-kit.js';
import {
  GRAMMAR_SEARCH,
  PROVIDER_ID,
  type Decoder,
  type DecoderPool,
} from './pocketsphinx-pool.js';
import { clamp01 } from './stt-kit.js';

/** The only rate the en-US model takes: 16 kHz (wideband). */
export const SAMPLE_RATE_HZ = 16000;
/** Audio handed to the engine per call: short enough to keep partials fresh. */
const CHUNK_SAMPLES = SAMPLE_RATE_HZ / 10;
/** Partials are looked at no more often than this much audio. */
const PARTIAL_EVERY_SAMPLES = (SAMPLE_RATE_HZ * 200) / 1000;
/** A timestamp gap up to this long is filled with silence so the detector hears it. */
const MAX_GAP_FILL_MS = 1000;
/** Audio waiting for the engine beyond this means it cannot keep up: the stream fails. */
const MAX_BACKLOG_SAMPLES = SAMPLE_RATE_HZ * 10;

/**
 * A JSGF grammar allowing exactly `phrases`: lowercased, punctuation other than apostrophes
 * removed, and a phrase with a word the dictionary lacks (`isKnown` false) dropped.
 */
export function buildGrammar(
  phrases: readonly string[],
  isKnown: (word: string) => boolean,
): { jsgf: string | undefined; phrases: string[]; dropped: string[]; unknownWords: string[] } {
  const kept = new Set<string>();
  const dropped: string[] = [];
  const unknown = new Set<string>();
  for (const phrase of phrases) {
    const words = phrase
      .toLowerCase()
      .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
      .split(/\s+/)
      .filter((w) => w !== '');
    const missing = words.filter((w) => !isKnown(w));
    for (const w of missing) unknown.add(w);
    if (words.length === 0 || missing.length > 0) dropped.push(phrase);
    else kept.add(words.join(' '));
  }
  const alternatives = [...kept];
  const jsgf =
    alternatives.length === 0
      ? undefined
      : `#JSGF V1.0;\ngrammar switchboard;\npublic <utt> = ${alternatives.join(' | ')};\n`;
  return { jsgf, phrases: alternatives, dropped, unknownWords: [...unknown] };
}

/** Maps engine sample offsets back to media time across timestamp jumps. */
class Timeline {
  /** Samples handed to the engine so far (gap fill included). */
  samples = 0;
  private anchors: Array<{ sample: number; ms: number }> = [];
  private nextMs: number | undefined;

  /** Notes a frame; returns how many samples of silence go before it. */
  add(frame: AudioFrame): number {
    let fill = 0;
    if (this.nextMs === undefined) {
      this.anchors.push({ sample: 0, ms: frame.timestampMs });
    } else {
      const gapMs = frame.timestampMs - this.nextMs;
      if (Math.abs(gapMs) >= 1) {
        const fillMs = Math.min(Math.max(gapMs, 0), MAX_GAP_FILL_MS);
        fill = Math.round((fillMs * SAMPLE_RATE_HZ) / 1000);
        this.samples += fill;
        if (fillMs !== gapMs) this.anchors.push({ sample: this.samples, ms: frame.timestampMs });
      }
    }
    this.samples += frame.samples.length;
    this.nextMs = frame.timestampMs + (frame.samples.length * 1000) / SAMPLE_RATE_HZ;
    return fill;
  }

  msAt(sample: number): number {
    let anchor = this.anchors[0] ?? { sample: 0, ms: 0 };
    for (const a of this.anchors) if (a.sample <= sample) anchor = a;
    return Math.round(anchor.ms + ((sample - anchor.sample) * 1000) / SAMPLE_RATE_HZ);
  }

  /** Drops anchors no later result can need (keeps the one in force at `sample`). */
  forgetBefore(sample: number): void {
    while (this.anchors.length > 1 && this.anchors[1]!.sample <= sample) this.anchors.shift();
  }
}

/** A recognition stream on a pooled decoder. */
export class PocketsphinxStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new AsyncQueue<SttResult>();
  private readonly timeline = new Timeline();
  private readonly chunks: Int16Array[] = [];
  private chunk = new Int16Array(CHUNK_SAMPLES);
  private filled = 0;
  private backlog = 0;
  private running = false;
  private ended = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly stop = new AbortController();
  private readonly onAbort = (): void => this.close();
  /** Speech heard in the current utterance. */
  private speech = false;
  private sinceHyp = 0;
  private lastPartial = '';
  private grammar = false;

  constructor(
    private readonly pool: DecoderPool,
    private readonly options: SttStreamOptions,
  ) {
    this.results = this.queue;
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  write(frame: AudioFrame): void {
    if (this.ended || this.closed) return;
    if (frame.sampleRateHz !== SAMPLE_RATE_HZ) {
      throw new RangeError(`pocketsphinx: frame at ${frame.sampleRateHz} Hz on a 16000 Hz stream`);
    }
    this.append(new Int16Array(this.timeline.add(frame)));
    this.append(frame.samples);
    if (this.backlog > MAX_BACKLOG_SAMPLES) {
      this.fail(new ProviderError(PROVIDER_ID, 'cannot keep up: 10 s of audio waiting', true));
      return;
    }
    // The decoder is taken with the first audio: a stream never written to costs nothing.
    if (!this.running) {
      this.running = true;
      void this.run();
    }
    this.kick();
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    if (!this.running) {
      this.queue.close();
      this.options.signal?.removeEventListener('abort', this.onAbort);
      return;
    }
    if (this.filled > 0) this.chunks.push(this.chunk.slice(0, this.filled));
    this.kick();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.stop.abort();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.chunks.length = 0;
    this.kick();
  }

  private append(samples: Int16Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(samples.length - offset, CHUNK_SAMPLES - this.filled);
      this.chunk.set(samples.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      this.backlog += n;
      if (this.filled === CHUNK_SAMPLES) {
        this.chunks.push(this.chunk);
        this.chunk = new Int16Array(CHUNK_SAMPLES);
        this.filled = 0;
      }
    }
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.queue.fail(
      error instanceof ProviderError ? error : new ProviderError(PROVIDER_ID, message, true),
    );
    this.close();
  }

  private async run(): Promise<void> {
    let decoder: Decoder | undefined;
    let healthy = true;
    try {
      decoder = await this.pool.acquire(this.stop.signal);
      if (this.closed) return;
      await this.prepare(decoder);
      for (;;) {
        if (this.closed) return;
        const chunk = this.chunks.shift();
        if (chunk) {
          this.backlog -= chunk.length;
          await this.feed(decoder, chunk);
        } else if (this.ended) {
          await this.finishUtterance(decoder);
          this.queue.close();
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } catch (error) {
      healthy = !(error instanceof EngineFailure);
      if (!this.closed) this.fail(error);
    } finally {
      this.options.signal?.removeEventListener('abort', this.onAbort);
      if (decoder) await this.pool.release(decoder, healthy).catch(() => undefined);
    }
  }

  private async prepare(decoder: Decoder): Promise<void> {
    const native = this.pool.native;
    if (this.options.grammarOnly && (this.options.phrases?.length ?? 0) > 0) {
      const grammar = buildGrammar(this.options.phrases!, (w) => native.knowsWord(decoder.ps, w));
      if (grammar.dropped.length > 0) {
        this.pool.emit({
          type: 'grammar-phrases-dropped',
          phrases: grammar.dropped,
          unknownWords: grammar.unknownWords,
        });
      }
      if (!grammar.jsgf) {
        throw new ProviderError(
          PROVIDER_ID,
          `no grammar phrase is in the dictionary (unknown: ${grammar.unknownWords.join(', ')})`,
        );
      }
      decoder.grammarSet = true;
      if ((await native.setJsgf(decoder.ps, GRAMMAR_SEARCH, grammar.jsgf)) < 0) {
        throw new ProviderError(PROVIDER_ID, 'could not compile the grammar');
      }
      if (native.setSearch(decoder.ps, GRAMMAR_SEARCH) < 0) {
        throw new EngineFailure('ps_set_search failed');
      }
      this.grammar = true;
    }
    // Segment frames count from here: the stream's first sample is frame 0.
    if (native.startStream(decoder.ps) < 0) throw new EngineFailure('ps_start_stream failed');
    await this.startUtterance(decoder);
  }

  private async startUtterance(decoder: Decoder): Promise<void> {
    if ((await this.pool.native.startUtt(decoder.ps)) < 0) {
      throw new EngineFailure('ps_start_utt failed');
    }
    decoder.uttOpen = true;
    this.speech = false;
    this.lastPartial = '';
  }

  private async feed(decoder: Decoder, chunk: Int16Array): Promise<void> {
    const native = this.pool.native;
    if ((await native.processRaw(decoder.ps, chunk)) < 0) {
      throw new EngineFailure('ps_process_raw failed');
    }
    if (this.closed) return;
    const inSpeech = native.inSpeech(decoder.ps);
    if (inSpeech && !this.speech) {
      this.speech = true;
      this.sinceHyp = PARTIAL_EVERY_SAMPLES;
    }
    if (!this.speech) return;
    if (!inSpeech) {
      await this.finishUtterance(decoder);
      await this.startUtterance(decoder);
      return;
    }
    this.sinceHyp += chunk.length;
    if (this.sinceHyp < PARTIAL_EVERY_SAMPLES) return;
    this.sinceHyp = 0;
    const text = (await native.hyp(decoder.ps))?.trim() ?? '';
    if (text === '' || text === this.lastPartial || this.closed) return;
    this.lastPartial = text;
    this.queue.push({ type: 'partial', text, language: 'en-US' });
  }

  private async finishUtterance(decoder: Decoder): Promise<void> {
    const native = this.pool.native;
    decoder.uttOpen = false;
    if ((await native.endUtt(decoder.ps)) < 0) throw new EngineFailure('ps_end_utt failed');
    const text = (await native.hyp(decoder.ps))?.trim() ?? '';
    if (text === '' || this.closed) return;
    const words: WordTiming[] = [];
    for (const seg of native.segments(decoder.ps)) {
      // Fillers: <s>, </s>, <sil>, [NOISE], ++BREATH++ — not words anyone said.
      if (/^[<[+]/.test(seg.word)) continue;
      const word: WordTiming = {
        word: seg.word.replace(/\(\d+\)$/, ''), // alternative pronunciations: to(2)
        startMs: this.timeline.msAt(seg.startFrame * (SAMPLE_RATE_HZ / 100)),
        endMs: this.timeline.msAt((seg.endFrame + 1) * (SAMPLE_RATE_HZ / 100)),
      };
      if (!this.grammar) word.confidence = clamp01(native.logmathExp(decoder.logmath, seg.prob));
      words.push(word);
    }
    const result: SttResult = { type: 'final', text, language: 'en-US' };
    const scored = words.filter((w) => w.confidence !== undefined);
    if (scored.length > 0) {
      result.confidence = scored.reduce((sum, w) => sum + w.confidence!, 0) / scored.length;
    }
    if (words.length > 0) result.words = words;
    this.queue.push(result);
    this.timeline.forgetBefore(this.timeline.samples - this.backlog);
  }
}

/** An engine call failed: the decoder is not trusted again (freed, not pooled). */
class EngineFailure extends ProviderError {
  constructor(message: string) {
    super(PROVIDER_ID, message, true);
  }
}
