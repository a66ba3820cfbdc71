import { describe, expect, it } from 'vitest';
import type { InboundTrunk } from '../../store/index.js';
import {
  headerAttributes,
  matchInboundTrunk,
  MAX_HEADER_ATTRIBUTE_LENGTH,
} from './inbound-trunks.js';

function trunk(id: string, over: Partial<InboundTrunk> = {}, createdAtMs = 0): InboundTrunk {
  return {
    id,
    name: id,
    numbers: [],
    allowedAddresses: [],
    headerAttributes: {},
    maxConcurrentCalls: 0,
    createdAt: new Date(Date.UTC(2026, 0, 1) + createdAtMs),
    updatedAt: new Date(Date.UTC(2026, 0, 1)),
    ...over,
  };
}

const CARRIER = '203.0.113.0/24';
const IN_CARRIER = '203.0.113.10';
const STRANGER = '198.51.100.9';

// A realistic setup: a carrier trunk owning two DIDs, locked to the carrier's network, a
// second carrier on IPv6, and an office PBX catch-all locked to the office address.
const carrierA = trunk('carrier-a', {
  numbers: ['+86 10 8888 6666', '+861088887777'],
  allowedAddresses: [CARRIER],
});
const carrierB = trunk('carrier-b', {
  numbers: ['+14155550100'],
  allowedAddresses: ['2001:db8:b::/48'],
});
const officePbx = trunk('office-pbx', { allowedAddresses: ['192.0.2.10/32'] });

type Expected = string | 403 | 404 | 'noTrunk';

function outcome(r: ReturnType<typeof matchInboundTrunk>): Expected {
  if (r.trunk) return r.trunk.id;
  if ('reject' in r) return r.reject.status;
  return 'noTrunk';
}

describe('matchInboundTrunk', () => {
  it.each<[name: string, source: string, called: string, trunks: InboundTrunk[], Expected]>([
    ['no trunks at all', STRANGER, '1000', [], 'noTrunk'],
    ['owner admits the source', IN_CARRIER, '+861088886666', [carrierA, officePbx], 'carrier-a'],
    [
      'number compared normalised (URI, spaces)',
      IN_CARRIER,
      'sip:+861088887777@sbc.example;user=phone',
      [carrierA],
      'carrier-a',
    ],
    [
      'IPv4-mapped source on a dual-stack socket',
      `::ffff:${IN_CARRIER}`,
      '+861088886666',
      [carrierA],
      'carrier-a',
    ],
    ['IPv6 source', '2001:db8:b:1::5', '+1 415 555 0100', [carrierA, carrierB], 'carrier-b'],
    ['owner does not admit the source → 403', STRANGER, '+861088886666', [carrierA], 403],
    [
      'owner does not admit the source, even with an open catch-all → 403',
      STRANGER,
      '+861088886666',
      [carrierA, trunk('open-catch-all')],
      403,
    ],
    [
      'another carrier cannot deliver a number it does not own → 403',
      '2001:db8:b::1',
      '+861088886666',
      [carrierA, carrierB],
      403,
    ],
    ['catch-all admits the source', '192.0.2.10', '4001', [carrierA, officePbx], 'office-pbx'],
    [
      'explicit owner preferred over catch-all admitting the same source',
      IN_CARRIER,
      '+861088886666',
      [trunk('catch-all', { allowedAddresses: [CARRIER] }, -1000), carrierA],
      'carrier-a',
    ],
    [
      'known peer, unknown number, no catch-all → 404',
      IN_CARRIER,
      '+861000000000',
      [carrierA],
      404,
    ],
    [
      'unknown peer, every trunk restricted → 403 (no hint that the number exists or not)',
      STRANGER,
      '+861000000000',
      [carrierA, officePbx],
      403,
    ],
    [
      'open trunk with numbers, number not on it → 404',
      STRANGER,
      '5000',
      [trunk('open', { numbers: ['1000'] })],
      404,
    ],
    ['open catch-all admits anyone', STRANGER, '5000', [trunk('open')], 'open'],
    [
      'catch-all restricted elsewhere and owner elsewhere: source admitted by neither → 403',
      STRANGER,
      '5000',
      [carrierA, officePbx],
      403,
    ],
    [
      'invalid CIDR in a trunk admits nothing (fail closed)',
      IN_CARRIER,
      '+861088886666',
      [trunk('broken', { numbers: ['+861088886666'], allowedAddresses: ['not-a-cidr'] })],
      403,
    ],
    [
      'one bad CIDR does not hide a good one',
      IN_CARRIER,
      '+861088886666',
      [trunk('mixed', { numbers: ['+861088886666'], allowedAddresses: ['bogus', CARRIER] })],
      'mixed',
    ],
    [
      'unparseable source address is never admitted by a restricted trunk',
      'garbage',
      '+861088886666',
      [carrierA],
      403,
    ],
  ])('%s', (_name, sourceAddress, calledNumber, trunks, expected) => {
    expect(outcome(matchInboundTrunk({ sourceAddress, calledNumber }, trunks))).toBe(expected);
  });

  it('breaks ties deterministically: restricted first, then oldest, then id', () => {
    const open = trunk('a-open', { numbers: ['1000'] }, 0);
    const restrictedNew = trunk(
      'z-restricted-new',
      { numbers: ['1000'], allowedAddresses: [CARRIER] },
      2000,
    );
    const restrictedOld = trunk(
      'y-restricted-old',
      { numbers: ['1000'], allowedAddresses: [CARRIER] },
      1000,
    );
    const sameTimeB = trunk('b', { numbers: ['1000'] }, 5);
    const sameTimeA = trunk('a', { numbers: ['1000'] }, 5);
    const call = { sourceAddress: IN_CARRIER, calledNumber: '1000' };
    for (const order of [
      [open, restrictedNew, restrictedOld],
      [restrictedOld, open, restrictedNew],
      [restrictedNew, restrictedOld, open],
    ]) {
      expect(matchInboundTrunk(call, order).trunk?.id).toBe('y-restricted-old');
    }
    expect(matchInboundTrunk(call, [sameTimeB, sameTimeA]).trunk?.id).toBe('a');
    expect(matchInboundTrunk(call, [sameTimeA, sameTimeB]).trunk?.id).toBe('a');
  });

  it('gives reasons without numbers or addresses', () => {
    const r403 = matchInboundTrunk({ sourceAddress: STRANGER, calledNumber: '+861088886666' }, [
      carrierA,
    ]);
    expect(r403).toEqual({ reject: { status: 403, reason: 'source not allowed' } });
    const r404 = matchInboundTrunk({ sourceAddress: IN_CARRIER, calledNumber: '+1999' }, [
      carrierA,
    ]);
    expect(r404).toEqual({ reject: { status: 404, reason: 'number not found' } });
  });

  it('does not reorder the caller’s array', () => {
    const trunks = [trunk('b', { numbers: ['1'] }, 10), trunk('a', { numbers: ['1'] }, 0)];
    matchInboundTrunk({ sourceAddress: STRANGER, calledNumber: '1' }, trunks);
    expect(trunks.map((t) => t.id)).toEqual(['b', 'a']);
  });
});

describe('headerAttributes', () => {
  // A case-insensitive getter, like the SIP stack's header collection.
  const sipHeaders =
    (h: Record<string, string>) =>
    (name: string): string | undefined =>
      Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

  it('maps headers to attributes, case-insensitively', () => {
    const t = trunk('t', {
      headerAttributes: {
        'X-Customer-Id': 'customerId',
        'x-language': 'language',
        'X-Missing': 'missing',
      },
    });
    const get = sipHeaders({ 'x-customer-id': ' 42 ', 'X-LANGUAGE': 'zh-CN' });
    expect(headerAttributes(t, get)).toEqual({ customerId: '42', language: 'zh-CN' });
  });

  it('also works with a lower-cased map that is case-sensitive', () => {
    const map = new Map([['x-customer-id', '42']]);
    const t = trunk('t', { headerAttributes: { 'X-Customer-Id': 'customerId' } });
    expect(headerAttributes(t, (n) => map.get(n))).toEqual({ customerId: '42' });
  });

  it('drops empty values, strips control characters and caps length', () => {
    const t = trunk('t', {
      headerAttributes: { 'X-Empty': 'empty', 'X-Ctl': 'ctl', 'X-Long': 'long' },
    });
    const get = sipHeaders({
      'X-Empty': '   ',
      'X-Ctl': 'a\u0000b\r\nc\u007f',
      'X-Long': 'y'.repeat(MAX_HEADER_ATTRIBUTE_LENGTH + 50),
    });
    const out = headerAttributes(t, get);
    expect(out).toEqual({ ctl: 'abc', long: 'y'.repeat(MAX_HEADER_ATTRIBUTE_LENGTH) });
  });

  it('first present header wins when two map to the same attribute', () => {
    const t = trunk('t', { headerAttributes: { 'X-A': 'who', 'X-B': 'who' } });
    expect(headerAttributes(t, sipHeaders({ 'X-A': 'a', 'X-B': 'b' }))).toEqual({ who: 'a' });
    expect(headerAttributes(t, sipHeaders({ 'X-B': 'b' }))).toEqual({ who: 'b' });
  });

  it('keeps a "__proto__" attribute as an own property', () => {
    const t = trunk('t', { headerAttributes: { 'X-P': '__proto__' } });
    const out = headerAttributes(t, sipHeaders({ 'X-P': 'v' }));
    expect(Object.getOwnPropertyNames(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('returns nothing for a trunk without a mapping', () => {
    expect(headerAttributes(trunk('t'), () => 'x')).toEqual({});
  });
});
