/** The turns of voice-bot conversations: per-exchange texts, latency traces and mishaps. */
import { asc, eq } from 'drizzle-orm';
import {
  ConflictError,
  NotFoundError,
  PG_FOREIGN_KEY_VIOLATION,
  PG_UNIQUE_VIOLATION,
  ValidationError,
  pgConstraintName,
  pgErrorCode,
} from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { VoiceTurnRecord } from '../model.js';
import { voiceTurns } from '../schema.js';
import { type Db, hasNul, opt } from './db.js';

/**
 * Fields to record a turn. `interrupted` defaults to false, `latency` to `{}`, `events` to
 * `[]`, `startedAt` to now. `latency` and `events` are stored as JSON (see
 * {@link VoiceTurnRecord.events}).
 */
export interface VoiceTurnInput {
  /** The turn's id when the caller already has one; default a new `vt_…`. */
  id?: string;
  callId: string;
  participantId?: string;
  /** 0-based position within the call, an integer up to 2³¹−1; one turn per index. */
  index: number;
  userText: string;
  assistantText: string;
  interrupted?: boolean;
  latency?: Record<string, number>;
  events?: Array<Record<string, unknown>>;
  startedAt?: Date;
  endedAt?: Date;
}

/** Voice-bot turn persistence. */
export interface VoiceTurnRepository {
  /**
   * Records one turn of a call.
   * @throws NotFoundError when the call does not exist.
   * @throws ConflictError when the call already has a turn at this index (`field: 'index'`) or
   *   the given id is taken (`field: 'id'`).
   * @throws ValidationError for an index that is not an integer in 0…2³¹−1, a latency that is
   *   not a finite number, or a NUL character in a text or an event (PostgreSQL cannot store
   *   one).
   */
  addTurn(input: VoiceTurnInput): Promise<VoiceTurnRecord>;
  /** The call's turns by index; empty for an unknown call. */
  listTurns(callId: string): Promise<VoiceTurnRecord[]>;
}

/** Largest index: PostgreSQL's int4. */
const MAX_INDEX = 2_147_483_647;

/** Name of the unique (call_id, turn_index) index (schema.ts). */
const TURN_INDEX_CONSTRAINT = 'voice_turns_call_idx';

type VoiceTurnRow = typeof voiceTurns.$inferSelect;

function toTurn(row: VoiceTurnRow): VoiceTurnRecord {
  return {
    id: row.id,
    callId: row.callId,
    participantId: opt(row.participantId),
    index: row.index,
    userText: row.userText,
    assistantText: row.assistantText,
    interrupted: row.interrupted,
    latency: row.latency,
    events: row.events,
    startedAt: row.startedAt,
    endedAt: opt(row.endedAt),
  };
}

/** Refuses what the database would choke on, or store silently changed (NaN as `null`). */
function validate(input: VoiceTurnInput): void {
  if (!Number.isInteger(input.index) || input.index < 0 || input.index > MAX_INDEX) {
    throw new ValidationError('index', `must be an integer in 0…${MAX_INDEX}`);
  }
  for (const [stage, ms] of Object.entries(input.latency ?? {})) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new ValidationError(`latency.${stage}`, 'must be a finite number of milliseconds');
    }
  }
  for (const field of ['userText', 'assistantText'] as const) {
    if (input[field].includes('\u0000')) {
      throw new ValidationError(field, 'must not contain a NUL character');
    }
  }
  // jsonb refuses a NUL in a string (key or value) too.
  if (input.events !== undefined && hasNul(input.events)) {
    throw new ValidationError('events', 'must not contain a NUL character');
  }
}

/** The voice-turn repository over `db` (a database or a transaction). */
export function voiceTurnRepository(db: Db): VoiceTurnRepository {
  return {
    async addTurn(input) {
      validate(input);
      const id = input.id ?? newId(ID_PREFIX.voiceTurn);
      try {
        const [row] = await db
          .insert(voiceTurns)
          .values({
            id,
            callId: input.callId,
            participantId: input.participantId ?? null,
            index: input.index,
            userText: input.userText,
            assistantText: input.assistantText,
            interrupted: input.interrupted ?? false,
            latency: input.latency ?? {},
            events: input.events ?? [],
            startedAt: input.startedAt ?? new Date(),
            endedAt: input.endedAt ?? null,
          })
          .returning();
        return toTurn(row!);
      } catch (error) {
        const code = pgErrorCode(error);
        if (code === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('call', input.callId);
        if (code === PG_UNIQUE_VIOLATION) {
          // Which one: the (call, index) index, or the primary key (an id given twice).
          throw pgConstraintName(error) === TURN_INDEX_CONSTRAINT
            ? new ConflictError(
                'index',
                `call ${input.callId} already has a turn at index ${input.index}`,
              )
            : new ConflictError('id', `voice turn ${id} already exists`);
        }
        throw error;
      }
    },

    async listTurns(callId) {
      const rows = await db
        .select()
        .from(voiceTurns)
        .where(eq(voiceTurns.callId, callId))
        .orderBy(asc(voiceTurns.index));
      return rows.map(toTurn);
    },
  };
}
