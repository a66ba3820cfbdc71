/**
 * Lexicon-based sentiment and emotion for English and Chinese, offline and in microseconds:
 * enough for a flow to hand an angry caller to a person or to log how a call went. Handles
 * negation ("not happy", "不满意"), intensifiers ("very", "非常") and exclamation marks.
 */
import type { Sentiment } from './nlu-result.js';
import {
  EN_INTENSIFIERS,
  EN_LEXICON,
  EN_NEGATORS,
  ZH_INTENSIFIERS,
  ZH_LEXICON,
  ZH_NEGATORS,
  type LexiconEmotion,
  type LexiconEntry,
} from './sentiment-lexicon.js';

/** A sentiment word found, its weight after negation and intensifiers. */
interface Hit {
  weight: number;
  emotion?: LexiconEmotion;
  negated: boolean;
}

// VADER's normalisation: sum / sqrt(sum² + α) keeps a single strong word well inside (-1, 1).
const ALPHA = 15;
const LABEL_THRESHOLD = 0.2;
const NEGATION_FACTOR = -0.75;
const NEGATION_WINDOW_WORDS = 3;
const ZH_WINDOW_CHARS = 4;
const ZH_SOFTENERS = ['不太', '不是很', '不怎么', '不大', '不很'];
const SOFTENED_BOOST = 0.8;
const EN_PHRASE_MAX_WORDS = 3;
const ZH_MAX_ENTRY_CHARS = Math.max(...Object.keys(ZH_LEXICON).map((k) => k.length));

function englishHits(text: string): Hit[] {
  const hits: Hit[] = [];
  const tokens = text.toLowerCase().match(/[a-z]+(?:'[a-z]+)?|[.!?,;]/g) ?? [];
  let negateLeft = 0;
  let boost = 1;
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!;
    if (/^[.!?,;]$/.test(w)) {
      negateLeft = 0;
      boost = 1;
      continue;
    }
    let entry: LexiconEntry | undefined;
    let used = 1;
    for (let n = EN_PHRASE_MAX_WORDS; n >= 1 && !entry; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      if (EN_LEXICON[phrase]) {
        entry = EN_LEXICON[phrase];
        used = n;
      }
    }
    if (entry) {
      if (entry[0] !== 0) {
        const negated = negateLeft > 0;
        hits.push({
          weight: entry[0] * boost * (negated ? NEGATION_FACTOR : 1),
          emotion: entry[1],
          negated,
        });
      }
      negateLeft = 0;
      boost = 1;
      i += used - 1;
      continue;
    }
    if (EN_NEGATORS.has(w) || w.endsWith("n't")) {
      negateLeft = NEGATION_WINDOW_WORDS;
      continue;
    }
    const intensity = EN_INTENSIFIERS[w];
    if (intensity) {
      boost = intensity;
      continue;
    }
    if (negateLeft > 0) negateLeft -= 1;
    boost = 1;
  }
  return hits;
}

function chineseHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i < text.length;) {
    let entry: LexiconEntry | undefined;
    let len = 0;
    for (let n = Math.min(ZH_MAX_ENTRY_CHARS, text.length - i); n >= 1 && !entry; n--) {
      const e = ZH_LEXICON[text.slice(i, i + n)];
      if (e) {
        entry = e;
        len = n;
      }
    }
    if (!entry) {
      i += 1;
      continue;
    }
    if (entry[0] !== 0) {
      // The clause before the word: negators and intensifiers count only within it.
      const before = text
        .slice(Math.max(0, i - ZH_WINDOW_CHARS), i)
        .split(/[，。！？、,.!?;；\s]/)
        .pop()!;
      const negated = ZH_NEGATORS.some((n) => before.includes(n));
      const intensifier = Object.keys(ZH_INTENSIFIERS)
        .sort((a, b) => b.length - a.length)
        .find((k) => before.endsWith(k));
      // "不太满意" is milder than "不满意": an intensifier under negation softens.
      const softened = negated && ZH_SOFTENERS.some((k) => before.endsWith(k));
      const boost = softened ? SOFTENED_BOOST : intensifier ? ZH_INTENSIFIERS[intensifier]! : 1;
      hits.push({
        weight: entry[0] * boost * (negated ? NEGATION_FACTOR : 1),
        emotion: entry[1],
        negated,
      });
    }
    i += len;
  }
  return hits;
}

/**
 * Sentiment of one utterance. Chinese text (any Han character) uses the Chinese lexicon, other
 * text the English one, so a mixed-language caller is read by what they actually said.
 */
export function sentimentOf(text: string, language: string): Sentiment {
  const zh = language.toLowerCase().startsWith('zh') || /\p{Script=Han}/u.test(text);
  const hits = zh ? [...chineseHits(text), ...englishHits(text)] : englishHits(text);
  const exclamations = Math.min(3, (text.match(/[!！]/g) ?? []).length);
  const sum = hits.reduce((s, h) => s + h.weight, 0) * (1 + 0.1 * exclamations);
  const score = sum === 0 ? 0 : Math.round((sum / Math.sqrt(sum * sum + ALPHA)) * 1000) / 1000;
  const label =
    score >= LABEL_THRESHOLD ? 'positive' : score <= -LABEL_THRESHOLD ? 'negative' : 'neutral';
  if (label === 'neutral') return { score, label, emotion: 'neutral' };
  const byEmotion = new Map<LexiconEmotion, number>();
  for (const h of hits) {
    // A negated word says what the caller is not ("not angry"): no emotion from it.
    if (h.negated || !h.emotion) continue;
    if (h.weight < 0 !== (label === 'negative')) continue;
    byEmotion.set(h.emotion, (byEmotion.get(h.emotion) ?? 0) + Math.abs(h.weight));
  }
  let emotion: Sentiment['emotion'] = label === 'negative' ? 'sad' : 'happy';
  let best = 0;
  for (const [e, w] of byEmotion) {
    if (w > best) [emotion, best] = [e, w];
  }
  return { score, label, emotion };
}
