/**
 * Tokens for classifying Chinese text: every Han character and every pair of neighbours, plus
 * Latin words and digit groups. Character unigrams and bigrams are the usual features for short
 * Chinese texts; they need no word dictionary, so training stays fast and typos in one
 * character still leave most features intact (nlp.js's own Chinese segmenter compiles a 9 MB
 * dictionary on first use, about two seconds, and prints while doing it).
 */

const RUN_RE = /\p{Script=Han}+|[a-z0-9]+/gu;

/** "我要报案 ok" → 我 要 报 案 我要 要报 报案 ok. */
export function chineseTokens(text: string): string[] {
  const out: string[] = [];
  for (const [run] of text.toLowerCase().matchAll(RUN_RE)) {
    if (!/^\p{Script=Han}/u.test(run)) {
      out.push(run);
      continue;
    }
    const chars = [...run];
    out.push(...chars);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** The same as an nlp.js tokenizer plugin (registered as `tokenizer-zh` in a container). */
export const chineseTokenizer = {
  name: 'tokenizer-zh',
  tokenize: (text: string): string[] => chineseTokens(text),
};
