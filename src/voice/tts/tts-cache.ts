/**
 * A cache in front of any {@link TextToSpeech}: the same prompts ("Thank you for calling",
 * menu options, hold messages) are spoken thousands of times a day, and a cloud voice costs
 * money and a few hundred milliseconds each time. Cached audio starts at once.
 *
 * Two levels, both least-recently-used within a byte budget: memory, and optionally a
 * directory that survives restarts. An entry is the whole synthesis as PCM16 at the requested
 * rate, keyed by a SHA-256 of everything that changes the audio: the provider id, a namespace
 * for the provider's own configuration (model, engine version), voice, language, rate, pitch,
 * the SSML flag, the sample rate and the text ({@link ttsCacheKey}).
 *
 * Only whole texts (a string) are cached; text streamed from a language model passes straight
 * through. A miss synthesises through the inner provider and stores the audio only when the
 * synthesis completed: an abort or a failure leaves nothing behind. Concurrent requests for
 * the same audio share one synthesis; it is aborted only when every listener has gone. Disk
 * files are written to a temporary name and renamed, and carry a length and CRC-32, so a
 * truncated or corrupt file is a miss (and is deleted), never bad audio.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FRAME_MS, type AudioFrame } from '../../media/index.js';
import type { TextToSpeech, TtsOptions } from '../providers/types.js';

/** Settings of a {@link TtsCache}. */
export interface TtsCacheOptions {
  /** PCM bytes kept in memory (default 32 MiB, about 17 minutes at 16 kHz); 0 turns it off. */
  memoryBytes?: number;
  /** Directory of the disk cache (created if missing); without it the cache is memory only. */
  directory?: string;
  /** Total size of the disk cache (default 512 MiB). */
  diskBytes?: number;
  /**
   * Mixed into every key: change it when the inner provider's own configuration changes its
   * audio (a different model or engine version) so old entries are no longer used.
   */
  namespace?: string;
  /** Told about disk cache trouble (full disk, permissions); synthesis carries on regardless. */
  onDiskError?: (error: Error) => void;
}

/** Counters of a {@link TtsCache}, for metrics and tests. */
export interface TtsCacheStats {
  memoryHits: number;
  diskHits: number;
  /** Syntheses by the inner provider. */
  misses: number;
  /** Requests that joined a synthesis already running for the same audio. */
  sharedMisses: number;
  /** Streamed texts passed through uncached. */
  passedThrough: number;
  memoryEntries: number;
  memoryBytes: number;
  diskEntries: number;
  diskBytes: number;
  diskErrors: number;
}

/** Bump when the key's parts or the file format change. */
const FORMAT_VERSION = 1;
const MAGIC = 'SBTT';
/** Magic (4), version (1) + reserved (3), rate (4), sample count (4), CRC-32 of the PCM (4). */
const FILE_HEADER_BYTES = 20;
const FILE_SUFFIX = '.pcm';
const ENTRY_FILE = /^[0-9a-f]{64}\.pcm$/;
const TEMP_FILE = /^[0-9a-f]{64}\.[\w-]+\.tmp$/;
/** A temporary file older than this is left over from a crash (younger ones may be a write in progress by another process sharing the directory). */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * The cache key of one synthesis: a hex SHA-256 over everything that changes the audio.
 * Unset rate and pitch count as their defaults (1 and 0), which sound the same.
 */
export function ttsCacheKey(
  providerId: string,
  text: string,
  options: TtsOptions,
  namespace = '',
): string {
  const parts = [
    FORMAT_VERSION,
    providerId,
    namespace,
    options.voice ?? '',
    options.language ?? '',
    options.rate ?? 1,
    options.pitch ?? 0,
    options.ssml ? 1 : 0,
    options.sampleRateHz,
    text,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A whole synthesis. */
interface Entry {
  samples: Int16Array;
  sampleRateHz: number;
}

/** Fresh frames (copies) of a stored entry, contiguous from timestamp 0. */
function* framesOf(entry: Entry): Generator<AudioFrame> {
  const perFrame = (entry.sampleRateHz * FRAME_MS) / 1000;
  for (let offset = 0, i = 0; offset < entry.samples.length; offset += perFrame, i++) {
    yield {
      samples: entry.samples.slice(offset, offset + perFrame),
      sampleRateHz: entry.sampleRateHz,
      timestampMs: i * FRAME_MS,
    };
  }
}

/**
 * Joins frames into one entry, or undefined when they are not whole 20 ms frames at `rateHz`
 * (such audio is passed on but not cached). A timestamp gap becomes silence, as it sounded.
 */
function entryOf(frames: AudioFrame[], rateHz: number): Entry | undefined {
  const perFrame = (rateHz * FRAME_MS) / 1000;
  const first = frames[0]?.timestampMs ?? 0;
  let slots = 0;
  for (const frame of frames) {
    if (frame.sampleRateHz !== rateHz || frame.samples.length !== perFrame) return undefined;
    slots = Math.max(slots, Math.round((frame.timestampMs - first) / FRAME_MS) + 1);
  }
  const samples = new Int16Array(slots * perFrame);
  for (const frame of frames) {
    samples.set(frame.samples, Math.round((frame.timestampMs - first) / FRAME_MS) * perFrame);
  }
  return { samples, sampleRateHz: rateHz };
}

function encodeFile(entry: Entry): Buffer {
  const pcm = Buffer.from(entry.samples.buffer, entry.samples.byteOffset, entry.samples.byteLength);
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt32LE(entry.sampleRateHz, 8);
  header.writeUInt32LE(entry.samples.length, 12);
  header.writeUInt32LE(crc32(pcm), 16);
  return Buffer.concat([header, pcm]);
}

function decodeFile(file: Buffer, rateHz: number): Entry | undefined {
  if (file.length < FILE_HEADER_BYTES) return undefined;
  if (file.toString('latin1', 0, 4) !== MAGIC || file.readUInt8(4) !== FORMAT_VERSION) {
    return undefined;
  }
  const count = file.readUInt32LE(12);
  if (file.readUInt32LE(8) !== rateHz || file.length !== FILE_HEADER_BYTES + 2 * count) {
    return undefined;
  }
  const pcm = file.subarray(FILE_HEADER_BYTES);
  if (crc32(pcm) !== file.readUInt32LE(16)) return undefined;
  const samples = new Int16Array(count);
  Buffer.from(samples.buffer).set(pcm);
  return { samples, sampleRateHz: rateHz };
}

/**
 * One synthesis shared by every request for the same audio while it runs. Frames are kept as
 * they come, so a late joiner hears it from the start; each listener reads at its own pace.
 */
class Flight {
  readonly frames: AudioFrame[] = [];
  done = false;
  failure: { error: unknown } | undefined;
  readonly controller = new AbortController();
  private listeners = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    /** Called when the last listener leaves before the end (the synthesis is then aborted). */
    private readonly onAbandon: () => void,
  ) {}

  /** Adds a listener now (so the flight cannot be abandoned before it is read). */
  listen(signal: AbortSignal | undefined): AsyncGenerator<AudioFrame> {
    this.listeners++;
    return this.read(signal);
  }

  finish(failure?: { error: unknown }): void {
    this.done = true;
    this.failure = failure;
    this.wake();
  }

  wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  private async *read(signal: AbortSignal | undefined): AsyncGenerator<AudioFrame> {
    const onAbort = (): void => this.wake();
    signal?.addEventListener('abort', onAbort);
    try {
      for (let i = 0; ;) {
        if (signal?.aborted) return;
        const frame = this.frames[i];
        if (frame) {
          i++;
          // A copy: a listener that changes its frames in place must not change the cache's.
          yield { ...frame, samples: frame.samples.slice() };
        } else if (this.done) {
          if (this.failure) throw this.failure.error;
          return;
        } else {
          await new Promise<void>((resolve) => this.waiters.add(resolve));
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (--this.listeners === 0 && !this.done) {
        this.onAbandon();
        this.controller.abort();
      }
    }
  }
}

/** A {@link TextToSpeech} that caches whole prompts in memory and on disk (see the module comment). */
export class TtsCache implements TextToSpeech {
  readonly id: string;
  readonly kind: TextToSpeech['kind'];
  readonly capabilities: TextToSpeech['capabilities'];
  private readonly memoryBudget: number;
  private readonly diskBudget: number;
  private readonly directory: string | undefined;
  private readonly namespace: string;
  private readonly onDiskError: ((error: Error) => void) | undefined;
  /** Map order is recency: the first entry is the least recently used. */
  private readonly memory = new Map<string, Entry>();
  private memoryUsed = 0;
  /** File sizes by key, least recently used first. */
  private readonly disk = new Map<string, number>();
  private diskUsed = 0;
  private diskReady: Promise<boolean> | undefined;
  private readonly inflight = new Map<string, Flight>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly counters = {
    memoryHits: 0,
    diskHits: 0,
    misses: 0,
    sharedMisses: 0,
    passedThrough: 0,
    diskErrors: 0,
  };

  constructor(
    /** The provider whose audio is cached. */
    readonly inner: TextToSpeech,
    options: TtsCacheOptions = {},
  ) {
    this.id = inner.id;
    this.kind = inner.kind;
    this.capabilities = inner.capabilities;
    this.memoryBudget = options.memoryBytes ?? 32 * 1024 * 1024;
    this.diskBudget = options.diskBytes ?? 512 * 1024 * 1024;
    this.directory = options.directory;
    this.namespace = options.namespace ?? '';
    this.onDiskError = options.onDiskError;
  }

  synthesize(text: string | AsyncIterable<string>, options: TtsOptions): AsyncIterable<AudioFrame> {
    if (typeof text !== 'string') {
      this.counters.passedThrough++;
      return this.inner.synthesize(text, options);
    }
    return this.cached(text, options);
  }

  /** Current counters and sizes. */
  stats(): TtsCacheStats {
    return {
      ...this.counters,
      memoryEntries: this.memory.size,
      memoryBytes: this.memoryUsed,
      diskEntries: this.disk.size,
      diskBytes: this.diskUsed,
    };
  }

  /** Resolves when every disk write started so far has finished (for shutdown and tests). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all(this.pendingWrites);
  }

  private async *cached(text: string, options: TtsOptions): AsyncGenerator<AudioFrame> {
    const signal = options.signal;
    if (signal?.aborted) return;
    const key = ttsCacheKey(this.inner.id, text, options, this.namespace);
    const hit = this.memory.get(key);
    if (hit) {
      this.counters.memoryHits++;
      this.memory.delete(key);
      this.memory.set(key, hit);
      for (const frame of framesOf(hit)) {
        if (signal?.aborted) return;
        yield frame;
      }
      return;
    }
    let flight = this.inflight.get(key);
    if (flight) this.counters.sharedMisses++;
    else flight = this.startFlight(key, text, options);
    yield* flight.listen(signal);
  }

  private startFlight(key: string, text: string, options: TtsOptions): Flight {
    // An abandoned flight leaves the map at once: a new request must not join one being aborted.
    const forget = (): void => {
      if (this.inflight.get(key) === flight) this.inflight.delete(key);
    };
    const flight = new Flight(forget);
    this.inflight.set(key, flight);
    const run = async (): Promise<void> => {
      const fromDisk = await this.readDisk(key, options.sampleRateHz);
      if (flight.controller.signal.aborted) return;
      if (fromDisk) {
        this.counters.diskHits++;
        this.remember(key, fromDisk);
        flight.frames.push(...framesOf(fromDisk));
        return;
      }
      this.counters.misses++;
      const innerOptions = { ...options, signal: flight.controller.signal };
      for await (const frame of this.inner.synthesize(text, innerOptions)) {
        if (flight.controller.signal.aborted) return;
        flight.frames.push(frame);
        flight.wake();
      }
      // Providers end quietly when aborted: only a synthesis that ran to its end is stored.
      if (flight.controller.signal.aborted) return;
      const entry = entryOf(flight.frames, options.sampleRateHz);
      if (!entry) return;
      this.remember(key, entry);
      this.writeDisk(key, entry);
    };
    run().then(
      () => {
        forget();
        flight.finish();
      },
      (error: unknown) => {
        forget();
        flight.finish(flight.controller.signal.aborted ? undefined : { error });
      },
    );
    return flight;
  }

  private remember(key: string, entry: Entry): void {
    const bytes = entry.samples.byteLength;
    if (bytes > this.memoryBudget) return;
    const old = this.memory.get(key);
    if (old) {
      this.memory.delete(key);
      this.memoryUsed -= old.samples.byteLength;
    }
    this.memory.set(key, entry);
    this.memoryUsed += bytes;
    for (const [oldest, evicted] of this.memory) {
      if (this.memoryUsed <= this.memoryBudget) break;
      this.memory.delete(oldest);
      this.memoryUsed -= evicted.samples.byteLength;
    }
  }

  // ---- disk ----------------------------------------------------------------------------------

  private diskError(error: unknown): void {
    this.counters.diskErrors++;
    this.onDiskError?.(error instanceof Error ? error : new Error(String(error)));
  }

  /** Loads the index of the directory once: sizes, recency from mtime, leftovers removed. */
  private openDisk(): Promise<boolean> {
    this.diskReady ??= (async () => {
      const directory = this.directory;
      if (!directory) return false;
      try {
        await mkdir(directory, { recursive: true });
        const found: Array<{ key: string; bytes: number; mtimeMs: number }> = [];
        for (const name of await readdir(directory)) {
          const isEntry = ENTRY_FILE.test(name);
          if (!isEntry && !TEMP_FILE.test(name)) continue; // not ours: left alone
          const info = await stat(join(directory, name)).catch(() => undefined);
          if (!info) continue;
          if (isEntry) {
            found.push({ key: name.slice(0, 64), bytes: info.size, mtimeMs: info.mtimeMs });
          } else if (Date.now() - info.mtimeMs > STALE_TEMP_MS) {
            await unlink(join(directory, name)).catch(() => undefined);
          }
        }
        found.sort((a, b) => a.mtimeMs - b.mtimeMs);
        for (const { key, bytes } of found) {
          this.disk.set(key, bytes);
          this.diskUsed += bytes;
        }
        await this.evictDisk();
        return true;
      } catch (error) {
        this.diskError(error);
        return false;
      }
    })();
    return this.diskReady;
  }

  private fileOf(key: string): string {
    return join(this.directory!, `${key}${FILE_SUFFIX}`);
  }

  private async readDisk(key: string, rateHz: number): Promise<Entry | undefined> {
    if (!(await this.openDisk()) || !this.disk.has(key)) return undefined;
    const file = this.fileOf(key);
    let entry: Entry | undefined;
    try {
      entry = decodeFile(await readFile(file), rateHz);
    } catch {
      entry = undefined; // removed behind our back: a miss
    }
    const bytes = this.disk.get(key);
    if (bytes === undefined) return entry; // evicted while reading
    this.disk.delete(key);
    if (!entry) {
      this.diskUsed -= bytes;
      await unlink(file).catch(() => undefined);
      return undefined;
    }
    this.disk.set(key, bytes);
    const now = new Date();
    // Recency survives a restart through the file's mtime.
    await utimes(file, now, now).catch(() => undefined);
    return entry;
  }

  private writeDisk(key: string, entry: Entry): void {
    if (!this.directory) return;
    const write = (async () => {
      if (!(await this.openDisk())) return;
      const data = encodeFile(entry);
      if (data.length > this.diskBudget) return;
      const temp = join(this.directory!, `${key}.${process.pid}-${randomUUID()}.tmp`);
      try {
        await writeFile(temp, data);
        await rename(temp, this.fileOf(key));
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        this.diskError(error);
        return;
      }
      const old = this.disk.get(key);
      if (old !== undefined) this.diskUsed -= old;
      this.disk.delete(key);
      this.disk.set(key, data.length);
      this.diskUsed += data.length;
      await this.evictDisk();
    })();
    this.pendingWrites.add(write);
    void write.finally(() => this.pendingWrites.delete(write));
  }

  private async evictDisk(): Promise<void> {
    for (const [oldest, bytes] of this.disk) {
      if (this.diskUsed <= this.diskBudget) break;
      this.disk.delete(oldest);
      this.diskUsed -= bytes;
      await unlink(this.fileOf(oldest)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') this.diskError(error);
      });
    }
  }
}
