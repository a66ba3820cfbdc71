/**
 * Offline NLU for the dialog room: intents (nlp.js, one model per language), built-in and
 * custom entities, and lexicon sentiment, for English and Chinese.
 */
export {
  BUILT_IN_ENTITY_TYPES,
  DEFAULT_FALLBACK_INTENT,
  DEFAULT_INTENT_THRESHOLD,
  validateIntentModel,
  type IntentModel,
  type IntentModelEntity,
  type IntentModelProblem,
  type IntentModelValidation,
} from './intent-model.js';
export type { IntentClassifier, NluEntity, NluResult, Sentiment } from './nlu-result.js';
export { Nlu, type NluOptions } from './nlu.js';
export { extractEntities, type ExtractEntitiesOptions } from './extract-entities.js';
export { sentimentOf } from './sentiment-of.js';
export { DEMO_INTENT_MODELS } from './data/demo-intent-models.js';
export {
  evaluateIntents,
  labelled,
  type IntentConfusion,
  type IntentEvaluation,
  type LabelledUtterance,
} from './evaluate-intents.js';
