import { describe, expect, it } from 'vitest';
import {
  isZhDigitRun,
  parseChineseNumber,
  parseChineseNumeral,
  parseEnglishNumber,
  parseSpokenNumber,
  readDigitRun,
  readEnglishDecimal,
  readEnglishNumber,
  spokenDigitsToText,
  wordTokens,
  zhDigitsToString,
} from './spoken-numbers.js';

describe('parseEnglishNumber', () => {
  it.each([
    ['twenty three', 23],
    ['twenty-three', 23],
    ['one hundred and five', 105],
    ['a hundred', 100],
    ['one thousand two hundred thirty four', 1234],
    ['two million five hundred thousand', 2_500_000],
    ['three point five', 3.5],
    ['minus seven', -7],
    ['zero', 0],
    ['twenty first', 21],
    ['third', 3],
    ['one two three', 123],
    ['3 thousand', 3000],
    ['2.5 million', 2_500_000],
    ['21st', 21],
    ['fourty two', 42],
    // A whole answer is read as leniently as callers say it.
    ['hundred', 100],
    ['twenty hundred', 2000],
    ['twenty and three', 23],
    ['oh', 0],
  ])('%s → %d', (text, value) => {
    expect(parseEnglishNumber(text)).toBe(value);
  });

  it.each([
    '',
    'banana',
    'twenty bananas',
    'point',
    'twenty twenty',
    'third twenty',
    'five six seven eight nine ten',
  ])('refuses %j', (text) => {
    expect(parseEnglishNumber(text)).toBeUndefined();
  });
});

describe('parseChineseNumber', () => {
  it.each([
    ['二十三', 23],
    ['十五', 15],
    ['一百零五', 105],
    ['两千五', 2500],
    ['一万两千', 12_000],
    ['一万五', 15_000],
    ['三千零五十', 3050],
    ['一亿', 100_000_000],
    ['三点五', 3.5],
    ['负八', -8],
    ['二零二六', 2026],
    ['12', 12],
    ['一万亿', 1e12],
    ['壹佰贰拾', 120],
    ['3千', 3000],
    ['点五', 0.5],
    // A whole answer may drop the leading 一.
    ['千万', 10_000_000],
    ['百', 100],
  ])('%s → %d', (text, value) => {
    expect(parseChineseNumber(text)).toBe(value);
  });

  it.each(['', '苹果', '二三十', '一点二点三'])('refuses %j', (text) => {
    expect(parseChineseNumber(text)).toBeUndefined();
  });

  it('reads 千万 and 百货 as words inside running text', () => {
    expect(parseChineseNumber('千万', { wholeAnswer: false })).toBeUndefined();
    expect(parseChineseNumber('三点五', { wholeAnswer: false })).toBe(3.5);
  });
});

describe('parseChineseNumeral (a run matched in running text)', () => {
  it.each([
    ['二十三', 23],
    ['两百', 200],
    ['一千零五', 1005],
    ['三百五', 350],
    ['一万五', 15_000],
    ['两万三千', 23_000],
    ['幺三八', 138],
  ])('%s → %d', (text, value) => {
    expect(parseChineseNumeral(text)).toBe(value);
  });

  it.each(['', '千万', '百', '万一', '零十', '二三十'])('refuses %j', (text) => {
    expect(parseChineseNumeral(text)).toBeUndefined();
  });

  it('reads digits said one by one', () => {
    expect(isZhDigitRun('幺三八')).toBe(true);
    expect(isZhDigitRun('三十')).toBe(false);
    expect(isZhDigitRun('')).toBe(false);
    expect(zhDigitsToString('幺三八洞拐')).toBe('13807');
  });
});

describe('readEnglishNumber (at a token of running text)', () => {
  function read(text: string, at = 0) {
    const n = readEnglishNumber(text, wordTokens(text), at);
    return n && [n.value, n.end, n.ordinal];
  }

  it('reads as far as the words make one number', () => {
    expect(read('twenty three people')).toEqual([23, 2, false]);
    expect(read('a hundred and five')).toEqual([105, 4, false]);
    expect(read('two million five hundred thousand')).toEqual([2_500_000, 5, false]);
    expect(read('the twenty first of May', 1)).toEqual([21, 3, true]);
  });

  it('keeps digits said one by one, and numbers split by commas, apart', () => {
    expect(read('four one five')).toEqual([4, 1, false]);
    expect(read('twenty twenty')).toEqual([20, 1, false]);
    expect(read('twenty, three')).toEqual([20, 1, false]);
    expect(read('third twenty')).toEqual([3, 1, true]);
  });

  it('is strict where a whole answer is lenient', () => {
    expect(read('hundred')).toBeUndefined();
    expect(read('3 thousand')).toBeUndefined();
    expect(read('twenty and three')).toEqual([20, 1, false]);
    expect(read('oh')).toBeUndefined();
  });

  it('reads decimals said after "point"', () => {
    const text = 'three point five, three point 5';
    const tokens = wordTokens(text);
    expect(readEnglishDecimal(text, tokens, 0)).toEqual({ value: 3.5, end: 3, ordinal: false });
    expect(readEnglishDecimal(text, tokens, 3)).toEqual({ value: 3, end: 4, ordinal: false });
  });
});

describe('readDigitRun', () => {
  function run(text: string) {
    return readDigitRun(text, wordTokens(text), 0)?.digits;
  }

  it.each([
    ['four one five, double five five, two six seven oh', '4155552670'],
    ['415 555 2671', '4155552671'],
    ['five oh seven', '507'],
    ['triple six', '666'],
  ])('%s → %s', (text, digits) => {
    expect(run(text)).toBe(digits);
  });

  it('does not start a run with "oh" or "o"', () => {
    expect(run('oh five')).toBeUndefined();
    expect(run('o')).toBeUndefined();
  });
});

describe('parseSpokenNumber', () => {
  it.each([
    [42, 42],
    ['1,234.5', 1234.5],
    ['  17. ', 17],
    ['twenty three', 23],
    ['二十三', 23],
    ['一 百', 100],
  ])('%j → %d', (raw, value) => {
    expect(parseSpokenNumber(raw)).toBe(value);
  });

  it.each([Number.NaN, Infinity, true, {}, '12,34', 'about ten'])('refuses %j', (raw) => {
    expect(parseSpokenNumber(raw)).toBeUndefined();
  });
});

describe('spokenDigitsToText', () => {
  it.each([
    ['five five five one two', '55512'],
    ['double five one', '551'],
    ['triple oh', '000'],
    ['five o five', '505'],
    ['五五五幺二', '55512'],
    ['P O L one two three', 'P O L 123'],
    ['POL一二三四五六', 'POL 123456'],
    ['555-0123', '5550123'],
    // A whole answer: "oh" may start the digits.
    ['oh five', '05'],
    ['幺拐洞', '170'],
  ])('%s → %s', (text, out) => {
    expect(spokenDigitsToText(text)).toBe(out);
  });
});
