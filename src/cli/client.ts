/**
 * The CLI's HTTP client for the /v1 API: global `fetch`, JSON in and out, the key as a Bearer
 * token. It tells apart the two ways a command fails — the server answered with an error
 * ({@link ApiError}, exit 1) or the server could not be reached ({@link ConnectionError},
 * exit 3) — because they call for different fixes.
 */
import type { WireError } from './types.js';

/** The server answered with a non-2xx status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: WireError & Record<string, unknown>,
    /** Method and path of the request, for messages about missing routes. */
    readonly route: string,
  ) {
    super(body.message ?? body.error ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }

  /**
   * True when the server has no such route at all, as opposed to a missing record: the
   * server is older than this CLI. Recognised by the not-found message of the API server
   * (`no route POST /v1/calls`) and of bare Fastify (`Route POST:/v1/calls not found`).
   */
  get routeMissing(): boolean {
    const message = this.body.message;
    return (
      this.status === 404 &&
      typeof message === 'string' &&
      (/^no route /.test(message) || /^Route \S+ not found/.test(message))
    );
  }
}

/** The request never got an HTTP answer: refused, DNS, TLS, timeout. */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
    this.name = 'ConnectionError';
  }
}

/** Options of one request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Milliseconds before giving up (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** Long enough for a slow server, short enough that a black-holed address does not hang. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Where and as whom to talk to the server. */
export interface ApiClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080` (a trailing slash or path prefix is kept). */
  url: string;
  key?: string;
  /** Injected in tests; global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Why fetch failed, from the error chain (`fetch failed` alone says nothing). */
export function describeFetchFailure(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return 'no answer in time (timed out)';
  }
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 4; depth++) {
    const code = (cur as Error & { code?: unknown }).code;
    const text = cur.message === 'fetch failed' ? '' : cur.message;
    const piece = typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text;
    if (piece.trim() !== '' && !parts.includes(piece.trim())) parts.push(piece.trim());
    cur = (cur as Error & { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(err);
}

/** A thin typed wrapper over the /v1 routes' transport. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /** True when a key is configured (to hint at login on 401). */
  get hasKey(): boolean {
    return this.options.key !== undefined && this.options.key !== '';
  }

  /** GET and parse. */
  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /**
   * Sends one request; resolves to the parsed JSON answer (undefined for an empty body, e.g.
   * 204). @throws ApiError on a non-2xx answer, ConnectionError when there is none.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.hasKey) headers.authorization = `Bearer ${this.options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (err) {
      throw new ConnectionError(this.baseUrl, describeFetchFailure(err));
    }
    const parsed = parseBody(text);
    if (!response.ok) {
      const body =
        parsed !== undefined && typeof parsed === 'object' && parsed !== null
          ? (parsed as WireError & Record<string, unknown>)
          : {
              message: `HTTP ${response.status} ${response.statusText}${
                text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`
              }`,
            };
      throw new ApiError(response.status, body, `${method} ${url.pathname}`);
    }
    return parsed as T;
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A proxy's HTML error page: keep the text for the message.
    return text;
  }
}
