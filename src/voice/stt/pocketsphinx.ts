/**
 * The embedded speech-to-text engine: CMU PocketSphinx (Debian's `pocketsphinx` 5prealpha, the
 * `libpocketsphinx.so.3` / `libsphinxbase.so.3` API) loaded in-process through koffi, with the
 * US English model of `pocketsphinx-en-us`. No key, no network, no process per utterance.
 *
 * It is wideband only: 16 kHz audio. 8 kHz phone audio (G.711 over SIP or a PSTN trunk) is
 * beyond the en-US model — upsampling does not bring back the band above 4 kHz, and it then
 * hears almost nothing right (see {@link POCKETSPHINX_PHONE_AUDIO_NOTICE}). On phone legs use
 * DTMF, a grammar-restricted menu at most, or a cloud recogniser.
 *
 * Decoders: one initialisation costs ~0.3 s of CPU and ~100 MB, so decoders live in a pool
 * owned by the provider: created lazily, one per concurrently active stream, reused after a
 * stream ends, at most `maxDecoders` (default 4). A stream that finds them all busy waits up to
 * `busyTimeoutMs` (default 2 s, its audio buffered) and then fails with a retryable
 * `ProviderError` saying `busy`, so the session can fall back rather than stall a caller.
 *
 * Threads: every engine call that does real work (`ps_init`, `ps_process_raw` on 100 ms of
 * audio, `ps_end_utt`, `ps_get_hyp`, grammar compilation, `ps_free`) runs through koffi's
 * asynchronous calls on libuv's thread pool (shared with fs, dns and crypto; size it with
 * `UV_THREADPOOL_SIZE`), one call in flight per decoder. Measured on this 2-core machine, a
 * synchronous `ps_process_raw` of 100 ms takes up to 35-90 ms (250 ms under load) and
 * `ps_end_utt` plus the final `ps_get_hyp` 50-490 ms: on the main thread that would stall the
 * 20 ms media tick, on the pool the event loop spends ~0.03 ms per call. Only cheap reads (the
 * speech flag, word segments, dictionary look-ups) stay synchronous. Decoders share nothing, so
 * each on its own thread is safe; one decoder is never used by two threads at once. The
 * engine's log is switched off once, globally (`err_set_logfp(NULL)`), rather than with
 * `-logfn /dev/null`: that option reopens a global FILE on every `ps_init`, which would race
 * with decoders logging on other threads. koffi runs pool calls on its own 128 KiB stacks; the
 * engine was checked to run on 64 KiB.
 *
 * Endpointing: the stream gets continuous audio; PocketSphinx's own voice activity detector
 * (`ps_get_in_speech`) marks speech. When it drops after speech (`endSilenceMs` of silence) the
 * utterance ends, a `final` is emitted and the next utterance starts; {@link SttStream.end}
 * flushes the last one. Empty hypotheses produce nothing. Partials (`ps_get_hyp` during the
 * utterance) come at most every 200 ms of audio, and only when the text changed.
 *
 * Confidence: the mean of the words' lattice posteriors (`ps_seg_prob`). `ps_get_prob`, the
 * whole sentence's posterior, shrinks with length (0.003 for a correct six-word sentence) and
 * would read as "unsure" on everything. In grammar mode every posterior is 1, so none is given.
 *
 * Grammars: `phrases` with `grammarOnly` become a JSGF grammar, `public <utt> = a | b | …;`,
 * and only those phrases can be heard: anything else is forced onto the nearest phrase (there
 * is no rejection), and a one-word choice wrapped in a sentence ("I'd like to speak to an agent"
 * against `agent`) is matched unreliably, where a multi-word phrase (`an agent`) holds.
 * Phrases with a word outside the dictionary are dropped and reported through `onEvent`.
 * `phrases` without `grammarOnly` (hints) are ignored: the n-gram model has no biasing knob.
 *
 * Accuracy: decent on clear speech, poor on single short words, and the first utterance a fresh
 * decoder hears is the worst (its cepstral mean starts from the model's prior and adapts as it
 * listens); pooled decoders carry that adaptation from stream to stream.
 *
 * Files: this one is the provider (settings, availability, capabilities);
 * pocketsphinx-binding.ts the koffi FFI, pocketsphinx-pool.ts the decoder pool and model files,
 * pocketsphinx-stream.ts one stream and the grammar builder.
 */
import {
  ProviderConfigError,
  type SpeechToText,
  type SttCapabilities,
  type SttStream,
  type SttStreamOptions,
} from '../providers/types.js';
import { loadNative } from './pocketsphinx-binding.js';
import {
  DecoderPool,
  FRAME_SHIFT_MS,
  missingModelFiles,
  modelPaths,
  PROVIDER_ID,
  type PocketsphinxEvent,
  type PocketsphinxModelPaths,
} from './pocketsphinx-pool.js';
import { PocketsphinxStream, SAMPLE_RATE_HZ } from './pocketsphinx-stream.js';

// Moved with the code that uses them; still part of this module's interface.
export { POCKETSPHINX_LIBRARIES } from './pocketsphinx-binding.js';
export {
  POCKETSPHINX_DEFAULT_MODEL_DIR,
  type PocketsphinxEvent,
  type PocketsphinxModelPaths,
} from './pocketsphinx-pool.js';
export { buildGrammar } from './pocketsphinx-stream.js';

/** What the app prints at start-up when PocketSphinx is the recogniser. */
export const POCKETSPHINX_PHONE_AUDIO_NOTICE =
  'pocketsphinx recognises 16 kHz (wideband) English only; 8 kHz phone audio (G.711 over SIP ' +
  'or a PSTN trunk) is beyond its model even when resampled — use DTMF or a cloud recogniser ' +
  'for phone callers';

/** What {@link PocketsphinxStt} declares. */
export const POCKETSPHINX_CAPABILITIES: SttCapabilities = {
  streaming: true,
  languages: ['en-US'],
  sampleRatesHz: [SAMPLE_RATE_HZ],
  wordTimings: true,
  grammars: true,
};

/** Settings of {@link PocketsphinxStt}; the names in brackets are the ones errors report. */
export interface PocketsphinxSttSettings extends PocketsphinxModelPaths {
  /** Most decoders alive, i.e. concurrent streams (`POCKETSPHINX_MAX_DECODERS`), default 4. */
  maxDecoders?: number;
  /**
   * How long a stream waits for a busy pool before failing `busy`
   * (`POCKETSPHINX_BUSY_TIMEOUT_MS`), default 2000; 0 fails at once.
   */
  busyTimeoutMs?: number;
  /** Silence that ends an utterance (`POCKETSPHINX_END_SILENCE_MS`), default 500. */
  endSilenceMs?: number;
  /** Observer of decoder creation and dropped grammar phrases. */
  onEvent?: (event: PocketsphinxEvent) => void;
}

/** Result of {@link pocketsphinxAvailability}. */
export type PocketsphinxAvailability = { ok: true } | { ok: false; reason: string };

/**
 * Checks that the libraries load and the model files are there, for the start-up report and
 * for tests. Never throws.
 */
export function pocketsphinxAvailability(
  paths: PocketsphinxModelPaths = {},
): PocketsphinxAvailability {
  const native = loadNative();
  if ('error' in native) return { ok: false, reason: native.error };
  const missing = missingModelFiles(modelPaths(paths));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `model files missing (install pocketsphinx-en-us): ${missing.join(', ')}`,
    };
  }
  return { ok: true };
}

/** Speech to text by PocketSphinx, in-process. Call {@link close} to free its decoders. */
export class PocketsphinxStt implements SpeechToText {
  readonly id = PROVIDER_ID;
  readonly kind = 'embedded' as const;
  readonly capabilities = POCKETSPHINX_CAPABILITIES;
  private readonly pool: DecoderPool;

  /** Validates the numbers; model problems surface on the first stream's results. */
  constructor(settings: PocketsphinxSttSettings = {}) {
    const maxDecoders = settings.maxDecoders ?? 4;
    if (!Number.isInteger(maxDecoders) || maxDecoders < 1) {
      throw new ProviderConfigError('POCKETSPHINX_MAX_DECODERS', 'must be a positive integer');
    }
    const busyTimeoutMs = settings.busyTimeoutMs ?? 2000;
    if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ProviderConfigError('POCKETSPHINX_BUSY_TIMEOUT_MS', 'must be 0 or more ms');
    }
    const endSilenceMs = settings.endSilenceMs ?? 500;
    if (!Number.isFinite(endSilenceMs) || endSilenceMs < FRAME_SHIFT_MS) {
      throw new ProviderConfigError('POCKETSPHINX_END_SILENCE_MS', 'must be at least 10 ms');
    }
    const onEvent = settings.onEvent ?? ((): void => undefined);
    this.pool = new DecoderPool(
      modelPaths(settings),
      maxDecoders,
      busyTimeoutMs,
      endSilenceMs,
      onEvent,
    );
  }

  /** Opens a stream; throws RangeError for a rate other than 16 kHz or a language but English. */
  stream(options: SttStreamOptions): SttStream {
    if (options.sampleRateHz !== SAMPLE_RATE_HZ) {
      throw new RangeError(
        `pocketsphinx: unsupported sample rate ${options.sampleRateHz} Hz (16000 only). ${POCKETSPHINX_PHONE_AUDIO_NOTICE}`,
      );
    }
    const language = options.language ?? 'en-US';
    if (!/^en(-US)?$/i.test(language)) {
      throw new RangeError(`pocketsphinx: no model for language ${language} (en-US only)`);
    }
    return new PocketsphinxStream(this.pool, options);
  }

  /** Frees idle decoders now and busy ones when their streams end; later streams fail. */
  close(): void {
    this.pool.close();
  }
}
