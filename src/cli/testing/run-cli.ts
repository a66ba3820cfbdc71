/**
 * Test support (imported by `*.test.ts` only): runs the CLI's `main()` in-process with a
 * given environment and collects what it prints.
 */
import { main } from '../main.js';

/** What one run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard <argv>` in-process. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  extra: { stdin?: string; now?: Date } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(extra.stdin !== undefined
      ? {
          stdin: (async function* () {
            yield extra.stdin!;
          })(),
        }
      : {}),
    ...(extra.now !== undefined ? { now: () => extra.now! } : {}),
  });
  return { code, stdout, stderr };
}
