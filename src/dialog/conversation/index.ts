/**
 * Conversations: the state machine, the manager that persists every turn and resumes callers
 * who come back, and the extractive end-of-conversation synthesis.
 *
 * @module
 */
export {
  CONVERSATION_EVENTS,
  CONVERSATION_STATES,
  InvalidTransitionError,
  isFinished,
  nextState,
} from './conversation-state.js';
export type { ConversationEvent } from './conversation-state.js';
export { ConversationManager, conversationCacheKey } from './conversation-manager.js';
export type {
  ConversationManagerOptions,
  OpenConversationRequest,
  OpenedConversation,
} from './conversation-manager.js';
export { extractiveSynthesis } from './extractive-synthesis.js';
export type { ExtractiveSynthesisInput } from './extractive-synthesis.js';
export { llmSynthesis } from './llm-synthesis.js';
