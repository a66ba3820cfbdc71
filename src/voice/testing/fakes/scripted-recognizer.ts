/**
 * Test support: the "recogniser" inside every fake speech vendor. It does not recognise
 * anything — it hears where speech is (by energy, in 20 ms blocks of the PCM16 the adapter
 * sent) and, for each stretch of speech, reveals the next scripted utterance word by word as
 * partials, then all of it as a final once the speaker has been silent long enough or the
 * audio ends. So adapters meet the timing a real streaming recogniser has: partials while
 * audio flows, finals at end of speech, nothing for silence.
 */

/** A scripted word placed on the audio timeline. */
export interface ScriptedWord {
  word: string;
  startMs: number;
  endMs: number;
}

/** What the recogniser reports while it hears the audio. */
export type ScriptEvent =
  | { type: 'speech-start'; atMs: number }
  | { type: 'partial'; words: ScriptedWord[]; atMs: number }
  | { type: 'final'; words: ScriptedWord[]; startMs: number; endMs: number };

/** Tuning of a {@link ScriptedRecognizer}. */
export interface ScriptOptions {
  /** Utterances to "recognise", one per stretch of speech (default `['hello world']`). */
  transcript?: string | string[];
  sampleRateHz: number;
  /** Speech between partials (default 300 ms). */
  partialEveryMs?: number;
  /** Silence that ends an utterance (default 300 ms). */
  endSilenceMs?: number;
  /** RMS level above which a block counts as speech (default 500). */
  threshold?: number;
}

const BLOCK_MS = 20;

/** The scripted recogniser; one per connection. */
export class ScriptedRecognizer {
  private readonly utterances: string[][];
  private readonly blockBytes: number;
  private readonly partialEveryMs: number;
  private readonly endSilenceMs: number;
  private readonly threshold: number;
  private remainder = Buffer.alloc(0);
  private timeMs = 0;
  private totalBytes = 0;
  private inSpeech = false;
  private speechStartMs = 0;
  private lastSpeechEndMs = 0;
  private lastPartialMs = 0;
  private revealed = 0;

  constructor(options: ScriptOptions) {
    const transcript = options.transcript ?? ['hello world'];
    this.utterances = (Array.isArray(transcript) ? transcript : [transcript]).map((t) =>
      t.split(/\s+/).filter((w) => w !== ''),
    );
    this.blockBytes = ((options.sampleRateHz * BLOCK_MS) / 1000) * 2;
    this.partialEveryMs = options.partialEveryMs ?? 300;
    this.endSilenceMs = options.endSilenceMs ?? 300;
    this.threshold = options.threshold ?? 500;
  }

  /** Audio heard so far. */
  get audioMs(): number {
    return this.timeMs;
  }

  /** PCM bytes fed so far. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Feeds PCM16 little-endian bytes; returns what the recogniser would report. */
  feed(pcm: Buffer): ScriptEvent[] {
    this.totalBytes += pcm.length;
    const data = this.remainder.length ? Buffer.concat([this.remainder, pcm]) : pcm;
    const events: ScriptEvent[] = [];
    let offset = 0;
    for (; offset + this.blockBytes <= data.length; offset += this.blockBytes) {
      this.block(data.subarray(offset, offset + this.blockBytes), events);
    }
    this.remainder = Buffer.from(data.subarray(offset));
    return events;
  }

  /** The audio has ended: the utterance in progress, if any, becomes final. */
  flush(): ScriptEvent[] {
    const events: ScriptEvent[] = [];
    if (this.inSpeech) events.push(this.finish());
    return events;
  }

  private block(block: Buffer, events: ScriptEvent[]): void {
    let sum = 0;
    const samples = block.length / 2;
    for (let i = 0; i < samples; i++) {
      const s = block.readInt16LE(i * 2);
      sum += s * s;
    }
    const speech = Math.sqrt(sum / samples) > this.threshold;
    const start = this.timeMs;
    this.timeMs += BLOCK_MS;
    if (speech && this.utterances.length > 0) {
      if (!this.inSpeech) {
        this.inSpeech = true;
        this.speechStartMs = start;
        this.lastPartialMs = start;
        this.revealed = 0;
        events.push({ type: 'speech-start', atMs: start });
      }
      this.lastSpeechEndMs = this.timeMs;
      if (this.timeMs - this.lastPartialMs >= this.partialEveryMs) {
        this.lastPartialMs = this.timeMs;
        this.revealed = Math.min(this.utterances[0]!.length, this.revealed + 1);
        events.push({
          type: 'partial',
          words: this.place().slice(0, this.revealed),
          atMs: this.timeMs,
        });
      }
    } else if (this.inSpeech && this.timeMs - this.lastSpeechEndMs >= this.endSilenceMs) {
      events.push(this.finish());
    }
  }

  private finish(): ScriptEvent {
    const words = this.place();
    this.utterances.shift();
    this.inSpeech = false;
    return { type: 'final', words, startMs: this.speechStartMs, endMs: this.lastSpeechEndMs };
  }

  /** Spreads the current utterance's words evenly over the speech heard so far. */
  private place(): ScriptedWord[] {
    const words = this.utterances[0] ?? [];
    const span = Math.max(BLOCK_MS, this.lastSpeechEndMs - this.speechStartMs);
    const each = span / Math.max(1, words.length);
    return words.map((word, i) => ({
      word,
      startMs: Math.round(this.speechStartMs + i * each),
      endMs: Math.round(this.speechStartMs + (i + 1) * each),
    }));
  }
}
