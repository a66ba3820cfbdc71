/**
 * Script trees (话术树): what an offline agent says node by node, driven by NLU intents. The
 * model and its helpers, the validator, the runner and the demo tenant's scripts.
 */
export {
  DEFAULT_OBJECTION_MAX_TIMES,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_LINES,
  FALLBACK_INTENT,
  HUMAN_INTENT,
  PLACEHOLDER_NAME_RE,
  PLACEHOLDER_RE,
  REPEAT_INTENT,
  WILDCARD_INTENT,
  defaultRetryLine,
  isPassThrough,
  isTerminal,
  pickLine,
  renderPlaceholders,
  resolveLanguage,
  transferNodeOf,
  type Objection,
  type ScriptNode,
  type ScriptTree,
} from './script-tree.js';
export {
  validateScriptTree,
  type ScriptProblem,
  type ScriptTreeValidation,
} from './validate-script-tree.js';
export {
  ScriptRunner,
  type ScriptInput,
  type ScriptReason,
  type ScriptRunnerOptions,
  type ScriptState,
  type ScriptStep,
} from './script-runner.js';
export { DEMO_SALES_SCRIPT, DEMO_SERVICE_SCRIPT } from './demo-scripts.js';
