import { describe, expect, it } from 'vitest';
import { sentimentOf } from './sentiment-of.js';

describe('sentimentOf', () => {
  it('reads English call-center words', () => {
    expect(sentimentOf('thank you, that was really helpful', 'en')).toMatchObject({
      label: 'positive',
      emotion: 'happy',
    });
    expect(sentimentOf('this is ridiculous, I want to make a complaint', 'en-US')).toMatchObject({
      label: 'negative',
      emotion: 'angry',
    });
    expect(sentimentOf('I am worried about my claim', 'en')).toMatchObject({
      label: 'negative',
      emotion: 'anxious',
    });
    expect(sentimentOf('I am so disappointed', 'en')).toMatchObject({
      label: 'negative',
      emotion: 'sad',
    });
    expect(sentimentOf('I have a question about my policy', 'en')).toEqual({
      score: 0,
      label: 'neutral',
      emotion: 'neutral',
    });
  });

  it('flips negated words and takes no emotion from them', () => {
    const happy = sentimentOf('I am happy', 'en');
    const notHappy = sentimentOf('I am not happy', 'en');
    expect(happy.label).toBe('positive');
    expect(notHappy.label).toBe('negative');
    expect(notHappy.emotion).toBe('sad');
    expect(sentimentOf("I'm not angry, just confused", 'en').label).not.toBe('negative');
    expect(sentimentOf('not bad at all', 'en').label).toBe('positive');
    expect(sentimentOf("this isn't helpful", 'en').label).toBe('negative');
    // A clause boundary ends the negation.
    expect(sentimentOf('no, thanks a lot', 'en').label).toBe('positive');
    expect(sentimentOf('no problem', 'en').label).toBe('positive');
  });

  it('strengthens with intensifiers and exclamation marks', () => {
    const plain = sentimentOf('this is bad', 'en').score;
    const very = sentimentOf('this is very bad', 'en').score;
    const shouted = sentimentOf('this is very bad!!!', 'en').score;
    expect(very).toBeLessThan(plain);
    expect(shouted).toBeLessThan(very);
    expect(shouted).toBeGreaterThanOrEqual(-1);
  });

  it('reads Chinese with negation and intensifiers', () => {
    expect(sentimentOf('我要投诉，你们服务太差了', 'zh-CN')).toMatchObject({
      label: 'negative',
      emotion: 'angry',
    });
    expect(sentimentOf('谢谢', 'zh')).toMatchObject({ label: 'positive', emotion: 'happy' });
    expect(sentimentOf('非常感谢', 'zh').score).toBeGreaterThan(sentimentOf('感谢', 'zh').score);
    expect(sentimentOf('我很满意', 'zh').label).toBe('positive');
    expect(sentimentOf('我不满意', 'zh').label).toBe('negative');
    const notSo = sentimentOf('我不太满意', 'zh');
    expect(notSo.label).toBe('negative');
    expect(notSo.score).toBeGreaterThan(sentimentOf('我不满意', 'zh').score);
    expect(sentimentOf('我很着急', 'zh').emotion).toBe('anxious');
    // Polite forms are not complaints; a comma ends the negation.
    expect(sentimentOf('麻烦您帮我查一下', 'zh').label).toBe('neutral');
    expect(sentimentOf('不知道，谢谢', 'zh').label).toBe('positive');
  });

  it('uses the Chinese lexicon for Chinese text whatever the language tag', () => {
    expect(sentimentOf('太差了', 'en-US').label).toBe('negative');
  });
});
