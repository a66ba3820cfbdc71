/**
 * What the NLU hands to flows, script trees and agents: the intent, the entities found in the
 * text and its sentiment. Plain data, so results can be logged (under `pii`), stored and sent
 * over the API as they are.
 */

/** One entity found in an utterance. `start`/`end` are UTF-16 offsets into the text. */
export interface NluEntity {
  /** Built-in kind (`number`, `phone`, `email`, `amount`, `date`, `order_id`, `policy_id`) or a custom entity's name. */
  type: string;
  /** The words as they appear in the text. */
  text: string;
  /** Canonical value: digits for numbers, `YYYY-MM-DD` for dates, the enum's canonical value. */
  value: string | number;
  start: number;
  end: number;
}

/** How the caller sounds, from a lexicon: good enough to route an angry caller to a person. */
export interface Sentiment {
  /** -1 (very negative) .. 1 (very positive). */
  score: number;
  label: 'negative' | 'neutral' | 'positive';
  /** The strongest emotion the words point to, when any does. */
  emotion?: 'angry' | 'anxious' | 'sad' | 'happy' | 'neutral';
}

/** One parsed utterance. */
export interface NluResult {
  text: string;
  /** The model language that parsed it (BCP 47, e.g. `zh-CN`). */
  language: string;
  /** The best intent, or the model's fallback intent when `fallback` is true. */
  intent: string;
  /** The classifier's confidence in its best intent, 0..1 (also when it fell back). */
  score: number;
  /** True when no intent reached the model's threshold. */
  fallback: boolean;
  entities: NluEntity[];
  sentiment: Sentiment;
}

/** What flows, script trees and agents call; `Nlu` is the offline implementation. */
export interface IntentClassifier {
  /** Classifies `text` with the model for `language` (default: the first model's). */
  parse(text: string, language?: string): Promise<NluResult>;
  /** The languages there are models for, as given in the models. */
  languages(): string[];
}
