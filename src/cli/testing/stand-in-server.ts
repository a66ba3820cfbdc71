/**
 * Test support (imported by `*.test.ts` only): a tiny node:http server standing in for the
 * /v1 API where a test needs answers the real server cannot give on demand — a route that
 * does not exist yet (call control), a proxy's HTML error page, an exact request to inspect.
 * It records every request and answers canned JSON; it checks the Bearer key the way the API
 * does (401 with the API's messages), so the CLI's authentication is exercised too.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** A canned answer. */
export interface CannedAnswer {
  status: number;
  /** JSON-serialised unless a string (sent as is, e.g. an HTML page). */
  body?: unknown;
  contentType?: string;
}

/** The running stand-in. */
export interface StandInServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers `METHOD /path` (exact path, query ignored) with `answer` from now on. */
  on(route: string, answer: CannedAnswer | ((req: RecordedRequest) => CannedAnswer)): void;
  /** The last request, failing when there is none. */
  last(): RecordedRequest;
  close(): Promise<void>;
}

/** Starts a stand-in that admits `key` (any key when undefined) on 127.0.0.1. */
export async function startStandIn(key: string | undefined): Promise<StandInServer> {
  const routes = new Map<string, CannedAnswer | ((req: RecordedRequest) => CannedAnswer)>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      requests.push(recorded);
      const send = (a: CannedAnswer): void => {
        const payload = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? null);
        res.writeHead(a.status, {
          'content-type': a.contentType ?? 'application/json; charset=utf-8',
        });
        res.end(a.status === 204 ? undefined : payload);
      };
      const auth = req.headers.authorization;
      if (key !== undefined && auth === undefined) {
        return send({
          status: 401,
          body: {
            error: 'unauthorized',
            message: 'an API key is required (Authorization: Bearer <key>)',
          },
        });
      }
      if (key !== undefined && auth !== `Bearer ${key}`) {
        return send({
          status: 401,
          body: { error: 'unauthorized', message: 'the API key is unknown or revoked' },
        });
      }
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      if (route === undefined) {
        // The API server's own not-found answer.
        return send({
          status: 404,
          body: { error: 'not_found', message: `no route ${recorded.method} ${recorded.path}` },
        });
      }
      send(typeof route === 'function' ? route(recorded) : route);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (route, answer) => void routes.set(route, answer),
    last: () => {
      const r = requests[requests.length - 1];
      if (r === undefined) throw new Error('no request reached the stand-in');
      return r;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
