/**
 * Start-up repair of recordings interrupted by a crash or power loss. A WAV file whose writer
 * never reached `close()` has header sizes that disagree with its length: the streaming
 * placeholder, or sizes from the last periodic header update, while audio continues after
 * them. The repair works from the file contents alone (no sidecar state): it walks the chunk
 * list, decides how much audio is really there, truncates a trailing partial sample frame and
 * rewrites the RIFF and data sizes in place. Files that are fine are not written to, files it
 * cannot make sense of are reported and left as they are; audio is never removed.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WAV_UNKNOWN_SIZE, WavError, parseWavFormat } from '../audio/wav.js';

/** Options of {@link repairRecordings}. */
export interface RepairOptions {
  /**
   * Leave files modified less than this long ago alone (reported as skipped). Default 0: at
   * start-up nothing of ours is still writing. Set it when several nodes share a directory,
   * so one node's start-up does not touch another node's live recordings.
   */
  minAgeMs?: number;
  /** Clock for `minAgeMs`; default `Date.now`. */
  now?: () => number;
}

/** Outcome of {@link repairRecordings}. */
export interface RepairReport {
  /** Files whose header was rewritten (and trailing partial frame cut). */
  repaired: string[];
  /** Number of files that were already consistent. */
  ok: number;
  /** Files that could not be read as WAV; left untouched. */
  failed: { path: string; error: string }[];
  /** Files skipped because they were modified within `minAgeMs`. */
  skipped: string[];
}

/** What a single file needs. */
export interface WavRepairPlan {
  /** File length after the repair (shorter only by a partial trailing sample frame). */
  fileBytes: number;
  riffSizeOffset: number;
  riffSize: number;
  dataSizeOffset: number;
  dataSize: number;
  /** True when the header already says this (nothing to write). */
  consistent: boolean;
}

const MAX_CHUNK_WALK = 4096;

/**
 * Scans `dir` recursively for `.wav` files and repairs the ones whose header sizes disagree
 * with their length. A missing directory is an empty report (first start).
 */
export async function repairRecordings(
  dir: string,
  opts: RepairOptions = {},
): Promise<RepairReport> {
  const report: RepairReport = { repaired: [], ok: 0, failed: [], skipped: [] };
  const minAgeMs = opts.minAgeMs ?? 0;
  const now = opts.now ?? Date.now;
  for await (const path of walkWavFiles(dir)) {
    try {
      if (minAgeMs > 0) {
        const st = await stat(path);
        if (now() - st.mtimeMs < minAgeMs) {
          report.skipped.push(path);
          continue;
        }
      }
      if (await repairWavFile(path)) report.repaired.push(path);
      else report.ok++;
    } catch (err) {
      report.failed.push({ path, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

async function* walkWavFiles(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkWavFiles(path);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.wav')) yield path;
  }
}

/**
 * Repairs one file in place. Returns true when it was changed, false when it was already
 * consistent; throws (without writing) when it is not a WAV file this code understands.
 */
export async function repairWavFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const plan = await planWavRepair(fh, size);
    if (plan.consistent) return false;
    if (plan.fileBytes < size) await fh.truncate(plan.fileBytes);
    const field = Buffer.alloc(4);
    field.writeUInt32LE(plan.dataSize, 0);
    await fh.write(field, 0, 4, plan.dataSizeOffset);
    field.writeUInt32LE(plan.riffSize, 0);
    await fh.write(field, 0, 4, plan.riffSizeOffset);
    await fh.sync();
    return true;
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Size field value for `n`, or the "unknown" placeholder when `n` does not fit 32 bits. */
function sizeField(n: number): number {
  return n > WAV_UNKNOWN_SIZE ? WAV_UNKNOWN_SIZE : n;
}

/**
 * Works out the sizes a WAV file of `fileBytes` should declare, reading only chunk headers
 * (recordings can be hundreds of megabytes).
 */
export async function planWavRepair(fh: FileHandle, fileBytes: number): Promise<WavRepairPlan> {
  const head = await readAt(fh, 0, 12);
  if (
    head.length < 12 ||
    head.toString('latin1', 0, 4) !== 'RIFF' ||
    head.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new WavError(`not a RIFF/WAVE file (${fileBytes} bytes)`);
  }
  const riffSize = head.readUInt32LE(4);
  let blockAlign: number | undefined;
  let offset = 12;
  for (let n = 0; n < MAX_CHUNK_WALK && offset + 8 <= fileBytes; n++) {
    const ch = await readAt(fh, offset, 8);
    const id = ch.toString('latin1', 0, 4);
    const size = ch.readUInt32LE(4);
    if (id === 'fmt ') {
      blockAlign = parseWavFormat(await readAt(fh, offset + 8, Math.min(size, 64))).blockAlign;
    } else if (id === 'data') {
      if (blockAlign === undefined) throw new WavError('data chunk before fmt chunk');
      return planData(fh, fileBytes, riffSize, offset, size, blockAlign);
    }
    offset += 8 + size + (size & 1);
  }
  throw new WavError(blockAlign === undefined ? 'no fmt chunk' : 'no data chunk');
}

async function planData(
  fh: FileHandle,
  fileBytes: number,
  riffSize: number,
  dataHeaderOffset: number,
  declared: number,
  blockAlign: number,
): Promise<WavRepairPlan> {
  const dataOffset = dataHeaderOffset + 8;
  const available = fileBytes - dataOffset;
  let dataSize: number;
  let newFileBytes: number;
  const declaredEnd = dataOffset + declared + (declared & 1);
  if (
    declared !== WAV_UNKNOWN_SIZE &&
    declared <= available &&
    (declaredEnd === fileBytes || (await chunksFollow(fh, declaredEnd, fileBytes)))
  ) {
    // The declared data ends exactly at the end of the file or is followed by well-formed
    // chunks (LIST, id3…): the data size is right, at most the RIFF size needs fixing.
    dataSize = declared;
    newFileBytes = fileBytes;
  } else {
    // Placeholder, too large, or audio continues after the declared size (a crashed writer's
    // last periodic header): everything after the data header is audio, in whole frames.
    dataSize = Math.floor(available / blockAlign) * blockAlign;
    newFileBytes = dataOffset + dataSize;
  }
  const plan = {
    fileBytes: newFileBytes,
    riffSizeOffset: 4,
    riffSize: sizeField(newFileBytes - 8),
    dataSizeOffset: dataHeaderOffset + 4,
    dataSize: sizeField(dataSize),
  };
  return {
    ...plan,
    consistent:
      plan.riffSize === riffSize && plan.dataSize === declared && newFileBytes === fileBytes,
  };
}

/** True when the bytes from `offset` to `end` are a chain of chunks ending exactly at `end`. */
async function chunksFollow(fh: FileHandle, offset: number, end: number): Promise<boolean> {
  for (let n = 0; n < MAX_CHUNK_WALK; n++) {
    if (offset === end) return true;
    if (offset + 8 > end) return false;
    const ch = await readAt(fh, offset, 8);
    // Chunk ids are four printable ASCII characters; audio samples rarely are.
    for (let i = 0; i < 4; i++) {
      const c = ch[i] as number;
      if (c < 0x20 || c > 0x7e) return false;
    }
    const size = ch.readUInt32LE(4);
    offset += 8 + size + (size & 1);
    if (offset > end + 1) return false;
    if (offset === end + 1) return true; // last chunk's pad byte missing: tolerated
  }
  return false;
}
