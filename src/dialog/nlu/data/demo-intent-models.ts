/**
 * The demo tenant's intent models (insurance call center), English and Chinese, built from the
 * training utterances in demo-intents.{en,zh}.ts.
 */
import type { IntentModel } from '../intent-model.js';
import { DEMO_INTENTS_EN } from './demo-intents.en.js';
import { DEMO_INTENTS_ZH } from './demo-intents.zh.js';

function intentsOf(byIntent: Readonly<Record<string, readonly string[]>>): IntentModel['intents'] {
  return Object.entries(byIntent).map(([name, utterances]) => ({ name, utterances: [...utterances] }));
}

/** The demo tenant's intents: `en-US` then `zh-CN`, the same twelve intent names in both. */
export const DEMO_INTENT_MODELS: IntentModel[] = [
  { language: 'en-US', threshold: 0.5, fallbackIntent: 'None', intents: intentsOf(DEMO_INTENTS_EN) },
  { language: 'zh-CN', threshold: 0.5, fallbackIntent: 'None', intents: intentsOf(DEMO_INTENTS_ZH) },
];
