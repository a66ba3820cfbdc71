/**
 * `switchboard login`: saves the server URL and API key to the config file (mode 600), after
 * checking that the server accepts the key — a typo found now beats one found mid-incident.
 */
import { UsageError, type Command } from '../args.js';
import { ApiClient, ApiError } from '../client.js';
import { checkUrl, configPath, DEFAULT_URL, writeConfigFile } from '../connection.js';
import { flag, readAll, str } from './common.js';

/** The `login` command. */
export const loginCommand: Command = {
  kind: 'command',
  name: 'login',
  summary: 'Save the server URL and API key to the config file (mode 600)',
  description:
    'Uses --url and --key (or SWITCHBOARD_API_URL / SWITCHBOARD_API_KEY). `--key -` reads the\n' +
    'key from standard input, which keeps it out of the shell history. The key is checked\n' +
    'against the server first unless --skip-verify is given.',
  options: {
    'skip-verify': { type: 'boolean', description: 'Save without asking the server' },
  },
  examples: [
    'switchboard login --url https://pbx.example.com --key sb_…',
    'pass show switchboard | switchboard login --url https://pbx.example.com --key -',
  ],
  async run(ctx) {
    const env = ctx.io.env;
    const url = checkUrl(str(ctx.values, 'url') ?? env.SWITCHBOARD_API_URL ?? DEFAULT_URL);
    let key = str(ctx.values, 'key') ?? env.SWITCHBOARD_API_KEY;
    if (key === '-') key = (await readAll(ctx.io.stdin)).trim();
    if (key === undefined || key === '') {
      throw new UsageError("'switchboard login' needs --key (or `--key -` to read it from stdin)");
    }
    if (!flag(ctx.values, 'skip-verify')) {
      const client = new ApiClient({ url, key, ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}) });
      try {
        // The cheapest route any valid key may read (read-only is the lowest scope).
        await client.get('/v1/calls', { limit: 1 });
      } catch (err) {
        // A server without that route still told us it is there; only a refused key stops us.
        if (!(err instanceof ApiError && (err.routeMissing || err.status === 403))) throw err;
      }
    }
    const { path } = configPath(str(ctx.values, 'config'), env);
    await writeConfigFile(path, { url, key });
    if (ctx.json) return ctx.out.json({ url, configFile: path });
    ctx.out.print(`saved ${url} and the key to ${path} (mode 600)`);
  },
};
