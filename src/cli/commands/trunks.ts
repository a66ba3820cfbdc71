/** `switchboard trunks inbound|outbound …`: carriers that send us calls and that we call out on. */
import { UsageError, type FlagValues, type Group, type OptionSpec } from '../args.js';
import {
  formatList,
  formatMap,
  formatTime,
  orNone,
  renderRecord,
  renderTable,
  type Column,
} from '../table.js';
import type { WireCredentials, WireInboundTrunk, WireOutboundTrunk } from '../types.js';
import { flag, int, list, pairs, str } from './common.js';
import { crudGroup } from './crud.js';

/** `0` means unlimited on the server; say so rather than show a limit of zero. */
function formatMax(n: number | undefined): string {
  return n === undefined ? '-' : n === 0 ? 'unlimited' : String(n);
}

function formatAuth(c: WireCredentials | undefined): string {
  return c === undefined ? '-' : `${c.username}${c.passwordSet === false ? ' (no password)' : ''}`;
}

const CREDENTIAL_OPTIONS: Record<string, OptionSpec> = {
  username: { type: 'string', placeholder: '<user>', description: 'Digest user name' },
  password: {
    type: 'string',
    placeholder: '<secret>',
    description: 'Digest password (write-only; prefer --file to keep it out of shell history)',
  },
};

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', placeholder: '<name>', description: 'Display name' },
  number: {
    type: 'string',
    multiple: true,
    placeholder: '<e164>',
    description: "A number (comma lists too); on update replaces the list, '' clears it",
  },
  ...CREDENTIAL_OPTIONS,
  'max-calls': {
    type: 'string',
    placeholder: '<n>',
    description: 'Concurrent calls allowed (0 = unlimited)',
  },
};

const UPDATE_OPTIONS: Record<string, OptionSpec> = {
  'no-credentials': { type: 'boolean', description: 'Remove the digest credentials' },
};

/**
 * The `credentials` field from `--username`/`--password` (both, or neither), or `null` with
 * `--no-credentials` on update.
 */
function credentials(
  values: FlagValues,
): WireCredentials | { password: string } | null | undefined {
  if (flag(values, 'no-credentials')) return null;
  const username = str(values, 'username');
  const password = str(values, 'password');
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new UsageError('--username and --password go together (the server needs both)');
  }
  return { username, password } as WireCredentials & { password: string };
}

const inboundColumns: Column<WireInboundTrunk>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'numbers', value: (t) => formatList(t.numbers, 'any') },
  { header: 'allowed from', value: (t) => formatList(t.allowedAddresses, 'any') },
  { header: 'auth', value: (t) => formatAuth(t.credentials) },
  { header: 'max calls', value: (t) => formatMax(t.maxConcurrentCalls), align: 'right' },
  { header: 'created', value: (t) => formatTime(t.createdAt) },
];

const outboundColumns: Column<WireOutboundTrunk>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'address', value: (t) => orNone(t.address) },
  { header: 'transport', value: (t) => orNone(t.transport) },
  { header: 'numbers', value: (t) => formatList(t.numbers) },
  { header: 'destinations', value: (t) => formatList(t.allowedDestinationPrefixes, 'any') },
  { header: 'auth', value: (t) => formatAuth(t.credentials) },
  { header: 'max calls', value: (t) => formatMax(t.maxConcurrentCalls), align: 'right' },
  { header: 'created', value: (t) => formatTime(t.createdAt) },
];

/** Table of inbound trunks. */
export const renderInboundTrunks = (items: WireInboundTrunk[]): string =>
  renderTable(items, inboundColumns);

/** Table of outbound trunks. */
export const renderOutboundTrunks = (items: WireOutboundTrunk[]): string =>
  renderTable(items, outboundColumns);

function inboundRecord(t: WireInboundTrunk): string {
  return renderRecord([
    ['id', t.id],
    ['name', t.name],
    ['numbers', formatList(t.numbers, 'any')],
    ['allowed from', formatList(t.allowedAddresses, 'any')],
    ['auth', formatAuth(t.credentials)],
    ['header attributes', formatMap(t.headerAttributes)],
    ['max calls', formatMax(t.maxConcurrentCalls)],
    ['created', formatTime(t.createdAt)],
    ['updated', formatTime(t.updatedAt)],
  ]);
}

function outboundRecord(t: WireOutboundTrunk): string {
  return renderRecord([
    ['id', t.id],
    ['name', t.name],
    ['address', orNone(t.address)],
    ['transport', orNone(t.transport)],
    ['numbers', formatList(t.numbers)],
    ['destinations', formatList(t.allowedDestinationPrefixes, 'any')],
    ['auth', formatAuth(t.credentials)],
    ['headers', formatMap(t.headers)],
    ['max calls', formatMax(t.maxConcurrentCalls)],
    ['created', formatTime(t.createdAt)],
    ['updated', formatTime(t.updatedAt)],
  ]);
}

const inbound = crudGroup<WireInboundTrunk>({
  name: 'inbound',
  summary: 'Inbound trunks: carriers and PBXs that send us calls',
  path: '/v1/trunks/inbound',
  noun: 'inbound trunk',
  where: 'switchboard trunks inbound',
  table: renderInboundTrunks,
  record: inboundRecord,
  options: {
    ...COMMON_OPTIONS,
    allow: {
      type: 'string',
      multiple: true,
      placeholder: '<cidr>',
      description: 'Source address allowed to send INVITEs (203.0.113.0/24); default any',
    },
    'header-attr': {
      type: 'string',
      multiple: true,
      placeholder: '<Header=attr>',
      description: 'Map a SIP header to a call attribute (X-Customer-Id=customerId)',
    },
  },
  updateOptions: UPDATE_OPTIONS,
  fields: (v) => ({
    name: str(v, 'name'),
    numbers: list(v, 'number'),
    allowedAddresses: list(v, 'allow'),
    credentials: credentials(v),
    headerAttributes: pairs(v, 'header-attr'),
    maxConcurrentCalls: int(v, 'max-calls', { min: 0 }),
  }),
  createExamples: [
    'switchboard trunks inbound create --name carrier --number +861088886666 --allow 203.0.113.0/24',
    'switchboard trunks inbound create --file trunk.json',
  ],
  updateExamples: ['switchboard trunks inbound update tr_123 --number +861088886666,+861088886667'],
});

const outbound = crudGroup<WireOutboundTrunk>({
  name: 'outbound',
  summary: 'Outbound trunks: carriers we send calls to',
  path: '/v1/trunks/outbound',
  noun: 'outbound trunk',
  where: 'switchboard trunks outbound',
  table: renderOutboundTrunks,
  record: outboundRecord,
  options: {
    ...COMMON_OPTIONS,
    address: {
      type: 'string',
      placeholder: '<host:port>',
      description: "The carrier's SIP server",
    },
    transport: { type: 'string', placeholder: 'udp|tcp|tls', description: 'SIP transport' },
    header: {
      type: 'string',
      multiple: true,
      placeholder: '<Name=value>',
      description: 'Extra SIP header on every INVITE',
    },
    prefix: {
      type: 'string',
      multiple: true,
      placeholder: '<+86>',
      description: 'Allowed destination prefix (toll-fraud guard); default any',
    },
  },
  updateOptions: UPDATE_OPTIONS,
  fields: (v) => ({
    name: str(v, 'name'),
    address: str(v, 'address'),
    transport: str(v, 'transport'),
    numbers: list(v, 'number'),
    credentials: credentials(v),
    headers: pairs(v, 'header'),
    maxConcurrentCalls: int(v, 'max-calls', { min: 0 }),
    allowedDestinationPrefixes: list(v, 'prefix'),
  }),
  createExamples: [
    'switchboard trunks outbound create --name carrier --address sip.example.com:5060 --number +861088886666 --username u --password p --prefix +86',
  ],
});

/** The `trunks` group. */
export const trunksGroup: Group = {
  kind: 'group',
  name: 'trunks',
  summary: 'SIP trunks (inbound and outbound)',
  children: [inbound, outbound],
};
