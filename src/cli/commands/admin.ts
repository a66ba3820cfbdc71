/** `switchboard keys …`, `webhooks …` and `registrations`: access, events out, SIP users. */
import { UsageError, type Command, type Group } from '../args.js';
import {
  formatBool,
  formatList,
  formatTime,
  orNone,
  renderGeneric,
  renderTable,
} from '../table.js';
import type { WireApiKey, WireDelivery, WireList, WireWebhook } from '../types.js';
import { defined, flag, int, list, printList, required, seg, str } from './common.js';
import { confirm } from './crud.js';

const SCOPES = ['admin', 'operator', 'agent', 'read-only'];

/** Table of API keys. */
export function renderKeys(items: WireApiKey[]): string {
  return renderTable(items, [
    { header: 'id', value: (k) => k.id },
    { header: 'name', value: (k) => orNone(k.name) },
    { header: 'scopes', value: (k) => formatList(k.scopes) },
    { header: 'prefix', value: (k) => (k.prefix === undefined ? '-' : `${k.prefix}…`) },
    { header: 'created', value: (k) => formatTime(k.createdAt) },
    { header: 'last used', value: (k) => formatTime(k.lastUsedAt) },
    { header: 'revoked', value: (k) => formatTime(k.revokedAt) },
  ]);
}

/** Table of webhooks. */
export function renderWebhooks(items: WireWebhook[]): string {
  return renderTable(items, [
    { header: 'id', value: (w) => w.id },
    { header: 'url', value: (w) => orNone(w.url) },
    { header: 'events', value: (w) => formatList(w.events, 'all') },
    { header: 'enabled', value: (w) => formatBool(w.enabled) },
    { header: 'created', value: (w) => formatTime(w.createdAt) },
  ]);
}

/** Table of deliveries. */
export function renderDeliveries(items: WireDelivery[]): string {
  return renderTable(items, [
    { header: 'id', value: (d) => d.id },
    { header: 'event', value: (d) => orNone(d.eventType) },
    { header: 'status', value: (d) => orNone(d.status) },
    { header: 'attempts', value: (d) => orNone(d.attempts), align: 'right' },
    {
      header: 'last result',
      value: (d) => [d.lastStatus, d.lastError].filter((v) => v !== undefined).join(' ') || '-',
    },
    { header: 'next attempt', value: (d) => formatTime(d.nextAttemptAt) },
    { header: 'created', value: (d) => formatTime(d.createdAt) },
  ]);
}

const keys: Group = {
  kind: 'group',
  name: 'keys',
  summary: 'API keys',
  children: [
    {
      kind: 'command',
      name: 'list',
      summary: 'List API keys (revoked ones included; secrets are never shown)',
      async run(ctx) {
        const api = await ctx.api();
        printList(
          ctx,
          await api.get<WireList<WireApiKey>>('/v1/api-keys'),
          renderKeys,
          'no API keys',
        );
      },
    },
    {
      kind: 'command',
      name: 'create',
      summary: 'Create an API key; its secret is shown this once',
      options: {
        name: { type: 'string', placeholder: '<name>', description: 'What the key is for' },
        scope: {
          type: 'string',
          multiple: true,
          placeholder: SCOPES.join('|'),
          description: 'Scope (each includes those below it)',
        },
      },
      examples: ['switchboard keys create --name crm --scope operator'],
      async run(ctx) {
        const where = 'switchboard keys create';
        const name = required(ctx.values, 'name', where);
        const scopes = list(ctx.values, 'scope') ?? [];
        if (scopes.length === 0)
          throw new UsageError(`'${where}' needs --scope (${SCOPES.join(', ')})`);
        const bad = scopes.find((s) => !SCOPES.includes(s));
        if (bad !== undefined)
          throw new UsageError(`unknown scope '${bad}' (${SCOPES.join(', ')})`);
        const api = await ctx.api();
        const answer = await api.request<Record<string, unknown>>('POST', '/v1/api-keys', {
          body: { name, scopes },
        });
        if (ctx.json) return ctx.out.json(answer);
        // The record may come flat or nested beside the secret; accept either.
        const record = (answer?.record ?? answer?.apiKey ?? answer) as Partial<WireApiKey>;
        ctx.out.print(`created API key ${record.id ?? ''} (${name}: ${scopes.join(', ')})`);
        if (typeof answer?.key === 'string') {
          ctx.out.print(`key: ${answer.key}`);
          ctx.out.error('store the key now: it cannot be shown again');
        }
      },
    },
    {
      kind: 'command',
      name: 'revoke',
      summary: 'Revoke an API key (it stops working at once)',
      positionals: [{ name: 'id' }],
      async run(ctx) {
        const id = ctx.positionals[0]!;
        const api = await ctx.api();
        const answer = await api.request<unknown>('DELETE', `/v1/api-keys/${seg(id)}`);
        confirm(ctx, answer, `revoked API key ${id}`);
      },
    },
  ],
};

const webhooks: Group = {
  kind: 'group',
  name: 'webhooks',
  summary: 'Webhook subscriptions and their deliveries',
  children: [
    {
      kind: 'command',
      name: 'list',
      summary: 'List webhook subscriptions',
      async run(ctx) {
        const api = await ctx.api();
        printList(
          ctx,
          await api.get<WireList<WireWebhook>>('/v1/webhooks'),
          renderWebhooks,
          'no webhooks',
        );
      },
    },
    {
      kind: 'command',
      name: 'create',
      summary: 'Subscribe a URL to events',
      // The URL is a positional: `--url` already names the server the CLI talks to.
      positionals: [{ name: 'url' }],
      options: {
        event: {
          type: 'string',
          multiple: true,
          placeholder: '<type>',
          description: 'Event type or pattern (call.answered, call.*); default all',
        },
        secret: {
          type: 'string',
          placeholder: '<secret>',
          description: 'HMAC signing secret (write-only); generated by the server when absent',
        },
        disabled: { type: 'boolean', description: 'Create it disabled' },
      },
      examples: ["switchboard webhooks create https://crm.example.com/hook --event 'call.*'"],
      async run(ctx) {
        const target = ctx.positionals[0]!;
        const body = defined({
          url: target,
          events: list(ctx.values, 'event'),
          secret: str(ctx.values, 'secret'),
          enabled: flag(ctx.values, 'disabled') ? false : undefined,
        });
        const api = await ctx.api();
        const answer = await api.request<WireWebhook & { secret?: string }>(
          'POST',
          '/v1/webhooks',
          {
            body,
          },
        );
        if (ctx.json) return ctx.out.json(answer);
        ctx.out.print(`created webhook ${answer?.id ?? ''} → ${target}`);
        if (typeof answer?.secret === 'string' && body.secret === undefined) {
          ctx.out.print(`secret: ${answer.secret}`);
          ctx.out.error('store the signing secret now: it cannot be shown again');
        }
      },
    },
    {
      kind: 'command',
      name: 'delete',
      summary: 'Delete a webhook subscription',
      positionals: [{ name: 'id' }],
      async run(ctx) {
        const id = ctx.positionals[0]!;
        const api = await ctx.api();
        const answer = await api.request<unknown>('DELETE', `/v1/webhooks/${seg(id)}`);
        confirm(ctx, answer, `deleted webhook ${id}`);
      },
    },
    {
      kind: 'command',
      name: 'deliveries',
      summary: "List a webhook's deliveries (attempts, last result, next retry)",
      positionals: [{ name: 'id' }],
      options: {
        status: {
          type: 'string',
          placeholder: 'pending|delivered|failed',
          description: 'Only these',
        },
        limit: { type: 'string', placeholder: '<n>', description: 'At most this many' },
      },
      async run(ctx) {
        const api = await ctx.api();
        const answer = await api.get<WireList<WireDelivery>>(
          `/v1/webhooks/${seg(ctx.positionals[0]!)}/deliveries`,
          { status: str(ctx.values, 'status'), limit: int(ctx.values, 'limit', { min: 1 }) },
        );
        printList(ctx, answer, renderDeliveries, 'no deliveries');
      },
    },
  ],
};

/**
 * Registrations have no dedicated view yet: the registrar's shape may still change, so the
 * table shows whatever fields come back, one row per binding when they are nested per AOR.
 */
export function renderRegistrations(items: Record<string, unknown>[]): string {
  const rows = items.flatMap((item) => {
    const { bindings, ...rest } = item;
    if (!Array.isArray(bindings)) return [item];
    return bindings.map((b) => ({ ...rest, ...(b as Record<string, unknown>) }));
  });
  return renderGeneric(rows);
}

const registrations: Command = {
  kind: 'command',
  name: 'registrations',
  summary: 'SIP users currently registered (phones, softphones)',
  async run(ctx) {
    const api = await ctx.api();
    printList(
      ctx,
      await api.get<WireList<Record<string, unknown>>>('/v1/registrations'),
      renderRegistrations,
      'no registrations',
    );
  },
};

/** Groups and commands of this file, in help order. */
export const adminNodes = [keys, webhooks, registrations];
