/**
 * The bot's mouth: takes reply text (whole, or streamed as a language model produces it),
 * cuts it into sentences, synthesises each as soon as it is complete and queues the audio on
 * the leg. It keeps track of which frames belong to which sentence, so that after a barge-in
 * it can say exactly what the caller heard.
 */
import type { Leg } from '../../channels/index.js';
import { clipFrames, openAudioFile, type AudioFrame } from '../../media/index.js';
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
  frames: number;
}

/** Sentence ends: Western and CJK full stops, question and exclamation marks, semicolons. */
const SENTENCE_END = /([.!?;。！？；]+["')\]」』]*)(\s+|$)/u;

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
      const end = m.index + m[1]!.length;
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
    const end = m.index + m[1]!.length;
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
  private current: { stop: () => void; done: Promise<SpokenResult> } | undefined;

  constructor(private readonly options: SpeakerOptions) {}

  /** True while an utterance is playing. */
  get speaking(): boolean {
    return this.current !== undefined;
  }

  /** Speaks `text` after anything already queued on the leg. */
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
          const span: SentenceSpan = { text: sentence, frames: 0 };
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
    const playback = leg.output.play(source());
    const done = playback.done.then((result): SpokenResult => {
      if (this.current?.done === done) this.current = undefined;
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
    this.current = { stop, done };
    return { done, stop };
  }

  /** Stops whatever is being said (barge-in, hang-up). */
  stopAll(): void {
    this.current?.stop();
  }
}

/**
 * The text the caller heard after `playedFrames` frames: sentences played whole, then the
 * words of the cut sentence in proportion to its frames played (speech rate is even enough
 * within a sentence for word granularity).
 */
export function heardText(spans: readonly SentenceSpan[], playedFrames: number): string {
  const heard: string[] = [];
  let left = playedFrames;
  for (const span of spans) {
    if (left <= 0) break;
    if (left >= span.frames) {
      heard.push(span.text);
      left -= span.frames;
      continue;
    }
    const cjk = /\p{Script=Han}/u.test(span.text);
    const units = cjk ? [...span.text] : span.text.split(/\s+/);
    const count = Math.floor((units.length * left) / Math.max(1, span.frames));
    if (count > 0) heard.push(units.slice(0, count).join(cjk ? '' : ' '));
    break;
  }
  return heard.join(' ');
}
