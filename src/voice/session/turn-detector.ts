/**
 * Turn detection: when has the caller finished? Silence endpointing (the VAD's trailing
 * silence) decides most turns; a text-aware check holds a turn open a little longer when the
 * words so far are clearly unfinished — a trailing "and", "because", "the", a filler such as
 * "um" or 嗯/然后/就是 — since people pause mid-sentence to think.
 */

/** Tuning of the turn detector. */
export interface TurnDetectorOptions {
  /** Extra wait after an unfinished-sounding end (default 700 ms). */
  unfinishedExtraMs?: number;
  /** Words that, at the end of what was said, mean more is coming (added to the built-ins). */
  continuationWords?: string[];
}

/** English and Chinese endings that signal an unfinished sentence. */
const CONTINUATIONS = [
  // Conjunctions, prepositions, articles, fillers.
  'and',
  'but',
  'or',
  'so',
  'because',
  'if',
  'when',
  'that',
  'which',
  'the',
  'a',
  'an',
  'to',
  'of',
  'for',
  'with',
  'my',
  'your',
  'um',
  'uh',
  'er',
  'like',
  // 嗯 hm, 然后 and then, 就是 that is, 那个 that/um, 因为 because, 所以 so, 但是 but, 还有 also,
  // 的 (possessive particle), 和 and, 我想 I think.
  '嗯',
  '然后',
  '就是',
  '那个',
  '因为',
  '所以',
  '但是',
  '还有',
  '的',
  '和',
  '我想',
];

/** Decides how much longer to wait before a turn is over; see the module comment. */
export class TurnDetector {
  private readonly extraMs: number;
  private readonly words: string[];

  constructor(options: TurnDetectorOptions = {}) {
    this.extraMs = options.unfinishedExtraMs ?? 700;
    this.words = [...CONTINUATIONS, ...(options.continuationWords ?? [])];
  }

  /**
   * Extra milliseconds to wait, after the VAD's speech end, before taking `text` as a finished
   * turn: 0 when it reads as complete, more when it trails off.
   */
  extraWaitMs(text: string): number {
    return this.unfinished(text) ? this.extraMs : 0;
  }

  /** Whether `text` ends the way unfinished sentences do. */
  unfinished(text: string): boolean {
    const trimmed = text.trim().toLowerCase();
    if (trimmed === '') return false;
    // A final full stop, question or exclamation mark settles it.
    if (/[.?!。？！]$/.test(trimmed)) return false;
    if (/[,，、]$/.test(trimmed)) return true;
    const last = trimmed
      .split(/\s+/)
      .at(-1)!
      .replace(/[^\p{L}\p{N}']/gu, '');
    if (this.words.includes(last)) return true;
    // Chinese has no spaces: look at how the text ends.
    return this.words.some((w) => /\p{Script=Han}/u.test(w) && trimmed.endsWith(w));
  }
}
