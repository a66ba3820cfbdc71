/** Call history and participants. */
import { and, asc, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import {
  ConflictError,
  NotFoundError,
  PG_FOREIGN_KEY_VIOLATION,
  PG_UNIQUE_VIOLATION,
  ValidationError,
  pgErrorCode,
} from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { CallRecord, CallState, ParticipantRecord } from '../model.js';
import { calls, participants } from '../schema.js';
import { type Db, opt } from './db.js';

/** Fields to record a new call; state defaults to `ringing`, the time to now. */
export interface CallInput {
  /** The call's id when the caller already has one (e.g. from the SIP layer). */
  id?: string;
  direction: CallRecord['direction'];
  state?: CallState;
  caller: string;
  callee: string;
  trunkId?: string;
  ruleId?: string;
  matchExplanation?: string[];
  attributes?: Record<string, string>;
  createdAt?: Date;
  answeredAt?: Date;
}

/**
 * What may change on a call. Fields left undefined stay as they are; `attributes` and
 * `matchExplanation` replace the stored value (merge before calling to add to them).
 */
export interface CallPatch {
  state?: CallState;
  answeredAt?: Date;
  endedAt?: Date;
  endReason?: string;
  sipStatus?: number;
  ruleId?: string;
  matchExplanation?: string[];
  attributes?: Record<string, string>;
}

/** Filters and page for {@link CallRepository.listCalls}. */
export interface ListCallsQuery {
  state?: CallState;
  /** Only calls created at or after this time. */
  since?: Date;
  /** Page size, 1…1000; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of calls, newest first. */
export interface CallPage {
  items: CallRecord[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** Fields to add a participant; state defaults to `ringing`, muted to false, joinedAt to now. */
export interface ParticipantInput {
  id?: string;
  callId: string;
  kind: ParticipantRecord['kind'];
  identity: string;
  state?: CallState;
  room?: string;
  muted?: boolean;
  joinedAt?: Date;
  answeredAt?: Date;
}

/**
 * What may change on a participant; `room: null` means it left its room, a new `callId` that
 * it was moved to another call.
 */
export interface ParticipantPatch {
  callId?: string;
  state?: CallState;
  room?: string | null;
  muted?: boolean;
  endReason?: string;
  sipStatus?: number;
  answeredAt?: Date;
  leftAt?: Date;
}

/** Call history persistence. Unknown ids raise {@link NotFoundError} on writes. */
export interface CallRepository {
  /** @throws ConflictError when the given id is taken. */
  createCall(input: CallInput): Promise<CallRecord>;
  updateCall(id: string, patch: CallPatch): Promise<CallRecord>;
  getCall(id: string): Promise<CallRecord | undefined>;
  /**
   * Newest first, by keyset pagination: a page boundary stays put while new calls arrive,
   * unlike OFFSET. @throws ValidationError on a malformed cursor.
   */
  listCalls(query?: ListCallsQuery): Promise<CallPage>;
  /** @throws NotFoundError when the call does not exist. */
  addParticipant(input: ParticipantInput): Promise<ParticipantRecord>;
  updateParticipant(id: string, patch: ParticipantPatch): Promise<ParticipantRecord>;
  /** In joining order; empty for an unknown call. */
  listParticipants(callId: string): Promise<ParticipantRecord[]>;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

type CallRow = typeof calls.$inferSelect;
type ParticipantRow = typeof participants.$inferSelect;

function toCall(row: CallRow): CallRecord {
  return {
    id: row.id,
    direction: row.direction,
    state: row.state,
    caller: row.caller,
    callee: row.callee,
    trunkId: opt(row.trunkId),
    ruleId: opt(row.ruleId),
    matchExplanation: row.matchExplanation,
    attributes: row.attributes,
    endReason: opt(row.endReason),
    sipStatus: opt(row.sipStatus),
    createdAt: row.createdAt,
    answeredAt: opt(row.answeredAt),
    endedAt: opt(row.endedAt),
  };
}

function toParticipant(row: ParticipantRow): ParticipantRecord {
  return {
    id: row.id,
    callId: row.callId,
    kind: row.kind,
    identity: row.identity,
    state: row.state,
    room: opt(row.room),
    muted: row.muted,
    endReason: opt(row.endReason),
    sipStatus: opt(row.sipStatus),
    joinedAt: row.joinedAt,
    answeredAt: opt(row.answeredAt),
    leftAt: opt(row.leftAt),
  };
}

/**
 * The cursor is the (created_at, seq) of the last row of a page, opaque to clients. created_at
 * is always written from a JS `Date`, so its millisecond value compares exactly.
 */
function encodeCursor(row: CallRow): string {
  return Buffer.from(`${row.createdAt.getTime()}.${row.seq}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; seq: number } {
  const m = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new ValidationError('cursor', 'malformed cursor');
  return { createdAt: new Date(Number(m[1])), seq: Number(m[2]) };
}

/** The call repository over `db` (a database or a transaction). */
export function callRepository(db: Db): CallRepository {
  async function getCall(id: string): Promise<CallRecord | undefined> {
    const [row] = await db.select().from(calls).where(eq(calls.id, id));
    return row ? toCall(row) : undefined;
  }

  return {
    async createCall(input) {
      const id = input.id ?? newId(ID_PREFIX.call);
      try {
        const [row] = await db
          .insert(calls)
          .values({
            id,
            direction: input.direction,
            state: input.state ?? 'ringing',
            caller: input.caller,
            callee: input.callee,
            trunkId: input.trunkId ?? null,
            ruleId: input.ruleId ?? null,
            matchExplanation: input.matchExplanation ?? [],
            attributes: input.attributes ?? {},
            createdAt: input.createdAt ?? new Date(),
            answeredAt: input.answeredAt ?? null,
          })
          .returning();
        return toCall(row!);
      } catch (error) {
        if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
          throw new ConflictError('id', `call ${id} already exists`);
        }
        throw error;
      }
    },

    async updateCall(id, patch) {
      const set = {
        state: patch.state,
        answeredAt: patch.answeredAt,
        endedAt: patch.endedAt,
        endReason: patch.endReason,
        sipStatus: patch.sipStatus,
        ruleId: patch.ruleId,
        matchExplanation: patch.matchExplanation,
        attributes: patch.attributes,
      };
      // Drizzle refuses an UPDATE with nothing to set; an empty patch is a read.
      if (Object.values(set).every((v) => v === undefined)) {
        const current = await getCall(id);
        if (!current) throw new NotFoundError('call', id);
        return current;
      }
      const [row] = await db.update(calls).set(set).where(eq(calls.id, id)).returning();
      if (!row) throw new NotFoundError('call', id);
      return toCall(row);
    },

    getCall,

    async listCalls(query = {}) {
      const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE)));
      const conditions: SQL[] = [];
      if (query.state) conditions.push(eq(calls.state, query.state));
      if (query.since) conditions.push(gte(calls.createdAt, query.since));
      if (query.cursor !== undefined) {
        const after = decodeCursor(query.cursor);
        // (created_at, seq) < (cursor): spelled out, as Drizzle has no row-value comparison.
        conditions.push(
          or(
            lt(calls.createdAt, after.createdAt),
            and(eq(calls.createdAt, after.createdAt), lt(calls.seq, after.seq)),
          )!,
        );
      }
      // One row more than asked tells whether another page exists.
      const rows = await db
        .select()
        .from(calls)
        .where(and(...conditions))
        .orderBy(desc(calls.createdAt), desc(calls.seq))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toCall),
        ...(rows.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
      };
    },

    async addParticipant(input) {
      const id = input.id ?? newId(ID_PREFIX.participant);
      try {
        const [row] = await db
          .insert(participants)
          .values({
            id,
            callId: input.callId,
            kind: input.kind,
            identity: input.identity,
            state: input.state ?? 'ringing',
            room: input.room ?? null,
            muted: input.muted ?? false,
            joinedAt: input.joinedAt ?? new Date(),
            answeredAt: input.answeredAt ?? null,
          })
          .returning();
        return toParticipant(row!);
      } catch (error) {
        const code = pgErrorCode(error);
        if (code === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('call', input.callId);
        if (code === PG_UNIQUE_VIOLATION) {
          throw new ConflictError('id', `participant ${id} already exists`);
        }
        throw error;
      }
    },

    async updateParticipant(id, patch) {
      const set = {
        callId: patch.callId,
        state: patch.state,
        room: patch.room,
        muted: patch.muted,
        endReason: patch.endReason,
        sipStatus: patch.sipStatus,
        answeredAt: patch.answeredAt,
        leftAt: patch.leftAt,
      };
      if (Object.values(set).every((v) => v === undefined)) {
        const [current] = await db.select().from(participants).where(eq(participants.id, id));
        if (!current) throw new NotFoundError('participant', id);
        return toParticipant(current);
      }
      const [row] = await db
        .update(participants)
        .set(set)
        .where(eq(participants.id, id))
        .returning()
        .catch((error: unknown) => {
          if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) {
            throw new NotFoundError('call', patch.callId ?? '');
          }
          throw error;
        });
      if (!row) throw new NotFoundError('participant', id);
      return toParticipant(row);
    },

    async listParticipants(callId) {
      const rows = await db
        .select()
        .from(participants)
        .where(eq(participants.callId, callId))
        .orderBy(asc(participants.joinedAt), asc(participants.seq));
      return rows.map(toParticipant);
    },
  };
}
