/**
 * The offline intent classifier: one nlp.js neural model per language, trained in memory from
 * intent models (never loaded from or saved to disk), plus built-in and custom entities and
 * lexicon sentiment on every parse.
 */
import { containerBootstrap } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en';
import { Nlp } from '@nlpjs/nlp';
import { chineseTokenizer } from './chinese-tokens.js';
import { compileCustomEntities, type CustomEntityMatcher } from './custom-entities.js';
import { extractEntities, resolveOverlaps, BUILT_IN_ENTITY_PRIORITY } from './extract-entities.js';
import {
  DEFAULT_FALLBACK_INTENT,
  DEFAULT_INTENT_THRESHOLD,
  validateIntentModel,
  type IntentModel,
} from './intent-model.js';
import type { IntentClassifier, NluResult } from './nlu-result.js';
import { sentimentOf } from './sentiment-of.js';
import { Vocabulary } from './vocabulary.js';

/** Settings for `Nlu.train` besides the models. */
export interface NluOptions {
  /** IANA zone whose calendar relative dates are read in; default: the process's zone. */
  timeZone?: string;
  /** The clock relative dates count from; default: the system clock. */
  now?: () => Date;
}

interface TrainedLanguage {
  language: string;
  primary: string;
  threshold: number;
  fallbackIntent: string;
  nlp: Nlp;
  customEntities: CustomEntityMatcher;
  entityPriority: string[];
  vocabulary: Vocabulary;
}

/** At most a third of its content words known: the utterance is about something else, fallback. */
const MIN_KNOWN_SHARE = 0.34;

/** nlp.js's NLU defaults with its per-epoch console logging turned off. */
const NLU_SETTINGS = {
  keepStopwords: true,
  nonefeatureValue: 1,
  nonedeltaMultiplier: 1.2,
  spellCheck: true,
  spellCheckDistance: 1,
  filterZeros: true,
  log: false,
};

function primarySubtag(language: string): string {
  return language.split('-')[0]!.toLowerCase();
}

async function trainLanguage(model: IntentModel): Promise<TrainedLanguage> {
  const primary = primarySubtag(model.language);
  const container = containerBootstrap();
  if (primary === 'en') container.use(LangEn);
  if (primary === 'zh') container.register('tokenizer-zh', chineseTokenizer, true);
  // Registered before Nlp exists, so its own defaults (which log every epoch) do not apply.
  container.registerConfiguration('nlu-??', NLU_SETTINGS, true);
  const nlp = new Nlp(
    {
      languages: [primary],
      autoSave: false,
      autoLoad: false,
      calculateSentiment: false,
      log: false,
    },
    container,
  );
  for (const intent of model.intents) {
    for (const utterance of intent.utterances) nlp.addDocument(primary, utterance, intent.name);
  }
  await nlp.train();
  const entities = model.entities ?? [];
  return {
    language: model.language,
    primary,
    threshold: model.threshold ?? DEFAULT_INTENT_THRESHOLD,
    fallbackIntent: model.fallbackIntent ?? DEFAULT_FALLBACK_INTENT,
    nlp,
    customEntities: compileCustomEntities(entities),
    // A model's own entities are deliberate: they win over a built-in reading of the same words.
    entityPriority: [...entities.map((e) => e.name), ...BUILT_IN_ENTITY_PRIORITY],
    vocabulary: new Vocabulary(model.intents.flatMap((i) => i.utterances)),
  };
}

/** Offline NLU over one trained model per language. */
export class Nlu implements IntentClassifier {
  private constructor(
    private readonly trained: TrainedLanguage[],
    private readonly options: NluOptions,
  ) {}

  /**
   * Trains one model per language (a few hundred ms for the demo models). Throws when a model
   * is invalid (the message lists the problems), when there is none, or when two share a tag.
   */
  static async train(models: IntentModel[], options: NluOptions = {}): Promise<Nlu> {
    if (models.length === 0) throw new Error('Nlu.train needs at least one intent model');
    const seen = new Set<string>();
    const trained: TrainedLanguage[] = [];
    for (const model of models) {
      const checked = validateIntentModel(model);
      if (!checked.ok) {
        const list = checked.problems.map((p) => `${p.path || '(model)'}: ${p.message}`).join('; ');
        throw new Error(`invalid intent model ${JSON.stringify(model?.language)}: ${list}`);
      }
      const tag = checked.value.language.toLowerCase();
      if (seen.has(tag))
        throw new Error(`two intent models for language "${checked.value.language}"`);
      seen.add(tag);
      trained.push(await trainLanguage(checked.value));
    }
    return new Nlu(trained, options);
  }

  /** The languages there are models for, in the order given to `train`. */
  languages(): string[] {
    return this.trained.map((t) => t.language);
  }

  /**
   * Classifies `text`. `language` picks the model: the same tag, else the same primary subtag
   * (`en-GB` → the `en-US` model), else the first model.
   */
  async parse(text: string, language?: string): Promise<NluResult> {
    const model = this.modelFor(language);
    const entities = resolveOverlaps(
      [
        ...model.customEntities(text),
        ...extractEntities(text, model.language, {
          now: this.options.now?.() ?? new Date(),
          timeZone: this.options.timeZone,
        }),
      ],
      model.entityPriority,
    );
    const sentiment = sentimentOf(text, model.language);
    let intent = model.fallbackIntent;
    let score = 0;
    if (text.trim() !== '') {
      const result = await model.nlp.process(model.primary, text);
      const best = result.classifications?.[0];
      if (best && best.intent !== 'None') {
        intent = best.intent;
        score = best.score;
      }
    }
    const known = model.vocabulary.knownShare(text);
    const fallback =
      intent === model.fallbackIntent ||
      score < model.threshold ||
      (known !== undefined && known < MIN_KNOWN_SHARE);
    return {
      text,
      language: model.language,
      intent: fallback ? model.fallbackIntent : intent,
      score,
      fallback,
      entities,
      sentiment,
    };
  }

  private modelFor(language: string | undefined): TrainedLanguage {
    const first = this.trained[0]!;
    if (language === undefined) return first;
    const tag = language.toLowerCase();
    return (
      this.trained.find((t) => t.language.toLowerCase() === tag) ??
      this.trained.find((t) => t.primary === primarySubtag(language)) ??
      first
    );
  }
}
