/**
 * Ids: a short type prefix and 128 random bits in lowercase hex, e.g.
 * `call_3f2a9c…` (32 hex digits). The prefix tells a reader (and a log line) what an id names;
 * randomness (not a counter) keeps ids unguessable in URLs and free of coordination between
 * cluster nodes. Creation order is kept by separate columns, never inferred from ids.
 */
import { randomUUID } from 'node:crypto';

/** Prefixes by entity. */
export const ID_PREFIX = {
  inboundTrunk: 'tri',
  outboundTrunk: 'tro',
  dispatchRule: 'dr',
  call: 'call',
  participant: 'pa',
  apiKey: 'key',
  webhook: 'wh',
  delivery: 'whd',
  voiceTurn: 'vt',
  conversation: 'cv',
  conversationMessage: 'cm',
} as const;

/** A new id with the given prefix. */
export function newId(prefix: (typeof ID_PREFIX)[keyof typeof ID_PREFIX]): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}
