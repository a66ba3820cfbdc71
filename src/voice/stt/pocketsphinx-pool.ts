/**
 * The PocketSphinx decoder pool and the model files decoders are made from. A decoder costs
 * ~0.3 s of CPU and ~100 MB to initialise, so a provider keeps its decoders here: created
 * lazily, one per concurrently active stream, reused after a stream ends (cleaned of its
 * utterance and grammar), at most `maxDecoders`; a stream that finds them all busy waits up to
 * `busyTimeoutMs` and then fails with a retryable `busy` {@link ProviderError}.
 *
 * Kept apart from the provider and the stream because the pool's bookkeeping (slots, waiters,
 * timeouts, freeing on close) is a concern of its own that neither needs to see. The reasons
 * behind the numbers are in the module comment of pocketsphinx.ts ("Decoders").
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '../providers/types.js';
import { loadNative, type Native, type Pointer } from './pocketsphinx-binding.js';

/** The provider's id, which its errors carry. */
export const PROVIDER_ID = 'pocketsphinx';
/** PocketSphinx's feature frame shift (`-frate 100`): segment frames are 10 ms apart. */
export const FRAME_SHIFT_MS = 10;
/** Name of the search a stream's grammar is compiled into (removed when the stream ends). */
export const GRAMMAR_SEARCH = 'switchboard-grammar';

/** Debian's `pocketsphinx-en-us` model folder. */
export const POCKETSPHINX_DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

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

/** The model paths with every default filled in. */
export function modelPaths(paths: PocketsphinxModelPaths): Required<PocketsphinxModelPaths> {
  const modelDir = paths.modelDir ?? POCKETSPHINX_DEFAULT_MODEL_DIR;
  return {
    modelDir,
    acousticModel: paths.acousticModel ?? join(modelDir, 'en-us'),
    languageModel: paths.languageModel ?? join(modelDir, 'en-us.lm.bin'),
    dictionary: paths.dictionary ?? join(modelDir, 'cmudict-en-us.dict'),
  };
}

/** Files `ps_init` needs, checked first so that a failure can say which one is missing. */
export function missingModelFiles(paths: Required<PocketsphinxModelPaths>): string[] {
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

/** One PocketSphinx decoder and the state a stream leaves on it. */
export interface Decoder {
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
export class DecoderPool {
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

  /** Tells the provider's observer; an observer that throws is ignored. */
  emit(event: PocketsphinxEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // An observer's bug must not cost a decoder or a caller's recognition.
    }
  }

  /** The engine; throws a {@link ProviderError} saying why when it cannot be loaded. */
  get native(): Native {
    const native = loadNative();
    if ('error' in native) throw new ProviderError(PROVIDER_ID, native.error);
    return native;
  }

  /** A decoder for one stream: idle, new, or the next freed within `busyTimeoutMs`. */
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

  /** Frees idle decoders now and the others on release; fails waiters and later acquires. */
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
