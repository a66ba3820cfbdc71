/**
 * Dialog-room conversations and their messages. A turn's writes (the messages said and the
 * state they led to) go in one transaction that first locks the conversation's row, so two
 * turns recorded at once get consecutive message numbers instead of fighting over one.
 */
import { and, asc, desc, eq, gte, inArray, max, notInArray, or } from 'drizzle-orm';
import { NotFoundError, ValidationError } from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type {
  ConversationMessageRecord,
  ConversationRecord,
  ConversationStateName,
  ConversationSynthesis,
} from '../model.js';
import { conversationMessages, conversations } from '../schema.js';
import { type Db, hasNul, opt } from './db.js';

/**
 * Fields to start a conversation; state defaults to `initiate`, claim and memory to `{}`,
 * reminders to `[]`.
 */
export type ConversationInput = Pick<
  ConversationRecord,
  'key' | 'channel' | 'agentId' | 'language'
> &
  Partial<
    Pick<ConversationRecord, 'callId' | 'state' | 'nextAction' | 'claim' | 'memory' | 'reminders'>
  >;

/**
 * What may change on a conversation. Fields left undefined stay as they are; jsonb fields
 * replace the stored value; `null` clears an optional field (`closedAt`, `callId`,
 * `nextAction`, `synthesis`). Every update also moves `updatedAt` to now.
 */
export type ConversationPatch = Partial<
  Omit<
    ConversationRecord,
    'id' | 'createdAt' | 'updatedAt' | 'callId' | 'nextAction' | 'synthesis' | 'closedAt'
  >
> & {
  callId?: string | null;
  nextAction?: string | null;
  synthesis?: ConversationSynthesis | null;
  closedAt?: Date | null;
};

/**
 * A message to append. `heard` defaults to true, `createdAt` to now, `callId` to the
 * conversation's call (after the turn's patch).
 */
export type ConversationMessageInput = Pick<ConversationMessageRecord, 'persona' | 'content'> &
  Partial<
    Pick<ConversationMessageRecord, 'heard' | 'toolCallId' | 'toolCalls' | 'callId' | 'createdAt'>
  >;

/**
 * Conversation persistence. Writes refuse a NUL character in any text or jsonb field with a
 * ValidationError naming the field (PostgreSQL cannot store one).
 */
export interface ConversationRepository {
  create(input: ConversationInput): Promise<ConversationRecord>;
  get(id: string): Promise<ConversationRecord | undefined>;
  /** @throws NotFoundError */
  update(id: string, patch: ConversationPatch): Promise<ConversationRecord>;
  /**
   * Appends the messages (next seq numbers) and applies the patch in ONE transaction: a turn's
   * writes belong together. @throws NotFoundError
   */
  recordTurn(
    id: string,
    messages: ConversationMessageInput[],
    patch?: ConversationPatch,
  ): Promise<ConversationRecord>;
  /** In seq order; `limit` keeps the LAST n. Empty for an unknown conversation. */
  messages(id: string, options?: { limit?: number }): Promise<ConversationMessageRecord[]>;
  /**
   * The most recently updated conversation with this key and agent, updated at or after
   * `since`, whose state is not closed or transferred.
   */
  findResumable(key: string, agentId: string, since: Date): Promise<ConversationRecord | undefined>;
  /**
   * Conversations that ran on this call, newest first: its latest call is this one, or one of
   * its messages was said on it (a conversation resumed on a later call still counts).
   */
  listByCall(callId: string): Promise<ConversationRecord[]>;
}

/** States a conversation is not resumed from. */
const FINISHED_STATES: ConversationStateName[] = ['closed', 'transferred'];

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof conversationMessages.$inferSelect;

function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    key: row.key,
    channel: row.channel,
    agentId: row.agentId,
    callId: opt(row.callId),
    state: row.state,
    nextAction: opt(row.nextAction),
    language: row.language,
    claim: row.claim,
    memory: row.memory,
    reminders: row.reminders,
    synthesis: opt(row.synthesis),
    resumeCount: row.resumeCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    closedAt: opt(row.closedAt),
  };
}

function toMessage(row: MessageRow): ConversationMessageRecord {
  return {
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    persona: row.persona,
    content: row.content,
    heard: row.heard,
    toolCallId: opt(row.toolCallId),
    toolCalls: opt(row.toolCalls),
    callId: opt(row.callId),
    createdAt: row.createdAt,
  };
}

/** Refuses NUL characters, which PostgreSQL cannot store in text or jsonb. */
function refuseNul(fields: Record<string, unknown>, prefix = ''): void {
  for (const [field, value] of Object.entries(fields)) {
    if (hasNul(value)) {
      throw new ValidationError(`${prefix}${field}`, 'must not contain a NUL character');
    }
  }
}

function validatePatch(patch: ConversationPatch): void {
  const { resumeCount, closedAt: _closedAt, ...rest } = patch;
  if (
    resumeCount !== undefined &&
    (!Number.isInteger(resumeCount) || resumeCount < 0 || resumeCount > 2_147_483_647)
  ) {
    throw new ValidationError('resumeCount', 'must be a whole number');
  }
  refuseNul(rest);
}

/** The columns a patch sets; undefined ones are left alone by Drizzle. */
function patchColumns(patch: ConversationPatch, now: Date) {
  return {
    key: patch.key,
    channel: patch.channel,
    agentId: patch.agentId,
    callId: patch.callId,
    state: patch.state,
    nextAction: patch.nextAction,
    language: patch.language,
    claim: patch.claim,
    memory: patch.memory,
    reminders: patch.reminders,
    synthesis: patch.synthesis,
    resumeCount: patch.resumeCount,
    closedAt: patch.closedAt,
    updatedAt: now,
  };
}

/** The conversation repository over `db` (a database or a transaction). */
export function conversationRepository(db: Db): ConversationRepository {
  async function update(tx: Db, id: string, patch: ConversationPatch): Promise<ConversationRecord> {
    validatePatch(patch);
    const [row] = await tx
      .update(conversations)
      .set(patchColumns(patch, new Date()))
      .where(eq(conversations.id, id))
      .returning();
    if (!row) throw new NotFoundError('conversation', id);
    return toConversation(row);
  }

  return {
    async create(input) {
      const { callId: _callId, ...checked } = input;
      refuseNul(checked);
      const now = new Date();
      const [row] = await db
        .insert(conversations)
        .values({
          id: newId(ID_PREFIX.conversation),
          key: input.key,
          channel: input.channel,
          agentId: input.agentId,
          callId: input.callId ?? null,
          state: input.state ?? 'initiate',
          nextAction: input.nextAction ?? null,
          language: input.language,
          claim: input.claim ?? {},
          memory: input.memory ?? {},
          reminders: input.reminders ?? [],
          synthesis: null,
          resumeCount: 0,
          createdAt: now,
          updatedAt: now,
          closedAt: null,
        })
        .returning();
      return toConversation(row!);
    },

    async get(id) {
      const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
      return row ? toConversation(row) : undefined;
    },

    update: (id, patch) => update(db, id, patch),

    async recordTurn(id, messages, patch = {}) {
      validatePatch(patch);
      messages.forEach((m, i) =>
        refuseNul(
          {
            content: m.content,
            toolCallId: m.toolCallId,
            toolCalls: m.toolCalls,
            callId: m.callId,
          },
          `messages[${i}].`,
        ),
      );
      return db.transaction(async (tx) => {
        // The row lock serialises turns of one conversation: the next one reads the seq this
        // one wrote. Turns of other conversations go on in parallel.
        const [locked] = await tx
          .select({ id: conversations.id })
          .from(conversations)
          .where(eq(conversations.id, id))
          .for('update');
        if (!locked) throw new NotFoundError('conversation', id);
        const [top] = await tx
          .select({ seq: max(conversationMessages.seq) })
          .from(conversationMessages)
          .where(eq(conversationMessages.conversationId, id));
        const updated = await update(tx, id, patch);
        const first = (top?.seq ?? -1) + 1;
        if (messages.length > 0) {
          const now = new Date();
          await tx.insert(conversationMessages).values(
            messages.map((m, i) => ({
              id: newId(ID_PREFIX.conversationMessage),
              conversationId: id,
              seq: first + i,
              persona: m.persona,
              content: m.content,
              heard: m.heard ?? true,
              toolCallId: m.toolCallId ?? null,
              toolCalls: m.toolCalls ?? null,
              callId: m.callId ?? updated.callId ?? null,
              createdAt: m.createdAt ?? now,
            })),
          );
        }
        return updated;
      });
    },

    async messages(id, options = {}) {
      const where = eq(conversationMessages.conversationId, id);
      if (options.limit === undefined) {
        const rows = await db
          .select()
          .from(conversationMessages)
          .where(where)
          .orderBy(asc(conversationMessages.seq));
        return rows.map(toMessage);
      }
      const limit = Math.max(0, Math.floor(options.limit));
      if (limit === 0) return [];
      const rows = await db
        .select()
        .from(conversationMessages)
        .where(where)
        .orderBy(desc(conversationMessages.seq))
        .limit(limit);
      return rows.reverse().map(toMessage);
    },

    async findResumable(key, agentId, since) {
      const [row] = await db
        .select()
        .from(conversations)
        .where(
          and(
            eq(conversations.key, key),
            eq(conversations.agentId, agentId),
            gte(conversations.updatedAt, since),
            notInArray(conversations.state, FINISHED_STATES),
          ),
        )
        .orderBy(desc(conversations.updatedAt), desc(conversations.createdAt))
        .limit(1);
      return row ? toConversation(row) : undefined;
    },

    async listByCall(callId) {
      const spokenOn = db
        .selectDistinct({ id: conversationMessages.conversationId })
        .from(conversationMessages)
        .where(eq(conversationMessages.callId, callId));
      const rows = await db
        .select()
        .from(conversations)
        .where(or(eq(conversations.callId, callId), inArray(conversations.id, spokenOn)))
        .orderBy(desc(conversations.createdAt), desc(conversations.id));
      return rows.map(toConversation);
    },
  };
}
