/**
 * The bot's mouth: takes reply text (whole, or streamed as a language model produces it),
 * cuts it into sentences, synthesises each as soon as it is complete and queues the audio on
 * the leg. It keeps track of which frames belong to which sentence, so that after a barge-in
 * it can say exactly what the caller heard.
 */
import type { Leg } from '../../channels/index.js';
import {
  clipFrames,
  openAudioFile,
  type AudioFrame,
  type PlaybackResult,
} from '../../media/index.js';
import type { TextToSpeech, TtsOptions } from '../providers/types.js';

/** How one utterance of the bot ended. */
export interface SpokenResult {
  /** Played to the end (not cut by barge-in or stop). */
  completed: boolean;
  /** Everything the bot meant to say. */
  fullText: string;
  /** What the caller heard: whole sentences, and the heard share of a cut one. */
  heardText: string;
  playedMs: number;
  /** Synthesis failed; the fallback prompt was played instead of the rest. */
  failed?: Error;
}

/** Timing hooks of one utterance (for the latency trace). */
export interface SpeakHooks {
  /** The first text chunk reached the speaker. */
  onFirstText?: () => void;
  /** The TTS produced its first frame. */
  onFirstAudio?: () => void;
}

/** One utterance in progress. */
export interface Speech {
  readonly done: Promise<SpokenResult>;
  /** Stops it within one frame: queued audio is cleared and synthesis aborted. */
  stop(): void;
}

interface SentenceSpan {
  text: string;
  /** Frames synthesised so far. */
  frames: number;
  /** False while (or when cut while) still being synthesised: `frames` is not its length. */
  complete?: boolean;
}

/** Frames per word / per Chinese character assumed when nothing complete says better. */
const NOMINAL_UNIT_FRAMES = { words: 15, han: 10 };

/**
 * Sentence ends: Western full stops, question and exclamation marks and semicolons before a
 * space (or the end); CJK full-width ones wherever they are, since Chinese puts no space after.
 * The stop is group 1 (Western) or 2 (CJK).
 */
const SENTENCE_END = /([.!?;]+["')\]」』]*)(?:\s+|$)|([。！？；]+["')\]」』]*)\s*/u;

/** Splits text arriving in pieces into sentences, as soon as each is complete. */
export async function* sentences(text: string | AsyncIterable<string>): AsyncIterable<string> {
  if (typeof text === 'string') {
    yield* splitAll(text);
    return;
  }
  let pending = '';
  for await (const chunk of text) {
    pending += chunk;
    for (;;) {
      const m = SENTENCE_END.exec(pending);
      // A stop at the very end may be an abbreviation or a number in progress: wait for more.
      if (!m || m.index + m[0].length >= pending.length) break;
      const end = m.index + (m[1] ?? m[2])!.length;
      const sentence = pending.slice(0, end).trim();
      pending = pending.slice(end);
      if (sentence !== '') yield sentence;
    }
  }
  if (pending.trim() !== '') yield* splitAll(pending);
}

function splitAll(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const m = SENTENCE_END.exec(rest);
    if (!m) break;
    const end = m.index + (m[1] ?? m[2])!.length;
    const s = rest.slice(0, end).trim();
    if (s !== '') out.push(s);
    rest = rest.slice(end);
  }
  if (rest.trim() !== '') out.push(rest.trim());
  return out;
}

/** Settings of a {@link Speaker}. */
export interface SpeakerOptions {
  leg: Leg;
  tts: TextToSpeech;
  /** Voice, language, rate, pitch (the sample rate is the leg's). */
  voice: Omit<TtsOptions, 'sampleRateHz' | 'signal'>;
  /** Played when synthesis fails, so the caller never hears silence. */
  apologyFile: string;
  /** Told about a synthesis failure. */
  onError?: (err: Error) => void;
}

/** See the module comment. */
export class Speaker {
  /** Utterances not yet finished (a reply and a filler said while it is being prepared). */
  private readonly active = new Set<{ stop: () => void }>();

  constructor(private readonly options: SpeakerOptions) {}

  /** True while an utterance is playing or being prepared. */
  get speaking(): boolean {
    return this.active.size > 0;
  }

  /**
   * Speaks `text` after anything already queued on the leg once its first frame is ready, so
   * an answer still being prepared does not hold up what is said meanwhile (a filler).
   */
  speak(text: string | AsyncIterable<string>, hooks: SpeakHooks = {}): Speech {
    const { leg, tts } = this.options;
    const abort = new AbortController();
    const spans: SentenceSpan[] = [];
    let fullText = '';
    let failed: Error | undefined;
    const options = this.options;
    const source = async function* (): AsyncIterable<AudioFrame> {
      let firstText = true;
      let firstAudio = true;
      try {
        for await (const sentence of sentences(text)) {
          if (abort.signal.aborted) return;
          if (firstText) {
            firstText = false;
            hooks.onFirstText?.();
          }
          fullText = fullText === '' ? sentence : `${fullText} ${sentence}`;
          const span: SentenceSpan = { text: sentence, frames: 0, complete: false };
          spans.push(span);
          for await (const frame of tts.synthesize(sentence, {
            ...options.voice,
            sampleRateHz: leg.sampleRateHz,
            signal: abort.signal,
          })) {
            if (abort.signal.aborted) return;
            if (firstAudio) {
              firstAudio = false;
              hooks.onFirstAudio?.();
            }
            span.frames++;
            yield frame;
          }
          span.complete = true;
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        failed = err as Error;
        options.onError?.(failed);
        // Never silence: the bundled apology instead of the rest of the answer.
        const clip = await openAudioFile(options.apologyFile, leg.sampleRateHz);
        yield* clipFrames(clip, { startTimestampMs: 0 });
      }
    };
    const played = queueWhenReady(leg, source()[Symbol.asyncIterator](), abort.signal);
    const done = played.then((result): SpokenResult => {
      this.active.delete(entry);
      return {
        completed: result.completed && !abort.signal.aborted,
        fullText,
        heardText: heardText(spans, Math.round(result.playedMs / 20)),
        playedMs: result.playedMs,
        ...(failed ? { failed } : {}),
      };
    });
    const stop = (): void => {
      abort.abort();
      // Cuts what is queued and playing now: the next tick sends nothing of it.
      leg.output.clear();
    };
    const entry = { stop };
    this.active.add(entry);
    return { done, stop };
  }

  /** Stops whatever is being said (barge-in, hang-up). */
  stopAll(): void {
    for (const entry of [...this.active]) entry.stop();
  }
}

/**
 * Queues `frames` on the leg's output once the first one is ready (or never, when `signal`
 * fires first); settles with how the playback ended.
 */
async function queueWhenReady(
  leg: Leg,
  frames: AsyncIterator<AudioFrame>,
  signal: AbortSignal,
): Promise<PlaybackResult> {
  const stopped = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  let first: IteratorResult<AudioFrame> | undefined;
  try {
    first = await Promise.race([frames.next(), stopped]);
  } catch {
    first = { done: true, value: undefined };
  }
  if (!first || first.done) {
    if (!first) void frames.return?.()?.catch(() => undefined);
    return { completed: !signal.aborted, playedMs: 0 };
  }
  const head = first.value;
  const all = async function* (): AsyncIterable<AudioFrame> {
    try {
      yield head;
      yield* { [Symbol.asyncIterator]: () => frames };
    } finally {
      // Cleared after the first frame: the synthesis behind it is released too.
      void frames.return?.()?.catch(() => undefined);
    }
  };
  return leg.output.play(all()).done;
}

/**
 * The text the caller heard after `playedFrames` frames: sentences played whole, then the
 * words of the cut sentence in proportion to its frames played (speech rate is even enough
 * within a sentence for word granularity). A sentence cut while still being synthesised has
 * only part of its frames counted; its length is estimated from the speech rate of the
 * complete ones (or a nominal rate), so the heard share is not overstated.
 */
export function heardText(spans: readonly SentenceSpan[], playedFrames: number): string {
  const heard: string[] = [];
  let left = playedFrames;
  for (const span of spans) {
    if (left <= 0) break;
    const cjk = /\p{Script=Han}/u.test(span.text);
    const units = cjk ? [...span.text] : span.text.split(/\s+/);
    const total =
      span.complete === false
        ? Math.max(span.frames, Math.ceil(units.length * unitFrames(spans, cjk)))
        : span.frames;
    if (left >= total) {
      heard.push(span.text);
      left -= span.frames;
      continue;
    }
    const count = Math.floor((units.length * left) / Math.max(1, total));
    if (count > 0) heard.push(units.slice(0, count).join(cjk ? '' : ' '));
    break;
  }
  return heard.join(' ');
}

/** Frames per word (per character for Chinese) of the complete spans of the same script. */
function unitFrames(spans: readonly SentenceSpan[], cjk: boolean): number {
  let frames = 0;
  let units = 0;
  for (const span of spans) {
    if (span.complete === false || /\p{Script=Han}/u.test(span.text) !== cjk) continue;
    frames += span.frames;
    units += cjk ? [...span.text].length : span.text.split(/\s+/).length;
  }
  if (units > 0) return frames / units;
  return cjk ? NOMINAL_UNIT_FRAMES.han : NOMINAL_UNIT_FRAMES.words;
}
