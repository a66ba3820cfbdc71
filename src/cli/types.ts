/**
 * The JSON shapes the API answers with, as the CLI sees them. They mirror src/store/model.ts,
 * but the CLI may not import the store (it talks to a server, possibly of another version), so
 * it keeps its own copy: times are ISO strings on the wire, credentials come back as
 * `{ username, passwordSet }` and secrets are never returned. Every field the CLI does not
 * strictly need is optional, so an older or newer server still renders.
 */

/** Credentials as the API shows them: the password is write-only. */
export interface WireCredentials {
  username: string;
  passwordSet?: boolean;
}

/** An inbound trunk. */
export interface WireInboundTrunk {
  id: string;
  name: string;
  numbers?: string[];
  allowedAddresses?: string[];
  credentials?: WireCredentials;
  headerAttributes?: Record<string, string>;
  maxConcurrentCalls?: number;
  createdAt?: string;
  updatedAt?: string;
}

/** An outbound trunk. */
export interface WireOutboundTrunk {
  id: string;
  name: string;
  address?: string;
  transport?: string;
  numbers?: string[];
  credentials?: WireCredentials;
  headers?: Record<string, string>;
  maxConcurrentCalls?: number;
  allowedDestinationPrefixes?: string[];
  createdAt?: string;
  updatedAt?: string;
}

/** What a dispatch rule does (a tagged union on the server; loose here). */
export interface WireDispatchAction {
  type: string;
  [field: string]: unknown;
}

/** A dispatch rule. */
export interface WireDispatchRule {
  id: string;
  name: string;
  priority?: number;
  enabled?: boolean;
  trunkIds?: string[];
  calledNumber?: string;
  callingNumber?: string;
  timeWindows?: unknown[];
  action?: WireDispatchAction;
  createdAt?: string;
  updatedAt?: string;
}

/** A call. */
export interface WireCall {
  id: string;
  direction?: string;
  state?: string;
  caller?: string;
  callee?: string;
  trunkId?: string;
  ruleId?: string;
  matchExplanation?: string[];
  attributes?: Record<string, string>;
  endReason?: string;
  sipStatus?: number;
  createdAt?: string;
  answeredAt?: string;
  endedAt?: string;
}

/** One party of a call. */
export interface WireParticipant {
  id: string;
  callId?: string;
  kind?: string;
  identity?: string;
  state?: string;
  room?: string;
  muted?: boolean;
  endReason?: string;
  sipStatus?: number;
  joinedAt?: string;
  answeredAt?: string;
  leftAt?: string;
}

/** An API key as listed (never the secret, never the hash). */
export interface WireApiKey {
  id: string;
  name?: string;
  scopes?: string[];
  prefix?: string;
  createdAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** A webhook subscription (the secret is write-only). */
export interface WireWebhook {
  id: string;
  url?: string;
  events?: string[];
  enabled?: boolean;
  createdAt?: string;
}

/** One delivery series of one event to one webhook. */
export interface WireDelivery {
  id: string;
  webhookId?: string;
  eventId?: string;
  eventType?: string;
  status?: string;
  attempts?: number;
  lastStatus?: number;
  lastError?: string;
  nextAttemptAt?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** A list answer. */
export interface WireList<T> {
  items: T[];
  nextCursor?: string;
}

/** An error answer. */
export interface WireError {
  error?: string;
  message?: string;
  issues?: Array<{ field?: string; message?: string }>;
}

/** A voice-bot turn as the API answers it (`GET /v1/calls/{id}/turns`). */
export interface WireVoiceTurn {
  id: string;
  index: number;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  latency: Record<string, number>;
  events: Array<Record<string, unknown>>;
  startedAt: string;
  endedAt?: string;
}
