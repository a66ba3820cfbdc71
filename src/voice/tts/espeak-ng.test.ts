import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAME_MS, wavHeader, type AudioFrame } from '../../media/index.js';
import { ProviderError, type TtsOptions } from '../providers/types.js';
import { describeWithTool } from '../testing/describe-with-tool.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import {
  EspeakNgTts,
  espeakAvailability,
  sanitizeSsml,
  SentenceSplitter,
  splitSentences,
  toNumberedPinyin,
  type EspeakNgEvent,
} from './espeak-ng.js';

const availability = await espeakAvailability();
const unavailable = !availability.available
  ? availability.reason
  : availability.missingVoices.length > 0
    ? `espeak-ng lacks voices ${availability.missingVoices.join(', ')}`
    : undefined;

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

function rms(frame: AudioFrame): number {
  let sum = 0;
  for (const s of frame.samples) sum += s * s;
  return Math.sqrt(sum / frame.samples.length);
}

function speak(text: string, options: Partial<TtsOptions> = {}, tts = new EspeakNgTts()) {
  return collect(tts.synthesize(text, { sampleRateHz: 16000, ...options }));
}

describe('splitSentences', () => {
  it('cuts at sentence ends, keeping abbreviations, initials and decimals whole', () => {
    expect(
      splitSentences('Hello Dr. Smith. It costs 3.14 dollars! Is J. Doe in? e.g. this one.'),
    ).toEqual(['Hello Dr. Smith.', 'It costs 3.14 dollars!', 'Is J. Doe in?', 'e.g. this one.']);
  });

  it('cuts CJK text at full-width marks without spaces, and at newlines', () => {
    expect(splitSentences('你好。欢迎致电！请问？好的；再见\nline two\r\nthree')).toEqual([
      '你好。',
      '欢迎致电！',
      '请问？',
      '好的；',
      '再见',
      'line two',
      'three',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence, and drops empty pieces', () => {
    expect(splitSentences('He said "yes." (Really!) ... \n\n 「好。」 Done')).toEqual([
      'He said "yes."',
      '(Really!)',
      '「好。」',
      'Done',
    ]);
  });

  it('cuts a clause longer than the limit at a comma, but not inside a number', () => {
    const clause = 'word '.repeat(32); // 160 characters
    expect(splitSentences(`${clause}1,000, and the rest.`)).toEqual([
      `${clause}1,000,`,
      'and the rest.',
    ]);
    expect(splitSentences(`short, clause, here.`)).toEqual(['short, clause, here.']);
    expect(splitSentences(`${'很长的句子'.repeat(32)}，后面。`)).toEqual([
      `${'很长的句子'.repeat(32)}，`,
      '后面。',
    ]);
  });

  it('cuts text without punctuation at a space after twice the limit', () => {
    const pieces = splitSentences('blah '.repeat(200), 150);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(300);
    expect(pieces.join(' ')).toBe('blah '.repeat(200).trim());
  });
});

describe('SentenceSplitter', () => {
  const text =
    'Good morning. How can I help you today? Dr. Smith costs 3.14 dollars!\n你好。欢迎致电！Bye';

  it('returns a sentence as soon as its end is certain', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Good morning')).toEqual([]);
    // "." at the end of the text so far may be "3." of "3.14": held back.
    expect(splitter.push('.')).toEqual([]);
    expect(splitter.push(' How')).toEqual(['Good morning.']);
    expect(splitter.push(' are you? Fine')).toEqual(['How are you?']);
    expect(splitter.push('。')).toEqual(['Fine。']);
    expect(splitter.flush()).toEqual([]);
  });

  it('gives the same sentences whatever the chunking', () => {
    const whole = splitSentences(text);
    for (const size of [1, 2, 3, 7]) {
      const splitter = new SentenceSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size)
        out.push(...splitter.push(text.slice(i, i + size)));
      out.push(...splitter.flush());
      expect(out).toEqual(whole);
    }
    expect(whole).toEqual([
      'Good morning.',
      'How can I help you today?',
      'Dr. Smith costs 3.14 dollars!',
      '你好。',
      '欢迎致电！',
      'Bye',
    ]);
  });
});

describe('sanitizeSsml', () => {
  it('keeps the subset and its checked attributes, drops the rest keeping text', () => {
    expect(
      sanitizeSsml(
        '<?xml version="1.0"?><!-- note --><speak xml:lang="en-US">' +
          '<audio src="/etc/passwd">fallback</audio> <break time="500ms" foo="x"/>' +
          '<prosody rate="slow" pitch="+2st" onclick="x">slow <voice name="x">v</voice></prosody>' +
          '<say-as interpret-as="characters">ABC</say-as><p><s>One.</s></p></speak>',
      ),
    ).toBe(
      '<speak>fallback <break time="500ms"/><prosody rate="slow" pitch="+2st">slow v</prosody>' +
        '<say-as interpret-as="characters">ABC</say-as><p><s>One.</s></p></speak>',
    );
  });

  it('rejects attribute values outside the subset and closes what is left open', () => {
    expect(sanitizeSsml('<prosody rate="fast&quot;/>" pitch="x"><s>a < b & c')).toBe(
      '<speak><prosody><s>a &lt; b &amp; c</s></prosody></speak>',
    );
    expect(sanitizeSsml('plain &amp; text</p></s><break>')).toBe(
      '<speak>plain &amp; text<break/></speak>',
    );
  });
});

describe('toNumberedPinyin', () => {
  it('writes Mandarin as numbered pinyin with 5 for the neutral tone', async () => {
    expect(await toNumberedPinyin('你好，欢迎致电。')).toBe('ni3 hao3, huan1 ying2 zhi4 dian4.');
    expect(await toNumberedPinyin('我的电话是123，谢谢！')).toBe(
      'wo3 de5 dian4 hua4 shi4 123, xie4 xie4!',
    );
    expect(await toNumberedPinyin('银行行长')).toBe('yin2 hang2 hang2 zhang3');
    expect(await toNumberedPinyin('绿色')).toBe('lv4 se4');
    expect(await toNumberedPinyin('Hello there.')).toBe('Hello there.');
  });
});

/** A WAV stream as espeak-ng writes it to a pipe: placeholder sizes, then PCM16. */
function streamingWav(samples: Int16Array, rateHz = 22050): Buffer {
  const header = wavHeader({ sampleRateHz: rateHz, channels: 1, bitsPerSample: 16, dataBytes: 0 });
  header.writeUInt32LE(0x7ffff000, 4);
  header.writeUInt32LE(0x7ffff000, 40);
  return Buffer.concat([
    header,
    Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
  ]);
}

describe('EspeakNgTts with stand-in binaries', () => {
  let dir: string;
  const script = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'espeak-fake-'));
    // One second of a 440 Hz tone, in a streaming WAV.
    const tone = new Int16Array(22050).map((_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 22050)),
    );
    writeFileSync(join(dir, 'tone.wav'), streamingWav(tone));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes text on stdin only, with voice, speed, pitch and SSML as options', async () => {
    const bin = script(
      'recorder',
      `printf '%s\\n' "$@" > "${dir}/args"; cat > "${dir}/stdin"; cat "${dir}/tone.wav"`,
    );
    const tts = new EspeakNgTts({ binaryPath: bin });
    const frames = await speak(
      '<speak>$(rm -rf /) --help <audio src="/etc/passwd"/></speak>',
      { rate: 1.5, pitch: -12, voice: 'en-gb+f3', ssml: true, sampleRateHz: 8000 },
      tts,
    );
    const args = readFileSync(join(dir, 'args'), 'utf8').trim().split('\n');
    expect(args).toEqual(['-b', '1', '--stdout', '-v', 'en-gb+f3', '-s', '263', '-p', '0', '-m']);
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe('<speak>$(rm -rf /) --help </speak>');
    // 1 s of audio at 8 kHz: 50 whole frames, contiguous from 0, the tone's level intact.
    expect(frames).toHaveLength(50);
    frames.forEach((f, i) => {
      expect(f.samples).toHaveLength(160);
      expect(f.timestampMs).toBe(i * FRAME_MS);
    });
    expect(rms(frames[25]!)).toBeGreaterThan(5000);
  });

  it('maps languages to voices and clamps rate and pitch', async () => {
    const bin = script('args-only', `printf '%s\\n' "$@" > "${dir}/args2"; cat "${dir}/tone.wav"`);
    const tts = new EspeakNgTts({ binaryPath: bin });
    const argsFor = async (options: Partial<TtsOptions>): Promise<string[]> => {
      await speak('Hi.', options, tts);
      return readFileSync(join(dir, 'args2'), 'utf8').trim().split('\n');
    };
    expect(await argsFor({ language: 'zh-CN' })).toContain('cmn-latn-pinyin');
    expect(await argsFor({ language: 'cmn' })).toContain('cmn-latn-pinyin');
    expect(await argsFor({ language: 'zh-HK' })).toContain('yue');
    expect(await argsFor({ language: 'en-GB' })).toContain('en-gb');
    expect(await argsFor({})).toEqual([
      '-b',
      '1',
      '--stdout',
      '-v',
      'en-us',
      '-s',
      '175',
      '-p',
      '50',
    ]);
    // A voice meant for another provider gives way to the language's voice.
    expect(await argsFor({ voice: 'alloy', language: 'yue', rate: 9, pitch: 40 })).toEqual([
      '-b',
      '1',
      '--stdout',
      '-v',
      'yue',
      '-s',
      '450',
      '-p',
      '99',
    ]);
    await expect(speak('Hi.', { language: 'fr-FR' }, tts)).rejects.toBeInstanceOf(ProviderError);
  });

  it('reports a binary that exits non-zero as a ProviderError with its stderr', async () => {
    const bin = script('fails', 'echo "voice data missing" >&2; exit 1');
    const failure = speak('Hello.', {}, new EspeakNgTts({ binaryPath: bin }));
    await expect(failure).rejects.toBeInstanceOf(ProviderError);
    await expect(failure).rejects.toThrow(/exited with 1: voice data missing/);
  });

  it('reports output that is not WAV as a ProviderError', async () => {
    const bin = script('garbage', 'cat > /dev/null; echo "this is not audio at all"');
    await expect(speak('Hello.', {}, new EspeakNgTts({ binaryPath: bin }))).rejects.toThrow(
      /not a WAV stream/,
    );
  });

  it('reports a missing binary as a ProviderError naming it', async () => {
    const tts = new EspeakNgTts({ binaryPath: join(dir, 'no-such-espeak') });
    await expect(speak('Hello.', {}, tts)).rejects.toThrow(/no-such-espeak not found/);
  });

  it('does nothing when the signal has already fired', async () => {
    const events: EspeakNgEvent[] = [];
    const tts = new EspeakNgTts({
      binaryPath: join(dir, 'no-such-espeak'),
      onEvent: (e) => events.push(e),
    });
    expect(await speak('Hello.', { signal: AbortSignal.abort() }, tts)).toEqual([]);
    expect(events).toEqual([]);
  });
});

describeWithTool('espeak-ng', unavailable, 'EspeakNgTts with espeak-ng', () => {
  describeTtsContract('espeak-ng', {
    provider: () => new EspeakNgTts(),
    failing: () => new EspeakNgTts({ binaryPath: '/nonexistent/espeak-ng' }),
  });

  it('speaks Mandarin as pinyin syllables, not spelled-out letters', async () => {
    const frames = await speak('你好，欢迎致电。', { language: 'zh-CN' });
    const loud = frames.filter((f) => rms(f) > 200).length;
    expect(loud / frames.length).toBeGreaterThan(0.3);
    // Six syllables take about 2.2 s; the same pinyin read as English words takes 3.7 s, and
    // spelled out letter by letter far longer.
    const seconds = (frames.length * FRAME_MS) / 1000;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(3);
    const asEnglish = await speak('ni3 hao3, huan1 ying2 zhi4 dian4.', { language: 'en-US' });
    expect(asEnglish.length).toBeGreaterThan(frames.length * 1.3);
  });

  it('speaks Cantonese', async () => {
    const frames = await speak('你好，欢迎致电。', { language: 'yue' });
    expect(frames.filter((f) => rms(f) > 200).length).toBeGreaterThan(20);
  });

  it('speaks faster at a higher rate and honours SSML breaks', async () => {
    const normal = await speak('This is a sentence of a certain length.');
    const fast = await speak('This is a sentence of a certain length.', { rate: 2 });
    expect(fast.length).toBeLessThan(normal.length * 0.7);
    const plain = await speak('<speak>Hello world.</speak>', { ssml: true });
    const paused = await speak('<speak>Hello <break time="1s"/> world.</speak>', { ssml: true });
    expect(paused.length - plain.length).toBeGreaterThan(40); // ≥ 0.8 s more
  });

  it('plays the first sentence before the later ones of a long text are synthesised', async () => {
    const log: string[] = [];
    const tts = new EspeakNgTts({
      onEvent: (e) => log.push(e.type === 'first-frame' ? 'first-frame' : `${e.type}:${e.index}`),
    });
    const text = Array.from({ length: 8 }, (_, i) => `This is sentence number ${i + 1}.`).join(' ');
    const frames = await speak(text, {}, tts);
    expect(frames.length).toBeGreaterThan(200);
    const first = log.indexOf('first-frame');
    expect(first).toBeGreaterThan(log.indexOf('first-audio:0'));
    // With one sentence of look-ahead, sentence 3 starts only after sentence 1 was played.
    expect(first).toBeLessThan(log.indexOf('spawn:2'));
    expect(log.indexOf('spawn:7')).toBeGreaterThan(first);
    expect(log.filter((e) => e.startsWith('exit:'))).toHaveLength(8);
  });

  it('starts speaking while the rest of the text is still being written', async () => {
    let firstFrame!: () => void;
    const firstFrameSeen = new Promise<void>((resolve) => (firstFrame = resolve));
    async function* model(): AsyncIterable<string> {
      yield 'Thank you for calling. ';
      // The rest comes only once audio has started: a provider that waited for the whole
      // text would never get here.
      await firstFrameSeen;
      yield 'How can I help you today?';
    }
    const tts = new EspeakNgTts();
    const frames: AudioFrame[] = [];
    for await (const f of tts.synthesize(model(), { sampleRateHz: 16000 })) {
      frames.push(f);
      firstFrame();
    }
    const firstSentence = await speak('Thank you for calling.');
    expect(frames.length).toBeGreaterThan(firstSentence.length + 50);
  });

  it('kills its processes at once on abort and ends without error', async () => {
    const events: EspeakNgEvent[] = [];
    const tts = new EspeakNgTts({ onEvent: (e) => events.push(e) });
    const controller = new AbortController();
    let count = 0;
    const text = 'This sentence goes on for quite a while. '.repeat(10);
    for await (const _ of tts.synthesize(text, {
      sampleRateHz: 8000,
      signal: controller.signal,
    })) {
      if (++count === 3) controller.abort();
    }
    expect(count).toBe(3);
    const spawned = events.filter((e) => e.type === 'spawn').length;
    expect(spawned).toBeLessThanOrEqual(2);
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'exit')).toHaveLength(spawned));
  });

  it('stops its processes when the consumer leaves early', async () => {
    const events: EspeakNgEvent[] = [];
    const tts = new EspeakNgTts({ onEvent: (e) => events.push(e) });
    for await (const _ of tts.synthesize('One sentence. Two sentences. Three.', {
      sampleRateHz: 16000,
    })) {
      break;
    }
    const spawned = events.filter((e) => e.type === 'spawn').length;
    await vi.waitFor(() => expect(events.filter((e) => e.type === 'exit')).toHaveLength(spawned));
    expect(spawned).toBeLessThan(3);
  });

  it('gives 48 kHz frames too', async () => {
    const frames = await speak('Hello.', { sampleRateHz: 48000 });
    expect(frames.length).toBeGreaterThan(10);
    for (const f of frames) expect(f.samples).toHaveLength(960);
  });
});
