import { describe, expect, it } from 'vitest';
import { DEMO_INTENTS_EN } from './data/demo-intents.en.js';
import { DEMO_INTENTS_ZH } from './data/demo-intents.zh.js';
import { DEMO_INTENT_MODELS } from './data/demo-intent-models.js';
import { HELD_OUT_EN } from './data/held-out.en.js';
import { HELD_OUT_ZH } from './data/held-out.zh.js';
import { evaluateIntents, labelled } from './evaluate-intents.js';
import { validateIntentModel } from './intent-model.js';
import { Nlu } from './nlu.js';

const INTENTS = [
  'greeting',
  'goodbye',
  'affirm',
  'deny',
  'repeat',
  'human',
  'file_claim',
  'claim_status',
  'policy_question',
  'complaint',
  'menu_agent',
  'menu_queue',
];

const SETS = [
  { language: 'en-US', training: DEMO_INTENTS_EN, heldOut: HELD_OUT_EN },
  { language: 'zh-CN', training: DEMO_INTENTS_ZH, heldOut: HELD_OUT_ZH },
];

/** How utterances compare: case, spaces and punctuation do not make a sentence new. */
function key(text: string): string {
  return text.toLowerCase().replace(/[\s\p{P}]+/gu, '');
}

describe('demo intent data', () => {
  it('the demo models are valid and cover the same twelve intents', () => {
    for (const model of DEMO_INTENT_MODELS) {
      expect(validateIntentModel(model).ok).toBe(true);
      expect(model.intents.map((i) => i.name)).toEqual(INTENTS);
    }
    expect(DEMO_INTENT_MODELS.map((m) => m.language)).toEqual(['en-US', 'zh-CN']);
  });

  it.each(SETS)(
    '$language: enough training and held-out utterances per intent',
    ({ training, heldOut }) => {
      expect(Object.keys(heldOut)).toEqual(INTENTS);
      for (const intent of INTENTS) {
        expect(training[intent]!.length, intent).toBeGreaterThanOrEqual(15);
        expect(heldOut[intent]!.length, intent).toBeGreaterThanOrEqual(8);
        expect(new Set(training[intent]!.map(key)).size, `${intent} duplicates`).toBe(
          training[intent]!.length,
        );
      }
      expect(labelled(heldOut).length).toBeGreaterThanOrEqual(110);
    },
  );

  it.each(SETS)(
    '$language: no held-out utterance is a training utterance',
    ({ training, heldOut }) => {
      const trained = new Set(labelled(training).map((u) => key(u.text)));
      const leaked = labelled(heldOut).filter((u) => trained.has(key(u.text)));
      expect(leaked).toEqual([]);
      const heldKeys = labelled(heldOut).map((u) => key(u.text));
      expect(new Set(heldKeys).size).toBe(heldKeys.length);
    },
  );
});

describe('demo intent accuracy', () => {
  it.each(SETS)('$language: held-out accuracy is at least 0.90', async ({ language, heldOut }) => {
    const nlu = await Nlu.train(DEMO_INTENT_MODELS);
    const result = await evaluateIntents(nlu, language, labelled(heldOut));
    const misses = result.confusions.map(
      (c) => `${c.expected} → ${c.got}: ${c.examples.join(' | ')}`,
    );
    expect(result.accuracy, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  });
});
