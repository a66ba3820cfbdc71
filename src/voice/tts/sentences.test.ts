import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  SentenceSplitter,
  sentencesOf,
  splitSentences,
  ssmlToPlainText,
} from './sentences.js';

describe('splitSentences', () => {
  it.each([
    [
      'Hello, this is a test. How are you? Fine!',
      ['Hello, this is a test.', 'How are you?', 'Fine!'],
    ],
    ['Dr. Smith is here. He said hi.', ['Dr. Smith is here.', 'He said hi.']],
    [
      'It costs 3.14 dollars. Visit example.com today.',
      ['It costs 3.14 dollars.', 'Visit example.com today.'],
    ],
    ['J. R. R. Tolkien wrote it. Really.', ['J. R. R. Tolkien wrote it.', 'Really.']],
    ['He said "stop." Then he left...', ['He said "stop."', 'Then he left...']],
    ['你好。欢迎致电！请问有什么可以帮您？', ['你好。', '欢迎致电！', '请问有什么可以帮您？']],
    ['Options:\n1 billing\n2 support', ['Options:', '1 billing', '2 support']],
    ['   ', []],
  ])('%j', (text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });

  it('cuts a run-on sentence at a clause mark, else at a space', () => {
    const clause = `${'word '.repeat(30)}then, ${'more '.repeat(40)}end`;
    const parts = splitSentences(clause, { maxChars: 200 });
    expect(parts[0]!.endsWith('then,')).toBe(true);
    const plain = 'word '.repeat(100).trim();
    for (const part of splitSentences(plain, { maxChars: 120 })) {
      expect(part.length).toBeLessThanOrEqual(120);
      expect(part.startsWith('word')).toBe(true);
    }
  });

  it('joins sentences shorter than minChars to the next', () => {
    expect(splitSentences('OK. Yes. That is fine.', { minChars: 8 })).toEqual([
      'OK. Yes.',
      'That is fine.',
    ]);
  });
});

describe('SentenceSplitter', () => {
  it('returns sentences as soon as their end is seen in streamed text', () => {
    const s = new SentenceSplitter();
    expect(s.push('Good ')).toEqual([]);
    expect(s.push('morning. How')).toEqual(['Good morning.']);
    expect(s.buffered).toBe(' How');
    expect(s.push(' can I help?')).toEqual([]); // "?" at the very end: wait for what follows
    expect(s.push(' Bye')).toEqual(['How can I help?']);
    expect(s.end()).toEqual(['Bye']);
  });

  it('does not cut a number whose decimal point arrives in another piece', () => {
    const s = new SentenceSplitter();
    expect(s.push('Pi is 3.')).toEqual([]);
    expect(s.push('14 exactly. Yes')).toEqual(['Pi is 3.14 exactly.']);
    expect(s.end()).toEqual(['Yes']);
  });
});

describe('sentencesOf', () => {
  it('yields the sentences of a stream before it ends', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* llm(): AsyncGenerator<string> {
      yield 'First one. Sec';
      await gate;
      yield 'ond one.';
    }
    const it = sentencesOf(llm())[Symbol.asyncIterator]();
    seen.push((await it.next()).value as string);
    release();
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
    expect(seen).toEqual(['First one.', 'Second one.']);
  });
});

describe('SSML helpers', () => {
  it('turns SSML into plain text', () => {
    expect(
      ssmlToPlainText(
        `<?xml version="1.0"?><speak>Tom &amp; Jerry<break time="1s"/>say <say-as interpret-as="digits">12</say-as>.</speak>`,
      ),
    ).toBe('Tom & Jerry … say 12.');
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
  });
});
