/**
 * The text channel: flows and AI agents over chat messages ({@link TextFlowIO}) and the
 * sessions behind the chat API ({@link ChatSessions}).
 */
export {
  ChatSessions,
  DEFAULT_CHAT_IDLE_TIMEOUT_MS,
  type ChatEvent,
  type ChatReply,
  type ChatSessionView,
  type ChatSessionsOptions,
  type ChatStartRequest,
} from './chat-sessions.js';
export { ChatRequestError } from './chat-error.js';
export { TextFlowIO, type TextFlowIOOptions } from './text-flow-io.js';
export type { TextMessage } from './text-message.js';
export {
  converseWithAgent,
  type AgentConversationOptions,
  type TextTurns,
} from './agent-conversation.js';
