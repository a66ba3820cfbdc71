/**
 * WAV (RIFF/WAVE) reading and writing. Prompts and music on hold come from WAV files people
 * make with whatever tool they have, so the reader is tolerant: it walks the chunk list
 * (skipping LIST, fact, cue…), accepts 16-bit PCM, µ-law and A-law (plain or
 * WAVE_FORMAT_EXTENSIBLE), and uses the audio that is actually there when the declared data
 * size is a streaming placeholder or larger than the file (an interrupted recording).
 * Everything else is refused with a message that says what the file is and what would work.
 */
import { endianness } from 'node:os';

/** Size of the canonical header {@link wavHeader} writes: RIFF + fmt (16 bytes) + data. */
export const WAV_HEADER_BYTES = 44;

/**
 * Size field value for "unknown": streaming writers put it in RIFF and data sizes, and readers
 * such as ffmpeg and sox then read to the end of the file.
 */
export const WAV_UNKNOWN_SIZE = 0xffffffff;

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Host is little-endian (WAV's byte order): PCM16 can then be copied rather than converted. */
const HOST_IS_LE = endianness() === 'LE';

/** A WAV file that cannot be read, with the reason in the message. */
export class WavError extends Error {
  override name = 'WavError';
}

/** Sample encodings the reader decodes to PCM16. */
export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

/** The decoded `fmt ` chunk. */
export interface WavFormat {
  encoding: WavEncoding;
  channels: number;
  sampleRateHz: number;
  bitsPerSample: number;
  /** Bytes per sample frame (all channels); the unit a data size must be a multiple of. */
  blockAlign: number;
}

/** A parsed WAV file. */
export interface WavInfo extends WavFormat {
  /** Decoded PCM16, interleaved when stereo. */
  samples: Int16Array;
  /** Sample frames (samples per channel). */
  frameCount: number;
  durationMs: number;
  /** Byte offset of the first audio byte in the file. */
  dataOffset: number;
  /** Audio bytes used: whole sample frames actually present. */
  dataBytes: number;
  /** The data chunk size as declared in the header. */
  declaredDataBytes: number;
  /**
   * True when the declared data size did not match the audio present (placeholder size,
   * interrupted write, trailing partial sample frame): the file plays, but is worth repairing.
   */
  sizeMismatch: boolean;
}

/** Options of {@link wavHeader}. */
export interface WavHeaderOptions {
  sampleRateHz: number;
  channels: number;
  bitsPerSample: 16;
  /** Audio bytes that follow the header; above the 4 GiB limit the sizes become unknown. */
  dataBytes: number;
}

/** The 44-byte canonical header of a PCM16 WAV file with `dataBytes` of audio. */
export function wavHeader(opts: WavHeaderOptions): Buffer {
  const { sampleRateHz, channels, bitsPerSample, dataBytes } = opts;
  const blockAlign = (channels * bitsPerSample) / 8;
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  // Sizes past 32 bits cannot be stated; the streaming placeholder makes readers use the file.
  const fits = dataBytes <= WAV_UNKNOWN_SIZE - (WAV_HEADER_BYTES - 8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(fits ? WAV_HEADER_BYTES - 8 + dataBytes : WAV_UNKNOWN_SIZE, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRateHz, 24);
  h.writeUInt32LE(sampleRateHz * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(fits ? dataBytes : WAV_UNKNOWN_SIZE, 40);
  return h;
}

/** A complete PCM16 WAV file holding `samples` (interleaved when `channels` is 2). */
export function encodeWav(samples: Int16Array, sampleRateHz: number, channels = 1): Buffer {
  const header = wavHeader({
    sampleRateHz,
    channels,
    bitsPerSample: 16,
    dataBytes: samples.byteLength,
  });
  return Buffer.concat([header, int16ToLeBytes(samples)]);
}

/** `samples` as little-endian bytes (a view when the host is little-endian, else a swapped copy). */
export function int16ToLeBytes(samples: Int16Array): Buffer {
  const view = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return HOST_IS_LE ? view : Buffer.from(view).swap16();
}

/**
 * Decodes a `fmt ` chunk body. Throws {@link WavError} for encodings the media plane does not
 * play (24/32-bit PCM, float, ADPCM, MPEG…), naming the encoding found.
 */
export function parseWavFormat(body: Buffer): WavFormat {
  if (body.length < 16) throw new WavError(`fmt chunk too short (${body.length} bytes)`);
  let format = body.readUInt16LE(0);
  const channels = body.readUInt16LE(2);
  const sampleRateHz = body.readUInt32LE(4);
  const blockAlign = body.readUInt16LE(12);
  const bitsPerSample = body.readUInt16LE(14);
  if (format === FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) then the sub-format GUID,
    // whose first two bytes are the plain format code.
    if (body.length < 26) throw new WavError('WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    format = body.readUInt16LE(24);
  }
  if (channels < 1 || channels > 2) {
    throw new WavError(`${channels} channels; only mono and stereo files are supported`);
  }
  if (sampleRateHz < 1000 || sampleRateHz > 192_000) {
    throw new WavError(`implausible sample rate ${sampleRateHz} Hz`);
  }
  let encoding: WavEncoding;
  if (format === FORMAT_PCM && bitsPerSample === 16) encoding = 'pcm16';
  else if (format === FORMAT_MULAW && bitsPerSample === 8) encoding = 'mulaw';
  else if (format === FORMAT_ALAW && bitsPerSample === 8) encoding = 'alaw';
  else {
    throw new WavError(
      `unsupported encoding: ${describeFormat(format, bitsPerSample)}; ` +
        'use 16-bit PCM, 8-bit µ-law or 8-bit A-law',
    );
  }
  const expectedAlign = (channels * bitsPerSample) / 8;
  if (blockAlign !== expectedAlign) {
    throw new WavError(
      `block align ${blockAlign} does not match ${channels} × ${bitsPerSample} bits`,
    );
  }
  return { encoding, channels, sampleRateHz, bitsPerSample, blockAlign };
}

function describeFormat(format: number, bits: number): string {
  switch (format) {
    case FORMAT_PCM:
      return `${bits}-bit PCM`;
    case FORMAT_FLOAT:
      return `${bits}-bit IEEE float`;
    case FORMAT_MULAW:
      return `${bits}-bit µ-law`;
    case FORMAT_ALAW:
      return `${bits}-bit A-law`;
    case 0x0002:
      return 'Microsoft ADPCM';
    case 0x0011:
      return 'IMA ADPCM';
    case 0x0031:
      return 'GSM 6.10';
    case 0x0050:
    case 0x0055:
      return 'MPEG audio in a WAV container';
    default:
      return `format code 0x${format.toString(16).padStart(4, '0')}`;
  }
}

/** A name for what a non-WAV file looks like, for error messages. */
function sniffContainer(buf: Buffer): string {
  const ascii4 = buf.toString('latin1', 0, 4);
  if (
    ascii4.startsWith('ID3') ||
    (buf.length >= 2 && buf[0] === 0xff && ((buf[1] ?? 0) & 0xe0) === 0xe0)
  ) {
    return 'looks like MP3';
  }
  if (ascii4 === 'OggS') return 'looks like Ogg (Vorbis/Opus)';
  if (ascii4 === 'fLaC') return 'looks like FLAC';
  if (ascii4 === 'RF64') return 'RF64 (WAV over 4 GiB) is not supported';
  if (buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp') return 'looks like MP4/M4A';
  return 'no RIFF/WAVE header';
}

/** Position of the `fmt ` and `data` chunks, found by walking the chunk list. */
interface ChunkLayout {
  fmt: Buffer;
  dataOffset: number;
  declaredDataBytes: number;
}

function findChunks(buf: Buffer): ChunkLayout {
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new WavError(`not a WAV file (${sniffContainer(buf)})`);
  }
  let fmt: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = buf.subarray(body, Math.min(body + size, buf.length));
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      return { fmt, dataOffset: body, declaredDataBytes: size };
    }
    // Chunks are padded to an even length (RIFF rule), unknown ones are skipped.
    offset = body + size + (size & 1);
  }
  throw new WavError(fmt ? 'no data chunk' : 'no fmt chunk');
}

/**
 * Parses a whole WAV file into interleaved PCM16. Throws {@link WavError} with the reason when
 * the file is not a WAV file or uses an encoding the media plane does not play.
 */
export function parseWav(buf: Buffer): WavInfo {
  const { fmt, dataOffset, declaredDataBytes } = findChunks(buf);
  const format = parseWavFormat(fmt);
  const available = buf.length - dataOffset;
  // Placeholder sizes (0 or unknown) and sizes past the end of the file mean "what is there".
  const claimed =
    declaredDataBytes === 0 ||
    declaredDataBytes === WAV_UNKNOWN_SIZE ||
    declaredDataBytes > available
      ? available
      : declaredDataBytes;
  const frameCount = Math.floor(claimed / format.blockAlign);
  const dataBytes = frameCount * format.blockAlign;
  const data = buf.subarray(dataOffset, dataOffset + dataBytes);
  const samples = decodeSamples(data, format.encoding);
  return {
    ...format,
    samples,
    frameCount,
    durationMs: (frameCount * 1000) / format.sampleRateHz,
    dataOffset,
    dataBytes,
    declaredDataBytes,
    sizeMismatch: declaredDataBytes !== dataBytes,
  };
}

function decodeSamples(data: Buffer, encoding: WavEncoding): Int16Array {
  if (encoding === 'pcm16') {
    const out = new Int16Array(data.length >> 1);
    const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    data.copy(bytes, 0, 0, bytes.length);
    if (!HOST_IS_LE) bytes.swap16();
    return out;
  }
  const table = encoding === 'mulaw' ? MULAW_TO_PCM16 : ALAW_TO_PCM16;
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = table[data[i] as number] as number;
  return out;
}

/**
 * Mono version of interleaved `samples`: stereo is averaged (not summed, so a loud file does
 * not clip); mono is returned as is.
 */
export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i++] as number;
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/** G.711 µ-law byte → PCM16 (ITU-T G.711, as in the Sun reference decoder). */
function decodeMulaw(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** G.711 A-law byte → PCM16. */
function decodeAlaw(byte: number): number {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function buildTable(decode: (b: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decode(b);
  return table;
}

/** µ-law decode table, indexed by the encoded byte. */
export const MULAW_TO_PCM16: Int16Array = buildTable(decodeMulaw);
/** A-law decode table, indexed by the encoded byte. */
export const ALAW_TO_PCM16: Int16Array = buildTable(decodeAlaw);
