/**
 * A SpeechToText over an ordered list of providers: recognises with the first, and when its
 * stream fails mid-call (a ProviderError or any other error from its results, or a stall)
 * opens a stream on the next provider and carries on feeding it the caller's audio.
 *
 * So that a word in flight is not lost, the adapter keeps the audio written since the last
 * final result, at most `replayMs` (default 2 s), and replays it into the new stream first.
 * Audio before a final was recognised already and is not replayed, so finals are not
 * repeated; a partial from the failed provider may be followed by the new provider's own
 * partials and final for the same words. Word timings of the new stream are shifted so they
 * stay on the caller's timeline.
 *
 * Stalls: once speech has been written (a frame louder than `speechLevel`), a streaming
 * provider that gives no result at all for `speechTimeoutMs` is stalled; after {@link
 * SttStream.end}, a provider whose results have not finished within `endTimeoutMs` is
 * stalled. Silence alone never counts: nobody speaking is not a provider failure.
 */
import { FRAME_MS, Resampler, type AudioFrame } from '../../media/index.js';
import {
  ProviderError,
  type SpeechToText,
  type SttCapabilities,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
} from '../providers/types.js';
import { AsyncQueue, linkedAbort } from '../tts/cloud-tts-kit.js';
import {
  describeFailure,
  ProviderRotation,
  sharedValues,
  type RotationOptions,
} from './provider-rotation.js';

/** Stream options a provider needs of its own (its phrase hints, its language tag). */
export type SttEntryOptions = Partial<Omit<SttStreamOptions, 'signal' | 'sampleRateHz'>>;

/** A provider in the list, with options that override the caller's for it. */
export interface SttFallbackEntry {
  provider: SpeechToText;
  options?: SttEntryOptions;
}

/** Settings of {@link FallbackStt}. */
export interface FallbackSttSettings extends RotationOptions {
  /** In order of preference; at least one. */
  providers: Array<SpeechToText | SttFallbackEntry>;
  /** Audio kept for replay into the next provider (default 2000 ms). */
  replayMs?: number;
  /** Speech written and no result for this long is a stall (default 5000 ms). */
  speechTimeoutMs?: number;
  /** Results not finished this long after `end()` is a stall (default 10000 ms). */
  endTimeoutMs?: number;
  /** RMS level above which a frame counts as speech for the stall check (default 500). */
  speechLevel?: number;
  /** Provider id in logs (default `fallback`). */
  id?: string;
}

/** Recognises with the first provider that works, switching mid-stream when one fails. */
export class FallbackStt implements SpeechToText {
  readonly id: string;
  readonly kind: SpeechToText['kind'];
  readonly capabilities: SttCapabilities;
  /** @internal shared with the streams */
  readonly rotation: ProviderRotation<SpeechToText, SttEntryOptions>;
  /** @internal */
  readonly config: Required<
    Pick<FallbackSttSettings, 'replayMs' | 'speechTimeoutMs' | 'endTimeoutMs' | 'speechLevel'>
  >;

  constructor(settings: FallbackSttSettings) {
    const entries = (settings.providers ?? []).map((p) =>
      'provider' in p
        ? { provider: p.provider, options: p.options ?? {} }
        : { provider: p, options: {} },
    );
    if (entries.length === 0) throw new RangeError('FallbackStt needs at least one provider');
    this.rotation = new ProviderRotation(entries, settings);
    this.id = settings.id ?? 'fallback';
    this.config = {
      replayMs: settings.replayMs ?? 2000,
      speechTimeoutMs: settings.speechTimeoutMs ?? 5000,
      endTimeoutMs: settings.endTimeoutMs ?? 10_000,
      speechLevel: settings.speechLevel ?? 500,
    };
    const caps = entries.map((e) => e.provider.capabilities);
    const primary = entries[0]!.provider;
    this.kind = primary.kind;
    this.capabilities = {
      streaming: caps.every((c) => c.streaming),
      languages: sharedValues(caps.map((c) => c.languages)),
      // Other providers are fed at a rate of their own (resampled here) if they lack this one.
      sampleRatesHz: [...primary.capabilities.sampleRatesHz],
      wordTimings: caps.every((c) => c.wordTimings),
      grammars: caps.every((c) => c.grammars),
    };
  }

  stream(options: SttStreamOptions): SttStream {
    this.rotation.recover();
    return new FallbackSttStream(this, options);
  }
}

/** The stream open on one provider. */
interface Inner {
  index: number;
  stream: SttStream;
  controller: AbortController;
  /** Converts the caller's frames when the provider does not take their rate. */
  resampler: Resampler | undefined;
  rateHz: number;
  /** Caller time of the first frame this stream was given, minus that of the first frame. */
  offsetMs: number | undefined;
}

function level(frame: AudioFrame): number {
  let sum = 0;
  for (const s of frame.samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, frame.samples.length));
}

class FallbackSttStream implements SttStream {
  private readonly queue = new AsyncQueue<SttResult>();
  readonly results: AsyncIterable<SttResult> = this.queue;
  private inner: Inner;
  /** Frames since the last final, for replay; at most replayMs of them. */
  private recent: AudioFrame[] = [];
  private firstTimestampMs: number | undefined;
  private ended = false;
  private closed = false;
  private speechTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  /** Providers tried since the last result, and why they failed. */
  private tried = new Set<number>();
  private reasons: string[] = [];
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly owner: FallbackStt,
    private readonly options: SttStreamOptions,
  ) {
    this.signal = options.signal;
    this.inner = this.open(owner.rotation.current);
    if (this.signal?.aborted) this.close();
    else this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  write(frame: AudioFrame): void {
    if (this.closed || this.ended) return;
    this.firstTimestampMs ??= frame.timestampMs;
    this.recent.push(frame);
    const keep = Math.max(1, Math.ceil(this.owner.config.replayMs / FRAME_MS));
    if (this.recent.length > keep) this.recent.splice(0, this.recent.length - keep);
    this.feed(this.inner, frame);
    const streaming =
      this.owner.rotation.entries[this.inner.index]!.provider.capabilities.streaming;
    if (streaming && !this.speechTimer && level(frame) > this.owner.config.speechLevel) {
      const ms = this.owner.config.speechTimeoutMs;
      this.speechTimer = setTimeout(() => {
        this.speechTimer = undefined;
        this.failover(this.inner, `stalled: speech for ${ms} ms and no result`);
      }, ms);
    }
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.inner.stream.end();
    this.armEndTimer();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.stopInner(this.inner);
    this.queue.close();
  }

  private readonly onAbort = (): void => this.close();

  private open(index: number): Inner {
    const entry = this.owner.rotation.entries[index]!;
    const provider = entry.provider;
    const rates = provider.capabilities.sampleRatesHz;
    const rateHz = rates.includes(this.options.sampleRateHz)
      ? this.options.sampleRateHz
      : (rates[0] ?? this.options.sampleRateHz);
    const controller = linkedAbort(this.signal);
    const inner: Inner = {
      index,
      controller,
      rateHz,
      resampler:
        rateHz === this.options.sampleRateHz
          ? undefined
          : new Resampler(this.options.sampleRateHz, rateHz),
      offsetMs: undefined,
      stream: provider.stream({
        ...this.options,
        ...entry.options,
        sampleRateHz: rateHz,
        signal: controller.signal,
      }),
    };
    void this.pump(inner);
    return inner;
  }

  private feed(inner: Inner, frame: AudioFrame): void {
    if (inner.offsetMs === undefined) {
      inner.offsetMs = frame.timestampMs - (this.firstTimestampMs ?? frame.timestampMs);
    }
    const converted = inner.resampler
      ? { ...frame, samples: inner.resampler.process(frame.samples), sampleRateHz: inner.rateHz }
      : frame;
    try {
      inner.stream.write(converted);
    } catch (error) {
      queueMicrotask(() => this.failover(inner, describeFailure(error)));
    }
  }

  private async pump(inner: Inner): Promise<void> {
    try {
      for await (const result of inner.stream.results) {
        if (inner !== this.inner || this.closed) return;
        this.onResult(inner, result);
      }
      if (inner !== this.inner || this.closed) return;
      if (this.ended) {
        this.clearTimers();
        this.closed = true;
        this.signal?.removeEventListener('abort', this.onAbort);
        this.queue.close();
        return;
      }
      this.failover(inner, 'results ended before the audio did');
    } catch (error) {
      if (inner !== this.inner || this.closed) return;
      this.failover(inner, describeFailure(error));
    }
  }

  private onResult(inner: Inner, result: SttResult): void {
    clearTimeout(this.speechTimer);
    this.speechTimer = undefined;
    this.tried = new Set();
    this.reasons = [];
    // Audio up to a final is recognised: a later switch replays only what came after it.
    if (result.type === 'final') this.recent = [];
    const offset = inner.offsetMs ?? 0;
    if (offset !== 0 && result.words) {
      result = {
        ...result,
        words: result.words.map((w) => ({
          ...w,
          startMs: w.startMs + offset,
          endMs: w.endMs + offset,
        })),
      };
    }
    this.queue.push(result);
  }

  /** The stream on `failed` broke: move to the next provider, or give up. */
  private failover(failed: Inner, reason: string): void {
    if (failed !== this.inner || this.closed) return;
    this.clearTimers();
    this.stopInner(failed);
    const id = this.owner.rotation.entries[failed.index]!.provider.id;
    this.reasons.push(reason.startsWith(`${id}:`) ? reason : `${id}: ${reason}`);
    const next = this.owner.rotation.fail(failed.index, reason, this.tried);
    if (next === undefined) {
      this.closed = true;
      this.signal?.removeEventListener('abort', this.onAbort);
      this.queue.fail(
        new ProviderError(this.owner.id, `all providers failed: ${this.reasons.join('; ')}`),
      );
      return;
    }
    const inner = this.open(next);
    this.inner = inner;
    for (const frame of this.recent) this.feed(inner, frame);
    if (this.ended) {
      inner.stream.end();
      this.armEndTimer();
    }
  }

  private armEndTimer(): void {
    clearTimeout(this.endTimer);
    const inner = this.inner;
    const ms = this.owner.config.endTimeoutMs;
    this.endTimer = setTimeout(() => {
      this.endTimer = undefined;
      this.failover(inner, `stalled: results not finished ${ms} ms after the end of audio`);
    }, ms);
  }

  private stopInner(inner: Inner): void {
    inner.controller.abort();
    try {
      inner.stream.close();
    } catch {
      // Closing a broken stream may throw; it is being left either way.
    }
  }

  private clearTimers(): void {
    clearTimeout(this.speechTimer);
    clearTimeout(this.endTimer);
    this.speechTimer = undefined;
    this.endTimer = undefined;
  }
}
