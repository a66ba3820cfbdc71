/**
 * The voice session driven tick by tick on scripted providers and fake timers: a whole turn
 * with its latency trace, barge-in by speech and by words (cut within one frame, the heard
 * text kept), backchannels and the bot's own echo ignored, and turn detection waiting for an
 * unfinished sentence.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeg } from '../../../test/fixtures/fake-leg.js';
import type { AudioFrame } from '../../media/index.js';
import {
  level,
  scaledFrame,
  ScriptedResponder,
  ScriptedStt,
  ScriptedTts,
  silentFrame,
  startScriptedSession,
  type Said,
  type ScriptedSession,
} from '../testing/scripted-providers.js';
import { sentences } from './speaker.js';

const RATE = 8000;
const advance = (ms: number): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const audible = (f: AudioFrame | undefined): boolean => level(f) > 1000;

let leg: FakeLeg;
beforeEach(() => {
  vi.useFakeTimers();
  leg = new FakeLeg('leg-1', RATE);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Frames of `text` the leg has sent so far. */
function framesOf(s: ScriptedSession, text: string): number {
  return s.driver.ticks.filter((t) => s.tts.origin(t.sent)?.text === text).length;
}

/** What the caller's line carries back: the sent audio at `gain`, nothing said. */
function echoOf(gain: number): Said {
  return (sent, t) => (sent ? scaledFrame(sent, gain, t) : silentFrame(RATE, t));
}

/** The first `n` words of `text`. */
function words(text: string, n: number): string {
  return text.split(' ').slice(0, n).join(' ');
}

async function sentencesOf(text: string): Promise<string[]> {
  const out: string[] = [];
  for await (const s of sentences(text)) out.push(s);
  return out;
}

/** Greets, lets the greeting play out, then has the caller say something and go silent. */
async function callerTurn(s: ScriptedSession, speechMs = 600): Promise<void> {
  await s.driver.until(() => !s.leg.output.playing, 5000);
  await s.driver.run(speechMs, 'speech');
  // The VAD ends the utterance after 500 ms of silence.
  await s.driver.run(500);
}

describe('VoiceSession: a turn', () => {
  it('greets, hears the caller, answers audibly and reports the trace', async () => {
    const tts = new ScriptedTts({ latencyMs: 60 });
    const stt = new ScriptedStt(['I would like a table for two.', 'At seven.']);
    const responder = new ScriptedResponder(
      ['Sure. For what time?', 'Booked.'],
      'Hello, how can I help?',
    );
    const s = startScriptedSession(leg, advance, { stt, tts, responder });
    const { driver } = s;

    // The greeting is spoken first.
    await driver.until(() => audible(driver.last), 500);
    expect(tts.origin(driver.last)?.text).toBe('Hello, how can I help?');
    await callerTurn(s);
    expect(framesOf(s, 'Hello, how can I help?')).toBe(5 * tts.framesPerWord);

    // The responder gets the recognised text; its reply is heard in full.
    expect(responder.calls).toHaveLength(1);
    expect(responder.calls[0]!.turn).toMatchObject({ text: 'I would like a table for two.' });
    await driver.until(() => s.turns.length === 1, 3000);
    expect(tts.texts).toEqual(['Hello, how can I help?', 'Sure.', 'For what time?']);
    expect(framesOf(s, 'Sure.')).toBe(tts.framesPerWord);
    expect(framesOf(s, 'For what time?')).toBe(3 * tts.framesPerWord);

    const turn = s.turns[0]!;
    expect(turn).toMatchObject({
      index: 0,
      userText: 'I would like a table for two.',
      assistantText: 'Sure. For what time?',
      interrupted: false,
    });
    for (const key of ['sttFinal', 'responderFirstToken', 'ttsFirstAudio', 'firstPacket']) {
      expect(turn.latency[key], key).toBeGreaterThanOrEqual(0);
    }
    // The stages come in order, the TTS's latency included.
    expect(turn.latency.ttsFirstAudio).toBeGreaterThanOrEqual(60);
    expect(turn.latency.firstPacket).toBeGreaterThanOrEqual(turn.latency.ttsFirstAudio!);
    expect(turn.latency.firstPacket).toBeLessThanOrEqual(turn.latency.ttsFirstAudio! + 20);

    // The next turn's history holds the whole exchange.
    await callerTurn(s, 400);
    expect(responder.calls[1]!.history).toEqual([
      { role: 'user', content: 'I would like a table for two.' },
      { role: 'assistant', content: 'Sure. For what time?' },
      { role: 'user', content: 'At seven.' },
    ]);
    await driver.until(() => s.turns.length === 2, 3000);
    expect(s.turns[1]).toMatchObject({ index: 1, userText: 'At seven.', assistantText: 'Booked.' });
  });
});

describe('VoiceSession: barge-in', () => {
  const REPLY = [
    'Our opening hours are nine to five on weekdays. ',
    'On Saturdays we open at ten and close again at two in the afternoon. ',
    'We are closed on Sundays and on public holidays.',
  ];
  const FULL = REPLY.join('').trim();

  /** A session whose first turn gets the long streamed reply; resolves once it is audible. */
  async function longReply(stt: ScriptedStt, tts = new ScriptedTts({ framesPerWord: 10 })) {
    const responder = new ScriptedResponder([{ chunks: REPLY, chunkDelayMs: 100 }]);
    const s = startScriptedSession(leg, advance, { stt, tts, responder });
    await callerTurn(s);
    await s.driver.until(() => audible(s.driver.last), 1000);
    return s;
  }

  it('stops the reply within one frame when the caller talks over it for 400 ms', async () => {
    const stt = new ScriptedStt(['What are your hours?', 'What about Sundays?']);
    const s = await longReply(stt);
    const { driver, tts, responder } = s;
    const [first, second] = await sentencesOf(FULL);
    // Let the first sentence and a bit of the second play, then talk over it.
    await driver.until(() => framesOf(s, second!) >= 5, 3000);
    const clear = vi.spyOn(leg.output, 'clear');
    const start = driver.t;
    await driver.until(() => clear.mock.calls.length > 0, 1000, 'speech');
    // 400 ms of speech, the 100 ms the VAD needed to confirm it included.
    expect(driver.t - start).toBe(400);

    // The very next frame carries nothing of the reply.
    const next = await driver.tick('speech');
    expect(next).toBeUndefined();
    await driver.run(200, 'speech');
    expect(driver.ticks.slice(-11).every((t) => t.sent === undefined)).toBe(true);
    expect(responder.calls[0]!.signal.aborted).toBe(true);

    // The trace keeps what the caller heard: the first sentence, then the whole words of the
    // second played before the cut.
    expect(s.turns).toHaveLength(1);
    const turn = s.turns[0]!;
    const played = framesOf(s, second!);
    const heard = `${first} ${words(second!, Math.floor(played / tts.framesPerWord))}`;
    expect(turn.interrupted).toBe(true);
    expect(turn.events).toContainEqual({ type: 'barge-in', by: 'speech' });
    expect(turn.assistantText).toBe(heard);
    expect(FULL.startsWith(turn.assistantText)).toBe(true);
    expect(turn.assistantText.length).toBeLessThan(FULL.length);

    // The caller's interruption is the next turn, with the heard text in the history.
    await driver.run(500);
    expect(responder.calls).toHaveLength(2);
    expect(responder.calls[1]!.history).toEqual([
      { role: 'user', content: 'What are your hours?' },
      { role: 'assistant', content: heard },
      { role: 'user', content: 'What about Sundays?' },
    ]);
  });

  it('stops at once on a real word in a partial, even under 400 ms', async () => {
    const stt = new ScriptedStt([
      'Hours?',
      { partials: [{ atMs: 60, text: 'wait' }], final: 'wait a second' },
    ]);
    const s = await longReply(stt);
    const clear = vi.spyOn(leg.output, 'clear');
    // 100 ms to confirm speech, the partial 60 ms into the stream: 160 ms of speech in all.
    await s.driver.run(200, 'speech');
    expect(clear).toHaveBeenCalled();
    expect(s.driver.ticks.at(-1)!.sent).toBeUndefined();
    expect(s.turns[0]).toMatchObject({ interrupted: true });
    expect(s.turns[0]!.events).toContainEqual({ type: 'barge-in', by: 'words' });
    await s.driver.run(600);
    expect(s.responder.calls.at(-1)!.turn.text).toBe('wait a second');
  });

  it('stops on a real word in the final of a short utterance', async () => {
    const stt = new ScriptedStt(['Hours?', 'Stop.']);
    const s = await longReply(stt);
    const clear = vi.spyOn(leg.output, 'clear');
    await s.driver.run(200, 'speech');
    expect(clear).not.toHaveBeenCalled();
    // At the end of the utterance (500 ms of silence) its final interrupts.
    await s.driver.run(500);
    expect(clear).toHaveBeenCalled();
    expect(s.turns[0]).toMatchObject({ interrupted: true });
    await s.driver.run(100);
    expect(s.responder.calls.at(-1)!.turn.text).toBe('Stop.');
  });

  it.each(['ok', 'Okay.', '嗯', '嗯。'])('ignores the backchannel %j', async (said) => {
    const stt = new ScriptedStt(['Hours?', said]);
    const s = await longReply(stt);
    const clear = vi.spyOn(leg.output, 'clear');
    await s.driver.run(1000);
    // 300 ms: short of a barge-in by length (the VAD's trailing silence does not count).
    await s.driver.run(300, 'speech');
    await s.driver.until(() => s.turns.length === 1, 10_000);
    expect(clear).not.toHaveBeenCalled();
    expect(s.turns[0]).toMatchObject({ interrupted: false, assistantText: FULL });
    const total = (await sentencesOf(FULL)).reduce((n, sentence) => n + framesOf(s, sentence), 0);
    expect(total).toBe(FULL.split(' ').length * s.tts.framesPerWord);
    expect(s.notices).toContainEqual({ type: 'backchannel-ignored' });
    await s.driver.run(1000);
    expect(s.responder.calls).toHaveLength(1);
  });

  it('does not take its own echo for the caller', async () => {
    // What comes back is the sent audio 20 dB down: speech to the VAD, under the echo ratio.
    const echo = echoOf(0.1);
    const stt = new ScriptedStt(['Hours?', 'our opening hours are nine to five']);
    const s = await longReply(stt);
    const clear = vi.spyOn(leg.output, 'clear');
    await s.driver.until(() => s.turns.length === 1, 10_000, echo);
    expect(clear).not.toHaveBeenCalled();
    expect(s.turns[0]).toMatchObject({ interrupted: false, assistantText: FULL });
    await s.driver.run(1000);
    expect(s.responder.calls).toHaveLength(1);
    // The echo was heard as speech (a stream was opened for it) and dropped.
    expect(s.stt.streams).toHaveLength(2);
  });

  it('is interrupted by the caller over the echo (louder than the echo ratio)', async () => {
    const loud = echoOf(0.5);
    const s = await longReply(new ScriptedStt(['Hours?', 'Hello?']));
    await s.driver.run(600, loud);
    expect(s.turns[0]).toMatchObject({ interrupted: true });
  });

  it('prompts a silent caller after an echoed reply', async () => {
    const echo = echoOf(0.1);
    const s = await longReply(new ScriptedStt(['Hours?', 'our opening hours']));
    await s.driver.until(() => s.turns.length === 1, 10_000, echo);
    await s.driver.run(21_000);
    expect(s.tts.texts).toContain('Are you still there?');
  });
});

describe('VoiceSession: turn detection', () => {
  it('waits longer after an unfinished sentence and joins the next utterance to it', async () => {
    const stt = new ScriptedStt(['I want to', 'book a table for two.']);
    const s = startScriptedSession(leg, advance, { stt });
    await s.driver.run(300, 'speech');
    // 500 ms of silence end the utterance; 'to' asks for 700 ms more, and the caller goes on.
    await s.driver.run(900);
    expect(s.responder.calls).toHaveLength(0);
    await s.driver.run(400, 'speech');
    await s.driver.run(500);
    expect(s.responder.calls.map((c) => c.turn.text)).toEqual(['I want to book a table for two.']);
  });

  it('joins the utterances when the caller goes on before the first one is recognised', async () => {
    // A recogniser slow with its final: the caller has started again by the time it comes.
    const stt = new ScriptedStt([
      { final: 'I want to', finalDelayMs: 400 },
      'book a table for two.',
    ]);
    const s = startScriptedSession(leg, advance, { stt });
    await s.driver.run(300, 'speech');
    await s.driver.run(700);
    await s.driver.run(1500, 'speech');
    expect(s.responder.calls).toHaveLength(0);
    await s.driver.run(500);
    expect(s.responder.calls.map((c) => c.turn.text)).toEqual(['I want to book a table for two.']);
  });

  it('takes an unfinished sentence as the turn once the extra wait is over', async () => {
    const s = startScriptedSession(leg, advance, { stt: new ScriptedStt(['because']) });
    await s.driver.run(300, 'speech');
    await s.driver.run(500);
    expect(s.stt.streams[0]!.ended).toBe(true);
    const waited = await s.driver.until(() => s.responder.calls.length === 1, 2000);
    expect(waited).toBeGreaterThanOrEqual(680);
    expect(waited).toBeLessThanOrEqual(720);
  });

  it('answers a finished sentence without the extra wait', async () => {
    const s = startScriptedSession(leg, advance, { stt: new ScriptedStt(['Thank you.']) });
    await s.driver.run(300, 'speech');
    await s.driver.run(500);
    expect(s.responder.calls).toHaveLength(1);
  });
});

describe('VoiceSession: keyed-in turns', () => {
  const press = (digit: string): void => {
    leg.emit('dtmf', { digit: digit as '1', durationMs: 100, source: 'rfc4733', timestampMs: 0 });
  };

  it('gathers keys into one turn ending with # and tells the responder it was keyed', async () => {
    const responder = new ScriptedResponder(['Thank you.', 'Noted.'], 'Enter your number.');
    const s = startScriptedSession(leg, advance, { responder });
    await s.driver.until(() => !s.leg.output.playing, 5000);
    for (const d of '123456#') press(d);
    await s.driver.until(() => s.turns.length === 1, 3000);
    expect(responder.calls[0]!.turn).toMatchObject({ text: '123456', source: 'dtmf' });
    // Without a #, a pause of 3 s ends the entry.
    await s.driver.until(() => !s.leg.output.playing, 5000);
    press('1');
    await s.driver.run(2900);
    expect(responder.calls).toHaveLength(1);
    await s.driver.run(200);
    await s.driver.until(() => responder.calls.length === 2, 1000);
    expect(responder.calls[1]!.turn).toMatchObject({ text: '1', source: 'dtmf' });
  });

  it('a key cuts the bot off like speech, and the responder hears what was heard', async () => {
    const heard: Array<{ text: string; interrupted: boolean }> = [];
    const responder = new ScriptedResponder(
      ['One. Two. Three. Four. Five. Six. Seven. Eight.', 'Ok.'],
      'Hello.',
    );
    Object.assign(responder, {
      heard: (r: { text: string; interrupted: boolean }) => heard.push(r),
    });
    const stt = new ScriptedStt(['Count to eight please.']);
    const s = startScriptedSession(leg, advance, { responder, stt });
    await callerTurn(s);
    await s.driver.until(() => audible(s.driver.last), 1000);
    await s.driver.run(200);
    press('9');
    await s.driver.run(40);
    expect(audible(s.driver.last)).toBe(false);
    await s.driver.until(() => heard.length === 1, 1000);
    expect(heard[0]!.interrupted).toBe(true);
    expect('One. Two. Three. Four. Five. Six. Seven. Eight.'.startsWith(heard[0]!.text)).toBe(true);
  });
});
