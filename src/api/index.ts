/** HTTP API. */
export * from './http-server.js';
export * from './api-server.js';
export { ApiRouter, BadRequestError, type FieldIssue, type RouteSpec } from './route-kit.js';
export { registerV1Routes, type RegistrationView, type V1Deps } from './v1/index.js';
export { registerCallControlRoutes } from './v1/call-control.js';
export * from './events/index.js';
export { registerChatRoutes, registerChatSocket, type ChatService } from './v1/chat.js';
export type { DialogValidators, Validate } from './v1/dialog-documents.js';
