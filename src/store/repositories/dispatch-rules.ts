/** Dispatch rules: inbound routing, read whole (a deployment has tens of them). */
import { asc, desc, eq } from 'drizzle-orm';
import { ConflictError, NotFoundError, PG_UNIQUE_VIOLATION, pgErrorCode } from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { DispatchAction, DispatchRule, TimeWindow } from '../model.js';
import { dispatchRules } from '../schema.js';
import { type Db, opt } from './db.js';

/** Fields to create a rule; priority defaults to 0, enabled to true, lists to empty. */
export interface DispatchRuleInput {
  /** Chosen id (for declarative configuration); generated when absent. */
  id?: string;
  name: string;
  priority?: number;
  enabled?: boolean;
  trunkIds?: string[];
  calledNumber?: string;
  callingNumber?: string;
  timeWindows?: TimeWindow[];
  action: DispatchAction;
}

/** Fields to change; `null` removes a number condition. */
export type DispatchRulePatch = Partial<
  Omit<DispatchRuleInput, 'id' | 'calledNumber' | 'callingNumber'>
> & {
  calledNumber?: string | null;
  callingNumber?: string | null;
};

/** Dispatch rule persistence. Unknown ids raise {@link NotFoundError} on writes. */
export interface DispatchRuleRepository {
  create(input: DispatchRuleInput): Promise<DispatchRule>;
  update(id: string, patch: DispatchRulePatch): Promise<DispatchRule>;
  get(id: string): Promise<DispatchRule | undefined>;
  /** In evaluation order: priority descending, then creation order. */
  list(): Promise<DispatchRule[]>;
  delete(id: string): Promise<void>;
}

type Row = typeof dispatchRules.$inferSelect;

function toRule(row: Row): DispatchRule {
  return {
    id: row.id,
    name: row.name,
    priority: row.priority,
    enabled: row.enabled,
    trunkIds: row.trunkIds,
    calledNumber: opt(row.calledNumber),
    callingNumber: opt(row.callingNumber),
    timeWindows: row.timeWindows,
    action: row.action,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The dispatch rule repository over `db` (a database or a transaction). */
export function dispatchRuleRepository(db: Db): DispatchRuleRepository {
  return {
    async create(input) {
      const now = new Date();
      const id = input.id ?? newId(ID_PREFIX.dispatchRule);
      try {
        const [row] = await db
          .insert(dispatchRules)
          .values({
            id,
            name: input.name,
            priority: input.priority ?? 0,
            enabled: input.enabled ?? true,
            trunkIds: input.trunkIds ?? [],
            calledNumber: input.calledNumber ?? null,
            callingNumber: input.callingNumber ?? null,
            timeWindows: input.timeWindows ?? [],
            action: input.action,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        return toRule(row!);
      } catch (error) {
        if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
          throw new ConflictError('id', `dispatch rule ${id} already exists`);
        }
        throw error;
      }
    },

    async update(id, patch) {
      const [row] = await db
        .update(dispatchRules)
        .set({
          name: patch.name,
          priority: patch.priority,
          enabled: patch.enabled,
          trunkIds: patch.trunkIds,
          calledNumber: patch.calledNumber,
          callingNumber: patch.callingNumber,
          timeWindows: patch.timeWindows,
          action: patch.action,
          updatedAt: new Date(),
        })
        .where(eq(dispatchRules.id, id))
        .returning();
      if (!row) throw new NotFoundError('dispatch rule', id);
      return toRule(row);
    },

    async get(id) {
      const [row] = await db.select().from(dispatchRules).where(eq(dispatchRules.id, id));
      return row ? toRule(row) : undefined;
    },

    async list() {
      const rows = await db
        .select()
        .from(dispatchRules)
        .orderBy(desc(dispatchRules.priority), asc(dispatchRules.seq));
      return rows.map(toRule);
    },

    async delete(id) {
      const deleted = await db
        .delete(dispatchRules)
        .where(eq(dispatchRules.id, id))
        .returning({ id: dispatchRules.id });
      if (deleted.length === 0) throw new NotFoundError('dispatch rule', id);
    },
  };
}
