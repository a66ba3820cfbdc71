/**
 * Loads configuration from an optional YAML file and `SWITCHBOARD_*` environment variables
 * (the environment wins), validates it, and reports every bad value by the setting's name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type AppConfig } from './schema.js';

/** Environment variables and the config path each one sets. */
const ENV_MAP: ReadonlyArray<readonly [string, string[], ((v: string) => unknown)?]> = [
  ['SWITCHBOARD_SIP_HOST', ['sip', 'host']],
  ['SWITCHBOARD_SIP_PORT', ['sip', 'port']],
  ['SWITCHBOARD_SIP_TRANSPORTS', ['sip', 'transports'], splitList],
  ['SWITCHBOARD_SIP_TLS_PORT', ['sip', 'tlsPort']],
  ['SWITCHBOARD_SIP_WS_PORT', ['sip', 'wsPort']],
  ['SWITCHBOARD_SIP_WSS_PORT', ['sip', 'wssPort']],
  ['SWITCHBOARD_SIP_TLS_CERT', ['sip', 'tlsCert']],
  ['SWITCHBOARD_SIP_TLS_KEY', ['sip', 'tlsKey']],
  ['SWITCHBOARD_SIP_PUBLIC_HOST', ['sip', 'publicHost']],
  ['SWITCHBOARD_SIP_DOMAIN', ['sip', 'domain']],
  ['SWITCHBOARD_SIP_REALM', ['sip', 'realm']],
  [
    'SWITCHBOARD_SIP_DIGEST_ALGORITHMS',
    ['sip', 'digestAlgorithms'],
    (v) => splitList(v).map((a) => a.toUpperCase()),
  ],
  ['SWITCHBOARD_SIP_USERS', ['sip', 'users'], parseUsers],
  ['SWITCHBOARD_SIP_MAX_MESSAGE_BYTES', ['sip', 'maxMessageBytes']],
  ['SWITCHBOARD_SIP_TEST_EXTENSION', ['sip', 'testExtension']],
  ['SWITCHBOARD_SIP_T1_MS', ['sip', 't1Ms']],
  ['SWITCHBOARD_HTTP_HOST', ['http', 'host']],
  ['SWITCHBOARD_HTTP_PORT', ['http', 'port']],
  ['SWITCHBOARD_RTP_PORT_MIN', ['rtp', 'portMin']],
  ['SWITCHBOARD_RTP_PORT_MAX', ['rtp', 'portMax']],
  ['SWITCHBOARD_RTP_TIMEOUT_S', ['rtp', 'timeoutS']],
  ['SWITCHBOARD_JITTER_MIN_MS', ['rtp', 'jitterMinMs']],
  ['SWITCHBOARD_JITTER_MAX_MS', ['rtp', 'jitterMaxMs']],
  ['SWITCHBOARD_CODECS', ['media', 'codecs'], (v) => splitList(v).map(codecName)],
  ['SWITCHBOARD_RECORD_CALLS', ['media', 'recordCalls']],
  ['SWITCHBOARD_RECORDINGS_DIR', ['media', 'recordingsDir']],
  ['SWITCHBOARD_RECORDING_MODE', ['media', 'recordingMode']],
  ['SWITCHBOARD_PROMPT_EXTENSION', ['media', 'promptExtension']],
  ['SWITCHBOARD_PROMPT_FILE', ['media', 'promptFile']],
  ['SWITCHBOARD_INBAND_DTMF', ['media', 'inbandDtmf']],
  ['SWITCHBOARD_MEDIA_DIR', ['media', 'filesDir']],
  ['SWITCHBOARD_NO_MATCH_STATUS', ['dispatch', 'noMatchStatus']],
  ['SWITCHBOARD_RING_TIMEOUT_S', ['dispatch', 'ringTimeoutS']],
  ['SWITCHBOARD_DEMO_TENANT', ['demoTenant']],
  ['SWITCHBOARD_STT', ['voice', 'stt'], splitList],
  ['SWITCHBOARD_TTS', ['voice', 'tts'], splitList],
  ['SWITCHBOARD_VOICE_LANGUAGE', ['voice', 'language']],
  ['SWITCHBOARD_TTS_CACHE_DIR', ['voice', 'ttsCacheDir']],
  ['SWITCHBOARD_TTS_CACHE_MEMORY_MB', ['voice', 'ttsCacheMemoryMb']],
  ['SWITCHBOARD_TTS_CACHE_DISK_MB', ['voice', 'ttsCacheDiskMb']],
  ['SWITCHBOARD_DATA_DIR', ['dataDir']],
  ['SWITCHBOARD_LOG_LEVEL', ['logLevel']],
  ['SWITCHBOARD_LOG_PII', ['logPii']],
  ['SWITCHBOARD_SHUTDOWN_GRACE_MS', ['shutdownGraceMs']],
  ['DATABASE_URL', ['databaseUrl']],
  ['REDIS_URL', ['redisUrl']],
];

/** Thrown when configuration is invalid; the message names every bad setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Codec names as SDP spells them (opus lower case, the rest upper), whatever was typed. */
function codecName(name: string): string {
  return name === 'opus' ? name : name.toUpperCase();
}

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** `alice:secret,bob:pw` → users. A password may itself contain ':' after the first one. */
function parseUsers(v: string): Array<{ username: string; password: string }> {
  return splitList(v).length === 0
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((pair) => {
          const i = pair.indexOf(':');
          return i < 0
            ? { username: pair, password: '' }
            : { username: pair.slice(0, i), password: pair.slice(i + 1) };
        });
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function envNameFor(path: ReadonlyArray<PropertyKey>): string | undefined {
  const dotted = path.join('.');
  return ENV_MAP.find(([, p]) => dotted.startsWith(p.join('.')))?.[0];
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** YAML file; defaults to SWITCHBOARD_CONFIG or ./switchboard.yaml when it exists. */
  file?: string;
  /** Values applied over file and environment (used by tests and embedding). */
  overrides?: Record<string, unknown>;
}

/** Reads, merges and validates configuration. Throws {@link ConfigError} on bad values. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const explicitFile = options.file ?? env.SWITCHBOARD_CONFIG;
  const file = resolve(explicitFile ?? 'switchboard.yaml');
  if (explicitFile !== undefined || existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError([`${file}: ${(err as Error).message}`]);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError([`${file}: the top level must be a mapping of settings`]);
      }
      Object.assign(raw, parsed);
    }
  }
  for (const [name, path, convert] of ENV_MAP) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, convert ? convert(v) : v);
  }
  deepMerge(raw, options.overrides ?? {});
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const dotted = issue.path.join('.') || '(root)';
        const envName = envNameFor(issue.path);
        const where = envName ? `${dotted} (${envName})` : dotted;
        return `${where}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

function deepMerge(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = target[k];
    if (
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      cur !== null &&
      typeof cur === 'object' &&
      !Array.isArray(cur)
    ) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = v;
  }
}
