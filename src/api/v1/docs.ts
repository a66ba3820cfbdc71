/**
 * The API's documentation: `GET /docs/openapi.json`, the OpenAPI 3.1 document the route kit
 * builds from the route declarations, and `GET /docs`, a small HTML page listing the operations.
 * The page is self-contained (inline CSS, no scripts, no CDN) so it works on an air-gapped
 * server, and its Content-Security-Policy forbids loading anything else.
 */
import type { ApiRouter } from '../route-kit.js';

/** The `info` of the OpenAPI document. */
export const API_INFO = {
  title: 'Switchboard API',
  version: '1',
  description:
    'Switchboard control plane. Send an API key as `Authorization: Bearer <key>` (or `X-Api-Key`). ' +
    'Errors: 400 names the field and the reason, 401/403 for a missing or too weak key, 404 for ' +
    'an unknown id, 409 for a conflict.',
};

/** What the page needs from one operation of the document. */
interface Operation {
  summary?: string;
  tags?: string[];
  'x-required-scope'?: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The HTML page for an OpenAPI document: one table row per operation, grouped by tag. */
export function renderDocsPage(document: {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}): string {
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = op.tags?.[0] ?? 'other';
      const row =
        `<tr><td class="m ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</td>` +
        `<td><code>${escapeHtml(path)}</code></td>` +
        `<td>${escapeHtml(op.summary ?? '')}</td>` +
        `<td>${escapeHtml(op['x-required-scope'] ?? 'public')}</td></tr>`;
      const rows = byTag.get(tag);
      if (rows) rows.push(row);
      else byTag.set(tag, [row]);
    }
  }
  const sections = [...byTag]
    .map(
      ([tag, rows]) =>
        `<h2>${escapeHtml(tag)}</h2>\n<table><thead><tr><th>Method</th><th>Path</th>` +
        `<th>What it does</th><th>Scope</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`,
    )
    .join('\n');
  const title = escapeHtml(document.info.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
code { font: 14px ui-monospace, monospace; }
.m { font: bold 13px ui-monospace, monospace; }
.get { color: #0a6; } .post { color: #06c; } .patch { color: #a60; } .delete { color: #c22; } .put { color: #a0a; }
</style>
</head>
<body>
<h1>${title}</h1>
<p>${escapeHtml(document.info.description ?? '')}</p>
<p>Machine-readable: <a href="docs/openapi.json">OpenAPI 3.1 document</a>.</p>
${sections}
</body>
</html>
`;
}

/** Registers `GET /docs` and `GET /docs/openapi.json` (both public). */
export function registerDocs(router: ApiRouter): void {
  // Built on first request: by then every route is registered (Fastify refuses new routes once
  // the server is ready), so the document cannot change afterwards.
  let document: ReturnType<typeof documentOf> | undefined;
  let page: string | undefined;
  const documentOf = () =>
    router.document(API_INFO) as {
      info: typeof API_INFO;
      paths: Record<string, Record<string, Operation>>;
    };
  router.add({
    method: 'GET',
    url: '/docs/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'docs',
    scope: 'public',
    handler: async () => (document ??= documentOf()),
  });
  router.add({
    method: 'GET',
    url: '/docs',
    summary: 'This API as an HTML page',
    tag: 'docs',
    scope: 'public',
    handler: async ({ reply }) => {
      page ??= renderDocsPage((document ??= documentOf()));
      void reply
        .type('text/html; charset=utf-8')
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      return page;
    },
  });
}
