/**
 * The control plane's tables, as Drizzle `pg-core` definitions. drizzle-kit reads this file to
 * generate the SQL migrations in `./migrations/` (`npm run db:generate`); the repositories use
 * it to build queries. The same SQL runs on PGlite and on PostgreSQL.
 *
 * Conventions: text ids (prefixed, see ids.ts), `timestamptz` columns written from JS `Date`s
 * (millisecond precision, so keyset cursors made from a `Date` compare exactly), jsonb for
 * lists, maps and actions, snake_case column names. Tables are not schema-qualified: the
 * connection's `search_path` decides where they live, which is how tests isolate themselves.
 *
 * Only `import type` from model.ts here: drizzle-kit loads this file with its own bundler, which
 * does not resolve the `.js` → `.ts` specifiers the rest of the code uses.
 */
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type {
  ApiScope,
  CallState,
  ConversationMessageRecord,
  ConversationRecord,
  ConversationStateName,
  ConversationSynthesis,
  DialogDocumentKind,
  DispatchAction,
  ParticipantRecord,
  TimeWindow,
  TrunkCredentials,
  TrunkTransport,
  VoiceTurnRecord,
  WebhookDeliveryRecord,
} from './model.js';

/** `timestamptz` mapped to `Date`. */
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Carriers and PBXs that send us calls. Their numbers live in {@link inboundTrunkNumbers}. */
export const inboundTrunks = pgTable('inbound_trunks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  allowedAddresses: jsonb('allowed_addresses').$type<string[]>().notNull(),
  credentials: jsonb('credentials').$type<TrunkCredentials>(),
  headerAttributes: jsonb('header_attributes').$type<Record<string, string>>().notNull(),
  maxConcurrentCalls: integer('max_concurrent_calls').notNull(),
  createdAt: tstz('created_at').notNull(),
  updatedAt: tstz('updated_at').notNull(),
});

/**
 * One row per number an inbound trunk delivers. A row per number (rather than a jsonb list on
 * the trunk) lets the primary key make "one number, one trunk" a database guarantee that holds
 * under concurrent writers, and makes `findInboundByNumber` an index lookup.
 */
export const inboundTrunkNumbers = pgTable(
  'inbound_trunk_numbers',
  {
    number: text('number').primaryKey(),
    trunkId: text('trunk_id')
      .notNull()
      .references(() => inboundTrunks.id, { onDelete: 'cascade' }),
    /** Position in the trunk's list, so numbers read back in the order they were given. */
    position: integer('position').notNull(),
  },
  (t) => [index('inbound_trunk_numbers_trunk_idx').on(t.trunkId)],
);

/** Carriers we send calls to. */
export const outboundTrunks = pgTable('outbound_trunks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  address: text('address').notNull(),
  transport: text('transport').$type<TrunkTransport>().notNull(),
  numbers: jsonb('numbers').$type<string[]>().notNull(),
  credentials: jsonb('credentials').$type<TrunkCredentials>(),
  headers: jsonb('headers').$type<Record<string, string>>().notNull(),
  maxConcurrentCalls: integer('max_concurrent_calls').notNull(),
  allowedDestinationPrefixes: jsonb('allowed_destination_prefixes').$type<string[]>().notNull(),
  createdAt: tstz('created_at').notNull(),
  updatedAt: tstz('updated_at').notNull(),
});

/** Inbound routing rules. */
export const dispatchRules = pgTable(
  'dispatch_rules',
  {
    id: text('id').primaryKey(),
    /**
     * Insertion order. Rules of equal priority are ordered by creation, and two rules can be
     * created within the same millisecond; a sequence breaks that tie deterministically.
     */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    name: text('name').notNull(),
    priority: integer('priority').notNull(),
    enabled: boolean('enabled').notNull(),
    trunkIds: jsonb('trunk_ids').$type<string[]>().notNull(),
    calledNumber: text('called_number'),
    callingNumber: text('calling_number'),
    timeWindows: jsonb('time_windows').$type<TimeWindow[]>().notNull(),
    action: jsonb('action').$type<DispatchAction>().notNull(),
    createdAt: tstz('created_at').notNull(),
    updatedAt: tstz('updated_at').notNull(),
  },
  // No index for the listing order: a deployment has tens of rules, read whole and cached.
);

/**
 * Call history. No foreign keys to trunks or rules: deleting a trunk or a rule must not delete
 * or block the history of calls that used it.
 */
export const calls = pgTable(
  'calls',
  {
    id: text('id').primaryKey(),
    /** Insertion order: the tie-breaker of the newest-first keyset (see listCalls). */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    direction: text('direction').$type<'inbound' | 'outbound'>().notNull(),
    state: text('state').$type<CallState>().notNull(),
    caller: text('caller').notNull(),
    callee: text('callee').notNull(),
    trunkId: text('trunk_id'),
    ruleId: text('rule_id'),
    matchExplanation: jsonb('match_explanation').$type<string[]>().notNull(),
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull(),
    endReason: text('end_reason'),
    sipStatus: integer('sip_status'),
    createdAt: tstz('created_at').notNull(),
    answeredAt: tstz('answered_at'),
    endedAt: tstz('ended_at'),
  },
  // Ascending indexes: PostgreSQL scans them backwards for the newest-first listing, and the
  // backward order (DESC NULLS FIRST) is exactly what a plain `ORDER BY … DESC` asks for.
  (t) => [
    index('calls_created_idx').on(t.createdAt, t.seq),
    index('calls_state_created_idx').on(t.state, t.createdAt, t.seq),
  ],
);

/** The legs of a call; they go when their call goes. */
export const participants = pgTable(
  'participants',
  {
    id: text('id').primaryKey(),
    /** Insertion order, to list participants who joined in the same millisecond stably. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    callId: text('call_id')
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<ParticipantRecord['kind']>().notNull(),
    identity: text('identity').notNull(),
    state: text('state').$type<CallState>().notNull(),
    room: text('room'),
    muted: boolean('muted').notNull(),
    endReason: text('end_reason'),
    sipStatus: integer('sip_status'),
    joinedAt: tstz('joined_at').notNull(),
    answeredAt: tstz('answered_at'),
    leftAt: tstz('left_at'),
  },
  (t) => [index('participants_call_idx').on(t.callId, t.joinedAt, t.seq)],
);

/**
 * The turns of voice-bot conversations, stored with their call and deleted with it. No foreign
 * key to participants: a participant may move to another call, its turns stay with the call
 * they were spoken in. The column is `turn_index` (`index` is an SQL keyword).
 */
export const voiceTurns = pgTable(
  'voice_turns',
  {
    id: text('id').primaryKey(),
    callId: text('call_id')
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
    participantId: text('participant_id'),
    index: integer('turn_index').notNull(),
    userText: text('user_text').notNull(),
    assistantText: text('assistant_text').notNull(),
    interrupted: boolean('interrupted').notNull(),
    latency: jsonb('latency').$type<VoiceTurnRecord['latency']>().notNull(),
    events: jsonb('events').$type<VoiceTurnRecord['events']>().notNull(),
    startedAt: tstz('started_at').notNull(),
    endedAt: tstz('ended_at'),
  },
  // Unique: one turn per position in a call (a retried write is a conflict, not a duplicate),
  // and the index serves listTurns' `WHERE call_id = … ORDER BY turn_index`.
  (t) => [uniqueIndex('voice_turns_call_idx').on(t.callId, t.index)],
);

/** API keys: only the SHA-256 of the secret is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scopes: jsonb('scopes').$type<ApiScope[]>().notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    createdAt: tstz('created_at').notNull(),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.hash)],
);

/** Outgoing webhook subscriptions. */
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  secret: text('secret').notNull(),
  enabled: boolean('enabled').notNull(),
  createdAt: tstz('created_at').notNull(),
});

/**
 * Deliveries of events to webhooks, with their retry state. The body is stored so a retry after
 * a restart sends the same bytes (and so the same signature input) as the first attempt.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status').$type<WebhookDeliveryRecord['status']>().notNull(),
    attempts: integer('attempts').notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    nextAttemptAt: tstz('next_attempt_at'),
    createdAt: tstz('created_at').notNull(),
    updatedAt: tstz('updated_at').notNull(),
  },
  (t) => [
    // The retry worker's query: pending deliveries whose time has come, oldest due first.
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    // One delivery series per event and webhook: queueing the same event twice is a conflict.
    uniqueIndex('webhook_deliveries_event_idx').on(t.webhookId, t.eventId),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.seq),
  ],
);

/**
 * Versioned dialog documents (flows, agents, intents, script trees): every save is a new row,
 * so older versions stay readable and a save can be made conditional on the version it edited.
 * Deleting a document deletes all its rows.
 */
export const dialogDocuments = pgTable(
  'dialog_documents',
  {
    kind: text('kind').$type<DialogDocumentKind>().notNull(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    comment: text('comment'),
    createdAt: tstz('created_at').notNull(),
  },
  // The primary key makes two concurrent saves of one version impossible, and serves `latest`
  // (a backward scan of one name's versions) and `list` (one kind, by name).
  (t) => [primaryKey({ name: 'dialog_documents_pk', columns: [t.kind, t.name, t.version] })],
);

/**
 * Dialog-room conversations (voice or text), resumable by key and agent. No foreign key to
 * calls: text chats have no call, and a call's deletion must not take a conversation with it.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    channel: text('channel').$type<ConversationRecord['channel']>().notNull(),
    agentId: text('agent_id').notNull(),
    callId: text('call_id'),
    state: text('state').$type<ConversationStateName>().notNull(),
    nextAction: text('next_action'),
    language: text('language').notNull(),
    claim: jsonb('claim').$type<Record<string, unknown>>().notNull(),
    memory: jsonb('memory').$type<Record<string, unknown>>().notNull(),
    reminders: jsonb('reminders').$type<ConversationRecord['reminders']>().notNull(),
    synthesis: jsonb('synthesis').$type<ConversationSynthesis>(),
    resumeCount: integer('resume_count').notNull(),
    createdAt: tstz('created_at').notNull(),
    updatedAt: tstz('updated_at').notNull(),
    closedAt: tstz('closed_at'),
  },
  (t) => [
    // findResumable: equality on (key, agent), newest update first.
    index('conversations_resume_idx').on(t.key, t.agentId, t.updatedAt),
    index('conversations_call_idx').on(t.callId),
  ],
);

/** The messages of a conversation, numbered 0, 1, 2… by `seq`; they go with it. */
export const conversationMessages = pgTable(
  'conversation_messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    persona: text('persona').$type<ConversationMessageRecord['persona']>().notNull(),
    content: text('content').notNull(),
    heard: boolean('heard').notNull(),
    toolCallId: text('tool_call_id'),
    toolCalls: jsonb('tool_calls').$type<NonNullable<ConversationMessageRecord['toolCalls']>>(),
    callId: text('call_id'),
    createdAt: tstz('created_at').notNull(),
  },
  (t) => [
    // Unique: a seq handed out twice is an error, never a silent duplicate; also serves
    // `messages` (WHERE conversation_id = … ORDER BY seq).
    uniqueIndex('conversation_messages_seq_idx').on(t.conversationId, t.seq),
    // listByCall: conversations that had a message on the call, not only its latest call.
    index('conversation_messages_call_idx').on(t.callId),
  ],
);
