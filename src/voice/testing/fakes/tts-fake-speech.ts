/**
 * The audio the fake TTS vendors answer with: a deterministic speech-like signal instead of
 * real speech. Each word is a voiced syllable — a fundamental between 110 and 170 Hz with
 * four falling harmonics under a rise-and-fall envelope — separated by short gaps, with a
 * longer pause after a sentence end. Loud where words are and silent between them, so the
 * contract's loudness checks see speech, and its length follows the text, so a longer text
 * gives longer audio. Test-only (the fake servers import it).
 */

/** Harmonic amplitudes relative to the fundamental: a rough vowel spectrum. */
const HARMONICS = [1, 0.6, 0.45, 0.3, 0.2];
/** Peak amplitude of a word, well above the contract's level threshold of 200. */
const PEAK = 9000;

/** FNV-1a hash of a word, to vary the pitch from word to word deterministically. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Words of a text: space-separated, and every CJK character counts as one. */
export function fakeWords(text: string): string[] {
  return text
    .replace(/([\u3400-\u9fff\uf900-\ufaff])/g, ' $1 ')
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
}

/** Speech-like PCM16 for `text` at `rateHz`. */
export function speechLikePcm(text: string, rateHz: number): Int16Array {
  const parts: Int16Array[] = [];
  const tokens = text.split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const words = fakeWords(token);
    for (const word of words) {
      const durationMs = Math.min(600, Math.max(180, 80 + 55 * word.length));
      const n = Math.round((durationMs * rateHz) / 1000);
      const f0 = 110 + (hash(word) % 60);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const t = i / rateHz;
        // A slight pitch fall over the word, as in natural intonation.
        const f = f0 * (1 - 0.1 * (i / n));
        let value = 0;
        for (let h = 0; h < HARMONICS.length; h++) {
          if (f * (h + 1) < rateHz / 2)
            value += HARMONICS[h]! * Math.sin(2 * Math.PI * f * (h + 1) * t);
        }
        const envelope = Math.pow(Math.sin((Math.PI * i) / n), 0.5);
        samples[i] = Math.round((value / 2.55) * envelope * PEAK);
      }
      parts.push(samples);
      parts.push(new Int16Array(Math.round((0.05 * rateHz) | 0)));
    }
    if (/[.!?。！？;；]["'”’)]*$/.test(token)) parts.push(new Int16Array((0.15 * rateHz) | 0));
  }
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Int16Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** PCM16 samples as little-endian bytes. */
export function pcmBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
  return bytes;
}

/** Cuts bytes into pieces of `size` (the last may be shorter), as a vendor streams them. */
export function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A WAV header for streamed mono PCM16 of unknown length (sizes 0xFFFFFFFF). */
export function streamingWavHeader(rateHz: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(0xffffffff, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rateHz, 24);
  header.writeUInt32LE(rateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(0xffffffff, 40);
  return header;
}

/** How a fake vendor behaves: properly, or one of the ways real vendors fail. */
export type FakeTtsMode = 'ok' | 'unauthorized' | 'malformed' | 'abrupt-close' | 'stall';
