/**
 * Inbound and outbound trunks. An inbound trunk's numbers are rows of `inbound_trunk_numbers`
 * (primary key: the number), written in the same transaction as the trunk, so "one number, one
 * trunk" holds even when two administrators save at the same moment.
 */
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import {
  ConflictError,
  NotFoundError,
  PG_UNIQUE_VIOLATION,
  ValidationError,
  pgErrorCode,
} from '../errors.js';
import { ID_PREFIX, newId } from '../ids.js';
import type { InboundTrunk, OutboundTrunk, TrunkCredentials, TrunkTransport } from '../model.js';
import { inboundTrunkNumbers, inboundTrunks, outboundTrunks } from '../schema.js';
import { type Db, opt } from './db.js';

/** Fields to create an inbound trunk; lists and maps default to empty, the limit to 0. */
export interface InboundTrunkInput {
  /** Chosen id (for declarative configuration); generated when absent. */
  id?: string;
  name: string;
  numbers?: string[];
  allowedAddresses?: string[];
  credentials?: TrunkCredentials;
  headerAttributes?: Record<string, string>;
  maxConcurrentCalls?: number;
}

/** Fields to change on an inbound trunk; `credentials: null` removes them. */
export type InboundTrunkPatch = Partial<Omit<InboundTrunkInput, 'id' | 'credentials'>> & {
  credentials?: TrunkCredentials | null;
};

/** Fields to create an outbound trunk; transport defaults to UDP. */
export interface OutboundTrunkInput {
  id?: string;
  name: string;
  address: string;
  transport?: TrunkTransport;
  numbers?: string[];
  credentials?: TrunkCredentials;
  headers?: Record<string, string>;
  maxConcurrentCalls?: number;
  allowedDestinationPrefixes?: string[];
}

/** Fields to change on an outbound trunk; `credentials: null` removes them. */
export type OutboundTrunkPatch = Partial<Omit<OutboundTrunkInput, 'id' | 'credentials'>> & {
  credentials?: TrunkCredentials | null;
};

/** Trunk persistence. Unknown ids raise {@link NotFoundError} on writes; `get*` return undefined. */
export interface TrunkRepository {
  /** @throws ConflictError when a number already belongs to another trunk, or the id is taken. */
  createInbound(input: InboundTrunkInput): Promise<InboundTrunk>;
  /** Replaces the given fields; `numbers`, when given, replaces the whole list. */
  updateInbound(id: string, patch: InboundTrunkPatch): Promise<InboundTrunk>;
  getInbound(id: string): Promise<InboundTrunk | undefined>;
  /** Oldest first. */
  listInbound(): Promise<InboundTrunk[]>;
  deleteInbound(id: string): Promise<void>;
  /**
   * The trunk that lists exactly this number. Trunks with an empty list (any number) are not
   * returned: choosing among them is the dispatcher's business.
   */
  findInboundByNumber(number: string): Promise<InboundTrunk | undefined>;
  createOutbound(input: OutboundTrunkInput): Promise<OutboundTrunk>;
  updateOutbound(id: string, patch: OutboundTrunkPatch): Promise<OutboundTrunk>;
  getOutbound(id: string): Promise<OutboundTrunk | undefined>;
  /** Oldest first. */
  listOutbound(): Promise<OutboundTrunk[]>;
  deleteOutbound(id: string): Promise<void>;
}

type InboundRow = typeof inboundTrunks.$inferSelect;
type OutboundRow = typeof outboundTrunks.$inferSelect;

function toInbound(row: InboundRow, numbers: string[]): InboundTrunk {
  return {
    id: row.id,
    name: row.name,
    numbers,
    allowedAddresses: row.allowedAddresses,
    credentials: opt(row.credentials),
    headerAttributes: row.headerAttributes,
    maxConcurrentCalls: row.maxConcurrentCalls,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toOutbound(row: OutboundRow): OutboundTrunk {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    transport: row.transport,
    numbers: row.numbers,
    credentials: opt(row.credentials),
    headers: row.headers,
    maxConcurrentCalls: row.maxConcurrentCalls,
    allowedDestinationPrefixes: row.allowedDestinationPrefixes,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A taken primary key becomes a ConflictError on `id`; anything else passes through. */
function duplicateId(error: unknown, entity: string, id: string): unknown {
  return pgErrorCode(error) === PG_UNIQUE_VIOLATION
    ? new ConflictError('id', `${entity} ${id} already exists`)
    : error;
}

/** The trunk repository over `db` (a database or a transaction). */
export function trunkRepository(db: Db): TrunkRepository {
  async function numbersOf(trunkId: string, tx: Db = db): Promise<string[]> {
    const rows = await tx
      .select({ number: inboundTrunkNumbers.number })
      .from(inboundTrunkNumbers)
      .where(eq(inboundTrunkNumbers.trunkId, trunkId))
      .orderBy(asc(inboundTrunkNumbers.position));
    return rows.map((r) => r.number);
  }

  /**
   * Makes `numbers` the trunk's list. The explicit check names the other trunk in the error;
   * the primary key still catches a concurrent writer that slipped in after the check.
   */
  async function writeNumbers(tx: Db, trunkId: string, numbers: string[]): Promise<void> {
    const seen = new Set<string>();
    for (const number of numbers) {
      if (seen.has(number))
        throw new ValidationError('numbers', `number ${number} is listed twice`);
      seen.add(number);
    }
    if (numbers.length > 0) {
      const taken = await tx
        .select()
        .from(inboundTrunkNumbers)
        .where(
          and(
            inArray(inboundTrunkNumbers.number, numbers),
            ne(inboundTrunkNumbers.trunkId, trunkId),
          ),
        )
        .limit(1);
      const clash = taken[0];
      if (clash) {
        throw new ConflictError(
          'numbers',
          `number ${clash.number} already belongs to inbound trunk ${clash.trunkId}`,
        );
      }
    }
    await tx.delete(inboundTrunkNumbers).where(eq(inboundTrunkNumbers.trunkId, trunkId));
    if (numbers.length === 0) return;
    try {
      await tx
        .insert(inboundTrunkNumbers)
        .values(numbers.map((number, position) => ({ number, trunkId, position })));
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new ConflictError('numbers', 'a number already belongs to another inbound trunk');
      }
      throw error;
    }
  }

  async function getInbound(id: string, tx: Db = db): Promise<InboundTrunk | undefined> {
    const [row] = await tx.select().from(inboundTrunks).where(eq(inboundTrunks.id, id));
    return row ? toInbound(row, await numbersOf(id, tx)) : undefined;
  }

  async function getOutbound(id: string): Promise<OutboundTrunk | undefined> {
    const [row] = await db.select().from(outboundTrunks).where(eq(outboundTrunks.id, id));
    return row ? toOutbound(row) : undefined;
  }

  return {
    async createInbound(input) {
      const now = new Date();
      const id = input.id ?? newId(ID_PREFIX.inboundTrunk);
      const numbers = (input.numbers ?? []).map((n) => n.trim());
      return db.transaction(async (tx) => {
        try {
          await tx.insert(inboundTrunks).values({
            id,
            name: input.name,
            allowedAddresses: input.allowedAddresses ?? [],
            credentials: input.credentials ?? null,
            headerAttributes: input.headerAttributes ?? {},
            maxConcurrentCalls: input.maxConcurrentCalls ?? 0,
            createdAt: now,
            updatedAt: now,
          });
        } catch (error) {
          throw duplicateId(error, 'inbound trunk', id);
        }
        await writeNumbers(tx, id, numbers);
        return (await getInbound(id, tx))!;
      });
    },

    async updateInbound(id, patch) {
      return db.transaction(async (tx) => {
        const updated = await tx
          .update(inboundTrunks)
          .set({
            name: patch.name,
            allowedAddresses: patch.allowedAddresses,
            credentials: patch.credentials,
            headerAttributes: patch.headerAttributes,
            maxConcurrentCalls: patch.maxConcurrentCalls,
            updatedAt: new Date(),
          })
          .where(eq(inboundTrunks.id, id))
          .returning({ id: inboundTrunks.id });
        if (updated.length === 0) throw new NotFoundError('inbound trunk', id);
        if (patch.numbers !== undefined) {
          await writeNumbers(
            tx,
            id,
            patch.numbers.map((n) => n.trim()),
          );
        }
        return (await getInbound(id, tx))!;
      });
    },

    getInbound: (id) => getInbound(id),

    async listInbound() {
      const rows = await db
        .select()
        .from(inboundTrunks)
        .orderBy(asc(inboundTrunks.createdAt), asc(inboundTrunks.id));
      const numberRows = await db
        .select()
        .from(inboundTrunkNumbers)
        .orderBy(asc(inboundTrunkNumbers.trunkId), asc(inboundTrunkNumbers.position));
      const byTrunk = new Map<string, string[]>();
      for (const n of numberRows) {
        const list = byTrunk.get(n.trunkId);
        if (list) list.push(n.number);
        else byTrunk.set(n.trunkId, [n.number]);
      }
      return rows.map((row) => toInbound(row, byTrunk.get(row.id) ?? []));
    },

    async deleteInbound(id) {
      // The numbers go with the trunk (ON DELETE CASCADE).
      const deleted = await db
        .delete(inboundTrunks)
        .where(eq(inboundTrunks.id, id))
        .returning({ id: inboundTrunks.id });
      if (deleted.length === 0) throw new NotFoundError('inbound trunk', id);
    },

    async findInboundByNumber(number) {
      const [hit] = await db
        .select({ trunkId: inboundTrunkNumbers.trunkId })
        .from(inboundTrunkNumbers)
        .where(eq(inboundTrunkNumbers.number, number.trim()));
      return hit ? getInbound(hit.trunkId) : undefined;
    },

    async createOutbound(input) {
      const now = new Date();
      const id = input.id ?? newId(ID_PREFIX.outboundTrunk);
      try {
        const [row] = await db
          .insert(outboundTrunks)
          .values({
            id,
            name: input.name,
            address: input.address,
            transport: input.transport ?? 'udp',
            numbers: input.numbers ?? [],
            credentials: input.credentials ?? null,
            headers: input.headers ?? {},
            maxConcurrentCalls: input.maxConcurrentCalls ?? 0,
            allowedDestinationPrefixes: input.allowedDestinationPrefixes ?? [],
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        return toOutbound(row!);
      } catch (error) {
        throw duplicateId(error, 'outbound trunk', id);
      }
    },

    async updateOutbound(id, patch) {
      const [row] = await db
        .update(outboundTrunks)
        .set({
          name: patch.name,
          address: patch.address,
          transport: patch.transport,
          numbers: patch.numbers,
          credentials: patch.credentials,
          headers: patch.headers,
          maxConcurrentCalls: patch.maxConcurrentCalls,
          allowedDestinationPrefixes: patch.allowedDestinationPrefixes,
          updatedAt: new Date(),
        })
        .where(eq(outboundTrunks.id, id))
        .returning();
      if (!row) throw new NotFoundError('outbound trunk', id);
      return toOutbound(row);
    },

    getOutbound,

    async listOutbound() {
      const rows = await db
        .select()
        .from(outboundTrunks)
        .orderBy(asc(outboundTrunks.createdAt), asc(outboundTrunks.id));
      return rows.map(toOutbound);
    },

    async deleteOutbound(id) {
      const deleted = await db
        .delete(outboundTrunks)
        .where(eq(outboundTrunks.id, id))
        .returning({ id: outboundTrunks.id });
      if (deleted.length === 0) throw new NotFoundError('outbound trunk', id);
    },
  };
}
