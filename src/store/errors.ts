/**
 * Typed store errors. The API maps them to HTTP statuses (ConflictError → 409, NotFoundError →
 * 404, ValidationError → 400) without parsing messages or driver error codes.
 */

/** A write would break a uniqueness rule (a number already on another trunk, …). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  /** The input field at fault, e.g. `numbers`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The entity with this id does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  /** What was looked for, e.g. `inbound trunk`. */
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string) {
    super(`${entity} ${id} not found`);
    this.entity = entity;
    this.id = id;
  }
}

/**
 * The input cannot be stored as given (a number listed twice in one trunk, a malformed cursor).
 * The API maps it to 400.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  /** The input field at fault. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** SQLSTATE of a unique or primary-key violation (→ ConflictError). */
export const PG_UNIQUE_VIOLATION = '23505';
/** SQLSTATE of a foreign-key violation: the parent row is missing (→ NotFoundError). */
export const PG_FOREIGN_KEY_VIOLATION = '23503';

/**
 * The SQLSTATE of a driver error, looking through the wrappers: drizzle wraps driver errors in a
 * `DrizzleQueryError` whose `cause` is the `pg` or PGlite error, and both of those carry `code`.
 */
export function pgErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Object && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The name of the constraint a driver error names (`pg` and PGlite both carry `constraint` on
 * integrity violations), looking through the wrappers like {@link pgErrorCode}.
 */
export function pgConstraintName(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Object && depth < 5; depth++) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string' && constraint !== '') return constraint;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
