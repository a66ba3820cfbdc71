import { describe, expect, it } from 'vitest';
import type { OutboundTrunk } from '../../store/index.js';
import { checkDestination, MAX_DESTINATION_LENGTH, pickCallerId } from './outbound.js';

function trunk(over: Partial<OutboundTrunk> = {}): OutboundTrunk {
  return {
    id: 'out-1',
    name: 'Carrier',
    address: 'sip.carrier.example:5060',
    transport: 'udp',
    numbers: [],
    headers: {},
    maxConcurrentCalls: 0,
    allowedDestinationPrefixes: [],
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    updatedAt: new Date(Date.UTC(2026, 0, 1)),
    ...over,
  };
}

const chinaAndSf = trunk({ allowedDestinationPrefixes: ['+86', '+1 415'] });
const open = trunk();

describe('checkDestination', () => {
  it.each<[label: string, t: OutboundTrunk, destination: string, expected: string | RegExp]>([
    ['any destination on an open trunk', open, '+44 20 7946 0000', '+442079460000'],
    ['national number on an open trunk', open, '010-8888-6666', '01088886666'],
    ['feature code on an open trunk', open, '*98#', '*98#'],
    ['tel: URI', open, 'tel:+1-415-555-0100', '+14155550100'],
    ['sip: URI with a number', open, 'sip:+14155550100@carrier.example', '+14155550100'],
    ['allowed prefix +86', chinaAndSf, '+86 138 0013 8000', '+8613800138000'],
    ['allowed prefix written with a space', chinaAndSf, '+1 (415) 555-0100', '+14155550100'],
    ['prefix compares normalised forms', chinaAndSf, '+1415', '+1415'],
    [
      'other US area code refused',
      chinaAndSf,
      '+1 212 555 0100',
      /not in the allowed destination prefixes/,
    ],
    [
      'premium-rate abroad refused',
      chinaAndSf,
      '+882 1234 5678',
      /not in the allowed destination prefixes/,
    ],
    [
      'no prefix rewriting: 0086 is not +86',
      chinaAndSf,
      '0086 138 0013 8000',
      /not in the allowed/,
    ],
    ['no prefix rewriting: national 0 form', chinaAndSf, '010 8888 6666', /not in the allowed/],
    ['without +, 86… is not +86', chinaAndSf, '8613800138000', /not in the allowed/],
    ['empty', open, '', /empty/],
    ['blank', open, '   ', /empty/],
    ['only separators', open, ' - ( ) ', /not a phone number/],
    ['letters in a number', open, '+1 800 FLOWERS', /not a phone number/],
    ['SIP user name', open, 'sip:alice@example.com', /not a phone number/],
    ['plus in the middle', open, '+1+415', /not a phone number/],
    ['two pluses', open, '++1415', /not a phone number/],
    ['too long', open, `+${'1'.repeat(MAX_DESTINATION_LENGTH)}`, /longer than 32/],
    ['longest allowed', open, `+${'1'.repeat(MAX_DESTINATION_LENGTH - 1)}`, `+${'1'.repeat(31)}`],
  ])('%s', (_label, t, destination, expected) => {
    const r = checkDestination(t, destination);
    if (typeof expected === 'string') {
      expect(r).toEqual({ ok: true, normalised: expected });
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(expected);
    }
  });

  it('a blank prefix in the list does not open the trunk to everything', () => {
    const t = trunk({ allowedDestinationPrefixes: ['  ', '+86'] });
    expect(checkDestination(t, '+44 20 7946 0000').ok).toBe(false);
    expect(checkDestination(t, '+86 10 8888 6666').ok).toBe(true);
    expect(checkDestination(trunk({ allowedDestinationPrefixes: [''] }), '+4420').ok).toBe(false);
  });

  it('keeps the number out of the reason', () => {
    const r = checkDestination(chinaAndSf, '+1 212 555 0199');
    expect(r.ok ? '' : r.reason).not.toMatch(/212|0199/);
  });
});

describe('pickCallerId', () => {
  const withNumbers = trunk({ numbers: ['+86 10 8888 6666', '+86-10-8888-7777'] });

  it.each<
    [label: string, t: OutboundTrunk, requested: string | undefined, expected: string | RegExp]
  >([
    ['defaults to the first number, normalised', withNumbers, undefined, '+861088886666'],
    ['blank request defaults too', withNumbers, '  ', '+861088886666'],
    ['requested number on the trunk', withNumbers, '+861088887777', '+861088887777'],
    [
      'requested number in another spelling',
      withNumbers,
      'tel:+86 (10) 8888-7777',
      '+861088887777',
    ],
    [
      'number not on the trunk refused (spoofing)',
      withNumbers,
      '+861099999999',
      /not one of the trunk numbers/,
    ],
    ['no +: a different number', withNumbers, '861088886666', /not one of the trunk numbers/],
    ['trunk without numbers', open, undefined, /no numbers/],
    [
      'trunk without numbers, number requested',
      open,
      '+861088886666',
      /not one of the trunk numbers/,
    ],
  ])('%s', (_label, t, requested, expected) => {
    const r = pickCallerId(t, requested);
    if (typeof expected === 'string') {
      expect(r).toEqual({ ok: true, callerId: expected });
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(expected);
    }
  });
});
