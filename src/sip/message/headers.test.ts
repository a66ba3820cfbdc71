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

describe('SipHeaders.replaceLine', () => {
  it('replaces one line in place, keeping header order and every other line', () => {
    const h = SipHeaders.from([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['Max-Forwards', '70'],
      ['v', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['Via', 'SIP/2.0/UDP c;branch=z9hG4bK3'],
      ['Call-ID', 'x'],
    ]);
    h.replaceLine('via', 1, 'SIP/2.0/UDP b;branch=z9hG4bK2;received=192.0.2.1');
    expect([...h.entries()].map((f) => [f.name, f.value])).toEqual([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['Max-Forwards', '70'],
      ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2;received=192.0.2.1'],
      ['Via', 'SIP/2.0/UDP c;branch=z9hG4bK3'],
      ['Call-ID', 'x'],
    ]);
    h.replaceLine('Call-ID', 0, 'y');
    expect(h.get('Call-ID')).toBe('y');
    expect(h.size).toBe(5);
  });

  it('does not change field objects already handed out', () => {
    const h = SipHeaders.from([['Via', 'old']]);
    const [field] = [...h.entries()];
    h.replaceLine('Via', 0, 'new');
    expect(field?.value).toBe('old');
    expect(h.get('Via')).toBe('new');
  });

  it('throws RangeError when the line does not exist', () => {
    const h = SipHeaders.from([['Via', 'a']]);
    expect(() => h.replaceLine('Via', 1, 'b')).toThrow(RangeError);
    expect(() => h.replaceLine('Contact', 0, 'b')).toThrow(RangeError);
    expect(h.getLines('Via')).toEqual(['a']);
  });
});
