/**
 * Text preparation for speech synthesis: splits text — a whole string or a language model's
 * token stream — into sentences, so a provider that takes whole requests can start speaking
 * after the first sentence instead of after the whole answer, and a fallback adapter knows
 * which part of an answer has been spoken. Also turns the SSML subset into plain text for
 * providers that do not read SSML.
 */

/** Tuning of a {@link SentenceSplitter}. */
export interface SentenceSplitterOptions {
  /**
   * A sentence longer than this is cut at its last clause mark (`,` `;` `:` `，` `、`) or
   * space, so a run-on answer without full stops still starts speaking early (default 250).
   */
  maxChars?: number;
  /**
   * A sentence shorter than this is joined to the next one ("OK." "Yes!"), saving a vendor
   * round trip for a word (default 0: every sentence stands alone).
   */
  minChars?: number;
}

/** Marks that end a sentence when followed by a space or the end of the text. */
const LATIN_ENDS = new Set(['.', '!', '?', '…']);
/** CJK full-width marks end a sentence on their own (no space follows them). */
const CJK_ENDS = new Set(['。', '！', '？', '；', '｡']);
/** Closing quotes and brackets that belong to the sentence they follow. */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '」', '』', '）', '》']);
/** Where an over-long sentence may be cut, best first. */
const CLAUSE_MARKS = [',', ';', ':', '，', '、', '：'];
/**
 * Words whose trailing full stop is not a sentence end ("Dr. Smith", "e.g. this"). Lower
 * case, without the dot.
 */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
  'approx',
  'dept',
  'inc',
  'ltd',
  'co',
  'mt',
  'ave',
  'fig',
]);

function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

/** The word that ends at `index` (exclusive), e.g. `Dr` before the dot of "Dr.". */
function wordBefore(text: string, index: number): string {
  let start = index;
  while (start > 0 && !isSpace(text[start - 1])) start--;
  return text.slice(start, index);
}

/**
 * Splits text into sentences incrementally: {@link push} text as it arrives and get back the
 * sentences it completed; {@link end} returns what is left. A full stop at the very end of
 * the pushed text is held back until the next character shows whether it ends a sentence
 * ("3." may become "3.14").
 */
export class SentenceSplitter {
  private buffer = '';
  private pending = '';
  private readonly maxChars: number;
  private readonly minChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.maxChars = options.maxChars ?? 250;
    this.minChars = options.minChars ?? 0;
  }

  /** Raw text pushed but not yet part of a returned sentence (the sentence in progress). */
  get buffered(): string {
    return this.buffer;
  }

  /** Adds text; returns the sentences it completed (trimmed, never empty). */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const cut = this.findEnd(false);
      if (cut === undefined) break;
      this.emit(this.buffer.slice(0, cut), out);
      this.buffer = this.buffer.slice(cut);
    }
    return out;
  }

  /** The text is complete: returns the last sentences (trimmed, never empty). */
  end(): string[] {
    const out: string[] = [];
    for (;;) {
      const cut = this.findEnd(true);
      if (cut === undefined) break;
      this.emit(this.buffer.slice(0, cut), out);
      this.buffer = this.buffer.slice(cut);
    }
    this.emit(this.buffer, out);
    this.buffer = '';
    const rest = this.pending.trim();
    this.pending = '';
    if (rest) out.push(rest);
    return out;
  }

  private emit(raw: string, out: string[]): void {
    const sentence = raw.replace(/\s+/g, ' ').trim();
    if (!sentence) return;
    const joined = this.pending ? `${this.pending} ${sentence}` : sentence;
    if (joined.length < this.minChars) {
      this.pending = joined;
      return;
    }
    this.pending = '';
    out.push(joined);
  }

  /** Index just past the first sentence end in the buffer, or undefined. */
  private findEnd(final: boolean): number | undefined {
    const text = this.buffer;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\n') {
        if (text.slice(0, i).trim()) return i + 1;
        continue;
      }
      if (CJK_ENDS.has(ch)) {
        let j = i + 1;
        while (j < text.length && (CLOSERS.has(text[j]!) || CJK_ENDS.has(text[j]!))) j++;
        if (j === text.length && !final) return undefined;
        return j;
      }
      if (!LATIN_ENDS.has(ch)) continue;
      let j = i + 1;
      while (j < text.length && (LATIN_ENDS.has(text[j]!) || CLOSERS.has(text[j]!))) j++;
      if (j === text.length) {
        if (!final) return undefined;
        return j;
      }
      if (!isSpace(text[j])) continue; // "3.14", "example.com", "a.m"
      if (ch === '.' && j === i + 1) {
        const word = wordBefore(text, i);
        if (ABBREVIATIONS.has(word.toLowerCase())) continue;
        // An initial ("J. R. R. Tolkien") or a lone letter is not a sentence end.
        if (/^[A-Z]$/.test(word)) continue;
      }
      return j;
    }
    if (text.length > this.maxChars) return this.longCut(text);
    return undefined;
  }

  /** Where to cut an over-long sentence: last clause mark, else last space, else hard. */
  private longCut(text: string): number {
    const window = text.slice(0, this.maxChars);
    for (const mark of CLAUSE_MARKS) {
      const at = window.lastIndexOf(mark);
      if (at > this.maxChars / 3) return at + 1;
    }
    const space = window.search(/\s\S*$/);
    if (space > this.maxChars / 3) return space + 1;
    return this.maxChars;
  }
}

/** Splits a whole text into sentences. */
export function splitSentences(text: string, options?: SentenceSplitterOptions): string[] {
  const splitter = new SentenceSplitter(options);
  return [...splitter.push(text), ...splitter.end()];
}

/**
 * Sentences of a text that is a whole string or arrives in pieces (a language model's
 * stream): each sentence is yielded as soon as its end is seen.
 */
export async function* sentencesOf(
  text: string | AsyncIterable<string>,
  options?: SentenceSplitterOptions,
): AsyncGenerator<string> {
  if (typeof text === 'string') {
    yield* splitSentences(text, options);
    return;
  }
  const splitter = new SentenceSplitter(options);
  for await (const chunk of text) yield* splitter.push(chunk);
  yield* splitter.end();
}

/** A whole string as a one-piece stream, so callers can treat both input kinds alike. */
export async function* textChunks(text: string | AsyncIterable<string>): AsyncGenerator<string> {
  if (typeof text === 'string') yield text;
  else yield* text;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Replaces XML character references (`&amp;`, `&#39;`, `&#x4e2d;`) by their characters. */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** Escapes text for an XML element or attribute value. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Plain text of an SSML document or fragment, for providers without SSML: tags dropped, a
 * `<break>` becomes a sentence pause, entities decoded.
 */
export function ssmlToPlainText(ssml: string): string {
  return decodeXmlEntities(
    ssml
      .replace(/<\?xml[^>]*\?>/g, '')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<break\b[^>]*\/?>/gi, ' … ')
      .replace(/<\/?(p|s)\b[^>]*>/gi, ' ')
      .replace(/<[^>]+>/g, ''),
  )
    .replace(/\s+/g, ' ')
    .trim();
}
