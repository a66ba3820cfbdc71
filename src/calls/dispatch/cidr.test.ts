import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressInCidr, parseCidr, parseIpAddress, validateCidr } from './cidr.js';

describe('addressInCidr', () => {
  it.each<[address: string, cidr: string, expected: boolean]>([
    // IPv4
    ['203.0.113.5', '203.0.113.0/24', true],
    ['203.0.113.255', '203.0.113.0/24', true],
    ['203.0.114.0', '203.0.113.0/24', false],
    ['203.0.113.5', '203.0.113.5', true], // bare address = /32
    ['203.0.113.6', '203.0.113.5', false],
    ['203.0.113.5', '203.0.113.5/32', true],
    ['10.200.1.1', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['172.31.255.255', '172.16.0.0/12', true],
    ['172.32.0.0', '172.16.0.0/12', false],
    ['192.168.1.130', '192.168.1.128/25', true],
    ['192.168.1.127', '192.168.1.128/25', false],
    ['192.168.1.1', '192.168.1.0/31', true],
    ['192.168.1.2', '192.168.1.0/31', false],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['10.1.2.3', '10.9.9.9/8', true], // host bits in the CIDR are cleared
    // IPv6
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db8:ffff:ffff::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['2001:DB8::1', '2001:db8::/32', true],
    ['::1', '::1/128', true],
    ['::2', '::1/128', false],
    ['::1', '::1', true],
    ['fe80::1%eth0', 'fe80::/10', true], // zone ignored on the address
    ['febf::1', 'fe80::/10', true],
    ['fec0::1', 'fe80::/10', false],
    ['[2001:db8::5]', '2001:db8::/64', true],
    ['2001:db8:0:0:0:0:0:5', '2001:db8::5/128', true],
    ['2001:db8::5', '2001:db8:0:0:0:0:0:5/128', true],
    ['2001:db8:1::5', '2001:db8::/48', false],
    ['2001:db8:0:1::5', '2001:db8::/48', true],
    ['2001:db8::1', '2001:db8::/127', true],
    ['2001:db8::2', '2001:db8::/127', false],
    // IPv4-mapped IPv6 against IPv4 CIDRs (dual-stack sockets report IPv4 peers this way)
    ['::ffff:203.0.113.5', '203.0.113.0/24', true],
    ['::FFFF:203.0.113.5', '203.0.113.0/24', true],
    ['::ffff:cb00:7105', '203.0.113.0/24', true], // the same address in hex
    ['::ffff:203.0.114.5', '203.0.113.0/24', false],
    ['::ffff:1.2.3.4', '1.2.3.4', true],
    ['::ffff:1.2.3.4', '0.0.0.0/0', true],
    ['[::ffff:1.2.3.4]', '1.2.3.0/24', true],
    // …and IPv4 addresses against IPv4-mapped CIDRs
    ['203.0.113.5', '::ffff:203.0.113.0/120', true],
    ['203.0.113.5', '::ffff:0:0/96', true],
    ['203.0.113.5', '::ffff:203.0.114.0/120', false],
    // families that do not overlap
    ['2001:db8::1', '0.0.0.0/0', false],
    ['::1', '0.0.0.0/0', false],
    ['1.2.3.4', '2001:db8::/32', false],
    ['::1.2.3.4', '1.2.3.4/32', false], // IPv4-compatible (deprecated) is not IPv4-mapped
    ['64:ff9b::1.2.3.4', '1.2.3.4/32', false], // NAT64 is not IPv4-mapped
    ['1.2.3.4', '::/0', true], // documented: ::/0 admits everything
    // addresses that do not parse never match
    ['', '0.0.0.0/0', false],
    ['not-an-ip', '0.0.0.0/0', false],
    ['1.2.3', '0.0.0.0/0', false],
    ['1.2.3.4:5060', '0.0.0.0/0', false],
    ['256.1.1.1', '0.0.0.0/0', false],
    ['01.2.3.4', '0.0.0.0/0', false],
    ['1:2:3', '::/0', false],
  ])('%j in %j → %s', (address, cidr, expected) => {
    expect(addressInCidr(address, cidr)).toBe(expected);
  });

  it('accepts a parsed CIDR', () => {
    const block = parseCidr('198.51.100.0/24');
    expect(addressInCidr('198.51.100.7', block)).toBe(true);
    expect(addressInCidr('198.51.101.7', block)).toBe(false);
  });

  it('throws on an invalid CIDR string', () => {
    expect(() => addressInCidr('1.2.3.4', '1.2.3.0/33')).toThrow(/invalid CIDR "1.2.3.0\/33"/);
  });
});

describe('parseCidr', () => {
  it('keeps the family and both prefix forms, and clears host bits', () => {
    const v4 = parseCidr('10.9.9.9/8');
    expect(v4.family).toBe(4);
    expect(v4.writtenPrefix).toBe(8);
    expect(v4.prefix).toBe(104);
    expect([...v4.bytes.slice(10)]).toEqual([0xff, 0xff, 10, 0, 0, 0]);
    const v6 = parseCidr(' 2001:db8::ff/120 ');
    expect(v6.family).toBe(6);
    expect(v6.prefix).toBe(120);
    expect(v6.bytes[15]).toBe(0);
    expect(parseCidr('::1').prefix).toBe(128);
  });
});

describe('validateCidr', () => {
  it.each([
    '0.0.0.0/0',
    '10.0.0.0/8',
    '203.0.113.7',
    '203.0.113.7/32',
    '::/0',
    '::1/128',
    '2001:db8::/32',
    'fe80::/10',
    '::ffff:10.0.0.0/104',
    '1:2:3:4:5:6:7:8/64',
    '1::8',
    '1:2:3:4:5:6:7::',
  ])('accepts %j', (text) => {
    expect(validateCidr(text)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['  ', /empty/],
    ['10.0.0.0/33', /0–32/],
    ['::/129', /0–128/],
    ['10.0.0.0/', /prefix length must be a number/],
    ['10.0.0.0/-1', /prefix length must be a number/],
    ['10.0.0.0/8/8', /prefix length must be a number/],
    ['10.0.0.0/ 8', /prefix length must be a number/],
    ['10.0.0/8', /not an IPv4 address/],
    ['10.0.0.256/8', /not an IPv4 address/],
    ['010.0.0.0/8', /not an IPv4 address/],
    ['0x0a.0.0.0/8', /not an IPv4 address/],
    ['example.com/24', /not an IPv4 address/],
    ['1:2:3:4:5:6:7:8:9/64', /not an IPv6 address/],
    ['1::2::3/64', /not an IPv6 address/],
    ['1:2:3:4:5:6:7:8::/64', /not an IPv6 address/],
    ['12345::/16', /not an IPv6 address/],
    ['g::/16', /not an IPv6 address/],
    ['::ffff:1.2.3/96', /not an IPv6 address/],
    ['fe80::1%eth0/64', /zone ids/],
  ])('rejects %j', (text, reason) => {
    expect(validateCidr(text)).toMatch(reason);
  });
});

describe('parseIpAddress', () => {
  // Cross-check the hand-written parser against Node's on a spread of spellings.
  it.each([
    '0.0.0.0',
    '255.255.255.255',
    '1.2.3.4',
    '::',
    '::1',
    '1::',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.04',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '::ffff:1.2.3.256',
    '12345::',
    'abc',
  ])('%j agrees with node:net isIP', (text) => {
    expect(parseIpAddress(text) !== undefined).toBe(isIP(text) !== 0);
  });

  it('represents the same address the same way in every spelling', () => {
    const a = parseIpAddress('::ffff:1.2.3.4')!.bytes;
    expect(parseIpAddress('::ffff:102:304')!.bytes).toEqual(a);
    expect(parseIpAddress('1.2.3.4')!.bytes).toEqual(a);
    expect(parseIpAddress('1.2.3.4')!.family).toBe(4);
    expect(parseIpAddress('::ffff:1.2.3.4')!.family).toBe(6);
  });
});
