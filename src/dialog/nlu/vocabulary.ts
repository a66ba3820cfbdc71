/**
 * The content words a model was trained on, to tell an utterance about something else from one
 * the model knows. nlp.js spreads its confidence over the trained intents, so "can you order me
 * a pizza" can score 1.0 for `human` on the strength of "can you ... me"; when most of an
 * utterance's content words were never seen in training, the parse falls back instead.
 */

// Function words carry no topic: they are left out of the share on both sides.
const EN_STOP_WORDS = new Set(
  (
    'a an the i me my mine you your we our us it its this that these those is am are was were be ' +
    'been being do does did have has had to of in on at for with and or but so if then than as by ' +
    'from up about into over can could would should will shall may might must please um uh er oh ' +
    'ok okay well just yes no not what which who whom when where why how there here some any all ' +
    "i'm it's that's don't im its thats dont i'd i'll let let's lets get got go going want wanna " +
    'need like would'
  ).split(' '),
);
// Particles and the commonest function characters: they join any topic's words.
const ZH_FUNCTION_CHARS = /[啊呀吧呢吗嘛啦哦哈嗯了的么呗哇喔]/gu;
const HAN_RUN_RE = /\p{Script=Han}+/gu;
const LATIN_WORD_RE = /[a-z]+(?:'[a-z]+)?/g;

function stem(word: string): string {
  if (word.length <= 4) return word;
  return word.replace(/(?:ing|ed|es|s)$/, '');
}

/**
 * Content tokens: Latin words (stop words left out, crude suffix stemming) and pairs of
 * neighbouring Han characters (a lone character when the run is one character long).
 */
export function contentTokens(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (const [word] of lower.matchAll(LATIN_WORD_RE)) {
    if (!EN_STOP_WORDS.has(word)) out.push(stem(word));
  }
  for (const [run] of lower.replace(ZH_FUNCTION_CHARS, ' ').matchAll(HAN_RUN_RE)) {
    const chars = [...run];
    if (chars.length === 1) out.push(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** The content tokens of a model's training utterances. */
export class Vocabulary {
  private readonly known = new Set<string>();

  constructor(utterances: Iterable<string>) {
    for (const u of utterances) {
      for (const token of contentTokens(u)) this.known.add(token);
      // Lone characters ("一", "二" for a menu) are matched against every character seen.
      for (const [run] of u.matchAll(HAN_RUN_RE)) for (const c of run) this.known.add(c);
    }
  }

  /** Share of `text`'s content tokens seen in training, or undefined when it has none. */
  knownShare(text: string): number | undefined {
    const tokens = contentTokens(text);
    if (tokens.length === 0) return undefined;
    return tokens.filter((t) => this.known.has(t)).length / tokens.length;
  }
}
