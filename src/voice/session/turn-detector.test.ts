/**
 * Text-aware turn detection: a trailing conjunction, preposition, article or filler (English
 * or Chinese) holds the turn open a little longer; a finished sentence does not.
 */
import { describe, expect, it } from 'vitest';
import { TurnDetector } from './turn-detector.js';

describe('TurnDetector', () => {
  const detector = new TurnDetector();

  it.each(['I want to', 'because', 'I was calling because', 'um', 'Salt and', 'Well,'])(
    'waits longer after the unfinished %j',
    (text) => {
      expect(detector.extraWaitMs(text)).toBe(700);
    },
  );

  it.each(['然后', '我想问一下然后', '就是', '嗯', '我的'])(
    'waits longer after the unfinished %j',
    (text) => {
      expect(detector.extraWaitMs(text)).toBe(700);
    },
  );

  it.each(['Thank you.', 'What time do you open?', 'I want to book a table', '好的。', '谢谢', ''])(
    'does not wait after %j',
    (text) => {
      expect(detector.extraWaitMs(text)).toBe(0);
    },
  );

  it('takes its extra wait and extra words from the options', () => {
    const custom = new TurnDetector({ unfinishedExtraMs: 300, continuationWords: ['plus'] });
    expect(custom.extraWaitMs('two coffees plus')).toBe(300);
    expect(custom.extraWaitMs('because')).toBe(300);
    expect(custom.extraWaitMs('two coffees')).toBe(0);
  });
});
