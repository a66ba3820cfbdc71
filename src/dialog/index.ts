/**
 * The dialog room: what the bot says and does. Flows (verbs run over a FlowIO: a phone call
 * or the text channel), the offline NLU, script trees, AI agents (offline or on an
 * OpenAI-compatible language model, with tools and knowledge), claim schemas, conversation
 * state with persistence and resume, the chat sessions of the text channel, and the demo
 * tenant's documents. Other rooms import it only through this index.
 */
export * from './problems.js';
export { DIALOG_VALIDATORS, type DocumentValidator } from './validators.js';
export * from './flows/index.js';
export * from './chat/index.js';
export { textAgentHost } from './chat/text-agent-host.js';
export {
  BUILT_IN_ENTITY_TYPES,
  DEMO_INTENT_MODELS,
  Nlu,
  extractEntities,
  sentimentOf,
  validateIntentModel,
  type IntentClassifier,
  type IntentModel,
  type NluEntity,
  type NluResult,
  type Sentiment,
} from './nlu/index.js';
export {
  DEMO_SALES_SCRIPT,
  DEMO_SERVICE_SCRIPT,
  ScriptRunner,
  validateScriptTree,
  type ScriptTree,
} from './scripts/index.js';
export {
  Claim,
  DEMO_CLAIM_SCHEMA,
  normaliseClaimValue,
  validateClaimSchema,
  type ClaimField,
  type ClaimSchema,
} from './claims/index.js';
export {
  ConversationManager,
  extractiveSynthesis,
  nextState,
  type ConversationManagerOptions,
} from './conversation/index.js';
export {
  LLM_PRESETS,
  OpenAiCompatibleLlm,
  llmFromEnv,
  runLlmTurn,
  type OpenAiCompatibleLlmOptions,
} from './llm/index.js';
export {
  BUILT_IN_TOOL_NAMES,
  builtInTools,
  httpTool,
  validateHttpToolDefinition,
  type HttpToolDefinition,
  type Tool,
} from './tools/index.js';
export { KnowledgeBase } from './knowledge/index.js';
export {
  isDocumentName,
  validateAgentDefinition,
  type AgentDefinitionDocument,
} from './agents/agent-definition.js';
export type { AgentEvent } from './agents/agent-conversation.js';
export {
  DialogAgents,
  type AgentOpenRequest,
  type DialogAgentsOptions,
  type OpenedConversation,
} from './agents/dialog-agents.js';
export { VoiceFlows, type FlowCallContext, type VoiceFlowsOptions } from './voice/voice-flows.js';
export { VoiceFlowIO, type VoiceFlowIOOptions } from './voice/voice-flow-io.js';
export { voiceAgentCatalog, sessionTimeoutsOf } from './voice/voice-agent-catalog.js';
export { listenForSpeech, type HeardSpeech, type ListenOptions } from './voice/speech-listener.js';
export {
  DEMO_CLAIMS_AGENT,
  DEMO_DIALOG_DOCUMENTS,
  DEMO_IVR,
  DEMO_IVR_NAME,
  writeDemoDialogDocuments,
} from './demo/demo-documents.js';
