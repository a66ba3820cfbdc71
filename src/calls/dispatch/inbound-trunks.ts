/**
 * Which inbound trunk an INVITE arrives on, decided from its source address and called number.
 * Pure: the SIP layer supplies the address, the number and a header getter.
 */
import type { InboundTrunk } from '../../store/index.js';
import { addressInCidr } from './cidr.js';
import { normaliseNumber } from './numbers.js';

/** The outcome of {@link matchInboundTrunk}. */
export type InboundTrunkMatch =
  | { trunk: InboundTrunk }
  | { trunk?: undefined; reject: { status: 403 | 404; reason: string } }
  | { trunk?: undefined; noTrunk: true };

/**
 * Finds the trunk an inbound call belongs to.
 *
 * A trunk *admits* the source when its `allowedAddresses` is empty or one of its CIDRs contains
 * `sourceAddress`; a trunk *owns* the called number when its `numbers` lists it (compared after
 * {@link normaliseNumber}); a trunk with no numbers is a catch-all for any number.
 *
 * 1. No trunks configured → `{ noTrunk: true }`: the caller decides (registered users and the
 *    demo setup call without trunks).
 * 2. Some trunks own the called number → the best owner that admits the source; if none of the
 *    owners admits it → 403 `source not allowed`, even when a catch-all trunk would admit the
 *    source. A number belongs to one trunk (see the model), so only that trunk's peers may
 *    deliver it; falling through to a catch-all would let any peer spoof a carrier's DIDs.
 * 3. Otherwise the best catch-all trunk that admits the source.
 * 4. Otherwise, if no trunk admits the source at all → 403 `source not allowed` (an unknown
 *    peer learns nothing about which numbers exist); else → 404 `number not found`.
 *
 * "Best" among several candidates (normally there is one): a trunk that restricts addresses
 * before an open one (the more specific configuration), then the oldest, then the lowest id —
 * so the outcome never depends on the order the store returned the trunks in.
 *
 * A CIDR in a trunk that does not parse admits nothing (fail closed); validate CIDRs with
 * `validateCidr` when trunks are saved. Reject reasons contain no numbers or addresses: they
 * may travel back to the peer as a SIP reason phrase.
 */
export function matchInboundTrunk(
  input: { sourceAddress: string; calledNumber: string },
  trunks: readonly InboundTrunk[],
): InboundTrunkMatch {
  if (trunks.length === 0) return { noTrunk: true };
  const called = normaliseNumber(input.calledNumber);
  const admits = (t: InboundTrunk): boolean => admitsSource(t, input.sourceAddress);

  const owners = trunks.filter((t) => t.numbers.some((n) => normaliseNumber(n) === called));
  if (owners.length > 0) {
    const best = pickBest(owners.filter(admits));
    return best ? { trunk: best } : { reject: { status: 403, reason: 'source not allowed' } };
  }
  const catchAll = pickBest(trunks.filter((t) => t.numbers.length === 0 && admits(t)));
  if (catchAll) return { trunk: catchAll };
  if (!trunks.some(admits)) return { reject: { status: 403, reason: 'source not allowed' } };
  return { reject: { status: 404, reason: 'number not found' } };
}

/** Whether the trunk's allow-list admits `address` (empty list = any address). */
export function admitsSource(trunk: InboundTrunk, address: string): boolean {
  if (trunk.allowedAddresses.length === 0) return true;
  return trunk.allowedAddresses.some((cidr) => {
    try {
      return addressInCidr(address, cidr);
    } catch {
      return false;
    }
  });
}

function pickBest(candidates: readonly InboundTrunk[]): InboundTrunk | undefined {
  return [...candidates].sort(
    (a, b) =>
      Number(b.allowedAddresses.length > 0) - Number(a.allowedAddresses.length > 0) ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )[0];
}

/** Longest attribute value taken from a header; SIP headers come from untrusted peers. */
export const MAX_HEADER_ATTRIBUTE_LENGTH = 1024;

/**
 * Applies the trunk's header → attribute mapping (`{ "X-Customer-Id": "customerId" }`).
 *
 * `headers` looks a header up by name. SIP header names are case-insensitive: the mapping's
 * spelling is tried first, then its lower-case form, so both a case-insensitive getter (the
 * SIP stack's header collection) and a lower-cased map work. Values are trimmed; absent or empty
 * headers produce no attribute; values are cut to {@link MAX_HEADER_ATTRIBUTE_LENGTH}
 * characters and control characters are removed, since they come from the peer. When two
 * headers map to the same attribute, the first present one (in mapping order) wins.
 */
export function headerAttributes(
  trunk: Pick<InboundTrunk, 'headerAttributes'>,
  headers: (name: string) => string | undefined,
): Record<string, string> {
  // A Map, then fromEntries: an attribute named "__proto__" becomes an own property instead of
  // touching the prototype.
  const out = new Map<string, string>();
  for (const [header, attribute] of Object.entries(trunk.headerAttributes)) {
    if (out.has(attribute)) continue;
    const raw = headers(header) ?? headers(header.toLowerCase());
    if (raw === undefined) continue;
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    const value = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim();
    if (value === '') continue;
    out.set(attribute, value.slice(0, MAX_HEADER_ATTRIBUTE_LENGTH));
  }
  return Object.fromEntries(out);
}
