/**
 * Prompts and music on hold from WAV files. A file is decoded once into a {@link PcmClip}
 * (mono PCM16 at the rate a leg wants) and cached, keyed by path, modification time, size and
 * rate: a greeting played to 500 simultaneous callers is read and decoded once, and editing
 * the file on disk is picked up on the next play. Concurrent opens of the same file share one
 * decode. {@link clipFrames} then cuts a clip into 20 ms frames.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FRAME_MS, samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { resample } from './resampler.js';
import { WavError, downmixToMono, parseWav } from './wav.js';

/** A decoded audio file: mono PCM16 at one rate. Shared between players: never mutate it. */
export interface PcmClip {
  /** The file it came from. */
  path: string;
  samples: Int16Array;
  sampleRateHz: number;
  durationMs: number;
}

/** Why an audio file cannot be played; the message names the file and the reason. */
export class AudioFileError extends Error {
  override name = 'AudioFileError';
  constructor(
    /** The file that was asked for. */
    readonly path: string,
    /** The reason alone, without the path. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot play ${path}: ${reason}`, options);
  }
}

/** Options of {@link FilePlayer}. */
export interface FilePlayerOptions {
  /** Decoded audio kept in the cache, in bytes; least recently used clips go first. Default 64 MiB. */
  maxCacheBytes?: number;
}

/** Opens audio files as {@link PcmClip}s through a least-recently-used cache. */
export class FilePlayer {
  private readonly maxCacheBytes: number;
  /** Insertion order is recency order: a hit is deleted and re-inserted at the end. */
  private readonly cache = new Map<string, Promise<PcmClip>>();
  private readonly sizes = new Map<string, number>();
  private cachedBytes = 0;
  private decodes = 0;

  constructor(opts: FilePlayerOptions = {}) {
    this.maxCacheBytes = opts.maxCacheBytes ?? 64 * 1024 * 1024;
  }

  /** Files decoded so far (cache misses); lets tests and metrics see the cache working. */
  get decodeCount(): number {
    return this.decodes;
  }

  /** Decoded bytes currently cached. */
  get cacheBytes(): number {
    return this.cachedBytes;
  }

  /**
   * The file at `path` as mono PCM16 at `targetRateHz` (resampled when the file has another
   * rate). Rejects with {@link AudioFileError} for a missing or unplayable file.
   */
  async open(path: string, targetRateHz: number): Promise<PcmClip> {
    let key: string;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new AudioFileError(path, 'not a regular file');
      key = `${resolve(path)}\0${st.mtimeMs}\0${st.size}\0${targetRateHz}`;
    } catch (err) {
      throw toAudioFileError(path, err);
    }
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    this.decodes++;
    const pending = decodeFile(path, targetRateHz);
    this.cache.set(key, pending);
    try {
      const clip = await pending;
      // The entry may have been evicted while decoding; only account for it if still there.
      if (this.cache.get(key) === pending) {
        this.sizes.set(key, clip.samples.byteLength);
        this.cachedBytes += clip.samples.byteLength;
        this.evict(key);
      }
      return clip;
    } catch (err) {
      // Failures are not cached: the file may be fixed a moment later.
      if (this.cache.get(key) === pending) this.cache.delete(key);
      throw err;
    }
  }

  /** Drops every cached clip. */
  clear(): void {
    this.cache.clear();
    this.sizes.clear();
    this.cachedBytes = 0;
  }

  private evict(keep: string): void {
    for (const key of this.cache.keys()) {
      if (this.cachedBytes <= this.maxCacheBytes) return;
      // The clip just decoded stays even when it alone exceeds the budget;
      // so does any clip still decoding (it is not counted yet and others may be waiting on it).
      if (key === keep || !this.sizes.has(key)) continue;
      this.cache.delete(key);
      this.cachedBytes -= this.sizes.get(key) ?? 0;
      this.sizes.delete(key);
    }
  }
}

async function decodeFile(path: string, targetRateHz: number): Promise<PcmClip> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw toAudioFileError(path, err);
  }
  try {
    const wav = parseWav(buf);
    const mono = downmixToMono(wav.samples, wav.channels);
    const samples =
      wav.sampleRateHz === targetRateHz ? mono : resample(mono, wav.sampleRateHz, targetRateHz);
    return {
      path,
      samples,
      sampleRateHz: targetRateHz,
      durationMs: (samples.length * 1000) / targetRateHz,
    };
  } catch (err) {
    throw toAudioFileError(path, err);
  }
}

function toAudioFileError(path: string, err: unknown): AudioFileError {
  if (err instanceof AudioFileError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new AudioFileError(path, 'file not found', { cause: err });
  if (code === 'EACCES') return new AudioFileError(path, 'permission denied', { cause: err });
  if (code === 'EISDIR') return new AudioFileError(path, 'is a directory', { cause: err });
  if (err instanceof WavError) return new AudioFileError(path, err.message, { cause: err });
  return new AudioFileError(path, err instanceof Error ? err.message : String(err), { cause: err });
}

const defaultPlayer = new FilePlayer();

/** {@link FilePlayer.open} on the process-wide player, whose cache every call shares. */
export function openAudioFile(path: string, targetRateHz: number): Promise<PcmClip> {
  return defaultPlayer.open(path, targetRateHz);
}

/** Options of {@link clipFrames}. */
export interface ClipFramesOptions {
  /** Timestamp of the first frame; later frames advance by {@link FRAME_MS}. Default 0. */
  startTimestampMs?: number;
  /** Start again from the beginning at the end, forever (music on hold). Default false. */
  loop?: boolean;
}

/**
 * The clip as 20 ms frames. Played once, the last partial frame is padded with silence; looped,
 * the clip wraps around inside a frame so the loop has no gap. Each frame is a fresh copy, so
 * a consumer applying gain in place cannot corrupt the cached clip other calls are playing.
 * An empty clip yields no frames.
 */
export function* clipFrames(clip: PcmClip, opts: ClipFramesOptions = {}): Generator<AudioFrame> {
  const { samples, sampleRateHz } = clip;
  const perFrame = samplesPerFrame(sampleRateHz);
  const total = samples.length;
  if (total === 0 || !Number.isInteger(perFrame)) return;
  let timestampMs = opts.startTimestampMs ?? 0;
  let pos = 0;
  for (;;) {
    let out: Int16Array;
    if (pos + perFrame <= total) {
      out = samples.slice(pos, pos + perFrame);
      pos += perFrame;
    } else if (!opts.loop) {
      if (pos >= total) return;
      out = new Int16Array(perFrame);
      out.set(samples.subarray(pos));
      pos = total;
    } else {
      out = new Int16Array(perFrame);
      let filled = 0;
      while (filled < perFrame) {
        if (pos >= total) pos = 0;
        const n = Math.min(perFrame - filled, total - pos);
        out.set(samples.subarray(pos, pos + n), filled);
        filled += n;
        pos += n;
      }
    }
    yield { samples: out, sampleRateHz, timestampMs };
    timestampMs += FRAME_MS;
    if (!opts.loop && pos >= total) return;
  }
}

/** Endless 20 ms frames of `clip`, looping without a gap: music on hold. */
export function musicOnHold(clip: PcmClip, startTimestampMs = 0): Generator<AudioFrame> {
  return clipFrames(clip, { startTimestampMs, loop: true });
}
