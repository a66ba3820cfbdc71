/**
 * Flows: the document model and validator ({@link validateFlow}) and the engine that runs them
 * over a {@link FlowIO} ({@link FlowRunner}).
 */
export * from './flow-schema.js';
export {
  DEFAULT_MAX_STEPS,
  FlowRunner,
  type FlowOutcome,
  type FlowRunnerOptions,
  type FlowStepEvent,
} from './engine/flow-runner.js';
export type {
  AgentOutcome,
  CollectRequest,
  CollectResult,
  FlowIO,
  FlowRunContext,
} from './engine/flow-io.js';
export { UnknownAgentError, type AgentHost, type AgentSession } from './engine/agent-host.js';
export { FLOW_PHRASES, flowPhrasesFor, type FlowPhrases } from './engine/flow-phrases.js';
export type { FlowEndReason } from './engine/verb-handler.js';
export { evaluateCondition, localTime, inWindow } from './engine/conditions.js';
export { interpolate } from './engine/variables.js';
