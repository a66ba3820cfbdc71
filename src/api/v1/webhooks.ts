/**
 * /v1/webhooks: outgoing webhook subscriptions and their delivery log. The signing secret is
 * write-only: it is shown once, in the answer to the creation (generated as `whsec_…` when the
 * client gives none), and afterwards only as `secretSet: true`.
 */
import { z } from 'zod';
import {
  NotFoundError,
  topicMatches,
  type Store,
  type WebhookDeliveryRecord,
  type WebhookRecord,
} from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { addDeleteRoute, addGetRoute, addListRoute, addPatchRoute } from './crud.js';
import {
  idParams,
  iso,
  limitQuery,
  list,
  listOf,
  optionalFields,
  strictObject,
  timestamp,
} from './schemas.js';

const MAX_EVENTS = 50;
const EVENT_PATTERN = /^(\*|[a-z0-9_-]+)(\.(\*|[a-z0-9_-]+))*$/i;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** An http(s) URL. WHATWG parsing silently drops tabs and newlines, so those are refused first. */
const webhookUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }));

/**
 * An event type pattern: dot-separated segments, `*` standing alone for any segment(s), as the
 * event bus matches them (`call.answered`, `call.*`, `*`). With `known` types given, a pattern
 * must match at least one, so a typo (`call.answerd`) is refused instead of never firing.
 */
function eventPattern(known: readonly string[] | undefined) {
  return z.string().superRefine((pattern, ctx) => {
    if (pattern.length > 100 || !EVENT_PATTERN.test(pattern)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an event type or pattern such as call.answered or call.*',
      });
    } else if (known && !known.some((type) => topicMatches(pattern, type))) {
      ctx.addIssue({
        code: 'custom',
        message: `matches no event type (known: ${known.join(', ')})`,
      });
    }
  });
}

/** A signing secret chosen by the client. */
const secret = z
  .string()
  .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16–256 printable ASCII characters, no spaces');

function webhookFields(eventTypes: readonly string[] | undefined) {
  return {
    url: webhookUrl,
    events: list(eventPattern(eventTypes), {
      max: MAX_EVENTS,
      what: 'event types',
      unique: true,
    }),
    secret,
    enabled: z.boolean(),
  };
}

/** A webhook as answered on reads: the secret only as a flag. */
export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  /** Event types or patterns; empty = all events. */
  events: z.array(z.string()),
  enabled: z.boolean(),
  secretSet: z.literal(true),
  createdAt: timestamp,
});

/** The answer to a creation: the only one that carries the secret. */
const createdWebhookView = webhookView.extend({ secret: z.string() });

/** A delivery as answered. */
export const deliveryView = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  /** The body sent (the serialised event). */
  payload: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: timestamp.optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const deliveriesQuery = strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: limitQuery.optional(),
});

function hookView(w: WebhookRecord): z.infer<typeof webhookView> {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    secretSet: true,
    createdAt: iso(w.createdAt),
  };
}

function toDeliveryView(d: WebhookDeliveryRecord): z.infer<typeof deliveryView> {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: iso(d.nextAttemptAt),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

/**
 * Registers the webhook routes. `eventTypes`, when given, are the event types the server
 * publishes: subscriptions must name (or match) at least one of them.
 */
export function registerWebhookRoutes(
  router: ApiRouter,
  store: Store,
  eventTypes?: readonly string[],
): void {
  const tag = 'webhooks';
  const base = '/v1/webhooks';
  const fields = webhookFields(eventTypes);
  addListRoute(router, {
    url: base,
    summary: 'List webhook subscriptions (oldest first); secrets are not shown',
    tag,
    scope: 'admin',
    item: webhookView,
    list: () => store.webhooks.list(),
    view: hookView,
  });
  router.add({
    method: 'POST',
    url: base,
    summary: 'Subscribe a URL to events; the answer is the only time the secret is shown',
    tag,
    scope: 'admin',
    body: strictObject({ ...optionalFields(fields), url: fields.url }),
    status: 201,
    response: createdWebhookView,
    handler: async ({ body }) => {
      // Without a secret in the body the store generates a random `whsec_…` one.
      const created = await store.webhooks.create(body);
      return { ...hookView(created), secret: created.secret };
    },
  });
  addGetRoute(router, {
    url: base,
    summary: 'Get a webhook subscription (the secret is not shown)',
    tag,
    scope: 'admin',
    what: 'webhook',
    response: webhookView,
    get: (id) => store.webhooks.get(id),
    view: hookView,
  });
  addPatchRoute(router, {
    url: base,
    summary: 'Change a webhook subscription; a new secret replaces the old one at once',
    tag,
    scope: 'admin',
    body: strictObject(optionalFields(fields)),
    response: webhookView,
    update: (id, body) => store.webhooks.update(id, body),
    view: hookView,
  });
  addDeleteRoute(router, {
    url: base,
    summary: 'Delete a webhook subscription and its delivery log',
    tag,
    scope: 'admin',
    remove: (id) => store.webhooks.delete(id),
  });
  router.add({
    method: 'GET',
    url: `${base}/:id/deliveries`,
    summary: 'The delivery log of a webhook, newest first',
    tag,
    scope: 'admin',
    params: idParams,
    query: deliveriesQuery,
    response: listOf(deliveryView),
    handler: async ({ params, query }) => {
      if (!(await store.webhooks.get(params.id))) throw new NotFoundError('webhook', params.id);
      const items = await store.webhooks.listDeliveries({ webhookId: params.id, ...query });
      return { items: items.map(toDeliveryView) };
    },
  });
}
