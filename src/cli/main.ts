/**
 * The `switchboard` command: a client of a running server's /v1 API. `main()` takes its
 * arguments and surroundings as parameters and returns the exit code, so tests run it
 * in-process; bin/switchboard.mjs wires it to `process`.
 */
import {
  helpText,
  parseCommandArgs,
  pathWords,
  PROGRAM,
  resolveCommand,
  UsageError,
  type CommandContext,
  type Group,
} from './args.js';
import { ApiClient, ApiError, ConnectionError } from './client.js';
import { adminNodes } from './commands/admin.js';
import { callGroup } from './commands/call.js';
import { callsGroup } from './commands/calls.js';
import { conversationsGroup } from './commands/conversations.js';
import { dialogDocumentGroups } from './commands/dialog-documents.js';
import { loginCommand } from './commands/login.js';
import { rulesGroup } from './commands/rules.js';
import { trunksGroup } from './commands/trunks.js';
import { ConfigError, resolveConnection } from './connection.js';
import { EXIT, Output, type CliIo } from './io.js';

export { EXIT } from './io.js';
export type { CliIo, Writer } from './io.js';

/** The whole command tree. */
export const ROOT: Group = {
  kind: 'group',
  name: PROGRAM,
  summary: 'Command-line client for the Switchboard API (talks to a running server over HTTP).',
  children: [
    trunksGroup,
    rulesGroup,
    callsGroup,
    callGroup,
    conversationsGroup,
    ...dialogDocumentGroups,
    ...adminNodes,
    loginCommand,
  ],
  examples: [
    'switchboard login --url http://127.0.0.1:8080 --key sb_…',
    'switchboard trunks inbound list',
    'switchboard rules create --name demo --called 4XXX --action room:demo',
    'switchboard call dial --trunk t1 --to +8613800000000 --room demo',
    'switchboard calls list --since 1h --json',
  ],
};

/**
 * Runs one command line (`argv` without node and the script) and resolves to the exit code:
 * {@link EXIT}. Never throws: every failure is printed to `io.stderr`.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const out = new Output(io);
  let json = false;
  let client: ApiClient | undefined;
  try {
    const resolved = resolveCommand(ROOT, argv);
    if (resolved.help) {
      out.print(helpText(resolved.path));
      return EXIT.ok;
    }
    const node = resolved.node;
    if (node.kind === 'group') {
      // A group alone is a question ("what is there?"): answer it, but as a usage error so a
      // script with a missing word does not pass.
      out.error(helpText(resolved.path));
      out.error(`error: '${pathWords(resolved.path)}' needs a command`);
      return EXIT.usage;
    }
    const { values, positionals } = parseCommandArgs(node, resolved.rest, pathWords(resolved.path));
    json = values.json === true;
    const ctx: CommandContext = {
      values,
      positionals,
      json,
      out,
      io,
      async api() {
        if (client === undefined) {
          const conn = await resolveConnection(
            {
              url: values.url as string | undefined,
              key: values.key as string | undefined,
              config: values.config as string | undefined,
            },
            io.env,
          );
          client = new ApiClient({
            url: conn.url,
            ...(conn.key !== undefined ? { key: conn.key } : {}),
            ...(io.fetch ? { fetch: io.fetch } : {}),
          });
        }
        return client;
      },
    };
    await node.run(ctx);
    return EXIT.ok;
  } catch (err) {
    return report(err, out, json, client);
  }
}

/** Prints a failure and picks its exit code. */
function report(err: unknown, out: Output, json: boolean, client: ApiClient | undefined): number {
  if (err instanceof UsageError) {
    out.error(`error: ${err.message}`);
    for (const hint of err.hints) out.error(hint);
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    out.error(`error: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof ConnectionError) {
    out.error(`error: cannot reach the server at ${err.url}: ${err.reason}`);
    out.error(
      'is it running there? the URL comes from --url, SWITCHBOARD_API_URL or the config file',
    );
    return EXIT.unreachable;
  }
  if (err instanceof ApiError) {
    // Scripts asked for JSON: give them the error body too (the text goes to stderr).
    if (json) out.json(err.body);
    const issues = (err.body.issues ?? []).filter((i) => i.message !== undefined);
    const joined = issues.map((i) => `${i.field ? `${i.field}: ` : ''}${i.message}`);
    const message =
      err.message === joined.join('; ') ? `the server refused the request` : err.message;
    out.error(
      `error: ${message} (HTTP ${err.status}${err.body.error ? ` ${err.body.error}` : ''})`,
    );
    for (const line of joined) out.error(`  ${line}`);
    if (err.routeMissing) {
      out.error(
        `the server has no ${err.route} route: it is older than this CLI, or the feature is off`,
      );
    } else if (err.status === 401) {
      out.error(
        client?.hasKey
          ? 'the key was refused: check it, or create a new one with an admin key'
          : "no API key: pass --key, set SWITCHBOARD_API_KEY or run 'switchboard login'",
      );
    }
    return EXIT.api;
  }
  out.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT.api;
}
