import { describe, expect, it } from 'vitest';
import { CJK_DICTIONARY_SEGMENTATION, tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('lower-cases, drops punctuation and stop words, and stems plurals, -ing and -ed', () => {
    expect(tokenize('The Claims, filed; FILING files!')).toEqual(['claim', 'fil', 'fil', 'fil']);
    expect(tokenize('running policies stopped needed speed')).toEqual([
      'run',
      'policy',
      'stop',
      'need',
      'speed',
    ]);
    // -ss, -us, -is are not plurals.
    expect(tokenize('address status analysis')).toEqual(['address', 'status', 'analysis']);
  });

  it('keeps numbers and splits on hyphens and dashes', () => {
    expect(tokenize('Policy #P-123456—call 555')).toEqual(['policy', 'p', '123456', 'call', '555']);
  });

  it('segments Chinese into words with Node full ICU, adding bigrams of single characters', () => {
    expect(CJK_DICTIONARY_SEGMENTATION).toBe(true);
    expect(tokenize('理赔需要哪些材料？')).toEqual(['理', '赔', '理赔', '需要', '材料']);
  });

  it('falls back to character unigrams and bigrams without dictionary segmentation', () => {
    expect(tokenize('理赔材料', { cjkDictionary: false })).toEqual([
      '理',
      '赔',
      '理赔',
      '材',
      '赔材',
      '料',
      '材料',
    ]);
    // Stop characters join no bigram.
    expect(tokenize('证和照', { cjkDictionary: false })).toEqual(['证', '照']);
  });

  it('tokenizes a Chinese run longer than one segmenter piece to its end', () => {
    const tokens = tokenize(`${'保单'.repeat(150)}理赔材料`);
    expect(tokens.filter((t) => t === '保单')).toHaveLength(150);
    expect(tokens.slice(-4)).toEqual(['理', '赔', '理赔', '材料']);
  });

  it('handles mixed English and Chinese', () => {
    expect(tokenize('请提供VIN码和保单号')).toEqual(
      expect.arrayContaining(['vin', '提供', '保单']),
    );
  });
});
