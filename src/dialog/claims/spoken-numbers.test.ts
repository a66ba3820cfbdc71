import { describe, expect, it } from 'vitest';
import {
  parseChineseNumber,
  parseEnglishNumber,
  parseSpokenNumber,
  spokenDigitsToText,
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
  ])('%s → %d', (text, value) => {
    expect(parseChineseNumber(text)).toBe(value);
  });

  it.each(['', '苹果', '二三十'])('refuses %j', (text) => {
    expect(parseChineseNumber(text)).toBeUndefined();
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
  ])('%s → %s', (text, out) => {
    expect(spokenDigitsToText(text)).toBe(out);
  });
});
