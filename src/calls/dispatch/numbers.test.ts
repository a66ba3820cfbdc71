import { describe, expect, it } from 'vitest';
import {
  InvalidNumberPatternError,
  MAX_REGEX_INPUT_LENGTH,
  matchNumberPattern,
  normaliseNumber,
  validateNumberPattern,
} from './numbers.js';

describe('normaliseNumber', () => {
  it.each([
    ['1000', '1000'],
    ['  +86 10 8888-6666 ', '+861088886666'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+1.415.555.0100', '+14155550100'],
    ['tel:+1-201-555-0123', '+12015550123'],
    ['tel:+1-201-555-0123;phone-context=example.com', '+12015550123'],
    ['TEL:4001', '4001'],
    ['sip:+8613800138000@carrier.example;user=phone', '+8613800138000'],
    ['sips:4001@pbx.example:5061', '4001'],
    ['<sip:4001@pbx.example>', '4001'],
    ['sip:4001@pbx.example?Subject=hi', '4001'],
    ['*98#', '*98#'],
    ['00 86 10 1234', '0086101234'],
    // SIP user names are not phone numbers: separators are kept, only the host goes.
    ['sip:alice.smith@example.com', 'alice.smith'],
    ['bob-jones', 'bob-jones'],
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (raw, expected) => {
    expect(normaliseNumber(raw)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const raw of ['+1 (415) 555-0100', 'sip:alice@x', '*98#', 'tel:+44-20-7946-0000']) {
      const once = normaliseNumber(raw);
      expect(normaliseNumber(once)).toBe(once);
    }
  });
});

describe('matchNumberPattern', () => {
  it.each<[pattern: string, number: string, expected: boolean]>([
    // exact
    ['1000', '1000', true],
    ['1000', '10000', false],
    ['1000', '100', false],
    ['+861088886666', '+86 10 8888 6666', true],
    ['+86 10 8888-6666', 'sip:+861088886666@carrier', true],
    ['+861088886666', '861088886666', false], // no prefix rewriting
    ['alice', 'sip:alice@example.com', true],
    ['Nina', 'Nina', true], // a user name, not N-i-n-a
    ['Nina', '2ina', false],
    ['alex', 'alex', true],
    // implicit Asterisk-style (no underscore)
    ['4XXX', '4001', true],
    ['4XXX', '4999', true],
    ['4XXX', '400', false],
    ['4XXX', '40001', false],
    ['4XXX', '5001', false],
    ['4xxx', '4123', true],
    ['4XXX', '4A01', false],
    ['+1NXXNXXXXXX', '+1 415 555 0100', true],
    ['+1NXXNXXXXXX', '+1 115 555 0100', false], // area code cannot start with 1
    ['+1NXXNXXXXXX', '+1 415 155 0100', false],
    ['Z00', '100', true],
    ['Z00', '000', false],
    ['N00', '100', false],
    ['N00', '200', true],
    ['[1-5]XX', '599', true],
    ['[1-5]XX', '699', false],
    ['[135]0', '30', true],
    ['[135]0', '20', false],
    ['[1-37-9]', '8', true],
    ['[1-37-9]', '5', false],
    ['[*#]1', '#1', true],
    ['9.', '9', false], // '.' is one or more
    ['9.', '90', true],
    ['9.', '9123456789', true],
    ['9!', '9', true], // '!' is zero or more
    ['9!', '912', true],
    ['9!', '8', false],
    // globs
    ['*', '', true], // a glob run may be empty
    ['*', '12345', true],
    ['+86*', '+8613800138000', true],
    ['+86*', '+4420', false],
    ['*6666', '+861088886666', true],
    ['*6666', '+861088886667', false],
    ['+86*66', '+8666', true],
    ['+86*66', '+866', false],
    ['4*1', '41', true],
    ['4*1', '4xyz1', true],
    ['*98', '1298', true], // '*' is a glob in an implicit pattern…
    ['4X*', '4', false],
    ['4X*', '41', true],
    ['4X*', '41999', true],
    // explicit Asterisk patterns
    ['_4XXX', '4001', true],
    ['_*98', '*98', true], // …and a literal key in a '_' pattern
    ['_*98', '1298', false],
    ['_X.', '1', false],
    ['_X.', '12', true],
    ['_X!', '1', true],
    ['_+86 (10) XXXX-XXXX', '+86 10 1234 5678', true],
    ['_NXX', 'abc', false],
    ['_1000', '1000', true],
    ['_1000', '10000', false],
    // regex
    ['/^\\+861[3-9]\\d{9}$/', '+86 138 0013 8000', true],
    ['/^\\+861[3-9]\\d{9}$/', '+86 128 0013 8000', false],
    ['/6666$/', '+861088886666', true], // searched, not anchored
    ['/^(\\+86|0086)?10\\d{8}$/', '008610 8888 6666', true],
    ['/^(\\+86|0086)?10\\d{8}$/', '10 8888 6666', true],
    ['/^alice$/i', 'sip:ALICE@example.com', true],
    ['/^alice$/', 'sip:ALICE@example.com', false],
    ['/^(\\d{3}){2}$/', '123456', true],
  ])('%j vs %j → %s', (pattern, number, expected) => {
    expect(matchNumberPattern(pattern, number)).toBe(expected);
  });

  it('does not run a regex against overly long input', () => {
    const long = '1'.repeat(MAX_REGEX_INPUT_LENGTH + 1);
    expect(matchNumberPattern('/^1+$/', long.slice(1))).toBe(true);
    expect(matchNumberPattern('/^1+$/', long)).toBe(false);
  });

  it('matches many globs without backtracking', () => {
    // A backtracking matcher would try ~C(100,10) splits here and never finish in the test
    // timeout; the position-set matcher does 21 × 101 steps.
    expect(matchNumberPattern('*1*1*1*1*1*1*1*1*1*1*2', '1'.repeat(100))).toBe(false);
    expect(matchNumberPattern('*1*1*1*1*1*1*1*1*1*1*2', `${'1'.repeat(100)}2`)).toBe(true);
  });

  it('throws a clear error for an invalid pattern', () => {
    expect(() => matchNumberPattern('_4[XX', '4001')).toThrow(InvalidNumberPatternError);
    expect(() => matchNumberPattern('_4[XX', '4001')).toThrow(/"\[" without a closing "\]"/);
    try {
      matchNumberPattern('/(a+)+$/', 'x');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidNumberPatternError);
      expect((err as InvalidNumberPatternError).pattern).toBe('/(a+)+$/');
      expect((err as InvalidNumberPatternError).reason).toMatch(/nested quantifiers/);
    }
  });
});

describe('validateNumberPattern', () => {
  it.each([
    '1000',
    '+86 10 8888-6666',
    'alice',
    '4XXX',
    '_4XXX',
    '_X.',
    '_X!',
    '*',
    '+86*',
    '[1-5]XX',
    '_[0-9*#]X',
    '/^\\+86/',
    '/^(\\+86|0086)?1\\d{10}$/',
    '/^(?:\\d{3}){2}\\d{4}$/', // fixed inner count: not ambiguous
    '/^(?<cc>\\+\\d{1,3})?\\d+$/', // optional group: not repeated
    '/^\\d+?$/', // lazy quantifier
    '/^[+(]*\\d+$/', // quantifier characters inside a class
    '/^alice$/i',
    '/^\\d*\\d*\\d*$/', // three unbounded quantifiers when anchored
    '/\\d*\\d*y/', // two when not
    `/^${'\\d?'.repeat(19)}$/`,
    '/^(\\+86|0086)?(10|2\\d|[3-9]\\d{2})\\d{7,8}$/',
    'x'.repeat(200),
  ])('accepts %j', (pattern) => {
    expect(validateNumberPattern(pattern)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['_', /nothing after "_"/],
    ['x'.repeat(201), /longer than 200 characters/],
    [`/${'\\d'.repeat(100)}/`, /longer than 200/],
    ['_4[XX', /without a closing/],
    ['4X]X', /without an opening/],
    ['_[]X', /empty set/],
    ['[5-1]', /reversed/],
    ['[a-z]X', /between digits/],
    ['[1a]X', /not allowed in a set/],
    ['_[a-z]', /between digits/],
    ['_X.X', /only appear at the end/],
    ['4!X', /only appear at the end/],
    ['/^\\d+$', /must look like/],
    ['//', /regex is empty/],
    ['/x/g', /flag "g" is not supported/],
    ['/(/', /does not compile/],
    ['/[/', /does not compile/],
    ['/(a+)+$/', /nested quantifiers/],
    ['/(\\d*)*$/', /nested quantifiers/],
    ['/^(\\d+){2,}$/', /nested quantifiers/],
    ['/^(\\d|\\d\\d)+$/', /nested quantifiers/],
    ['/^((\\d+)x)+$/', /nested quantifiers/],
    ['/^(?:a?){10}$/', /nested quantifiers/],
    ['/^(?:\\d{3}-?){2}$/', /nested quantifiers/], // conservative: bounded repeats count too
    ['/^\\d*\\d*\\d*\\d*$/', /backtrack too much/], // polynomial: 65⁴
    ['/\\d+\\d+\\d+y/', /backtrack too much/], // unanchored: every start position counts
    ['/^\\d*\\d*\\d*\\d?\\d?\\d?\\d?x$/', /backtrack too much/],
    [`/^${'\\d?'.repeat(20)}$/`, /backtrack too much/], // 2²⁰ ways to place the digits
    ['/^\\d{0,60}\\d{0,60}\\d{0,60}\\d{0,60}$/', /backtrack too much/],
    ['/^1|\\d*\\d*\\d*/', /backtrack too much/], // the second branch is not anchored
    ['/^(\\d)\\1$/', /back-references/],
    ['/^(?<d>\\d)\\k<d>$/', /back-references/],
  ])('rejects %j', (pattern, reason) => {
    expect(validateNumberPattern(pattern)).toMatch(reason);
  });
});
