/**
 * What an agent knows: documents cut into passages and searched with BM25, so the model (the
 * `search_knowledge` tool) gets a few relevant paragraphs instead of a whole manual in its
 * prompt. In memory and rebuilt from the agent's documents at start-up: a few hundred pages
 * index in milliseconds, and a search is a walk over the query's postings.
 */
import { tokenize } from './tokenize.js';

/** A document to index. */
export interface KnowledgeDocument {
  /** Adding a document with an existing id replaces it. */
  id: string;
  title: string;
  text: string;
  /** BCP 47; kept with the passages for callers that filter by language. */
  language?: string;
}

/** One search hit: a passage of a document. */
export interface KnowledgePassage {
  docId: string;
  title: string;
  text: string;
  /** BM25 score; only comparable within one search. */
  score: number;
}

/** Passage size: about 80 words, where one CJK character counts 0.4 (≈200 characters). */
const PASSAGE_UNITS = 80;
const CJK_UNIT = 0.4;
/** A paragraph shorter than this (a heading, a one-liner) joins the next one's passage. */
const SHORT_PARAGRAPH_UNITS = 25;
const K1 = 1.2;
const B = 0.75;

const CJK_CHAR_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_END_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}。！？；，、：」』）]$/u;
const CJK_START_RE = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}「『（]/u;
const SENTENCE_RE = /[^]*?(?:[。！？；!?][”’」』）"')]*|[.!?]+["'”’)\]]*(?=\s)|$)/gu;

interface Passage {
  docId: string;
  title: string;
  text: string;
  language: string | undefined;
  termCounts: Map<string, number>;
  length: number;
}

/** An in-memory BM25 index (k1 1.2, b 0.75) over document passages. */
export class KnowledgeBase {
  private readonly passages = new Map<number, Passage>();
  private readonly byDoc = new Map<string, number[]>();
  private readonly postings = new Map<string, Set<number>>();
  private nextKey = 0;
  private totalLength = 0;

  /** Indexes a document (replacing one with the same id). */
  add(doc: KnowledgeDocument): void {
    this.remove(doc.id);
    const titleTokens = tokenize(doc.title);
    const keys: number[] = [];
    for (const text of splitPassages(doc.text)) {
      // The title's words count in every passage: "Claims – documents" should find the
      // passage that only says "bring your ID".
      const tokens = [...titleTokens, ...tokenize(text)];
      if (tokens.length === 0) continue;
      const termCounts = new Map<string, number>();
      for (const t of tokens) termCounts.set(t, (termCounts.get(t) ?? 0) + 1);
      const key = this.nextKey++;
      this.passages.set(key, {
        docId: doc.id,
        title: doc.title,
        text,
        language: doc.language,
        termCounts,
        length: tokens.length,
      });
      for (const term of termCounts.keys()) {
        let set = this.postings.get(term);
        if (!set) this.postings.set(term, (set = new Set()));
        set.add(key);
      }
      this.totalLength += tokens.length;
      keys.push(key);
    }
    this.byDoc.set(doc.id, keys);
  }

  /** Forgets a document; false when it was not indexed. */
  remove(id: string): boolean {
    const keys = this.byDoc.get(id);
    if (!keys) return false;
    for (const key of keys) {
      const passage = this.passages.get(key)!;
      for (const term of passage.termCounts.keys()) {
        const set = this.postings.get(term)!;
        set.delete(key);
        if (set.size === 0) this.postings.delete(term);
      }
      this.totalLength -= passage.length;
      this.passages.delete(key);
    }
    this.byDoc.delete(id);
    return true;
  }

  /** Number of documents indexed. */
  get size(): number {
    return this.byDoc.size;
  }

  /** Number of passages the documents were cut into. */
  get passageCount(): number {
    return this.passages.size;
  }

  /** The best passages for `query`, best first (default 3); none when no word matches. */
  search(query: string, options: { limit?: number } = {}): KnowledgePassage[] {
    const limit = Math.max(1, Math.floor(options.limit ?? 3));
    const n = this.passages.size;
    if (n === 0) return [];
    const averageLength = this.totalLength / n;
    const terms = [...new Set(tokenize(query))];
    const scores = new Map<number, number>();
    for (const term of terms) {
      const keys = this.postings.get(term);
      if (!keys) continue;
      const idf = Math.log(1 + (n - keys.size + 0.5) / (keys.size + 0.5));
      for (const key of keys) {
        const passage = this.passages.get(key)!;
        const tf = passage.termCounts.get(term)!;
        const norm = tf + K1 * (1 - B + (B * passage.length) / averageLength);
        scores.set(key, (scores.get(key) ?? 0) + (idf * tf * (K1 + 1)) / norm);
      }
    }
    return [...scores.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([key, score]) => {
        const p = this.passages.get(key)!;
        return { docId: p.docId, title: p.title, text: p.text, score };
      });
  }
}

/**
 * Cuts text into passages of about {@link PASSAGE_UNITS}: paragraphs stay together when they
 * fit, long ones are cut between sentences, and a sentence longer than a passage between
 * words.
 */
export function splitPassages(text: string): string[] {
  const passages: string[] = [];
  let current: string[] = [];
  let currentUnits = 0;
  const flush = (): void => {
    const joined = joinParts(current).trim();
    if (joined) passages.push(joined);
    current = [];
    currentUnits = 0;
  };
  for (const paragraph of text.split(/\n\s*\n/)) {
    const clean = paragraph.replace(/\s+/g, ' ').trim();
    if (!clean) continue;
    if (currentUnits >= SHORT_PARAGRAPH_UNITS) flush();
    for (const sentence of sentencesOf(clean)) {
      const units = unitsOf(sentence);
      if (currentUnits > 0 && currentUnits + units > PASSAGE_UNITS) flush();
      if (units > PASSAGE_UNITS) {
        for (const piece of cutLong(sentence)) {
          current.push(piece);
          flush();
        }
        continue;
      }
      current.push(sentence);
      currentUnits += units;
    }
  }
  flush();
  return passages;
}

/**
 * Sentences of a paragraph: cut after 。！？； (with closing quotes) and after . ! ? followed
 * by a space. A regular expression rather than ICU's sentence iterator, which slows down
 * more than linearly on long paragraphs; an abbreviation ("e.g. this") cut in two only moves
 * a passage boundary.
 */
function sentencesOf(paragraph: string): string[] {
  return (paragraph.match(SENTENCE_RE) ?? []).map((s) => s.trim()).filter(Boolean);
}

/** Joins sentences with a space, except between CJK sentences, which have none. */
function joinParts(parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (out && !(CJK_END_RE.test(out) && CJK_START_RE.test(part))) out += ' ';
    out += part;
  }
  return out;
}

/** Passage units of a text: its words, CJK characters at {@link CJK_UNIT} each. */
function unitsOf(text: string): number {
  let cjk = 0;
  for (const char of text) if (CJK_CHAR_RE.test(char)) cjk++;
  const words = text.replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu, ' ');
  return cjk * CJK_UNIT + words.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** A sentence longer than a passage, cut between words (or characters for CJK). */
function cutLong(sentence: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  let units = 0;
  const atoms =
    sentence.match(
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+\s*/gu,
    ) ?? [];
  for (const atom of atoms) {
    const u = CJK_CHAR_RE.test(atom) ? CJK_UNIT : 1;
    if (units + u > PASSAGE_UNITS && piece) {
      pieces.push(piece.trim());
      piece = '';
      units = 0;
    }
    piece += atom;
    units += u;
  }
  if (piece.trim()) pieces.push(piece.trim());
  return pieces;
}
