/**
 * The speaker: streamed text cut into sentences as soon as each is complete (English and
 * Chinese), the heard text after a cut, and utterances queued once their first frame is
 * ready, so a late answer does not hold up a filler.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeg } from '../../../test/fixtures/fake-leg.js';
import { APOLOGY_FILE, ScriptedTts, TickDriver } from '../testing/scripted-providers.js';
import { heardText, sentences, Speaker } from './speaker.js';

/** An async text source the test feeds chunk by chunk. */
function feed(): { push: (chunk: string) => void; end: () => void; text: AsyncIterable<string> } {
  const chunks: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  return {
    push: (chunk) => {
      chunks.push(chunk);
      wake?.();
    },
    end: () => {
      ended = true;
      wake?.();
    },
    text: (async function* () {
      for (;;) {
        const chunk = chunks.shift();
        if (chunk !== undefined) yield chunk;
        else if (ended) return;
        else await new Promise<void>((r) => (wake = r));
      }
    })(),
  };
}

/** Collects sentences as they come; `settle` lets pending promise work run. */
function collect(text: AsyncIterable<string>): { got: string[]; done: Promise<void> } {
  const got: string[] = [];
  const done = (async () => {
    for await (const s of sentences(text)) got.push(s);
  })();
  return { got, done };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('sentences', () => {
  it('cuts streamed chunks into sentences as soon as each is complete', async () => {
    const src = feed();
    const { got, done } = collect(src.text);
    src.push('Hello. How are');
    await settle();
    expect(got).toEqual(['Hello.']);
    src.push(' you? Fine.');
    await settle();
    // "Fine." ends the text so far: it may yet go on.
    expect(got).toEqual(['Hello.', 'How are you?']);
    src.end();
    await done;
    expect(got).toEqual(['Hello.', 'How are you?', 'Fine.']);
  });

  it('waits at a stop at the end of a chunk (an abbreviation or a number)', async () => {
    const src = feed();
    const { got, done } = collect(src.text);
    src.push('Bring a document, e.g.');
    await settle();
    expect(got).toEqual([]);
    src.push(' a passport. It costs 3.');
    await settle();
    src.push('50 euros. Bye');
    src.end();
    await done;
    expect(got.at(-2)).toBe('It costs 3.50 euros.');
    expect(got.at(-1)).toBe('Bye');
  });

  it('cuts Chinese at full-width stops, which have no space after them', async () => {
    const src = feed();
    const { got, done } = collect(src.text);
    src.push('您好。请问');
    await settle();
    expect(got).toEqual(['您好。']);
    src.push('有什么可以帮您？我们九点开门！');
    src.end();
    await done;
    expect(got).toEqual(['您好。', '请问有什么可以帮您？', '我们九点开门！']);
  });

  it('splits a whole string at once', async () => {
    const got: string[] = [];
    for await (const s of sentences('One moment please. 请稍等。好的')) got.push(s);
    expect(got).toEqual(['One moment please.', '请稍等。', '好的']);
  });
});

describe('heardText', () => {
  const spans = [
    { text: 'Hello there.', frames: 10 },
    { text: 'How are you today?', frames: 20 },
  ];

  it('keeps the sentences played whole', () => {
    expect(heardText(spans, 0)).toBe('');
    expect(heardText(spans, 10)).toBe('Hello there.');
    expect(heardText(spans, 30)).toBe('Hello there. How are you today?');
  });

  it('keeps the words of a cut sentence in proportion to its frames played', () => {
    expect(heardText(spans, 14)).toBe('Hello there.');
    expect(heardText(spans, 20)).toBe('Hello there. How are');
    expect(heardText(spans, 29)).toBe('Hello there. How are you');
  });

  it('counts Chinese by characters', () => {
    const zh = [
      { text: '您好。', frames: 6 },
      { text: '请问有什么可以帮您？', frames: 20 },
    ];
    expect(heardText(zh, 6)).toBe('您好。');
    expect(heardText(zh, 16)).toBe('您好。 请问有什么');
  });

  it('does not overstate a sentence cut while still being synthesised', () => {
    const cut = [
      { text: 'One two three.', frames: 15, complete: true },
      // 8 words at 5 frames each once synthesised; 25 so far, 20 of them played.
      { text: 'four five six seven eight nine ten eleven', frames: 25, complete: false },
    ];
    expect(heardText(cut, 35)).toBe('One two three. four five six seven');
    // Nothing complete to go by: a nominal rate (15 frames a word).
    expect(heardText([{ text: 'a b c d e f g h i j', frames: 30, complete: false }], 30)).toBe(
      'a b',
    );
  });
});

describe('Speaker', () => {
  let leg: FakeLeg;
  beforeEach(() => {
    vi.useFakeTimers();
    leg = new FakeLeg('leg-1', 8000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('speaks sentence by sentence and reports the whole text heard', async () => {
    const tts = new ScriptedTts();
    const speaker = new Speaker({ leg, tts, voice: {}, apologyFile: APOLOGY_FILE });
    const driver = new TickDriver(leg, (ms) => vi.advanceTimersByTimeAsync(ms));
    const speech = speaker.speak('Hello there. How are you?');
    expect(speaker.speaking).toBe(true);
    await driver.run(20 * 6 * tts.framesPerWord);
    await expect(speech.done).resolves.toEqual({
      completed: true,
      fullText: 'Hello there. How are you?',
      heardText: 'Hello there. How are you?',
      playedMs: 5 * tts.framesPerWord * 20,
    });
    expect(speaker.speaking).toBe(false);
  });

  it('lets a later utterance play first while an earlier one waits for its text', async () => {
    const tts = new ScriptedTts();
    const speaker = new Speaker({ leg, tts, voice: {}, apologyFile: APOLOGY_FILE });
    const driver = new TickDriver(leg, (ms) => vi.advanceTimersByTimeAsync(ms));
    const answer = feed();
    const reply = speaker.speak(answer.text);
    await driver.run(100);
    const filler = speaker.speak('One moment please.');
    // Synthesised and queued in this tick, heard in the next.
    await driver.run(40);
    expect(tts.origin(driver.last)?.text).toBe('One moment please.');
    answer.push('Here it is.');
    answer.end();
    await driver.run(300);
    await expect(filler.done).resolves.toMatchObject({ completed: true });
    expect(speaker.speaking).toBe(true);
    await driver.run(300);
    await expect(reply.done).resolves.toMatchObject({ completed: true, heardText: 'Here it is.' });
    expect(speaker.speaking).toBe(false);
  });

  it('settles at once when stopped before its first frame', async () => {
    const tts = new ScriptedTts();
    const speaker = new Speaker({ leg, tts, voice: {}, apologyFile: APOLOGY_FILE });
    const never = feed();
    const speech = speaker.speak(never.text);
    await vi.advanceTimersByTimeAsync(100);
    speech.stop();
    await expect(speech.done).resolves.toMatchObject({
      completed: false,
      heardText: '',
      playedMs: 0,
    });
    expect(speaker.speaking).toBe(false);
  });
});
