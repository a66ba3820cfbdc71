/**
 * Versioned dialog documents (flows, agents, intents, script trees). Every save inserts the next
 * version; the primary key (kind, name, version) is what keeps two concurrent saves from both
 * becoming version n+1: the loser of that race retries on top of the winner's version (or, when
 * it asked for a specific version, gets a ConflictError), so no save is ever lost.
 */
import { and, asc, desc, eq, max } from 'drizzle-orm';
import { ConflictError, PG_UNIQUE_VIOLATION, ValidationError, pgErrorCode } from '../errors.js';
import type { DialogDocumentKind, DialogDocumentRecord } from '../model.js';
import { dialogDocuments } from '../schema.js';
import { type Db, hasNul, opt } from './db.js';

/** Dialog document persistence: one row per version, deleted all at once. */
export interface DialogDocumentRepository {
  /**
   * Stores a new version (latest + 1, starting at 1) in one transaction.
   * `expectedVersion` makes the save conditional: it must be the latest version (0: the
   * document must not exist yet).
   * @throws ConflictError (field 'version') when expectedVersion is given and is not the latest
   *   (or another save of the same name won the race for it).
   * @throws ValidationError for a bad name (/^[a-z0-9][a-z0-9._-]{0,63}$/, field 'name'), an
   *   unknown kind ('kind'), a document that is not a JSON object or holds a NUL character
   *   ('document'), or a comment with a NUL character ('comment').
   */
  put(
    kind: DialogDocumentKind,
    name: string,
    document: unknown,
    options?: { comment?: string; expectedVersion?: number },
  ): Promise<DialogDocumentRecord>;
  latest(kind: DialogDocumentKind, name: string): Promise<DialogDocumentRecord | undefined>;
  get(
    kind: DialogDocumentKind,
    name: string,
    version: number,
  ): Promise<DialogDocumentRecord | undefined>;
  /** The latest version of every document of the kind, by name. */
  list(kind: DialogDocumentKind): Promise<DialogDocumentRecord[]>;
  /** Every version, newest first; empty for an unknown name. */
  history(kind: DialogDocumentKind, name: string): Promise<DialogDocumentRecord[]>;
  /** Deletes every version, so a later save starts again at 1. @returns false when there was none. */
  delete(kind: DialogDocumentKind, name: string): Promise<boolean>;
}

/** The kinds, for validating input that did not come through the type system. */
export const DIALOG_DOCUMENT_KINDS: readonly DialogDocumentKind[] = [
  'flow',
  'agent',
  'intents',
  'script',
];

/** What a document name may be: safe in a URL path segment and a file name. */
export const DIALOG_DOCUMENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * How many times a save retries after losing the race for a version number. Each retry means
 * another save committed in between, so this is only reached under a storm of saves of one name.
 */
const MAX_ATTEMPTS = 20;

/** Largest version: PostgreSQL's int4. */
const MAX_VERSION = 2_147_483_647;

type DialogDocumentRow = typeof dialogDocuments.$inferSelect;

function toRecord(row: DialogDocumentRow): DialogDocumentRecord {
  return {
    kind: row.kind,
    name: row.name,
    version: row.version,
    document: row.document,
    comment: opt(row.comment),
    createdAt: row.createdAt,
  };
}

function validate(
  kind: DialogDocumentKind,
  name: string,
  document: unknown,
  options: { comment?: string; expectedVersion?: number },
): asserts document is Record<string, unknown> {
  if (!DIALOG_DOCUMENT_KINDS.includes(kind)) {
    throw new ValidationError('kind', `must be one of ${DIALOG_DOCUMENT_KINDS.join(', ')}`);
  }
  if (typeof name !== 'string' || !DIALOG_DOCUMENT_NAME.test(name)) {
    throw new ValidationError(
      'name',
      'must be 1–64 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
    );
  }
  // Objects only: every dialog document is one, and a top-level JSON string would not survive
  // the drivers' jsonb decoding unchanged ("123" would come back as 123).
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ValidationError('document', 'must be a JSON object');
  }
  if (hasNul(document)) throw new ValidationError('document', 'must not contain a NUL character');
  if (options.comment?.includes('\u0000')) {
    throw new ValidationError('comment', 'must not contain a NUL character');
  }
  const expected = options.expectedVersion;
  if (expected !== undefined && (!Number.isInteger(expected) || expected < 0)) {
    throw new ValidationError('version', 'must be a whole number, 0 for a new document');
  }
}

/** The dialog document repository over `db` (a database or a transaction). */
export function dialogDocumentRepository(db: Db): DialogDocumentRepository {
  const of = (kind: DialogDocumentKind, name: string) =>
    and(eq(dialogDocuments.kind, kind), eq(dialogDocuments.name, name));

  return {
    async put(kind, name, document, options = {}) {
      validate(kind, name, document, options);
      const { expectedVersion } = options;
      for (let attempt = 1; ; attempt++) {
        try {
          // A transaction (a savepoint inside the caller's), so a lost race rolls back only
          // this attempt and the next one can run.
          return await db.transaction(async (tx) => {
            const [top] = await tx
              .select({ version: max(dialogDocuments.version) })
              .from(dialogDocuments)
              .where(of(kind, name));
            const latest = top?.version ?? 0;
            if (expectedVersion !== undefined && expectedVersion !== latest) {
              throw new ConflictError(
                'version',
                `${kind} ${name} is at version ${latest}, not ${expectedVersion}`,
              );
            }
            const [row] = await tx
              .insert(dialogDocuments)
              .values({
                kind,
                name,
                version: latest + 1,
                document,
                comment: options.comment ?? null,
                createdAt: new Date(),
              })
              .returning();
            return toRecord(row!);
          });
        } catch (error) {
          if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
          // Another save took the version this one read as next.
          if (expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
            throw new ConflictError(
              'version',
              `${kind} ${name} was saved concurrently; read it again and retry`,
            );
          }
        }
      }
    },

    async latest(kind, name) {
      const [row] = await db
        .select()
        .from(dialogDocuments)
        .where(of(kind, name))
        .orderBy(desc(dialogDocuments.version))
        .limit(1);
      return row ? toRecord(row) : undefined;
    },

    async get(kind, name, version) {
      // Out of int4 range, PostgreSQL would refuse the parameter instead of finding nothing.
      if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) return undefined;
      const [row] = await db
        .select()
        .from(dialogDocuments)
        .where(and(of(kind, name), eq(dialogDocuments.version, version)));
      return row ? toRecord(row) : undefined;
    },

    async list(kind) {
      const rows = await db
        .selectDistinctOn([dialogDocuments.name])
        .from(dialogDocuments)
        .where(eq(dialogDocuments.kind, kind))
        .orderBy(asc(dialogDocuments.name), desc(dialogDocuments.version));
      return rows.map(toRecord);
    },

    async history(kind, name) {
      const rows = await db
        .select()
        .from(dialogDocuments)
        .where(of(kind, name))
        .orderBy(desc(dialogDocuments.version));
      return rows.map(toRecord);
    },

    async delete(kind, name) {
      const rows = await db
        .delete(dialogDocuments)
        .where(of(kind, name))
        .returning({ version: dialogDocuments.version });
      return rows.length > 0;
    },
  };
}
