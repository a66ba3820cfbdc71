/**
 * Audio checks for end-to-end tests: what a real user agent heard is compared with what was
 * sent, by tone energy (Goertzel) and by normalised cross-correlation over a range of lags
 * (the network, jitter buffers and codecs delay and colour the audio, but keep its shape).
 */
import { readFile } from 'node:fs/promises';
import { downmixToMono, parseWav, resample } from '../../../src/media/index.js';
import { rms, tonePower as powerAt } from '../../fixtures/audio-signals.js';

/** A mono recording at a known rate. */
export interface MonoAudio {
  samples: Int16Array;
  sampleRateHz: number;
}

/** Reads a WAV file as mono PCM16 (stereo is downmixed unless a channel is chosen). */
export async function readMono(file: string, channel?: 0 | 1): Promise<MonoAudio> {
  const wav = parseWav(await readFile(file));
  if (wav.channels === 1) return { samples: wav.samples, sampleRateHz: wav.sampleRateHz };
  if (channel === undefined) {
    return { samples: downmixToMono(wav.samples, wav.channels), sampleRateHz: wav.sampleRateHz };
  }
  const out = new Int16Array(wav.frameCount);
  for (let i = 0; i < out.length; i++) out[i] = wav.samples[i * wav.channels + channel]!;
  return { samples: out, sampleRateHz: wav.sampleRateHz };
}

/** The audio at `rateHz`. */
export function at(audio: MonoAudio, rateHz: number): Int16Array {
  return audio.sampleRateHz === rateHz
    ? audio.samples
    : resample(audio.samples, audio.sampleRateHz, rateHz);
}

/** Power of one frequency in a block (Goertzel), normalised by block length: A²/4 for a sine. */
export function tonePower(samples: Int16Array, sampleRateHz: number, frequencyHz: number): number {
  return powerAt(samples, frequencyHz, sampleRateHz);
}

/** RMS level in dBFS. */
export function rmsDbfs(samples: Int16Array): number {
  return 20 * Math.log10(Math.max(rms(samples), 1e-9) / 32768);
}

/**
 * Best normalised cross-correlation of `probe` inside `haystack` over lags 0…maxLagSamples
 * (probe starting that much later in the haystack). 1 means identical shape.
 */
export function bestCorrelation(
  haystack: Int16Array,
  probe: Int16Array,
  maxLagSamples: number,
): { correlation: number; lagSamples: number } {
  let best = { correlation: -1, lagSamples: 0 };
  let probeEnergy = 0;
  for (const s of probe) probeEnergy += s * s;
  for (let lag = 0; lag <= maxLagSamples && lag + probe.length <= haystack.length; lag++) {
    let dot = 0;
    let energy = 0;
    for (let i = 0; i < probe.length; i++) {
      const h = haystack[lag + i]!;
      dot += h * probe[i]!;
      energy += h * h;
    }
    const c = energy > 0 && probeEnergy > 0 ? dot / Math.sqrt(energy * probeEnergy) : 0;
    if (c > best.correlation) best = { correlation: c, lagSamples: lag };
  }
  return best;
}

/** The loudest stretch of `samples` of the given length (to pick a probe with content). */
export function loudestWindow(samples: Int16Array, length: number): Int16Array {
  let bestStart = 0;
  let bestEnergy = -1;
  const step = Math.max(1, Math.floor(length / 4));
  for (let start = 0; start + length <= samples.length; start += step) {
    let e = 0;
    for (let i = start; i < start + length; i++) e += samples[i]! * samples[i]!;
    if (e > bestEnergy) {
      bestEnergy = e;
      bestStart = start;
    }
  }
  return samples.subarray(bestStart, bestStart + length);
}
