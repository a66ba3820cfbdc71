/**
 * Text preparation for the espeak-ng voice: cutting streamed text into sentences, reducing
 * SSML to the subset espeak-ng is trusted with, and writing Mandarin as numbered pinyin for
 * the `cmn-latn-pinyin` voice. Pure functions (pinyin-pro is loaded on first use).
 */

/** Clause length after which a comma ends a piece, so a long sentence starts sooner. */
export const DEFAULT_MAX_CLAUSE_CHARS = 150;

// ---- sentence splitting --------------------------------------------------------------------

/** Ends a sentence wherever it appears (CJK text has no space after its full stops). */
const CJK_TERMINATORS = new Set(['。', '！', '？', '；', '．']);
/** End a sentence when followed by a space, a Han character or the end of the text. */
const ASCII_TERMINATORS = new Set(['.', '!', '?']);
/** Belong to the sentence they close: `He said "yes."` */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '}', '」', '』', '）', '》', '】']);
const CLAUSE_BREAKS = new Set([',', '，', '、']);
/** Words whose full stop does not end a sentence ("Dr. Smith", "e.g. this"). */
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
  'e.g',
  'i.e',
]);
/** Words whose full stop does not end a sentence when a number follows ("No. 5"). */
const ABBREVIATIONS_BEFORE_NUMBER = new Set(['no', 'nr', 'tel', 'ext', 'fig', 'p', 'pp']);
const HAN = /\p{Script=Han}/u;
const SPEAKABLE = /[\p{L}\p{N}]/u;
const WHITESPACE = /\s/;

/**
 * Cuts streamed text into sentences, as early as possible: a sentence is returned as soon as
 * its end is certain (for `.`, `!` and `?` that needs the next character, so "3.14" and
 * "Dr. Smith" stay whole). A clause longer than `maxClauseChars` is cut at a comma, and text
 * with no punctuation at all at a space after twice that, so a rambling model never stalls the
 * voice. Pieces without a letter or digit (a lone "...") are dropped.
 */
export class SentenceSplitter {
  private buffer = '';

  constructor(private readonly maxClauseChars = DEFAULT_MAX_CLAUSE_CHARS) {}

  /** Adds text; returns the sentences it completed. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    return this.scan(false);
  }

  /** The text has ended: returns what remains. */
  flush(): string[] {
    return this.scan(true);
  }

  private scan(final: boolean): string[] {
    const text = this.buffer;
    const out: string[] = [];
    let start = 0;
    const cut = (end: number, next: number): void => {
      const sentence = text.slice(start, end).trim();
      if (SPEAKABLE.test(sentence)) out.push(sentence);
      start = next;
    };
    const pastClosers = (from: number, terminators: Set<string>): number => {
      let j = from;
      while (j < text.length && (terminators.has(text[j]!) || CLOSERS.has(text[j]!))) j++;
      return j;
    };
    for (let i = 0; i < text.length; i++) {
      if (i < start) continue;
      const c = text[i]!;
      if (c === '\n' || c === '\r') {
        cut(i, i + 1);
      } else if (CJK_TERMINATORS.has(c)) {
        const end = pastClosers(i + 1, CJK_TERMINATORS);
        cut(end, end);
        i = end - 1;
      } else if (ASCII_TERMINATORS.has(c)) {
        const end = pastClosers(i + 1, ASCII_TERMINATORS);
        if (end === text.length) {
          if (!final) break; // the next character decides
          cut(end, end);
          i = end - 1;
          continue;
        }
        const next = text[end]!;
        if (!WHITESPACE.test(next) && !HAN.test(next)) continue;
        if (c === '.' && end === i + 1 && this.isAbbreviation(text, start, i, end)) continue;
        cut(end, end);
        i = end - 1;
      } else if (CLAUSE_BREAKS.has(c) && i + 1 - start > this.maxClauseChars) {
        // "1,000" is a number, not a clause.
        if (c === ',' && /\d/.test(text[i - 1] ?? '') && /\d/.test(text[i + 1] ?? '')) continue;
        cut(i + 1, i + 1);
      } else if (i + 1 - start > 2 * this.maxClauseChars) {
        const space = text.slice(start, i + 1).search(/\s\S*$/);
        const at = space > this.maxClauseChars / 2 ? start + space : i + 1;
        cut(at, at);
        i = at - 1;
      }
    }
    if (final) {
      cut(text.length, text.length);
      this.buffer = '';
    } else {
      this.buffer = text.slice(start);
    }
    return out;
  }

  private isAbbreviation(text: string, start: number, dot: number, after: number): boolean {
    const word = /[\p{L}.]+$/u.exec(text.slice(start, dot))?.[0] ?? '';
    if (word.length === 1 && /\p{Lu}/u.test(word)) return true; // an initial: "J. Smith"
    const lower = word.toLowerCase();
    if (ABBREVIATIONS.has(lower)) return true;
    const rest = text.slice(after).trimStart();
    return ABBREVIATIONS_BEFORE_NUMBER.has(lower) && /^\d/.test(rest);
  }
}

/** Cuts a whole text into sentences (see {@link SentenceSplitter}). */
export function splitSentences(text: string, maxClauseChars = DEFAULT_MAX_CLAUSE_CHARS): string[] {
  const splitter = new SentenceSplitter(maxClauseChars);
  return [...splitter.push(text), ...splitter.flush()];
}

// ---- SSML ------------------------------------------------------------------------------------

/** A piece of sanitised SSML: kept markup, or escaped text. */
export type SsmlToken = { kind: 'text'; text: string } | { kind: 'tag'; markup: string };

const SSML_ATTRIBUTES: Record<string, Record<string, RegExp>> = {
  break: {
    time: /^\d+(\.\d+)?(ms|s)$/,
    strength: /^(none|x-weak|weak|medium|strong|x-strong)$/,
  },
  prosody: {
    rate: /^(x-slow|slow|medium|fast|x-fast|default|[+-]?\d+(\.\d+)?%?)$/,
    pitch: /^(x-low|low|medium|high|x-high|default|[+-]?\d+(\.\d+)?(%|Hz|st)?)$/,
    volume: /^(silent|x-soft|soft|medium|loud|x-loud|default|[+-]?\d+(\.\d+)?(%|dB)?)$/,
  },
  'say-as': {
    'interpret-as': /^[a-z][a-z:-]*$/i,
    format: /^[a-z0-9:-]*$/i,
    detail: /^[a-z0-9:-]*$/i,
  },
  p: {},
  s: {},
};

const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi;

function escapeText(text: string): string {
  return text.replace(ENTITY, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Splits SSML into kept tags and text, dropping what the subset does not allow. */
export function ssmlTokens(input: string): SsmlToken[] {
  const tokens: SsmlToken[] = [];
  const open: string[] = [];
  let text = '';
  const flushText = (): void => {
    if (text) tokens.push({ kind: 'text', text: escapeText(text) });
    text = '';
  };
  let i = 0;
  while (i < input.length) {
    const lt = input.indexOf('<', i);
    if (lt < 0) {
      text += input.slice(i);
      break;
    }
    text += input.slice(i, lt);
    const skipTo = (terminator: string): number => {
      const at = input.indexOf(terminator, lt);
      return at < 0 ? input.length : at + terminator.length;
    };
    if (input.startsWith('<!--', lt)) {
      i = skipTo('-->');
      continue;
    }
    if (input.startsWith('<![CDATA[', lt)) {
      const end = input.indexOf(']]>', lt);
      text += input.slice(lt + 9, end < 0 ? input.length : end);
      i = end < 0 ? input.length : end + 3;
      continue;
    }
    if (input.startsWith('<?', lt) || input.startsWith('<!', lt)) {
      i = skipTo('>');
      continue;
    }
    const tag =
      /^<\s*(\/?)\s*([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)\s*>/.exec(
        input.slice(lt),
      );
    if (!tag) {
      text += '<'; // a stray "<" is text
      i = lt + 1;
      continue;
    }
    i = lt + tag[0].length;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    const allowed = SSML_ATTRIBUTES[name];
    if (!allowed) continue; // unknown element: drop the tag, keep its text
    flushText();
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at < 0) continue;
      while (open.length > at) tokens.push({ kind: 'tag', markup: `</${open.pop()}>` });
      continue;
    }
    const attributes: string[] = [];
    for (const m of (tag[3] ?? '').matchAll(
      /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g,
    )) {
      const key = m[1]!.toLowerCase();
      const value = (m[2] ?? m[3] ?? m[4] ?? '').trim();
      if (allowed[key]?.test(value)) attributes.push(` ${key}="${value}"`);
    }
    const selfClosing = tag[4] === '/' || name === 'break';
    tokens.push({
      kind: 'tag',
      markup: `<${name}${attributes.join('')}${selfClosing ? '/' : ''}>`,
    });
    if (!selfClosing) open.push(name);
  }
  flushText();
  while (open.length > 0) tokens.push({ kind: 'tag', markup: `</${open.pop()}>` });
  return tokens;
}

/**
 * Reduces SSML to the subset espeak-ng is given: `speak`, `break` (time, strength), `prosody`
 * (rate, pitch, volume), `say-as` (interpret-as, format, detail), `p` and `s`, always as one
 * well-formed `<speak>` document: unknown elements, comments and processing instructions are
 * removed (their text kept), attributes outside the subset or with unexpected values dropped,
 * unclosed elements closed, stray `<` and `&` escaped.
 */
export function sanitizeSsml(ssml: string): string {
  return renderSsml(ssmlTokens(ssml), (text) => text);
}

/** Joins tokens into one `<speak>` document, transforming the text pieces. */
export function renderSsml(tokens: SsmlToken[], transformText: (text: string) => string): string {
  const body = tokens.map((t) => (t.kind === 'tag' ? t.markup : transformText(t.text))).join('');
  return `<speak>${body}</speak>`;
}

// ---- Mandarin --------------------------------------------------------------------------------

type PinyinModule = typeof import('pinyin-pro');
let pinyinModule: Promise<PinyinModule> | undefined;

/**
 * pinyin-pro and its dictionary take 70 ms (idle machine) to several hundred (busy one) to
 * load: done when Mandarin is first spoken, or ahead of time by calling this at start-up.
 */
export function loadPinyin(): Promise<PinyinModule> {
  pinyinModule ??= import('pinyin-pro');
  return pinyinModule;
}

const FULL_WIDTH_PUNCTUATION: Record<string, string> = {
  '，': ', ',
  '、': ', ',
  '。': '. ',
  '．': '. ',
  '！': '! ',
  '？': '? ',
  '；': '; ',
  '：': ': ',
  '（': ' (',
  '）': ') ',
  '“': ' "',
  '”': '" ',
};

/**
 * Turns Mandarin text into what espeak-ng's `cmn-latn-pinyin` voice reads: pinyin syllables
 * with tone numbers 1–4 and 5 for the neutral tone (`你好，欢迎。` → `ni3 hao3, huan1 ying2.`).
 * pinyin-pro picks readings by context (银行 háng, 行长 zhǎng) and applies the 一/不 sandhi;
 * espeak-ng applies the third-tone sandhi itself. Latin text and digits pass through (espeak-ng
 * reads digits as Mandarin numbers).
 */
export async function toNumberedPinyin(text: string): Promise<string> {
  if (!HAN.test(text)) return text;
  const { pinyin } = await loadPinyin();
  const parts: string[] = [];
  let run = '';
  for (const item of pinyin(text, { type: 'all', toneType: 'num', v: true })) {
    if (item.isZh && /^[a-zv]+[0-5]$/.test(item.pinyin)) {
      if (run) parts.push(run);
      run = '';
      // espeak-ng reads a syllable without a number as tone 1; pinyin-pro writes neutral as 0.
      parts.push(item.pinyin.replace(/0$/, '5'));
    } else {
      run += FULL_WIDTH_PUNCTUATION[item.origin] ?? item.origin;
    }
  }
  if (run) parts.push(run);
  return parts
    .join(' ')
    .replace(/\s+([,.!?;:)"])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
