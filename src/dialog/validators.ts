/**
 * The validators of the four stored document kinds, in the one result shape the API and the
 * CLI report: a value on success, every problem with the path of its field otherwise.
 */
import { validateAgentDefinition } from './agents/agent-definition.js';
import { validateFlow } from './flows/flow-schema.js';
import { validateIntentModel } from './nlu/index.js';
import type { Validation } from './problems.js';
import { validateScriptTree } from './scripts/index.js';

/** A document kind's validator. */
export type DocumentValidator = (doc: unknown) => Validation<unknown>;

/** The validator of each stored kind: flows, agents, intent models and script trees. */
export const DIALOG_VALIDATORS: {
  flow: DocumentValidator;
  agent: DocumentValidator;
  intents: DocumentValidator;
  script: DocumentValidator;
} = {
  flow: (doc) => {
    const r = validateFlow(doc);
    return r.ok ? { ok: true, value: r.flow } : r;
  },
  agent: validateAgentDefinition,
  intents: validateIntentModel,
  script: validateScriptTree,
};
