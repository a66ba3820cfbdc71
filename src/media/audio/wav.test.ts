import { describe, expect, it } from 'vitest';
import { sine } from '../../../test/fixtures/audio-signals.js';
import { linearToUlaw } from '../codecs/g711.js';
import {
  ALAW_TO_PCM16,
  MULAW_TO_PCM16,
  WAV_HEADER_BYTES,
  WAV_UNKNOWN_SIZE,
  WavError,
  downmixToMono,
  encodeWav,
  parseWav,
  wavHeader,
} from './wav.js';

interface FmtFields {
  format: number;
  channels: number;
  rateHz: number;
  bits: number;
  extensibleSubFormat?: number;
}

/** A WAV file assembled chunk by chunk, for layouts `encodeWav` does not produce. */
function buildWav(
  fmt: FmtFields,
  data: Buffer,
  opts: { before?: Buffer[]; after?: Buffer[]; dataSize?: number } = {},
): Buffer {
  const blockAlign = (fmt.channels * fmt.bits) / 8;
  const ext = fmt.extensibleSubFormat !== undefined;
  const body = Buffer.alloc(ext ? 40 : 16);
  body.writeUInt16LE(ext ? 0xfffe : fmt.format, 0);
  body.writeUInt16LE(fmt.channels, 2);
  body.writeUInt32LE(fmt.rateHz, 4);
  body.writeUInt32LE(fmt.rateHz * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(fmt.bits, 14);
  if (ext) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(fmt.bits, 18);
    body.writeUInt32LE(fmt.channels === 1 ? 0x4 : 0x3, 20);
    body.writeUInt16LE(fmt.extensibleSubFormat as number, 24);
    // Rest of KSDATAFORMAT_SUBTYPE GUID: 0000-0010-8000-00aa00389b71.
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(body, 26);
  }
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(opts.dataSize ?? data.length, 4);
  const parts = [
    chunk('fmt ', body),
    ...(opts.before ?? []),
    dataHeader,
    data,
    ...(opts.after ?? []),
  ];
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + parts.reduce((n, p) => n + p.length, 0), 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, ...parts]);
}

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function pcmBytes(samples: Int16Array): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

describe('parseWav', () => {
  for (const rateHz of [8000, 16000, 48000]) {
    it(`reads mono PCM16 at ${rateHz} Hz`, () => {
      const samples = sine(440, rateHz, rateHz / 10);
      const info = parseWav(encodeWav(samples, rateHz, 1));
      expect(info).toMatchObject({
        encoding: 'pcm16',
        channels: 1,
        sampleRateHz: rateHz,
        frameCount: samples.length,
      });
      expect(info.durationMs).toBe(100);
      expect(info.sizeMismatch).toBe(false);
      expect(Array.from(info.samples)).toEqual(Array.from(samples));
    });

    it(`reads stereo PCM16 at ${rateHz} Hz and downmixes it`, () => {
      const left = sine(440, rateHz, rateHz / 50);
      const interleaved = new Int16Array(left.length * 2);
      left.forEach((s, i) => {
        interleaved[2 * i] = s;
        interleaved[2 * i + 1] = 1000;
      });
      const info = parseWav(encodeWav(interleaved, rateHz, 2));
      expect(info).toMatchObject({
        channels: 2,
        blockAlign: 4,
        frameCount: left.length,
        durationMs: 20,
      });
      const mono = downmixToMono(info.samples, 2);
      expect(mono.length).toBe(left.length);
      expect(mono[5]).toBe(Math.round(((left[5] as number) + 1000) / 2));
    });
  }

  it('decodes µ-law with its G.711 values', () => {
    expect(MULAW_TO_PCM16[0xff]).toBe(0);
    expect(MULAW_TO_PCM16[0x7f]).toBe(0);
    expect(MULAW_TO_PCM16[0x80]).toBe(32124);
    expect(MULAW_TO_PCM16[0x00]).toBe(-32124);
    const pcm = sine(1000, 8000, 160, 20000);
    // The µ-law bytes come from the G.711 codec (tested against reference values of its own).
    const data = Buffer.from(Array.from(pcm, linearToUlaw));
    const info = parseWav(buildWav({ format: 7, channels: 1, rateHz: 8000, bits: 8 }, data));
    expect(info).toMatchObject({ encoding: 'mulaw', frameCount: 160, durationMs: 20 });
    info.samples.forEach((s, i) => {
      // µ-law keeps about 3 % relative precision (plus a small step near zero).
      expect(Math.abs(s - (pcm[i] as number))).toBeLessThanOrEqual(
        Math.abs(pcm[i] as number) * 0.035 + 8,
      );
    });
  });

  it('decodes A-law with its G.711 values', () => {
    expect(ALAW_TO_PCM16[0xd5]).toBe(8);
    expect(ALAW_TO_PCM16[0x55]).toBe(-8);
    expect(ALAW_TO_PCM16[0xaa]).toBe(32256);
    expect(ALAW_TO_PCM16[0x2a]).toBe(-32256);
    const info = parseWav(
      buildWav({ format: 6, channels: 1, rateHz: 8000, bits: 8 }, Buffer.from([0xd5, 0xaa, 0x2a])),
    );
    expect(info.encoding).toBe('alaw');
    expect(Array.from(info.samples)).toEqual([8, 32256, -32256]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with a PCM sub-format', () => {
    const samples = sine(300, 16000, 320);
    const info = parseWav(
      buildWav(
        { format: 1, channels: 1, rateHz: 16000, bits: 16, extensibleSubFormat: 1 },
        pcmBytes(samples),
      ),
    );
    expect(info).toMatchObject({ encoding: 'pcm16', sampleRateHz: 16000, frameCount: 320 });
    expect(Array.from(info.samples)).toEqual(Array.from(samples));
  });

  it('skips unknown chunks before and after the data (LIST, fact, odd-sized)', () => {
    const samples = sine(300, 8000, 160);
    const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00', 'latin1'));
    const odd = chunk('junk', Buffer.from([1, 2, 3]));
    const fact = chunk('fact', Buffer.alloc(4));
    const buf = buildWav({ format: 1, channels: 1, rateHz: 8000, bits: 16 }, pcmBytes(samples), {
      before: [list, odd, fact],
      after: [chunk('id3 ', Buffer.alloc(10, 0x41))],
    });
    const info = parseWav(buf);
    expect(info.frameCount).toBe(160);
    expect(info.sizeMismatch).toBe(false);
    expect(Array.from(info.samples)).toEqual(Array.from(samples));
  });

  it('uses the audio present when the data size is a placeholder or past the end', () => {
    const samples = sine(300, 8000, 160);
    for (const dataSize of [0, WAV_UNKNOWN_SIZE, 100_000]) {
      const buf = buildWav({ format: 1, channels: 1, rateHz: 8000, bits: 16 }, pcmBytes(samples), {
        dataSize,
      });
      const info = parseWav(buf);
      expect(info.frameCount).toBe(160);
      expect(info.sizeMismatch).toBe(true);
      expect(info.declaredDataBytes).toBe(dataSize);
    }
    // An interrupted stereo file: a trailing half sample frame is ignored.
    const stereo = Buffer.concat([
      encodeWav(new Int16Array([1, 2, 3, 4]), 8000, 2),
      Buffer.from([9, 9]),
    ]);
    stereo.writeUInt32LE(WAV_UNKNOWN_SIZE, 40);
    const info = parseWav(stereo);
    expect(info.frameCount).toBe(2);
    expect(Array.from(info.samples)).toEqual([1, 2, 3, 4]);
  });

  it('refuses other files with a reason', () => {
    const pcm = (format: number, bits: number, ext?: number) =>
      buildWav(
        { format, channels: 1, rateHz: 8000, bits, extensibleSubFormat: ext },
        Buffer.alloc(12),
      );
    expect(() => parseWav(pcm(1, 24))).toThrow(/unsupported encoding: 24-bit PCM/);
    expect(() => parseWav(pcm(3, 32))).toThrow(/32-bit IEEE float/);
    expect(() => parseWav(pcm(0, 32, 3))).toThrow(/32-bit IEEE float/);
    expect(() => parseWav(pcm(0x55, 16))).toThrow(/MPEG/);
    expect(() => parseWav(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'))).toThrow(
      /not a WAV file \(looks like MP3\)/,
    );
    expect(() => parseWav(Buffer.from('OggS\x00\x02\x00\x00\x00\x00\x00\x00', 'latin1'))).toThrow(
      /Ogg/,
    );
    expect(() => parseWav(Buffer.alloc(3))).toThrow(WavError);
    expect(() =>
      parseWav(buildWav({ format: 1, channels: 6, rateHz: 8000, bits: 16 }, Buffer.alloc(12))),
    ).toThrow(/6 channels/);
    const noData = Buffer.from(encodeWav(new Int16Array(0), 8000).subarray(0, 36));
    expect(() => parseWav(noData)).toThrow(/no data chunk/);
  });
});

describe('wavHeader / encodeWav', () => {
  it('writes the canonical 44-byte header', () => {
    const h = wavHeader({ sampleRateHz: 16000, channels: 2, bitsPerSample: 16, dataBytes: 6400 });
    expect(h.length).toBe(WAV_HEADER_BYTES);
    expect(h.toString('latin1', 0, 4)).toBe('RIFF');
    expect(h.readUInt32LE(4)).toBe(36 + 6400);
    expect(h.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(h.readUInt32LE(16)).toBe(16);
    expect(h.readUInt16LE(20)).toBe(1);
    expect(h.readUInt16LE(22)).toBe(2);
    expect(h.readUInt32LE(24)).toBe(16000);
    expect(h.readUInt32LE(28)).toBe(64000);
    expect(h.readUInt16LE(32)).toBe(4);
    expect(h.readUInt16LE(34)).toBe(16);
    expect(h.toString('latin1', 36, 40)).toBe('data');
    expect(h.readUInt32LE(40)).toBe(6400);
  });

  it('uses the unknown-size placeholder past 4 GiB', () => {
    const h = wavHeader({ sampleRateHz: 8000, channels: 1, bitsPerSample: 16, dataBytes: 2 ** 32 });
    expect(h.readUInt32LE(4)).toBe(WAV_UNKNOWN_SIZE);
    expect(h.readUInt32LE(40)).toBe(WAV_UNKNOWN_SIZE);
  });

  it('round-trips negative and extreme samples', () => {
    const samples = new Int16Array([0, 1, -1, 32767, -32768, 12345]);
    const buf = encodeWav(samples, 8000);
    expect(buf.length).toBe(44 + 12);
    expect(Array.from(parseWav(buf).samples)).toEqual(Array.from(samples));
  });
});
