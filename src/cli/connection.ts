/**
 * Where the server is and which key to present. Flags win over the environment, the
 * environment over the config file, and the file over the default URL — the usual order, so a
 * one-off `--url` never needs the file edited. The file holds an API key, so like ssh with a
 * private key, the CLI refuses a file that others can read rather than quietly using it.
 */
import { chmod, mkdir, rename, stat, readFile, writeFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where the server listens when nothing says otherwise (the server's default HTTP port). */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** A local set-up problem (bad config file, bad URL): a usage error, exit 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The config file's contents. */
export interface CliConfigFile {
  url?: string;
  key?: string;
}

/** The resolved connection. */
export interface Connection {
  url: string;
  key?: string;
  /** The config file that was read, if one was. */
  configFile?: string;
}

/** Flags that bear on the connection. */
export interface ConnectionFlags {
  url?: string;
  key?: string;
  config?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable, with empty meaning unset (as `VAR= cmd` intends). */
function envValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The config file path: `--config`, else `$SWITCHBOARD_CLI_CONFIG`, else
 * `~/.config/switchboard/cli.json`. `explicit` says whether the user named it (then a missing
 * file is an error rather than "no file").
 */
export function configPath(
  flag: string | undefined,
  env: Env,
): { path: string; explicit: boolean } {
  if (flag !== undefined && flag !== '') return { path: flag, explicit: true };
  const fromEnv = envValue(env, 'SWITCHBOARD_CLI_CONFIG');
  if (fromEnv !== undefined) return { path: fromEnv, explicit: true };
  const home = envValue(env, 'HOME') ?? homedir();
  return { path: join(home, '.config', 'switchboard', 'cli.json'), explicit: false };
}

/**
 * Reads and checks the config file. Undefined when it does not exist and was not named.
 * @throws ConfigError when it is missing but named, readable by others, or not valid.
 */
export async function readConfigFile(
  path: string,
  explicit: boolean,
): Promise<CliConfigFile | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return undefined;
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  // POSIX permission bits mean nothing on Windows (ACLs decide there).
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      `permissions ${(mode & 0o777).toString(8).padStart(4, '0')} for '${path}' are too open.\n` +
        'The file holds an API key and must not be accessible by other users; it is ignored.\n' +
        `Fix it with: chmod 600 '${path}'`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object like {"url":…,"key":…}`);
  }
  const file = parsed as Record<string, unknown>;
  const out: CliConfigFile = {};
  for (const field of ['url', 'key'] as const) {
    const v = file[field];
    if (v === undefined) continue;
    if (typeof v !== 'string')
      throw new ConfigError(`config file ${path}: ${field} must be a string`);
    out[field] = v;
  }
  return out;
}

/** Checks a base URL: http or https, nothing else (a typo should fail here, not in fetch). */
export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`invalid server URL '${url}' (expected e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`invalid server URL '${url}': only http: and https: are supported`);
  }
  return url;
}

/**
 * Resolves the connection from flags, environment and config file. The file is read only
 * when flags and environment leave something unset, so a broken file does not get in the way
 * of `SWITCHBOARD_API_URL=… SWITCHBOARD_API_KEY=… switchboard …`.
 */
export async function resolveConnection(flags: ConnectionFlags, env: Env): Promise<Connection> {
  let url = flags.url ?? envValue(env, 'SWITCHBOARD_API_URL');
  let key = flags.key ?? envValue(env, 'SWITCHBOARD_API_KEY');
  let configFile: string | undefined;
  if (url === undefined || key === undefined || flags.config !== undefined) {
    const { path, explicit } = configPath(flags.config, env);
    const file = await readConfigFile(path, explicit);
    if (file !== undefined) {
      configFile = path;
      url ??= file.url;
      key ??= file.key;
    }
  }
  return {
    url: checkUrl(url ?? DEFAULT_URL),
    ...(key !== undefined && key !== '' ? { key } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  };
}

/**
 * Writes the config file with mode 600 (directory 700), replacing it atomically: written
 * beside it under a temporary name, then renamed, so a crash never leaves half a file and the
 * key is never readable by others, not even for a moment.
 */
export async function writeConfigFile(path: string, contents: CliConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(contents, null, 2) + '\n', { mode: 0o600, flag: 'w' });
    // writeFile's mode applies only when it creates the file; make sure of it either way.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
