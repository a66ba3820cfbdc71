/**
 * /v1/trunks/inbound and /v1/trunks/outbound: the carriers and PBXs that send us calls and the
 * ones we send calls to. Passwords are write-only: answers show `credentials: { username,
 * passwordSet: true }`.
 */
import { z } from 'zod';
import {
  ConflictError,
  NotFoundError,
  type InboundTrunk,
  type OutboundTrunk,
  type Store,
} from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { addDeleteRoute, addGetRoute, addListRoute, addPatchRoute } from './crud.js';
import {
  boundedRecord,
  cidr,
  credentialsInput,
  credentialsView,
  destinationPrefix,
  extraHeaderName,
  headerName,
  headerValue,
  hostPort,
  idSchema,
  integer,
  iso,
  line,
  list,
  maskCredentials,
  optionalFields,
  phoneNumber,
  strictObject,
  timestamp,
} from './schemas.js';

const MAX_NUMBERS = 1000;
const MAX_ADDRESSES = 100;
const MAX_HEADERS = 50;
const MAX_PREFIXES = 100;
/** Far above any real trunk; keeps the value inside the int4 column. */
const MAX_CONCURRENT = 100_000;

/** Attribute names a header maps to: identifiers, as flows and webhooks refer to them. */
const attributeName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be an attribute name (letters, digits, _ . -)');

const numbers = list(phoneNumber, { max: MAX_NUMBERS, what: 'numbers', unique: true });
const maxConcurrentCalls = integer(0, MAX_CONCURRENT);

const inboundFields = {
  name: line(200),
  numbers,
  allowedAddresses: list(cidr, { max: MAX_ADDRESSES, what: 'addresses', unique: true }),
  credentials: credentialsInput,
  headerAttributes: boundedRecord(headerName, attributeName, MAX_HEADERS),
  maxConcurrentCalls,
};

const inboundCreate = strictObject({
  id: idSchema.optional(),
  ...optionalFields(inboundFields),
  name: inboundFields.name,
});

const inboundPatch = strictObject({
  ...optionalFields(inboundFields),
  // null removes the credentials (the trunk then accepts INVITEs without digest).
  credentials: credentialsInput.nullable().optional(),
});

const outboundFields = {
  name: line(200),
  address: hostPort,
  transport: z.enum(['udp', 'tcp', 'tls']),
  numbers,
  credentials: credentialsInput,
  headers: boundedRecord(extraHeaderName, headerValue, MAX_HEADERS),
  maxConcurrentCalls,
  allowedDestinationPrefixes: list(destinationPrefix, {
    max: MAX_PREFIXES,
    what: 'prefixes',
    unique: true,
  }),
};

const outboundCreate = strictObject({
  id: idSchema.optional(),
  ...optionalFields(outboundFields),
  name: outboundFields.name,
  address: outboundFields.address,
});

const outboundPatch = strictObject({
  ...optionalFields(outboundFields),
  credentials: credentialsInput.nullable().optional(),
});

/** An inbound trunk as answered. */
export const inboundTrunkView = z.object({
  id: z.string(),
  name: z.string(),
  numbers: z.array(z.string()),
  allowedAddresses: z.array(z.string()),
  credentials: credentialsView.optional(),
  headerAttributes: z.record(z.string(), z.string()),
  maxConcurrentCalls: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** An outbound trunk as answered. */
export const outboundTrunkView = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  transport: z.enum(['udp', 'tcp', 'tls']),
  numbers: z.array(z.string()),
  credentials: credentialsView.optional(),
  headers: z.record(z.string(), z.string()),
  maxConcurrentCalls: z.number().int(),
  allowedDestinationPrefixes: z.array(z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
});

function inboundView(t: InboundTrunk): z.infer<typeof inboundTrunkView> {
  return {
    id: t.id,
    name: t.name,
    numbers: t.numbers,
    allowedAddresses: t.allowedAddresses,
    credentials: maskCredentials(t.credentials),
    headerAttributes: t.headerAttributes,
    maxConcurrentCalls: t.maxConcurrentCalls,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

function outboundView(t: OutboundTrunk): z.infer<typeof outboundTrunkView> {
  return {
    id: t.id,
    name: t.name,
    address: t.address,
    transport: t.transport,
    numbers: t.numbers,
    credentials: maskCredentials(t.credentials),
    headers: t.headers,
    maxConcurrentCalls: t.maxConcurrentCalls,
    allowedDestinationPrefixes: t.allowedDestinationPrefixes,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** Registers the inbound and outbound trunk routes. */
export function registerTrunkRoutes(router: ApiRouter, store: Store): void {
  const tag = 'trunks';
  const inbound = '/v1/trunks/inbound';
  addListRoute(router, {
    url: inbound,
    summary: 'List inbound trunks (oldest first)',
    tag,
    scope: 'read-only',
    item: inboundTrunkView,
    list: () => store.trunks.listInbound(),
    view: inboundView,
  });
  router.add({
    method: 'POST',
    url: inbound,
    summary: 'Create an inbound trunk (409 when a number is already on another trunk)',
    tag,
    scope: 'admin',
    body: inboundCreate,
    status: 201,
    response: inboundTrunkView,
    handler: async ({ body }) => inboundView(await store.trunks.createInbound(body)),
  });
  addGetRoute(router, {
    url: inbound,
    summary: 'Get an inbound trunk',
    tag,
    scope: 'read-only',
    what: 'inbound trunk',
    response: inboundTrunkView,
    get: (id) => store.trunks.getInbound(id),
    view: inboundView,
  });
  addPatchRoute(router, {
    url: inbound,
    summary:
      'Change an inbound trunk; `numbers` replaces the list, `credentials: null` removes them',
    tag,
    scope: 'admin',
    body: inboundPatch,
    response: inboundTrunkView,
    update: (id, body) => store.trunks.updateInbound(id, body),
    view: inboundView,
  });
  addDeleteRoute(router, {
    url: inbound,
    summary: 'Delete an inbound trunk (409 while a dispatch rule names it)',
    tag,
    scope: 'admin',
    // Check and delete together: a rule naming a deleted trunk would silently never match
    // again, which is worse than refusing the delete.
    remove: (id) =>
      store.transaction(async (tx) => {
        if (!(await tx.trunks.getInbound(id))) {
          throw new NotFoundError('inbound trunk', id);
        }
        const users = (await tx.dispatchRules.list()).filter((r) => r.trunkIds.includes(id));
        if (users.length > 0) {
          throw new ConflictError(
            'id',
            `inbound trunk ${id} is used by dispatch rule ${users.map((r) => r.id).join(', ')}; remove it from the rule first`,
          );
        }
        await tx.trunks.deleteInbound(id);
      }),
  });

  const outbound = '/v1/trunks/outbound';
  addListRoute(router, {
    url: outbound,
    summary: 'List outbound trunks (oldest first)',
    tag,
    scope: 'read-only',
    item: outboundTrunkView,
    list: () => store.trunks.listOutbound(),
    view: outboundView,
  });
  router.add({
    method: 'POST',
    url: outbound,
    summary: 'Create an outbound trunk',
    tag,
    scope: 'admin',
    body: outboundCreate,
    status: 201,
    response: outboundTrunkView,
    handler: async ({ body }) => outboundView(await store.trunks.createOutbound(body)),
  });
  addGetRoute(router, {
    url: outbound,
    summary: 'Get an outbound trunk',
    tag,
    scope: 'read-only',
    what: 'outbound trunk',
    response: outboundTrunkView,
    get: (id) => store.trunks.getOutbound(id),
    view: outboundView,
  });
  addPatchRoute(router, {
    url: outbound,
    summary: 'Change an outbound trunk; lists and maps given replace the stored ones',
    tag,
    scope: 'admin',
    body: outboundPatch,
    response: outboundTrunkView,
    update: (id, body) => store.trunks.updateOutbound(id, body),
    view: outboundView,
  });
  addDeleteRoute(router, {
    url: outbound,
    summary: 'Delete an outbound trunk',
    tag,
    scope: 'admin',
    remove: (id) => store.trunks.deleteOutbound(id),
  });
}
