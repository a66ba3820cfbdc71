/**
 * Intent accuracy over a labelled set: overall and per intent, how often it fell back, which
 * intents it confused, and how long each parse took. Used by the accuracy test and the
 * `bench:nlu` report, so both measure the same thing.
 */
import { performance } from 'node:perf_hooks';
import type { IntentClassifier } from './nlu-result.js';

/** An utterance and the intent it should get. */
export interface LabelledUtterance {
  text: string;
  intent: string;
}

/** One expected → got pair that went wrong, with how often and examples. */
export interface IntentConfusion {
  expected: string;
  got: string;
  count: number;
  examples: string[];
}

/** What `evaluateIntents` measured. */
export interface IntentEvaluation {
  language: string;
  utterances: number;
  correct: number;
  accuracy: number;
  /** Share of utterances that got the fallback intent. */
  fallbackRate: number;
  perIntent: Record<string, { utterances: number; correct: number; accuracy: number }>;
  /** Most frequent first. */
  confusions: IntentConfusion[];
  /** Wall time of each parse, in the order of `samples`. */
  parseMicros: number[];
}

/** Groups `{ intent: [utterances] }` into labelled utterances. */
export function labelled(
  byIntent: Readonly<Record<string, readonly string[]>>,
): LabelledUtterance[] {
  return Object.entries(byIntent).flatMap(([intent, texts]) =>
    texts.map((text) => ({ text, intent })),
  );
}

/** Parses every sample with `classifier` in `language` and scores the intents. */
export async function evaluateIntents(
  classifier: IntentClassifier,
  language: string,
  samples: readonly LabelledUtterance[],
): Promise<IntentEvaluation> {
  const perIntent: IntentEvaluation['perIntent'] = {};
  const confusions = new Map<string, IntentConfusion>();
  const parseMicros: number[] = [];
  let correct = 0;
  let fallbacks = 0;
  for (const sample of samples) {
    const started = performance.now();
    const result = await classifier.parse(sample.text, language);
    parseMicros.push((performance.now() - started) * 1000);
    const slot = (perIntent[sample.intent] ??= { utterances: 0, correct: 0, accuracy: 0 });
    slot.utterances += 1;
    if (result.fallback) fallbacks += 1;
    if (result.intent === sample.intent) {
      correct += 1;
      slot.correct += 1;
      continue;
    }
    const key = `${sample.intent}\u0000${result.intent}`;
    const confusion = confusions.get(key) ?? {
      expected: sample.intent,
      got: result.intent,
      count: 0,
      examples: [],
    };
    confusion.count += 1;
    confusion.examples.push(sample.text);
    confusions.set(key, confusion);
  }
  for (const slot of Object.values(perIntent)) slot.accuracy = slot.correct / slot.utterances;
  const n = samples.length;
  return {
    language,
    utterances: n,
    correct,
    accuracy: n === 0 ? 0 : correct / n,
    fallbackRate: n === 0 ? 0 : fallbacks / n,
    perIntent,
    confusions: [...confusions.values()].sort((a, b) => b.count - a.count),
    parseMicros,
  };
}
