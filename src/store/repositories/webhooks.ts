/** Webhook subscriptions and the deliveries queued for them (the retry worker's work list). */
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, lte, type SQL } from 'drizzle-orm';
import {
  ConflictError,
  NotFoundError,
  PG_FOREIGN_KEY_VIOLATION,
  PG_UNIQUE_VIOLATION,
  pgErrorCode,
} from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { WebhookDeliveryRecord, WebhookRecord } from '../model.js';
import { webhookDeliveries, webhooks } from '../schema.js';
import { type Db, opt } from './db.js';

/** Fields to subscribe; events default to all, the secret to a random `whsec_…`. */
export interface WebhookInput {
  url: string;
  events?: string[];
  secret?: string;
  enabled?: boolean;
}

/** Fields to change on a subscription. */
export type WebhookPatch = Partial<WebhookInput>;

/** Fields to queue a delivery: it starts `pending`, with no attempt, due at `nextAttemptAt`. */
export interface DeliveryInput {
  webhookId: string;
  eventId: string;
  eventType: string;
  /** The body to send (the serialised event). */
  payload: string;
  /** When the first attempt is due; default now. */
  nextAttemptAt?: Date;
}

/** What changes after an attempt; `null` clears `lastError` or `nextAttemptAt`. */
export interface DeliveryPatch {
  status?: WebhookDeliveryRecord['status'];
  attempts?: number;
  lastStatus?: number | null;
  lastError?: string | null;
  nextAttemptAt?: Date | null;
}

/** Filters for {@link WebhookRepository.listDeliveries}. */
export interface ListDeliveriesQuery {
  webhookId?: string;
  status?: WebhookDeliveryRecord['status'];
  /** 1…1000; default 50. */
  limit?: number;
}

/** Webhook persistence. Unknown ids raise {@link NotFoundError} on writes. */
export interface WebhookRepository {
  create(input: WebhookInput): Promise<WebhookRecord>;
  update(id: string, patch: WebhookPatch): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Oldest first. */
  list(): Promise<WebhookRecord[]>;
  /** Deletes the subscription and its deliveries. */
  delete(id: string): Promise<void>;
  /**
   * @throws NotFoundError for an unknown webhook; ConflictError when this event is already
   * queued for this webhook (so a replayed event is not delivered twice).
   */
  createDelivery(input: DeliveryInput): Promise<WebhookDeliveryRecord>;
  updateDelivery(id: string, patch: DeliveryPatch): Promise<WebhookDeliveryRecord>;
  getDelivery(id: string): Promise<WebhookDeliveryRecord | undefined>;
  /** Newest first. */
  listDeliveries(query?: ListDeliveriesQuery): Promise<WebhookDeliveryRecord[]>;
  /**
   * Pending deliveries due at `now`, the longest-waiting first. It does not claim them: a
   * worker claims each one with {@link claimDelivery} before sending it.
   */
  dueDeliveries(now: Date, limit: number): Promise<WebhookDeliveryRecord[]>;
  /**
   * Takes a due delivery for one attempt: moves its `nextAttemptAt` from `dueAt` (the value the
   * worker read) to `leaseUntil`, atomically, only if it is still pending and still due at
   * `dueAt`. Resolves to the claimed delivery, or undefined when another worker (another server
   * on the same database) claimed or finished it first — so each attempt is made once.
   */
  claimDelivery(
    id: string,
    dueAt: Date,
    leaseUntil: Date,
  ): Promise<WebhookDeliveryRecord | undefined>;
}

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

function toWebhook(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    secret: row.secret,
    enabled: row.enabled,
    createdAt: row.createdAt,
  };
}

function toDelivery(row: DeliveryRow): WebhookDeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhookId,
    eventId: row.eventId,
    eventType: row.eventType,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    lastStatus: opt(row.lastStatus),
    lastError: opt(row.lastError),
    nextAttemptAt: opt(row.nextAttemptAt),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function clampLimit(limit: number | undefined): number {
  return Math.min(1000, Math.max(1, Math.floor(limit ?? 50)));
}

/** The webhook repository over `db` (a database or a transaction). */
export function webhookRepository(db: Db): WebhookRepository {
  return {
    async create(input) {
      const [row] = await db
        .insert(webhooks)
        .values({
          id: newId(ID_PREFIX.webhook),
          url: input.url,
          events: input.events ?? [],
          secret: input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
          enabled: input.enabled ?? true,
          createdAt: new Date(),
        })
        .returning();
      return toWebhook(row!);
    },

    async update(id, patch) {
      const set = {
        url: patch.url,
        events: patch.events,
        secret: patch.secret,
        enabled: patch.enabled,
      };
      const query = Object.values(set).every((v) => v === undefined)
        ? db.select().from(webhooks).where(eq(webhooks.id, id))
        : db.update(webhooks).set(set).where(eq(webhooks.id, id)).returning();
      const [row] = await query;
      if (!row) throw new NotFoundError('webhook', id);
      return toWebhook(row);
    },

    async get(id) {
      const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
      return row ? toWebhook(row) : undefined;
    },

    async list() {
      const rows = await db
        .select()
        .from(webhooks)
        .orderBy(asc(webhooks.createdAt), asc(webhooks.id));
      return rows.map(toWebhook);
    },

    async delete(id) {
      const deleted = await db
        .delete(webhooks)
        .where(eq(webhooks.id, id))
        .returning({ id: webhooks.id });
      if (deleted.length === 0) throw new NotFoundError('webhook', id);
    },

    async createDelivery(input) {
      const now = new Date();
      try {
        const [row] = await db
          .insert(webhookDeliveries)
          .values({
            id: newId(ID_PREFIX.delivery),
            webhookId: input.webhookId,
            eventId: input.eventId,
            eventType: input.eventType,
            payload: input.payload,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: input.nextAttemptAt ?? now,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        return toDelivery(row!);
      } catch (error) {
        const code = pgErrorCode(error);
        if (code === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('webhook', input.webhookId);
        if (code === PG_UNIQUE_VIOLATION) {
          throw new ConflictError(
            'eventId',
            `event ${input.eventId} is already queued for webhook ${input.webhookId}`,
          );
        }
        throw error;
      }
    },

    async updateDelivery(id, patch) {
      const [row] = await db
        .update(webhookDeliveries)
        .set({
          status: patch.status,
          attempts: patch.attempts,
          lastStatus: patch.lastStatus,
          lastError: patch.lastError,
          nextAttemptAt: patch.nextAttemptAt,
          updatedAt: new Date(),
        })
        .where(eq(webhookDeliveries.id, id))
        .returning();
      if (!row) throw new NotFoundError('webhook delivery', id);
      return toDelivery(row);
    },

    async claimDelivery(id, dueAt, leaseUntil) {
      const [row] = await db
        .update(webhookDeliveries)
        .set({ nextAttemptAt: leaseUntil, updatedAt: new Date() })
        .where(
          and(
            eq(webhookDeliveries.id, id),
            eq(webhookDeliveries.status, 'pending'),
            eq(webhookDeliveries.nextAttemptAt, dueAt),
          ),
        )
        .returning();
      return row ? toDelivery(row) : undefined;
    },

    async getDelivery(id) {
      const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      return row ? toDelivery(row) : undefined;
    },

    async listDeliveries(query = {}) {
      const conditions: SQL[] = [];
      if (query.webhookId) conditions.push(eq(webhookDeliveries.webhookId, query.webhookId));
      if (query.status) conditions.push(eq(webhookDeliveries.status, query.status));
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(and(...conditions))
        .orderBy(desc(webhookDeliveries.seq))
        .limit(clampLimit(query.limit));
      return rows.map(toDelivery);
    },

    async dueDeliveries(now, limit) {
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(
          and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now)),
        )
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.seq))
        .limit(clampLimit(limit));
      return rows.map(toDelivery);
    },
  };
}
