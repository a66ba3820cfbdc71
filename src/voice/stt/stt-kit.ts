/**
 * Plumbing shared by the speech-to-text adapters (Deepgram, OpenAI-compatible, Azure, Alibaba
 * Cloud NLS, FunASR, PocketSphinx): the setting checks, whose errors name the setting the
 * operator has to fix, the report of a refused WebSocket upgrade, and small helpers for vendor
 * JSON and ids.
 *
 * It exists so that each adapter file holds only its vendor's protocol; before it, every one
 * carried its own copy of these. The results queue a stream hands out is cloud-tts-kit's
 * `AsyncQueue<SttResult>` and a WebSocket message's text is its `messageText`: the adapters
 * import those from there rather than through this file.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { ProviderConfigError } from '../providers/types.js';

/**
 * A required key, token or id that holds no whitespace, trimmed; with `trim: false` it is
 * taken as given, so surrounding whitespace is refused too. Throws a
 * {@link ProviderConfigError} naming `setting`.
 */
export function requireToken(
  setting: string,
  value: string | undefined,
  options: { trim?: boolean } = {},
): string {
  const token = options.trim === false ? value : value?.trim();
  if (token === undefined || token.trim() === '') {
    throw new ProviderConfigError(setting, 'is required');
  }
  if (/\s/.test(token)) throw new ProviderConfigError(setting, 'must not contain whitespace');
  return token;
}

/** A non-empty text setting, trimmed, or a {@link ProviderConfigError} naming it. */
export function requireText(setting: string, value: string): string {
  if (value.trim() === '') throw new ProviderConfigError(setting, 'must not be empty');
  return value.trim();
}

/** A positive number of milliseconds, or a {@link ProviderConfigError} naming the setting. */
export function positiveMs(setting: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ProviderConfigError(setting, 'must be a positive number of milliseconds');
  }
  return value;
}

/**
 * A ws:// or wss:// URL setting, or a {@link ProviderConfigError} naming it. With `fromHttp`,
 * http:// and https:// are accepted and mapped to ws:// and wss://; with `trim`, the value is
 * trimmed before it is parsed (errors quote it as given).
 */
export function wsUrl(
  setting: string,
  value: string,
  options: { fromHttp?: boolean; trim?: boolean } = {},
): URL {
  let url: URL;
  try {
    url = new URL(options.trim ? value.trim() : value);
  } catch {
    throw new ProviderConfigError(setting, `is not a URL: ${value}`);
  }
  if (options.fromHttp) {
    if (url.protocol === 'https:') url.protocol = 'wss:';
    else if (url.protocol === 'http:') url.protocol = 'ws:';
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
    throw new ProviderConfigError(setting, `must be a ws:// or wss:// URL, not ${value}`);
  }
  return url;
}

/**
 * Reports an upgrade the server refused with an HTTP answer (a bad key: 401, bad parameters:
 * 400) through `fail`: the status and up to 300 characters of the body; 429 and 5xx retryable.
 */
export function onUpgradeRefused(
  ws: WebSocket,
  fail: (message: string, retryable: boolean, status: number) => void,
): void {
  ws.on('unexpected-response', (_req, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const body = Buffer.concat(chunks).toString('utf8').slice(0, 300);
      fail(
        `refused the connection: HTTP ${status}${body ? ` ${body}` : ''}`,
        status === 429 || status >= 500,
        status,
      );
    });
  });
}

/** A UUID without dashes: the 32-hex id form Azure Speech and Alibaba NLS want. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` held to 0…1 (a vendor's confidence). */
export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
