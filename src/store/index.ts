/**
 * The persistent store: control-plane data (trunks, dispatch rules, call history and voice-bot
 * turns, API keys, webhooks, dialog documents and conversations) in PostgreSQL, embedded (PGlite) or external. Open it with
 * {@link openStore}.
 */
export { MIGRATIONS_FOLDER, openStore } from './database.js';
export type { Repositories, Store, StoreOptions } from './database.js';
export { ConflictError, NotFoundError, ValidationError } from './errors.js';
export { ID_PREFIX } from './ids.js';
export { API_KEY_PREFIX, hashApiKey } from './repositories/api-keys.js';
export type { ApiKeyRepository, CreatedApiKey } from './repositories/api-keys.js';
export type {
  CallInput,
  CallPage,
  CallPatch,
  CallRepository,
  ListCallsQuery,
  ParticipantInput,
  ParticipantPatch,
} from './repositories/calls.js';
export type {
  ConversationInput,
  ConversationMessageInput,
  ConversationPatch,
  ConversationRepository,
} from './repositories/conversations.js';
export { DIALOG_DOCUMENT_KINDS, DIALOG_DOCUMENT_NAME } from './repositories/dialog-documents.js';
export type { DialogDocumentRepository } from './repositories/dialog-documents.js';
export type {
  DispatchRuleInput,
  DispatchRulePatch,
  DispatchRuleRepository,
} from './repositories/dispatch-rules.js';
export type {
  InboundTrunkInput,
  InboundTrunkPatch,
  OutboundTrunkInput,
  OutboundTrunkPatch,
  TrunkRepository,
} from './repositories/trunks.js';
export type { VoiceTurnInput, VoiceTurnRepository } from './repositories/voice-turns.js';
export type {
  DeliveryInput,
  DeliveryPatch,
  ListDeliveriesQuery,
  WebhookInput,
  WebhookPatch,
  WebhookRepository,
} from './repositories/webhooks.js';
export type * from './model.js';
// The cache and event bus (src/store/cache/), so other rooms reach them through this index.
export * from './cache/index.js';
