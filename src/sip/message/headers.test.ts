import { describe, expect, it } from 'vitest';
import { SipHeaders, canonicalHeaderName } from './headers.js';

describe('SipHeaders lookups', () => {
  it('finds known and unknown headers whatever their spelling', () => {
    const h = SipHeaders.from([
      ['x-custom', 'a'],
      ['X-CUSTOM', 'b'],
      ['v', 'SIP/2.0/UDP h'],
      ['VIA', 'SIP/2.0/UDP i'],
    ]);
    expect(h.getLines('X-Custom')).toEqual(['a', 'b']);
    expect(h.get('x-CUSTOM')).toBe('a');
    expect(h.getLines('via')).toEqual(['SIP/2.0/UDP h', 'SIP/2.0/UDP i']);
    expect(h.has('X-Other')).toBe(false);
    expect(h.get('X-Other')).toBeUndefined();
    h.set('X-Custom', 'c');
    expect(h.getLines('x-custom')).toEqual(['c']);
    h.delete('X-CUSTOM');
    expect(h.has('x-custom')).toBe(false);
    expect(canonicalHeaderName('cseq')).toBe('CSeq');
  });
});
