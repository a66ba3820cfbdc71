import { describe, expect, it } from 'vitest';
import { contentTokens, Vocabulary } from './vocabulary.js';

describe('Vocabulary', () => {
  it('keeps content words, stems plurals and tenses, pairs Han characters', () => {
    expect(contentTokens('I want to report the accidents, um, please')).toEqual([
      'report',
      'accident',
    ]);
    expect(contentTokens('我的车被撞了吗')).toEqual(['我', '车被', '被撞']);
  });

  it('measures the share of known content tokens', () => {
    const v = new Vocabulary(['I had a car accident', '我要报案', '选一']);
    expect(v.knownShare('my car accidents')).toBe(1);
    expect(v.knownShare('a car and a pizza')).toBe(0.5);
    expect(v.knownShare('um, yes please')).toBeUndefined();
    // 我想 and 想报 are new, 报案 is known.
    expect(v.knownShare('我想报案')).toBeCloseTo(1 / 3);
    expect(v.knownShare('一')).toBe(1);
  });
});
