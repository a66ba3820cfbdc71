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
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Koffi from 'koffi';
import type { AudioFrame } from '../../media/index.js';
import {
  ProviderConfigError,
  ProviderError,
  type SpeechToText,
  type SttCapabilities,
  type SttResult,
  type SttStream,
  type SttStreamOptions,
  type WordTiming,
} from '../providers/types.js';

const PROVIDER_ID = 'pocketsphinx';
const SAMPLE_RATE_HZ = 16000;
/** Audio handed to the engine per call: short enough to keep partials fresh. */
const CHUNK_SAMPLES = SAMPLE_RATE_HZ / 10;
/** Partials are looked at no more often than this much audio. */
const PARTIAL_EVERY_SAMPLES = (SAMPLE_RATE_HZ * 200) / 1000;
/** PocketSphinx's feature frame shift (`-frate 100`): segment frames are 10 ms apart. */
const FRAME_SHIFT_MS = 10;
/** A timestamp gap up to this long is filled with silence so the detector hears it. */
const MAX_GAP_FILL_MS = 1000;
/** Audio waiting for the engine beyond this means it cannot keep up: the stream fails. */
const MAX_BACKLOG_SAMPLES = SAMPLE_RATE_HZ * 10;
const GRAMMAR_SEARCH = 'switchboard-grammar';

/** Debian's `pocketsphinx-en-us` model folder. */
export const POCKETSPHINX_DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * The libraries, by their versioned names: the 5prealpha API. Distributions ship the
 * unversioned `.so` only in `-dev` packages, and a PocketSphinx 5.x there has another API.
 */
export const POCKETSPHINX_LIBRARIES = ['libsphinxbase.so.3', 'libpocketsphinx.so.3'] as const;

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

/** Where the model is; every path defaults under `modelDir`. */
export interface PocketsphinxModelPaths {
  /** Model folder (`POCKETSPHINX_MODEL_DIR`), default {@link POCKETSPHINX_DEFAULT_MODEL_DIR}. */
  modelDir?: string;
  /** Acoustic model folder (`-hmm`), default `<modelDir>/en-us`. */
  acousticModel?: string;
  /** Language model (`-lm`), default `<modelDir>/en-us.lm.bin`. */
  languageModel?: string;
  /** Pronunciation dictionary (`-dict`), default `<modelDir>/cmudict-en-us.dict`. */
  dictionary?: string;
}

/** Something worth knowing that is not a result (for logs and metrics; no transcripts). */
export type PocketsphinxEvent =
  | { type: 'decoder-created'; initMs: number; decoders: number }
  | { type: 'grammar-phrases-dropped'; phrases: string[]; unknownWords: string[] };

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

// ---- the engine through koffi ----------------------------------------------------------------

/** An opaque C pointer as koffi hands it out. */
type Pointer = object;

/** A bound C function (koffi does not export the name of its type). */
type KoffiFunction = ReturnType<Koffi.LibraryHandle['func']>;

/** The few engine calls used; the heavy ones return promises (koffi's thread-pool calls). */
interface Native {
  cmdLnInit(args: string[]): Pointer | null;
  cmdLnFree(config: Pointer): void;
  init(config: Pointer): Promise<Pointer | null>;
  /** Frees on the thread pool (it takes ~60 ms) and never fails. */
  free(ps: Pointer): void;
  logmath(ps: Pointer): Pointer;
  logmathExp(logmath: Pointer, value: number): number;
  startStream(ps: Pointer): number;
  startUtt(ps: Pointer): Promise<number>;
  processRaw(ps: Pointer, samples: Int16Array): Promise<number>;
  endUtt(ps: Pointer): Promise<number>;
  inSpeech(ps: Pointer): boolean;
  hyp(ps: Pointer): Promise<string | null>;
  segments(
    ps: Pointer,
  ): Array<{ word: string; startFrame: number; endFrame: number; prob: number }>;
  knowsWord(ps: Pointer, word: string): boolean;
  setJsgf(ps: Pointer, name: string, jsgf: string): Promise<number>;
  search(ps: Pointer): string | null;
  setSearch(ps: Pointer, name: string): number;
  unsetSearch(ps: Pointer, name: string): number;
}

let loaded: Native | { error: string } | undefined;

/** Loads the libraries once per process; remembers a failure as its reason. */
function loadNative(): Native | { error: string } {
  loaded ??= bind();
  return loaded;
}

function bind(): Native | { error: string } {
  let koffi: typeof Koffi;
  let sb: Koffi.LibraryHandle;
  let ps: Koffi.LibraryHandle;
  try {
    // Loaded on demand, so a platform without koffi's binary only loses this provider.
    koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
  } catch (error) {
    return { error: `koffi (FFI) could not be loaded: ${(error as Error).message}` };
  }
  try {
    sb = koffi.load(POCKETSPHINX_LIBRARIES[0]);
    ps = koffi.load(POCKETSPHINX_LIBRARIES[1]);
  } catch (error) {
    return {
      error: `${POCKETSPHINX_LIBRARIES.join(' / ')} not loadable (apt install pocketsphinx): ${(error as Error).message}`,
    };
  }
  const f = (lib: Koffi.LibraryHandle, decl: string): KoffiFunction => lib.func(decl);
  /** The thread-pool form of a call, as a promise. */
  const pooled =
    <T>(fn: KoffiFunction) =>
    (...args: unknown[]): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        fn.async(...args, (err: unknown, result: T) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result),
        );
      });
  f(sb, 'void err_set_logfp(void *stream)')(null);
  const cmdLnInit = f(sb, 'void *cmd_ln_init(void *inout, void *defn, int strict, ...)');
  const cmdLnFree = f(sb, 'int cmd_ln_free_r(void *config)');
  const logmathExp = f(sb, 'double logmath_exp(void *lmath, int logb_p)');
  const ckdFree = f(sb, 'void ckd_free(void *ptr)');
  const psArgs = f(ps, 'void *ps_args()');
  const psInit = f(ps, 'void *ps_init(void *config)');
  const psFree = f(ps, 'int ps_free(void *ps)');
  const getLogmath = f(ps, 'void *ps_get_logmath(void *ps)');
  const startStream = f(ps, 'int ps_start_stream(void *ps)');
  const startUtt = f(ps, 'int ps_start_utt(void *ps)');
  const processRaw = f(
    ps,
    'int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)',
  );
  const endUtt = f(ps, 'int ps_end_utt(void *ps)');
  const inSpeech = f(ps, 'uint8_t ps_get_in_speech(void *ps)');
  const getHyp = f(ps, 'const char *ps_get_hyp(void *ps, _Out_ int *score)');
  const segIter = f(ps, 'void *ps_seg_iter(void *ps)');
  const segNext = f(ps, 'void *ps_seg_next(void *seg)');
  const segWord = f(ps, 'const char *ps_seg_word(void *seg)');
  const segFrames = f(ps, 'void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)');
  const segProb = f(ps, 'int ps_seg_prob(void *seg, _Out_ int *a, _Out_ int *l, _Out_ int *b)');
  const lookupWord = f(ps, 'void *ps_lookup_word(void *ps, const char *word)');
  const setJsgf = f(ps, 'int ps_set_jsgf_string(void *ps, const char *name, const char *jsgf)');
  const getSearch = f(ps, 'const char *ps_get_search(void *ps)');
  const setSearch = f(ps, 'int ps_set_search(void *ps, const char *name)');
  const unsetSearch = f(ps, 'int ps_unset_search(void *ps, const char *name)');
  const defaults = psArgs() as Pointer;
  return {
    cmdLnInit: (args) =>
      cmdLnInit(
        null,
        defaults,
        1,
        ...args.flatMap((a) => ['str', a]),
        'str',
        null,
      ) as Pointer | null,
    cmdLnFree: (config) => void cmdLnFree(config),
    init: pooled<Pointer | null>(psInit),
    free: (decoder) => void pooled<number>(psFree)(decoder).catch(() => undefined),
    logmath: (decoder) => getLogmath(decoder) as Pointer,
    logmathExp: (lmath, value) => logmathExp(lmath, value) as number,
    startStream: (decoder) => startStream(decoder) as number,
    startUtt: pooled<number>(startUtt),
    processRaw: (decoder, samples) =>
      pooled<number>(processRaw)(decoder, samples, samples.length, 0, 0),
    endUtt: pooled<number>(endUtt),
    inSpeech: (decoder) => (inSpeech(decoder) as number) !== 0,
    hyp: (decoder) => pooled<string | null>(getHyp)(decoder, [0]),
    segments: (decoder) => {
      const out = [];
      for (
        let seg = segIter(decoder) as Pointer | null;
        seg;
        seg = segNext(seg) as Pointer | null
      ) {
        const start = [0];
        const end = [0];
        segFrames(seg, start, end);
        const prob = segProb(seg, [0], [0], [0]) as number;
        out.push({ word: segWord(seg) as string, startFrame: start[0]!, endFrame: end[0]!, prob });
      }
      return out;
    },
    knowsWord: (decoder, word) => {
      // The pronunciation string is malloc'ed for the caller: only its existence matters.
      const phones = lookupWord(decoder, word) as Pointer | null;
      if (phones) ckdFree(phones);
      return phones !== null;
    },
    setJsgf: pooled<number>(setJsgf),
    search: (decoder) => getSearch(decoder) as string | null,
    setSearch: (decoder, name) => setSearch(decoder, name) as number,
    unsetSearch: (decoder, name) => unsetSearch(decoder, name) as number,
  };
}

function modelPaths(paths: PocketsphinxModelPaths): Required<PocketsphinxModelPaths> {
  const modelDir = paths.modelDir ?? POCKETSPHINX_DEFAULT_MODEL_DIR;
  return {
    modelDir,
    acousticModel: paths.acousticModel ?? join(modelDir, 'en-us'),
    languageModel: paths.languageModel ?? join(modelDir, 'en-us.lm.bin'),
    dictionary: paths.dictionary ?? join(modelDir, 'cmudict-en-us.dict'),
  };
}

/** Files `ps_init` needs, checked first so that a failure can say which one is missing. */
function missingModelFiles(paths: Required<PocketsphinxModelPaths>): string[] {
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  const hmm = paths.acousticModel;
  const missing = ['mdef', 'means', 'variances', 'transition_matrices']
    .map((name) => join(hmm, name))
    .filter((p) => !isFile(p));
  if (!isFile(join(hmm, 'sendump')) && !isFile(join(hmm, 'mixture_weights'))) {
    missing.push(join(hmm, 'sendump'));
  }
  for (const p of [paths.languageModel, paths.dictionary]) if (!isFile(p)) missing.push(p);
  return missing;
}

// ---- the decoder pool ------------------------------------------------------------------------

/** One PocketSphinx decoder and the state a stream leaves on it. */
interface Decoder {
  readonly ps: Pointer;
  readonly logmath: Pointer;
  readonly defaultSearch: string;
  uttOpen: boolean;
  grammarSet: boolean;
}

interface Waiter {
  settle(decoder: Promise<Decoder>): void;
}

/** Decoders shared by a provider's streams; see the module comment. */
class DecoderPool {
  private readonly idle: Decoder[] = [];
  private readonly waiters: Waiter[] = [];
  /** Decoders alive or being created. */
  private size = 0;
  private closed = false;

  constructor(
    private readonly paths: Required<PocketsphinxModelPaths>,
    private readonly max: number,
    private readonly busyTimeoutMs: number,
    private readonly endSilenceMs: number,
    private readonly onEvent: (event: PocketsphinxEvent) => void,
  ) {}

  emit(event: PocketsphinxEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // An observer's bug must not cost a decoder or a caller's recognition.
    }
  }

  get native(): Native {
    const native = loadNative();
    if ('error' in native) throw new ProviderError(PROVIDER_ID, native.error);
    return native;
  }

  acquire(signal: AbortSignal): Promise<Decoder> {
    if (this.closed) return Promise.reject(new ProviderError(PROVIDER_ID, 'provider closed'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.size < this.max) return this.grow();
    const busy = (): ProviderError =>
      new ProviderError(PROVIDER_ID, `busy: all ${this.max} decoders in use`, true);
    if (this.busyTimeoutMs === 0) return Promise.reject(busy());
    return new Promise<Decoder>((resolve, reject) => {
      const waiter: Waiter = {
        settle: (decoder) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          decoder.then(resolve, reject);
        },
      };
      const leave = (error: Error): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.settle(Promise.reject(error));
      };
      const timer = setTimeout(() => leave(busy()), this.busyTimeoutMs);
      const onAbort = (): void => leave(new ProviderError(PROVIDER_ID, 'stream closed'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Takes a decoder back after a stream, cleaned for the next one; a broken one is freed. */
  async release(decoder: Decoder, healthy: boolean): Promise<void> {
    const native = this.native;
    try {
      if (healthy && decoder.uttOpen) {
        decoder.uttOpen = false;
        if ((await native.endUtt(decoder.ps)) < 0) healthy = false;
      }
      if (healthy && decoder.grammarSet) {
        decoder.grammarSet = false;
        if (native.setSearch(decoder.ps, decoder.defaultSearch) < 0) healthy = false;
        native.unsetSearch(decoder.ps, GRAMMAR_SEARCH);
      }
    } catch {
      healthy = false;
    }
    if (!healthy || this.closed) {
      native.free(decoder.ps);
      this.size--;
      this.serveWaiter();
      return;
    }
    this.idle.push(decoder);
    this.serveWaiter();
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.settle(Promise.reject(new ProviderError(PROVIDER_ID, 'provider closed')));
    }
    for (const decoder of this.idle.splice(0)) {
      this.native.free(decoder.ps);
      this.size--;
    }
  }

  private serveWaiter(): void {
    if (this.waiters.length === 0) return;
    const idle = this.idle.pop();
    if (idle) this.waiters.shift()!.settle(Promise.resolve(idle));
    else if (this.size < this.max) this.waiters.shift()!.settle(this.grow());
  }

  /** Creates a decoder in a slot of its own; a failure gives the slot to the next waiter. */
  private grow(): Promise<Decoder> {
    this.size++;
    return this.create().catch((error: unknown) => {
      this.size--;
      this.serveWaiter();
      throw error;
    });
  }

  private async create(): Promise<Decoder> {
    const native = this.native;
    const missing = missingModelFiles(this.paths);
    if (missing.length > 0) {
      throw new ProviderError(PROVIDER_ID, `model files missing: ${missing.join(', ')}`);
    }
    const startedMs = performance.now();
    const config = native.cmdLnInit([
      '-hmm',
      this.paths.acousticModel,
      '-lm',
      this.paths.languageModel,
      '-dict',
      this.paths.dictionary,
      '-vad_postspeech',
      String(Math.round(this.endSilenceMs / FRAME_SHIFT_MS)),
    ]);
    if (!config) throw new ProviderError(PROVIDER_ID, 'refused its configuration');
    let ps: Pointer | null;
    try {
      ps = await native.init(config);
    } finally {
      native.cmdLnFree(config); // ps_init keeps its own reference
    }
    if (!ps) {
      throw new ProviderError(
        PROVIDER_ID,
        `could not load the model (${this.paths.acousticModel}, ${this.paths.languageModel}, ${this.paths.dictionary})`,
      );
    }
    if (this.closed) {
      native.free(ps);
      throw new ProviderError(PROVIDER_ID, 'provider closed');
    }
    this.emit({
      type: 'decoder-created',
      initMs: Math.round(performance.now() - startedMs),
      decoders: this.size,
    });
    return {
      ps,
      logmath: native.logmath(ps),
      defaultSearch: native.search(ps) ?? '_default',
      uttOpen: false,
      grammarSet: false,
    };
  }
}

// ---- one stream ------------------------------------------------------------------------------

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
class PocketsphinxStream implements SttStream {
  readonly results: AsyncIterable<SttResult>;
  private readonly queue = new ResultQueue();
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
      this.queue.finish();
      this.options.signal?.removeEventListener('abort', this.onAbort);
      return;
    }
    if (this.filled > 0) this.chunks.push(this.chunk.slice(0, this.filled));
    this.kick();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.finish();
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
          this.queue.finish();
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

// ---- small helpers (each provider file is self-contained) -----------------------------------

/** Results in arrival order; ends when finished, throws once failed (after what came before). */
class ResultQueue implements AsyncIterable<SttResult> {
  private readonly items: SttResult[] = [];
  private state: 'open' | 'done' | 'failed' = 'open';
  private error: ProviderError | undefined;
  private wake: (() => void) | undefined;

  push(result: SttResult): void {
    if (this.state !== 'open') return;
    this.items.push(result);
    this.notify();
  }

  finish(): void {
    if (this.state !== 'open') return;
    this.state = 'done';
    this.notify();
  }

  fail(error: ProviderError): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.error = error;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SttResult> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.state === 'failed') throw this.error;
      if (this.state === 'done') return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
