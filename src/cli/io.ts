/**
 * The CLI's surroundings, passed in rather than taken from `process`, so tests run `main()`
 * in-process with their own environment and capture what it prints.
 */

/** Exit codes: scripts branch on them, so each failure class has its own. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error. */
  api: 1,
  /** Unknown command or flag, missing argument, bad local config. */
  usage: 2,
  /** No answer from the server at all. */
  unreachable: 3,
} as const;

/** Something text can be written to (a stream, or a test's collector). */
export interface Writer {
  write(chunk: string): unknown;
}

/** What `main()` runs against. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writer;
  stderr: Writer;
  /** For `login --key -` (read the key from standard input, out of the shell history). */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Replaces global fetch (tests of transport failures). */
  fetch?: typeof fetch;
  /** The clock, for durations of calls still in progress. */
  now?: () => Date;
}

/** Printing helpers over a {@link CliIo}. */
export class Output {
  constructor(private readonly io: CliIo) {}

  /** Text to stdout, newline-terminated. */
  print(text: string): void {
    if (text === '') return;
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A value as indented JSON to stdout (`--json`). */
  json(value: unknown): void {
    if (value === undefined) return;
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Text to stderr, newline-terminated. */
  error(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The current time. */
  now(): Date {
    return this.io.now?.() ?? new Date();
  }
}
