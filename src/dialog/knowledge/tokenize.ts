/**
 * Tokens for the knowledge search, in English and Chinese alike. Text in scripts written
 * without spaces (Chinese, Japanese, Thai) goes through `Intl.Segmenter` (word granularity),
 * which with Node's full ICU splits Chinese by dictionary (`理赔需要哪些材料` → 理 赔 需要
 * 哪些 材料); other text is split into letter/digit runs. ICU leaves many domain words as
 * single characters (理 赔), so adjacent single CJK characters also give their bigram (理赔):
 * a query and a passage then match on the compound, not only on frequent characters. Without
 * dictionary segmentation (a small-ICU build) CJK runs are cut into characters, which gives
 * the same unigrams and bigrams.
 */

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_CHAR_RE = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
const PUNCTUATION_RE = /[\p{P}\p{S}]/gu;

/** Words too common to tell passages apart. Kept tiny: a question's words all matter. */
const STOP_WORDS = new Set([
  // English
  'a',
  'an',
  'the',
  'and',
  'or',
  'of',
  'to',
  'in',
  'on',
  'at',
  'by',
  'for',
  'with',
  'is',
  'are',
  'was',
  'were',
  'be',
  'it',
  'its',
  'this',
  'that',
  'i',
  'im',
  'me',
  'my',
  'you',
  'your',
  'we',
  'our',
  'do',
  'does',
  'can',
  'what',
  'how',
  // Chinese particles, pronouns and question words
  '的',
  '了',
  '吗',
  '呢',
  '吧',
  '啊',
  '呀',
  '是',
  '在',
  '和',
  '与',
  '及',
  '或',
  '请',
  '我',
  '你',
  '您',
  '我的',
  '您的',
  '什么',
  '哪些',
  '怎么',
  '如何',
]);

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Scripts written without spaces, which need ICU's dictionary to find words. Everything else
 * is split by a regular expression: ICU's segment iterator costs about 1 µs per character and
 * grows worse than linearly with the string's length.
 */
const DICTIONARY_RUN_RE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+/gu;
/** Longest run handed to the segmenter at once; a word cut at the seam is a rare small loss. */
const MAX_RUN_CHARS = 200;
const WORD_RE = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Whether this runtime's ICU segments Chinese into words (full ICU) or not. */
export const CJK_DICTIONARY_SEGMENTATION = [...segmenter.segment('我们今天准备材料')].some(
  (s) => s.segment.length > 1,
);

/**
 * Lower-cased, punctuation-free, lightly stemmed search tokens of `text`, in order, stop
 * words removed. `cjkDictionary: false` forces the character fallback (tests of small-ICU
 * behaviour).
 */
export function tokenize(text: string, options: { cjkDictionary?: boolean } = {}): string[] {
  const dictionary = options.cjkDictionary ?? CJK_DICTIONARY_SEGMENTATION;
  const words: string[] = [];
  const normalized = text.normalize('NFKC').toLowerCase();
  let at = 0;
  for (const run of normalized.matchAll(DICTIONARY_RUN_RE)) {
    wordsOf(normalized.slice(at, run.index), words);
    at = run.index + run[0].length;
    for (let start = 0; start < run[0].length; start += MAX_RUN_CHARS) {
      const piece = run[0].slice(start, start + MAX_RUN_CHARS);
      if (!dictionary) {
        words.push(...piece);
        continue;
      }
      for (const { segment, isWordLike } of segmenter.segment(piece)) {
        if (isWordLike) words.push(segment);
      }
    }
  }
  wordsOf(normalized.slice(at), words);
  const tokens: string[] = [];
  let previousSingle: string | undefined;
  for (const word of words) {
    // A stop character (的, 和, 请) joins nothing: 证和 would only add noise.
    const single = CJK_CHAR_RE.test(word) && !STOP_WORDS.has(word);
    if (!STOP_WORDS.has(word)) tokens.push(CJK_RE.test(word) ? word : stem(word));
    if (single && previousSingle !== undefined && !STOP_WORDS.has(previousSingle + word)) {
      tokens.push(previousSingle + word);
    }
    previousSingle = single ? word : undefined;
  }
  return tokens;
}

/** Words of text in spaced scripts, apostrophes dropped (I'm → im). */
function wordsOf(text: string, into: string[]): void {
  for (const match of text.matchAll(WORD_RE)) {
    const word = match[0].replace(PUNCTUATION_RE, '');
    if (word !== '') into.push(word);
  }
}

/**
 * Plural, -ing and -ed endings off, and a final `e`, so file/files/filing/filed meet at
 * `fil`. Deliberately crude: it only has to map a question's words and a passage's words to
 * the same token, never to produce real stems.
 */
function stem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) w = undouble(w.slice(0, -2));
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** running → runn → run; but fall/call/pass keep their pair. */
function undouble(w: string): string {
  return /([b-df-hj-kmnp-rtv-z])\1$/.test(w) ? w.slice(0, -1) : w;
}
