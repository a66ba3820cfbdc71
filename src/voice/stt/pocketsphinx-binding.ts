/**
 * The PocketSphinx engine through koffi: loads `libsphinxbase.so.3` and `libpocketsphinx.so.3`
 * once per process, declares the few C functions the provider uses, and wraps the heavy ones
 * (`ps_init`, `ps_process_raw`, `ps_end_utt`, `ps_get_hyp`, grammar compilation, `ps_free`) as
 * promises over koffi's thread-pool calls, so that no engine work stalls the event loop. It
 * also switches the engine's log off, once and globally.
 *
 * Kept apart from the decoder pool and the stream so that the FFI — C declarations, pointer
 * handling, out-parameters — lives in one place and nothing else touches koffi. Why the calls
 * run where they do is in the module comment of pocketsphinx.ts ("Threads").
 */
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/**
 * The libraries, by their versioned names: the 5prealpha API. Distributions ship the
 * unversioned `.so` only in `-dev` packages, and a PocketSphinx 5.x there has another API.
 */
export const POCKETSPHINX_LIBRARIES = ['libsphinxbase.so.3', 'libpocketsphinx.so.3'] as const;

/** An opaque C pointer as koffi hands it out. */
export type Pointer = object;

/** A bound C function (koffi does not export the name of its type). */
type KoffiFunction = ReturnType<Koffi.LibraryHandle['func']>;

/** The few engine calls used; the heavy ones return promises (koffi's thread-pool calls). */
export interface Native {
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
export function loadNative(): Native | { error: string } {
  loaded ??= bind();
  return loaded;
}

/** Loads koffi and the libraries, switches the engine log off, binds {@link Native}. */
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
