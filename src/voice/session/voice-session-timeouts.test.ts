/**
 * The voice session never leaves the caller in silence: a filler when the answer is slow, the
 * fallback (or an apology and goodbye) when it never comes, prompts for a silent caller,
 * retries when nothing was recognised, and the bundled apology when speech synthesis fails.
 * Driven tick by tick on scripted providers and fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeg } from '../../../test/fixtures/fake-leg.js';
import { openAudioFile, type AudioFrame } from '../../media/index.js';
import {
  APOLOGY_FILE,
  level,
  ScriptedResponder,
  ScriptedStt,
  ScriptedTts,
  startScriptedSession,
  type ScriptedSession,
} from '../testing/scripted-providers.js';
import { PHRASES } from './types.js';

const RATE = 8000;
const realSetTimeout = globalThis.setTimeout;
const advance = (ms: number): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const audible = (f: AudioFrame | undefined): boolean => level(f) > 1000;
const EN = PHRASES.en;

let leg: FakeLeg;
beforeEach(() => {
  vi.useFakeTimers();
  leg = new FakeLeg('leg-1', RATE);
});
afterEach(() => {
  vi.useRealTimers();
});

/** The caller says something (600 ms) and goes silent until the VAD ends the utterance. */
async function callerTurn(s: ScriptedSession, speechMs = 600): Promise<void> {
  await s.driver.run(speechMs, 'speech');
  await s.driver.run(500);
}

/** When (driver time) frames of `text` were first sent, if they were. */
function firstHeard(s: ScriptedSession, text: string): number | undefined {
  return s.driver.ticks.find((t) => s.tts.origin(t.sent)?.text === text)?.t;
}

describe('VoiceSession: a slow answer', () => {
  it.each([
    ['en-US', EN.filler],
    ['zh-CN', PHRASES.zh.filler],
  ])('says a filler at 4 s (%s), then the answer', async (language, filler) => {
    const responder = new ScriptedResponder([{ text: 'Your table is booked.', delayMs: 6000 }]);
    const s = startScriptedSession(leg, advance, {
      language,
      responder,
      stt: new ScriptedStt(['Book a table.']),
    });
    await callerTurn(s);
    // The turn was taken in the last tick.
    const asked = s.driver.t - 20;
    expect(s.responder.calls).toHaveLength(1);
    await s.driver.run(3900);
    expect(s.tts.texts).toEqual([]);
    await s.driver.run(200);
    expect(s.tts.texts).toEqual([filler]);
    // The filler is heard at once, not after the late answer.
    await s.driver.run(100);
    expect(firstHeard(s, filler)).toBeLessThanOrEqual(asked + 4100);
    await s.driver.until(() => s.turns.length === 1, 5000);
    expect(firstHeard(s, 'Your table is booked.')).toBeGreaterThanOrEqual(asked + 6000);
    const turn = s.turns[0]!;
    expect(turn.assistantText).toBe('Your table is booked.');
    expect(turn.events).toContainEqual({ type: 'soft-timeout', atMs: 4000 });
    expect(turn.events.some((e) => e.type === 'hard-timeout')).toBe(false);
  });

  it('can still be interrupted while the filler is playing', async () => {
    const responder = new ScriptedResponder([
      { text: 'Your table is booked for seven people on Friday evening.', delayMs: 4200 },
    ]);
    const stt = new ScriptedStt(['Book a table.', 'Actually, cancel that.']);
    const s = startScriptedSession(leg, advance, { responder, stt });
    await callerTurn(s);
    // Filler at 4 s, the answer at 4.2 s; the caller talks over the answer at 4.5 s.
    await s.driver.run(4500);
    expect(audible(s.driver.last)).toBe(true);
    await s.driver.run(400, 'speech');
    await s.driver.run(40, 'speech');
    expect(s.driver.last).toBeUndefined();
    expect(s.turns[0]).toMatchObject({ interrupted: true });
  });
});

describe('VoiceSession: no answer at all', () => {
  it('calls the fallback at 15 s, then apologises and hangs up when it declines', async () => {
    const onFallback = vi.fn(async () => false);
    const s = startScriptedSession(leg, advance, {
      onFallback,
      responder: new ScriptedResponder([{ never: true }]),
      stt: new ScriptedStt(['Hello?']),
    });
    await callerTurn(s);
    await s.driver.run(14_900);
    expect(onFallback).not.toHaveBeenCalled();
    await s.driver.run(200);
    expect(onFallback).toHaveBeenCalledWith('answer-timeout');
    expect(s.responder.calls[0]!.signal.aborted).toBe(true);
    expect(s.turns[0]!.events).toContainEqual({ type: 'hard-timeout', atMs: 15_000 });
    await s.driver.until(() => leg.isEnded, 10_000);
    expect(s.tts.texts).toEqual([EN.filler, EN.apology, 'Thank you for calling.', 'Goodbye.']);
    await expect(s.finished).resolves.toEqual({ reason: 'answer-timeout' });
  });

  it('ends the session without a goodbye when the fallback takes the call', async () => {
    const s = startScriptedSession(leg, advance, {
      onFallback: async () => true,
      responder: new ScriptedResponder([{ never: true }]),
      stt: new ScriptedStt(['Hello?']),
    });
    await callerTurn(s);
    await s.driver.run(15_100);
    await expect(s.finished).resolves.toEqual({ reason: 'fallback:answer-timeout' });
    expect(s.tts.texts).toEqual([EN.filler]);
    expect(leg.isEnded).toBe(false);
  });

  it('does not time out an answer that takes longer than 15 s to say', async () => {
    const sentence = 'This is one of the many sentences of a very long answer.';
    const long = Array.from({ length: 16 }, () => sentence).join(' ');
    const onFallback = vi.fn(async () => false);
    const s = startScriptedSession(leg, advance, {
      onFallback,
      responder: new ScriptedResponder([long]),
      stt: new ScriptedStt(['Tell me everything.']),
    });
    await callerTurn(s);
    // 16 × 12 words × 100 ms: 19.2 s of speech.
    await s.driver.until(() => s.turns.length === 1, 25_000);
    expect(s.turns[0]).toMatchObject({ interrupted: false, assistantText: long });
    expect(onFallback).not.toHaveBeenCalled();
    expect(leg.isEnded).toBe(false);
  });
});

describe('VoiceSession: a silent caller', () => {
  it('asks whether the caller is still there after 20 s, and hangs up 20 s later', async () => {
    const s = startScriptedSession(leg, advance, {
      responder: new ScriptedResponder([], 'Hello.'),
    });
    await s.driver.until(() => !leg.output.playing && s.tts.texts.length === 1, 2000);
    const greeted = s.driver.t;
    await s.driver.run(19_900);
    expect(s.tts.texts).toEqual(['Hello.']);
    await s.driver.until(() => audible(s.driver.last), 500);
    expect(s.driver.t - greeted).toBeLessThanOrEqual(20_100);
    expect(s.tts.texts).toEqual(['Hello.', EN.stillThere]);
    expect(s.notices).toContainEqual({ type: 'caller-silence' });
    await s.driver.until(() => !leg.output.playing, 2000);
    const prompted = s.driver.t;
    await s.driver.until(() => leg.isEnded, 25_000);
    expect(s.driver.t - prompted).toBeGreaterThanOrEqual(20_000);
    expect(s.tts.texts.slice(2)).toEqual(['Thank you for calling.', 'Goodbye.']);
    await expect(s.finished).resolves.toEqual({ reason: 'caller-silent' });
  });

  it('starts counting again when the caller speaks', async () => {
    const s = startScriptedSession(leg, advance, {
      responder: new ScriptedResponder(['Good.'], 'Hello.'),
      stt: new ScriptedStt(['Yes, I am here.']),
    });
    await s.driver.run(21_000);
    expect(s.tts.texts).toEqual(['Hello.', EN.stillThere]);
    await callerTurn(s);
    await s.driver.until(() => s.turns.length === 1, 2000);
    await s.driver.run(21_000);
    // A second "still there?", not the goodbye.
    expect(s.tts.texts).toEqual(['Hello.', EN.stillThere, 'Good.', EN.stillThere]);
    expect(leg.isEnded).toBe(false);
  });
});

describe('VoiceSession: nothing recognised', () => {
  it('asks twice to repeat, then falls back', async () => {
    const onFallback = vi.fn(async () => false);
    const s = startScriptedSession(leg, advance, {
      onFallback,
      stt: new ScriptedStt(['', '', '']),
    });
    for (let i = 0; i < 3; i++) {
      await callerTurn(s);
      await s.driver.until(() => !leg.output.playing, 10_000);
    }
    const again = ['Sorry, I did not catch that.', 'Could you say it again?'];
    await s.driver.until(() => leg.isEnded, 10_000);
    expect(s.tts.texts).toEqual([
      ...again,
      ...again,
      EN.apology,
      'Thank you for calling.',
      'Goodbye.',
    ]);
    expect(onFallback).toHaveBeenCalledExactlyOnceWith('recognition-failed');
    expect(s.responder.calls).toHaveLength(0);
    expect(s.turns.map((t) => t.events)).toEqual([
      [{ type: 'recognition-retry', attempt: 1 }],
      [{ type: 'recognition-retry', attempt: 2 }],
      [
        { type: 'recognition-retry', attempt: 3 },
        { type: 'fallback', reason: 'recognition-failed' },
      ],
    ]);
    await expect(s.finished).resolves.toEqual({ reason: 'recognition-failed' });
  });
});

describe('VoiceSession: speech synthesis fails', () => {
  /** Ticks, letting real file I/O finish in between, until `done` or `maxTicks`. */
  async function tickUntil(s: ScriptedSession, done: () => boolean, maxTicks: number) {
    for (let i = 0; i < maxTicks && !done(); i++) {
      await s.driver.tick();
      await new Promise((r) => realSetTimeout(r, 2));
    }
  }

  it('plays the bundled apology instead of silence', async () => {
    const clip = await openAudioFile(APOLOGY_FILE, RATE);
    const tts = new ScriptedTts({ failWhen: (t) => t.startsWith('We are open') });
    const s = startScriptedSession(leg, advance, {
      tts,
      responder: new ScriptedResponder(['We are open from nine to five.']),
      stt: new ScriptedStt(['When are you open?']),
    });
    await callerTurn(s);
    expect(tts.texts).toEqual(['We are open from nine to five.']);
    expect(s.notices).toContainEqual({
      type: 'tts-error',
      detail: 'scripted-tts: synthesis failed (scripted)',
    });
    await tickUntil(s, () => s.turns.length === 1, Math.ceil(clip.durationMs / 20) + 200);
    // Audible frames that are not the TTS's: the apology recording.
    const apology = s.driver.ticks.filter((t) => t.sent && !tts.origin(t.sent));
    expect(apology.length).toBeGreaterThanOrEqual(Math.floor(clip.durationMs / 20));
    expect(apology.filter((t) => audible(t.sent)).length).toBeGreaterThan(20);
    expect(s.turns[0]!.events).toContainEqual({
      type: 'tts-error',
      detail: 'scripted-tts: synthesis failed (scripted)',
    });
  });
});
