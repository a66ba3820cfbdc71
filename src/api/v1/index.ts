/**
 * The configuration and read routes of the /v1 API, one module per resource. Every route is a
 * route-kit declaration, so validation, scopes, error mapping and the OpenAPI document come
 * from one place.
 */
import type { Store } from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { registerApiKeyRoutes } from './api-keys.js';
import { registerCallRoutes } from './calls.js';
import { registerConversationRoutes } from './conversations.js';
import { registerDialogDocumentRoutes, type DialogValidators } from './dialog-documents.js';
import { registerDispatchRuleRoutes } from './dispatch-rules.js';
import { registerRegistrationRoutes, type RegistrationView } from './registrations.js';
import { registerTrunkRoutes } from './trunks.js';
import { registerWebhookRoutes } from './webhooks.js';

export { API_INFO, registerDocs, renderDocsPage } from './docs.js';
export type { RegistrationView } from './registrations.js';
export type { DialogValidators, Validate } from './dialog-documents.js';

/** What the /v1 routes need from the app. */
export interface V1Deps {
  store: Store;
  /** The SIP registrar's current bindings; without it `/v1/registrations` lists nothing. */
  registrations?: () => Promise<RegistrationView[]>;
  /**
   * The event types the server publishes. When given, a webhook's `events` must each name or
   * match one of them (a typo is refused rather than silently never delivered).
   */
  eventTypes?: readonly string[];
  /**
   * The dialog room's document validators; without them the /v1/flows, /v1/agents,
   * /v1/intents and /v1/scripts routes are not registered.
   */
  dialogValidators?: DialogValidators;
}

/** Registers every /v1 configuration and read route on `router`. */
export function registerV1Routes(router: ApiRouter, deps: V1Deps): void {
  registerTrunkRoutes(router, deps.store);
  registerDispatchRuleRoutes(router, deps.store);
  registerCallRoutes(router, deps.store);
  registerConversationRoutes(router, deps.store);
  registerApiKeyRoutes(router, deps.store);
  registerWebhookRoutes(router, deps.store, deps.eventTypes);
  registerRegistrationRoutes(router, deps.registrations);
  if (deps.dialogValidators) {
    registerDialogDocumentRoutes(router, deps.store, deps.dialogValidators);
  }
}
