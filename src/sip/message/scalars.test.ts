import { describe, expect, it } from 'vitest';
import {
  isCallId,
  isMediaType,
  isRetryAfter,
  isSipDate,
  parseContentLengthValue,
  parseDeltaSeconds,
  parseMaxForwardsValue,
} from './scalars.js';
import { isHostname, isScheme, isToken, parseDecimal, unescape } from './charsets.js';

describe('numeric headers', () => {
  it('parseDecimal accepts digits up to the limit only', () => {
    expect(parseDecimal('0', 5)).toBe(0);
    expect(parseDecimal('000000000000000000000000005', 5)).toBe(5);
    expect(parseDecimal('6', 5)).toBeUndefined();
    expect(parseDecimal('', 5)).toBeUndefined();
    expect(parseDecimal('+1', 5)).toBeUndefined();
    expect(parseDecimal('99999999999999999999', Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });

  it('applies the RFC 3261 ranges', () => {
    expect(parseMaxForwardsValue(' 255 ')).toBe(255);
    expect(parseMaxForwardsValue('256')).toBeUndefined();
    expect(parseDeltaSeconds('4294967295')).toBe(4294967295);
    expect(parseDeltaSeconds('4294967296')).toBeUndefined();
    expect(parseContentLengthValue('0')).toBe(0);
    expect(parseContentLengthValue('-0')).toBeUndefined();
  });

  it('checks Retry-After loosely', () => {
    expect(isRetryAfter('18000;duration=3600')).toBe(true);
    expect(isRetryAfter('120 (I am in a meeting)')).toBe(true);
    expect(isRetryAfter('949302838503028349304')).toBe(false);
    expect(isRetryAfter('12x')).toBe(false);
  });
});

describe('text headers', () => {
  it('checks Call-IDs', () => {
    expect(isCallId('f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com')).toBe(true);
    expect(isCallId('abc==')).toBe(true);
    expect(isCallId('')).toBe(false);
    expect(isCallId('a b')).toBe(false);
    expect(isCallId('a,b')).toBe(false);
    expect(isCallId('a@b@c')).toBe(false);
    expect(isCallId('@b')).toBe(false);
  });

  it('checks dates', () => {
    expect(isSipDate('Sat, 13 Nov 2010 23:29:00 GMT')).toBe(true);
    expect(isSipDate('sat,  13 nov 2010 23:29:00 gmt')).toBe(true);
    expect(isSipDate('Fri, 01 Jan 2010 16:00:00 EST')).toBe(false);
    expect(isSipDate('Sat, 13 Nov 10 23:29:00 GMT')).toBe(false);
  });

  it('checks media types', () => {
    expect(isMediaType('application/sdp')).toBe(true);
    expect(isMediaType('multipart/mixed;boundary="x y"')).toBe(true);
    expect(isMediaType('sdp')).toBe(false);
    expect(isMediaType('/sdp')).toBe(false);
  });

  it('classifies characters', () => {
    expect(isToken("!odd-Method_0987*+`.%yes'~")).toBe(true);
    expect(isToken('a b')).toBe(false);
    expect(isToken('')).toBe(false);
    expect(isScheme('soap.beep')).toBe(true);
    expect(isScheme('9p')).toBe(false);
    expect(isHostname('host_1.example')).toBe(true);
    expect(isHostname('a:b')).toBe(false);
  });

  it('unescapes to UTF-8 and keeps stray percent signs', () => {
    expect(unescape('%41%c3%a9%')).toBe('Aé%');
    expect(unescape('plain')).toBe('plain');
    expect(unescape('ü%20😀')).toBe('ü 😀');
  });
});
