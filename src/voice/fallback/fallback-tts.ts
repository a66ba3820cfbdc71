/**
 * A TextToSpeech over an ordered list of providers: speaks with the first, and when it fails
 * (a ProviderError, any other error, or a stall — no first frame, or a gap between frames,
 * longer than configured) carries on with the next one, in the middle of an answer.
 *
 * Granularity is the sentence. The text is cut into sentences here and each is one call to
 * a provider; when a provider fails, the sentence it was speaking is spoken again from its
 * start by the next provider, and the sentences after it go to the new provider too.
 * Sentences already spoken are never repeated. Audio runs ahead of the listener (up to
 * about 10 s), so a failure often happens before the listener has heard anything of the
 * failed sentence — then the restart is seamless, because frames of a failed attempt that
 * were not yet taken are dropped. Only when part of the failed sentence was already played
 * does the listener hear its beginning twice (in two voices): the price of not guessing where
 * in the sentence the first voice stopped.
 *
 * SSML is not cut: it is one unit, passed whole to each provider (which reads or strips it).
 */
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type TextToSpeech,
  type TtsCapabilities,
  type TtsOptions,
} from '../providers/types.js';
import { AsyncQueue, linkedAbort, withTimeout } from '../tts/cloud-tts-kit.js';
import { sentencesOf, textChunks } from '../tts/sentences.js';
import {
  describeFailure,
  ProviderRotation,
  sharedValues,
  type RotationOptions,
} from './provider-rotation.js';

/** Speaking options a provider needs of its own (its voice names differ from the others'). */
export type TtsEntryOptions = Partial<Omit<TtsOptions, 'signal' | 'sampleRateHz'>>;

/** A provider in the list, with options that override the caller's for it. */
export interface TtsFallbackEntry {
  provider: TextToSpeech;
  options?: TtsEntryOptions;
}

/** Settings of {@link FallbackTts}. */
export interface FallbackTtsSettings extends RotationOptions {
  /** In order of preference; at least one. */
  providers: Array<TextToSpeech | TtsFallbackEntry>;
  /** No first frame of a sentence within this is a stall (default 3000 ms). */
  firstFrameTimeoutMs?: number;
  /** No next frame within this, once a sentence has started, is a stall (default 3000 ms). */
  frameGapTimeoutMs?: number;
  /** Provider id in logs (default `fallback`). */
  id?: string;
}

/** Frames queued ahead of the listener before the next sentence is started (about 10 s). */
const LOOKAHEAD_FRAMES = 500;

/** One call to a provider for one sentence; its frames are dropped if it fails. */
interface Attempt {
  failed: boolean;
}

/** Speaks with the first provider that works, switching mid-answer when one fails. */
export class FallbackTts implements TextToSpeech {
  readonly id: string;
  readonly kind: TextToSpeech['kind'];
  readonly capabilities: TtsCapabilities;
  private readonly rotation: ProviderRotation<TextToSpeech, TtsEntryOptions>;
  private readonly firstFrameTimeoutMs: number;
  private readonly frameGapTimeoutMs: number;

  constructor(settings: FallbackTtsSettings) {
    const entries = (settings.providers ?? []).map((p) =>
      'provider' in p
        ? { provider: p.provider, options: p.options ?? {} }
        : { provider: p, options: {} },
    );
    if (entries.length === 0) throw new RangeError('FallbackTts needs at least one provider');
    this.rotation = new ProviderRotation(entries, settings);
    this.id = settings.id ?? 'fallback';
    this.firstFrameTimeoutMs = settings.firstFrameTimeoutMs ?? 3000;
    this.frameGapTimeoutMs = settings.frameGapTimeoutMs ?? 3000;
    const caps = entries.map((e) => e.provider.capabilities);
    const primary = entries[0]!.provider;
    this.kind = primary.kind;
    this.capabilities = {
      // Text is cut into sentences here, whatever the providers could take.
      streamingInput: false,
      streamingOutput: caps.every((c) => c.streamingOutput),
      languages: sharedValues(caps.map((c) => c.languages)),
      voices: [...primary.capabilities.voices],
      sampleRatesHz: sharedValues(caps.map((c) => c.sampleRatesHz)),
      ssml: caps.every((c) => c.ssml),
    };
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    return this.run(text, options);
  }

  private async *run(
    text: string | AsyncIterable<string>,
    options: TtsOptions,
  ): AsyncGenerator<AudioFrame> {
    const controller = linkedAbort(options.signal);
    const signal = controller.signal;
    const queue = new AsyncQueue<{ frame: AudioFrame; attempt: Attempt }>();
    const stop = (): void => queue.close(true);
    // Already aborted (barge-in before the first word): end at once, not wait forever.
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    this.rotation.recover();

    const produce = async (): Promise<void> => {
      for await (const unit of unitsOf(text, options.ssml === true)) {
        if (signal.aborted) return;
        await queue.waitBelow(LOOKAHEAD_FRAMES);
        if (signal.aborted) return;
        await this.speakUnit(unit, options, signal, (frame, attempt) =>
          queue.push({ frame, attempt }),
        );
      }
      queue.close();
    };
    produce().catch((error: unknown) => {
      if (signal.aborted) queue.close(true);
      else queue.fail(error);
    });

    try {
      let emitted = 0;
      for await (const { frame, attempt } of queue) {
        if (attempt.failed) continue; // never heard: the next provider speaks it instead
        yield { ...frame, timestampMs: emitted++ * FRAME_MS };
      }
    } finally {
      signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }

  /** Speaks one sentence, moving down the list until a provider manages it. */
  private async speakUnit(
    unit: string,
    options: TtsOptions,
    signal: AbortSignal,
    onFrame: (frame: AudioFrame, attempt: Attempt) => void,
  ): Promise<void> {
    const tried = new Set<number>();
    const reasons: string[] = [];
    for (;;) {
      const index = this.rotation.current;
      const entry = this.rotation.entries[index]!;
      const attempt: Attempt = { failed: false };
      try {
        await this.attempt(entry.provider, unit, { ...options, ...entry.options }, signal, (f) =>
          onFrame(f, attempt),
        );
        return;
      } catch (error) {
        if (signal.aborted) return;
        attempt.failed = true;
        const reason = describeFailure(error);
        reasons.push(
          reason.startsWith(`${entry.provider.id}:`) ? reason : `${entry.provider.id}: ${reason}`,
        );
        if (this.rotation.fail(index, reason, tried) === undefined) {
          throw new ProviderError(this.id, `all providers failed: ${reasons.join('; ')}`);
        }
      }
    }
  }

  /** One provider call with the stall deadlines; resolves when the sentence is spoken. */
  private async attempt(
    provider: TextToSpeech,
    unit: string,
    options: TtsOptions,
    signal: AbortSignal,
    onFrame: (frame: AudioFrame) => void,
  ): Promise<void> {
    const inner = linkedAbort(signal);
    const frames = provider.synthesize(unit, { ...options, signal: inner.signal });
    const iterator = frames[Symbol.asyncIterator]();
    let first = true;
    try {
      for (;;) {
        const timeoutMs = first ? this.firstFrameTimeoutMs : this.frameGapTimeoutMs;
        const next = iterator.next();
        // If the deadline wins, the pending frame request must not surface as unhandled.
        next.catch(() => undefined);
        const result = await withTimeout(
          next,
          timeoutMs,
          () =>
            new ProviderError(
              provider.id,
              first
                ? `stalled: no audio within ${timeoutMs} ms`
                : `stalled: audio stopped for ${timeoutMs} ms`,
              true,
            ),
        );
        if (result.done) return;
        first = false;
        onFrame(result.value);
      }
    } finally {
      // Stops the provider (releases its connection) whether it finished, failed or stalled.
      inner.abort();
      iterator.return?.(undefined).catch(() => undefined);
    }
  }
}

/** What each provider call gets: one sentence, or one whole SSML document. */
async function* unitsOf(
  text: string | AsyncIterable<string>,
  ssml: boolean,
): AsyncGenerator<string> {
  if (!ssml) {
    yield* sentencesOf(text);
    return;
  }
  let whole = '';
  for await (const chunk of textChunks(text)) whole += chunk;
  if (whole.trim()) yield whole;
}
