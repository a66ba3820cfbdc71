import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  configPath,
  DEFAULT_URL,
  readConfigFile,
  resolveConnection,
  writeConfigFile,
} from './connection.js';

const posix = process.platform !== 'win32';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-cli-conn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, contents: unknown, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  await chmod(path, mode);
  return path;
}

describe('configPath', () => {
  it('is --config, else $SWITCHBOARD_CLI_CONFIG, else under ~/.config', () => {
    expect(configPath('a.json', { SWITCHBOARD_CLI_CONFIG: 'b.json' })).toEqual({
      path: 'a.json',
      explicit: true,
    });
    expect(configPath(undefined, { SWITCHBOARD_CLI_CONFIG: 'b.json' }).path).toBe('b.json');
    expect(configPath(undefined, { HOME: '/home/op' })).toEqual({
      path: join('/home/op', '.config', 'switchboard', 'cli.json'),
      explicit: false,
    });
  });
});

describe('resolveConnection', () => {
  it('defaults to the local server without a key', async () => {
    expect(await resolveConnection({}, { HOME: dir })).toEqual({ url: DEFAULT_URL });
  });

  it('prefers flags over the environment over the file', async () => {
    const path = await configFile('all.json', { url: 'http://file:1', key: 'sb_file' });
    const env = { SWITCHBOARD_CLI_CONFIG: path };
    expect(await resolveConnection({}, env)).toEqual({
      url: 'http://file:1',
      key: 'sb_file',
      configFile: path,
    });
    expect(
      await resolveConnection({}, { ...env, SWITCHBOARD_API_URL: 'http://env:2' }),
    ).toMatchObject({ url: 'http://env:2', key: 'sb_file' });
    expect(
      await resolveConnection(
        { url: 'http://flag:3', key: 'sb_flag' },
        { ...env, SWITCHBOARD_API_KEY: 'sb_env' },
      ),
    ).toMatchObject({ url: 'http://flag:3', key: 'sb_flag' });
  });

  it('does not read the file when flags and environment say everything', async () => {
    const path = await configFile('open.json', { key: 'k' }, 0o644);
    const env = { SWITCHBOARD_CLI_CONFIG: path, SWITCHBOARD_API_KEY: 'sb_env' };
    expect(await resolveConnection({ url: 'http://x:1' }, env)).toEqual({
      url: 'http://x:1',
      key: 'sb_env',
    });
  });

  it.runIf(posix)('refuses a config file others can read, like ssh', async () => {
    const path = await configFile('shared.json', { key: 'sb_secret' }, 0o644);
    const err = await resolveConnection({ config: path }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`permissions 0644 for '${path}' are too open`);
    expect((err as Error).message).toContain(`chmod 600 '${path}'`);
    await chmod(path, 0o640);
    await expect(readConfigFile(path, true)).rejects.toThrow(/0640/);
  });

  it('says what is wrong with a named file', async () => {
    await expect(resolveConnection({ config: join(dir, 'none.json') }, {})).rejects.toThrow(
      /cannot read config file .*none\.json/,
    );
    const bad = await configFile('bad.json', '{ url: ');
    await expect(resolveConnection({ config: bad }, {})).rejects.toThrow(/not valid JSON/);
    const wrong = await configFile('wrong.json', { url: 42 });
    await expect(resolveConnection({ config: wrong }, {})).rejects.toThrow(/url must be a string/);
    await expect(resolveConnection({ url: 'ftp://x' }, { HOME: dir })).rejects.toThrow(
      /only http: and https:/,
    );
    await expect(resolveConnection({ url: 'not a url' }, { HOME: dir })).rejects.toThrow(
      /invalid server URL/,
    );
  });
});

describe('writeConfigFile', () => {
  it('writes mode 600 in a 700 directory, replacing a loose file', async () => {
    const path = join(dir, 'nested', 'switchboard', 'cli.json');
    await writeConfigFile(path, { url: 'http://a:1', key: 'sb_1' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: 'http://a:1', key: 'sb_1' });
    if (posix) {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'nested', 'switchboard'))).mode & 0o777).toBe(0o700);
      await chmod(path, 0o644);
      await writeConfigFile(path, { url: 'http://b:2', key: 'sb_2' });
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
    expect(await readConfigFile(path, true)).toEqual({ url: 'http://b:2', key: 'sb_2' });
  });
});
