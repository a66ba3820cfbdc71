/**
 * The one error type the message module throws for bad input, so that callers can tell a
 * malformed message (answer or drop it) from a programming error (let it crash).
 */
import type { SipRequest } from './types.js';

/** A message, or a part of one, that does not follow the SIP grammar. */
export class SipParseError extends Error {
  /** Response code to send when the message can be answered (400 for syntax errors). */
  readonly status: number;
  /** Short phrase naming the problem; fit for a reason phrase and a Warning header. */
  readonly reason: string;
  /**
   * The request as far as it was understood. Set only when the start line was a request line
   * and Via, From, To, Call-ID and CSeq could be read, i.e. when a response can be built with
   * `createResponse`. The header at fault is left as received, so typed accessors on the
   * partial request may throw again.
   */
  readonly partial?: SipRequest;

  /** Creates the error; `reason` doubles as the Error message. */
  constructor(status: number, reason: string, partial?: SipRequest) {
    super(reason);
    this.name = 'SipParseError';
    this.status = status;
    this.reason = reason;
    if (partial) this.partial = partial;
  }
}

/** Shorthand for the common case: a 400 without a partial request. */
export function badSyntax(reason: string): SipParseError {
  return new SipParseError(400, reason);
}

/**
 * The reason of a nested SipParseError with its first letter lower-cased, for wrapping it in
 * a reason that names the header (`Bad From: unbalanced quotes`). Anything else is rethrown:
 * only syntax errors may be turned into a 400.
 */
export function describe(err: unknown): string {
  if (!(err instanceof SipParseError)) throw err;
  return err.reason.charAt(0).toLowerCase() + err.reason.slice(1);
}
