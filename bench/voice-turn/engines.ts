/**
 * The embedded engines on their own: PocketSphinx's real-time factor (time to recognise a
 * recording ÷ its duration) and espeak-ng's time to first audio. Each is skipped, with the
 * reason, when its engine is not installed.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clipFrames, openAudioFile, type AudioFrame } from '../../src/media/index.js';
import {
  PocketsphinxStt,
  pocketsphinxAvailability,
  type PocketsphinxEvent,
} from '../../src/voice/stt/pocketsphinx.js';
import { EspeakNgTts, espeakAvailability } from '../../src/voice/tts/espeak-ng.js';
import { median } from '../lib/stats.js';
import { SPEECH_FIXTURES } from './scripted-leg.js';

/** PocketSphinx on one recording, over the passes. */
export interface SttFileResult {
  file: string;
  audioMs: number;
  /** Wall time from the first frame written to the end of the results, median, ms. */
  wallMs: number;
  /** Wall ÷ audio, median. */
  rtf: number;
  /** Process CPU (all threads: the engine runs on libuv's pool) ÷ audio, median. */
  cpuRtf: number;
  /** What it heard (last pass) and what was said. */
  heard: string;
  said: string;
}

/** Result of {@link measurePocketsphinx}. */
export type PocketsphinxResult =
  | { skipped: string }
  | {
      passes: number;
      /** Creating the decoder (once per pool slot), ms. */
      decoderInitMs: number | undefined;
      files: SttFileResult[];
      /** Median over every pass of every file. */
      rtf: number;
      cpuRtf: number;
    };

/**
 * Each fixture, `passes` times, through one pooled decoder: all frames written at once (as fast
 * as the engine takes them), then `end()`, timed until the results iterator finishes. One
 * unmeasured stream first creates the decoder.
 */
export async function measurePocketsphinx(
  fixtureDir: string,
  passes: number,
): Promise<PocketsphinxResult> {
  const availability = pocketsphinxAvailability();
  if (!availability.ok) return { skipped: availability.reason };
  let decoderInitMs: number | undefined;
  const stt = new PocketsphinxStt({
    maxDecoders: 1,
    onEvent: (event: PocketsphinxEvent) => {
      if (event.type === 'decoder-created') decoderInitMs = event.initMs;
    },
  });
  const recognise = async (
    frames: readonly AudioFrame[],
  ): Promise<{ wallMs: number; cpuMs: number; text: string }> => {
    const stream = stt.stream({ sampleRateHz: 16000, language: 'en-US' });
    const cpu = process.cpuUsage();
    const started = performance.now();
    const texts: string[] = [];
    const done = (async () => {
      for await (const result of stream.results) {
        if (result.type === 'final') texts.push(result.text);
      }
    })();
    for (const frame of frames) stream.write(frame);
    stream.end();
    await done;
    const used = process.cpuUsage(cpu);
    return {
      wallMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
      text: texts.join(' '),
    };
  };
  try {
    const files: SttFileResult[] = [];
    const all: { rtf: number[]; cpu: number[] } = { rtf: [], cpu: [] };
    const loaded = await Promise.all(
      SPEECH_FIXTURES.map(async ({ file, text }) => ({
        file,
        text,
        frames: [
          ...clipFrames(await openAudioFile(path.join(fixtureDir, file), 16000), {
            startTimestampMs: 0,
          }),
        ],
      })),
    );
    await recognise(loaded[0]!.frames);
    for (const { file, text, frames } of loaded) {
      const audioMs = frames.length * 20;
      const runs: Array<{ wallMs: number; cpuMs: number; text: string }> = [];
      for (let i = 0; i < passes; i++) runs.push(await recognise(frames));
      const rtfs = runs.map((r) => r.wallMs / audioMs);
      const cpus = runs.map((r) => r.cpuMs / audioMs);
      all.rtf.push(...rtfs);
      all.cpu.push(...cpus);
      files.push({
        file,
        audioMs,
        wallMs: median(runs.map((r) => r.wallMs)) ?? 0,
        rtf: median(rtfs) ?? 0,
        cpuRtf: median(cpus) ?? 0,
        heard: runs.at(-1)?.text ?? '',
        said: text,
      });
    }
    return {
      passes,
      decoderInitMs,
      files,
      rtf: median(all.rtf) ?? 0,
      cpuRtf: median(all.cpu) ?? 0,
    };
  } finally {
    stt.close();
  }
}

/** The texts espeak-ng speaks: one short sentence, and a paragraph of several. */
export const ESPEAK_TEXTS = {
  short: 'It is sunny today.',
  long:
    'Thank you for calling the support line. Your order left our warehouse this morning and ' +
    'should reach you on Thursday, between nine and eleven. If nobody is at home, the driver ' +
    'will leave a card with a number to arrange a new delivery. Is there anything else I can ' +
    'help you with today?',
} as const;

/** espeak-ng on one text, over the passes. */
export interface TtsTextResult {
  name: keyof typeof ESPEAK_TEXTS;
  chars: number;
  /** synthesize() called → first 20 ms frame out, median, ms. */
  firstAudioMs: number;
  firstAudioMin: number;
  firstAudioMax: number;
  /** → last frame, median, ms. */
  totalMs: number;
  /** Audio produced, ms. */
  audioMs: number;
}

/** Result of {@link measureEspeak}. */
export type EspeakResult =
  { skipped: string } | { version: string; passes: number; rateHz: number; texts: TtsTextResult[] };

/**
 * Each text `passes` times at `rateHz` (after one unmeasured synthesis that warms the
 * executable and its data into the page cache): time to the first frame and to the last.
 */
export async function measureEspeak(passes: number, rateHz: number): Promise<EspeakResult> {
  const availability = await espeakAvailability();
  if (!availability.available) return { skipped: availability.reason };
  const tts = new EspeakNgTts();
  const speak = async (text: string): Promise<{ first: number; total: number; frames: number }> => {
    const started = performance.now();
    let first = Number.NaN;
    let frames = 0;
    for await (const _frame of tts.synthesize(text, { sampleRateHz: rateHz, language: 'en-US' })) {
      if (frames === 0) first = performance.now() - started;
      frames++;
    }
    return { first, total: performance.now() - started, frames };
  };
  await speak(ESPEAK_TEXTS.short);
  const texts: TtsTextResult[] = [];
  for (const name of Object.keys(ESPEAK_TEXTS) as Array<keyof typeof ESPEAK_TEXTS>) {
    const text = ESPEAK_TEXTS[name];
    const runs: Array<{ first: number; total: number; frames: number }> = [];
    for (let i = 0; i < passes; i++) runs.push(await speak(text));
    const firsts = runs.map((r) => r.first);
    texts.push({
      name,
      chars: text.length,
      firstAudioMs: median(firsts) ?? 0,
      firstAudioMin: Math.min(...firsts),
      firstAudioMax: Math.max(...firsts),
      totalMs: median(runs.map((r) => r.total)) ?? 0,
      audioMs: (runs[0]?.frames ?? 0) * 20,
    });
  }
  return { version: availability.version, passes, rateHz, texts };
}
