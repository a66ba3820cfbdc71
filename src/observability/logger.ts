/**
 * Structured logging with pino. Personal data (numbers, transcripts, digits) goes only under
 * `pii.*` keys, which are redacted unless SWITCHBOARD_LOG_PII=true is set for debugging.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  level: string;
  /** Keep personal data in logs (local debugging only). */
  logPii?: boolean;
  /** Where to write; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process logger with `pii.*` redaction. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const opts: LoggerOptions = {
    level: options.level,
    base: { service: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!options.logPii) opts.redact = { paths: ['pii', '*.pii'], censor: '[redacted]' };
  return options.destination
    ? pino(opts, options.destination as unknown as pino.DestinationStream)
    : pino(opts);
}
