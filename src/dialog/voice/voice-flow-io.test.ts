/**
 * A flow's IO on a phone call, driven tick by tick on a fake leg with scripted providers and
 * fake timers: `say` speaks through the synthesiser; `collect` plays its prompt, a key during
 * the prompt cuts it, digits end on numDigits, the finish key or the pause between keys, the
 * wait for input starts when the prompt has ended, a hang-up ends it; with speech, one spoken
 * answer is heard after the prompt (never during it); the rest is delegated to the app.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLeg } from '../../../test/fixtures/fake-leg.js';
import type { AudioFrame, DtmfDigit } from '../../media/index.js';
import { EnergyVad } from '../../voice/index.js';
import {
  APOLOGY_FILE,
  level,
  ScriptedStt,
  ScriptedTts,
  TickDriver,
} from '../../voice/testing/index.js';
import type { CollectRequest, CollectResult, FlowRunContext } from '../flows/engine/flow-io.js';
import { VoiceFlowIO, type VoiceFlowIOOptions } from './voice-flow-io.js';

const RATE = 8000;
const audible = (f: AudioFrame | undefined): boolean => level(f) > 1000;

let leg: FakeLeg;
let driver: TickDriver;
let tts: ScriptedTts;
let stt: ScriptedStt;

beforeEach(() => {
  vi.useFakeTimers();
  leg = new FakeLeg('leg-1', RATE);
  driver = new TickDriver(leg, (ms) => vi.advanceTimersByTimeAsync(ms));
  tts = new ScriptedTts();
  stt = new ScriptedStt();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A VoiceFlowIO on the fake leg; speech input only when `listening` is true. */
function flowIO(
  options: Partial<Omit<VoiceFlowIOOptions, 'listening'>> & { listening?: boolean } = {},
): VoiceFlowIO {
  const { listening, ...rest } = options;
  return new VoiceFlowIO({
    leg,
    tts,
    language: 'en-US',
    apologyFile: APOLOGY_FILE,
    play: async () => undefined,
    runAgent: async () => ({ type: 'ended' }),
    transfer: async () => ({ ok: true }),
    record: async () => ({}),
    ...(listening ? { listening: { vad: () => new EnergyVad(), stt: () => stt } } : {}),
    ...rest,
  });
}

/** A promise whose settlement can be looked at without awaiting it. */
function watch<T>(promise: Promise<T>): { readonly done: boolean; readonly value: T | undefined } {
  const state = { done: false, value: undefined as T | undefined };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

/** The caller presses a key (between two ticks). */
function press(digit: string): void {
  leg.emit('dtmf', {
    digit: digit as DtmfDigit,
    durationMs: 100,
    source: 'rfc4733',
    timestampMs: driver.t,
  });
}

/** Lets promise callbacks run without moving the clock. */
const settle = (): Promise<unknown> => vi.advanceTimersByTimeAsync(0);

/** Frames of `text` the leg has sent so far. */
function framesOf(text: string): number {
  return driver.ticks.filter((t) => tts.origin(t.sent)?.text === text).length;
}

/** Collects, ticking (silence) until the result is in; fails after `maxMs`. */
async function collectAll(io: VoiceFlowIO, request: CollectRequest, maxMs = 10_000) {
  const result = watch(io.collect(request));
  await driver.until(() => result.done, maxMs);
  return result.value!;
}

describe('VoiceFlowIO.say', () => {
  it('speaks the text through the synthesiser and resolves once it has been played', async () => {
    const io = flowIO();
    const said = watch(io.say('Welcome to Switchboard.'));
    await driver.until(() => said.done, 2000);
    expect(tts.texts).toEqual(['Welcome to Switchboard.']);
    expect(tts.calls[0]).toMatchObject({ language: 'en-US', sampleRateHz: RATE });
    // Three words, every frame of them sent, and nothing is left playing.
    expect(framesOf('Welcome to Switchboard.')).toBe(3 * tts.framesPerWord);
    expect(driver.ticks.filter((t) => audible(t.sent))).toHaveLength(3 * tts.framesPerWord);
    expect(leg.output.playing).toBe(false);
  });

  it("speaks in a step's language and voice, and in the flow's otherwise", async () => {
    const io = flowIO({ voice: 'tone' });
    const first = watch(io.say('您好。', { language: 'zh-CN' }));
    await driver.until(() => first.done, 2000);
    const second = watch(io.say('Hello.'));
    await driver.until(() => second.done, 2000);
    expect(tts.calls.map((c) => [c.language, c.voice])).toEqual([
      ['zh-CN', 'tone'],
      ['en-US', 'tone'],
    ]);
    expect(framesOf('您好。')).toBe(3 * tts.framesPerWord);
  });

  it('says nothing once the caller has hung up', async () => {
    const io = flowIO();
    leg.end();
    await io.say('Anyone there?');
    expect(io.ended).toBe(true);
    expect(tts.texts).toEqual([]);
  });
});

describe('VoiceFlowIO.collect: keys', () => {
  const PROMPT = 'Press one for sales, or two for support.';
  const PROMPT_FRAMES = 8 * 5;

  it('cuts the prompt at the first key; without a count, digits end at # or a pause', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({ prompt: { text: PROMPT }, dtmf: true, speech: false, timeoutMs: 5000 }),
    );
    await driver.until(() => audible(driver.last), 500);
    await driver.run(200);
    press('2');
    await settle();
    // The very next frame carries nothing of the prompt.
    expect(await driver.tick()).toBeUndefined();
    expect(framesOf(PROMPT)).toBeLessThan(PROMPT_FRAMES);
    expect(result.value).toBeUndefined();
    press('3');
    await driver.run(2900);
    expect(result.value).toBeUndefined();
    await driver.run(200);
    await settle();
    expect(result.value).toEqual({ kind: 'dtmf', digits: '23' });
    const hashed = watch(io.collect({ dtmf: true, speech: false, timeoutMs: 5000 }));
    press('4');
    press('#');
    await settle();
    expect(hashed.value).toEqual({ kind: 'dtmf', digits: '4' });
  });

  it('takes numDigits keys, the first cutting the prompt, and answers on the last', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({
        prompt: { text: PROMPT },
        dtmf: true,
        speech: false,
        numDigits: 4,
        timeoutMs: 5000,
      }),
    );
    await driver.run(100);
    press('1');
    await driver.tick();
    const cutAt = framesOf(PROMPT);
    expect(cutAt).toBeLessThan(PROMPT_FRAMES);
    for (const digit of ['2', '3']) {
      await driver.run(500);
      press(digit);
    }
    await settle();
    expect(result.done).toBe(false);
    await driver.run(500);
    press('4');
    await settle();
    expect(result.value).toEqual({ kind: 'dtmf', digits: '1234' });
    // The prompt never came back.
    expect(framesOf(PROMPT)).toBe(cutAt);
  });

  it('ends the entry on the finish key, which is not part of the digits', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({ dtmf: true, speech: false, finishOnKey: '#', timeoutMs: 5000 }),
    );
    for (const digit of ['1', '2', '3', '4', '5', '6', '7', '8']) {
      await driver.run(200);
      press(digit);
    }
    await settle();
    // More than one key and no numDigits: it waits for the finish key.
    expect(result.done).toBe(false);
    press('#');
    await settle();
    expect(result.value).toEqual({ kind: 'dtmf', digits: '12345678' });
  });

  it('ends at numDigits or the finish key, whichever comes first', async () => {
    const io = flowIO();
    const early = watch(
      io.collect({ dtmf: true, speech: false, numDigits: 6, finishOnKey: '#', timeoutMs: 5000 }),
    );
    for (const digit of ['9', '8', '#']) press(digit);
    await settle();
    expect(early.value).toEqual({ kind: 'dtmf', digits: '98' });

    const full = watch(
      io.collect({ dtmf: true, speech: false, numDigits: 3, finishOnKey: '#', timeoutMs: 5000 }),
    );
    for (const digit of ['1', '2', '3']) press(digit);
    await settle();
    expect(full.value).toEqual({ kind: 'dtmf', digits: '123' });
  });

  it('answers a timeout when only the finish key is pressed', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({ dtmf: true, speech: false, finishOnKey: '#', timeoutMs: 5000 }),
    );
    press('#');
    await settle();
    expect(result.value).toEqual({ kind: 'timeout' });
  });

  it('answers the digits so far after the pause between keys (3 s unless told)', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({ dtmf: true, speech: false, numDigits: 6, finishOnKey: '#', timeoutMs: 10_000 }),
    );
    press('4');
    await driver.run(1000);
    press('2');
    await driver.run(2980);
    expect(result.done).toBe(false);
    await driver.tick();
    expect(result.value).toEqual({ kind: 'dtmf', digits: '42' });

    const quick = flowIO({ interDigitTimeoutMs: 500 });
    const short = watch(
      quick.collect({ dtmf: true, speech: false, finishOnKey: '#', timeoutMs: 10_000 }),
    );
    press('7');
    await driver.run(480);
    expect(short.done).toBe(false);
    await driver.tick();
    expect(short.value).toEqual({ kind: 'dtmf', digits: '7' });
  });

  it('starts waiting for input when the prompt has ended, then times out', async () => {
    const io = flowIO();
    // The prompt (800 ms) plays whole even though the wait is shorter.
    const result = watch(
      io.collect({ prompt: { text: PROMPT }, dtmf: true, speech: false, timeoutMs: 400 }),
    );
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 2000);
    expect(result.done).toBe(false);
    const promptEnd = driver.t;
    await driver.until(() => result.done, 2000);
    expect(result.value).toEqual({ kind: 'timeout' });
    const waited = driver.t - promptEnd;
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThanOrEqual(440);
  });

  it('ignores keys when the step takes none', async () => {
    const io = flowIO();
    const result = watch(io.collect({ dtmf: false, speech: false, timeoutMs: 1000 }));
    press('1');
    await settle();
    expect(result.done).toBe(false);
    await driver.run(1000);
    expect(result.value).toEqual({ kind: 'timeout' });
  });

  it('answers a hang-up when the leg ends while it waits, and at once on an ended leg', async () => {
    const io = flowIO();
    const result = watch(
      io.collect({ prompt: { text: PROMPT }, dtmf: true, speech: false, timeoutMs: 5000 }),
    );
    await driver.run(200);
    leg.end();
    await settle();
    expect(result.value).toEqual({ kind: 'hangup' });
    await expect(io.collect({ dtmf: true, speech: false, timeoutMs: 5000 })).resolves.toEqual({
      kind: 'hangup',
    });
  });

  it('a key pressed after the entry ended changes nothing', async () => {
    const io = flowIO();
    const first = await collectAll(io, { dtmf: true, speech: false, timeoutMs: 200 });
    expect(first).toEqual({ kind: 'timeout' });
    press('5');
    const next = watch(io.collect({ dtmf: true, speech: false, numDigits: 2, timeoutMs: 5000 }));
    press('6');
    press('7');
    await settle();
    expect(next.value).toEqual({ kind: 'dtmf', digits: '67' });
  });
});

describe('VoiceFlowIO.collect: speech', () => {
  const PROMPT = 'How can I help you today?';
  const PROMPT_FRAMES = 6 * 5;
  const speechRequest: CollectRequest = {
    prompt: { text: PROMPT },
    dtmf: true,
    speech: true,
    timeoutMs: 3000,
    hints: ['sales', 'support'],
    numDigits: 1,
  };

  it('hears one spoken answer after the prompt, never during it', async () => {
    stt.push('I would like to talk to sales');
    const io = flowIO({ listening: true });
    const result = watch(io.collect(speechRequest));
    // The caller talks over the prompt: neither listened to nor cutting it.
    await driver.run(100);
    await driver.run(300, 'speech');
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 1000);
    expect(stt.streams).toHaveLength(0);
    // After the prompt: a pause, the answer, the silence that ends it.
    await driver.run(300);
    await driver.run(800, 'speech');
    await driver.until(() => result.done, 1000);
    const heard = result.value as Extract<CollectResult, { kind: 'speech' }>;
    expect(heard).toEqual({
      kind: 'speech',
      text: 'I would like to talk to sales',
      confidence: 0.9,
    });
    expect(stt.streams).toHaveLength(1);
    expect(stt.streams[0]!.options).toMatchObject({
      language: 'en-US',
      phrases: ['sales', 'support'],
      sampleRateHz: RATE,
    });
    // The utterance (and a little lead-in) went to the recogniser, not the prompt-time speech.
    expect(stt.streams[0]!.framesWritten).toBeGreaterThanOrEqual(800 / 20);
    expect(stt.streams[0]!.framesWritten).toBeLessThan((250 + 800 + 600) / 20);
  });

  it("listens in the prompt's language", async () => {
    stt.push('销售');
    const io = flowIO({ listening: true });
    const result = watch(
      io.collect({ ...speechRequest, prompt: { text: '请问有什么可以帮您？', language: 'zh-CN' } }),
    );
    await driver.until(() => !leg.output.playing && tts.texts.length === 1, 3000);
    await driver.run(600, 'speech');
    await driver.until(() => result.done, 1000);
    expect(result.value).toMatchObject({ kind: 'speech', text: '销售' });
    expect(tts.calls[0]!.language).toBe('zh-CN');
    expect(stt.streams[0]!.options.language).toBe('zh-CN');
  });

  it('times out when nobody speaks after the prompt', async () => {
    const io = flowIO({ listening: true });
    const result = watch(io.collect({ ...speechRequest, timeoutMs: 1000 }));
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 1000);
    const promptEnd = driver.t;
    await driver.until(() => result.done, 3000);
    expect(result.value).toEqual({ kind: 'timeout' });
    expect(driver.t - promptEnd).toBeGreaterThanOrEqual(1000);
    expect(driver.t - promptEnd).toBeLessThanOrEqual(1040);
    expect(stt.streams).toHaveLength(0);
  });

  it('a key wins over an answer being spoken, and the recogniser is let go', async () => {
    stt.push('I would like');
    const io = flowIO({ listening: true });
    const result = watch(io.collect(speechRequest));
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 1000);
    await driver.run(300, 'speech');
    expect(stt.streams).toHaveLength(1);
    press('2');
    await settle();
    expect(result.value).toEqual({ kind: 'dtmf', digits: '2' });
    expect(stt.streams[0]!.closed).toBe(true);
  });

  it('answers a hang-up while listening', async () => {
    const io = flowIO({ listening: true });
    const result = watch(io.collect(speechRequest));
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 1000);
    await driver.run(200, 'speech');
    leg.end();
    await settle();
    expect(result.value).toEqual({ kind: 'hangup' });
  });

  it('waits for keys only when the IO has no speech input', async () => {
    stt.push('sales');
    const io = flowIO();
    const result = watch(io.collect({ ...speechRequest, timeoutMs: 1000 }));
    await driver.until(() => framesOf(PROMPT) === PROMPT_FRAMES, 1000);
    await driver.run(600, 'speech');
    await driver.until(() => result.done, 1000);
    expect(result.value).toEqual({ kind: 'timeout' });
    expect(stt.streams).toHaveLength(0);
  });
});

describe('VoiceFlowIO: what the app does', () => {
  const context: FlowRunContext = {
    conversationKey: '+34911000000',
    attributes: {},
    variables: {},
    language: 'en-US',
    flowName: 'demo-ivr',
  };

  it('answers unavailable for every queue without an enqueue option, else asks the app', async () => {
    await expect(flowIO().enqueue({ queue: 'support' })).resolves.toBe('unavailable');
    const enqueue = vi.fn(async () => 'queued' as const);
    const request = { queue: 'support', priority: 5, skills: ['es'] };
    await expect(flowIO({ enqueue }).enqueue(request)).resolves.toBe('queued');
    expect(enqueue).toHaveBeenCalledWith(request);
  });

  it('delegates agents, transfers, recordings and files, and plays nothing on an ended leg', async () => {
    const runAgent = vi.fn(async () => ({ type: 'transfer' as const, to: 'support' }));
    const transfer = vi.fn(async () => ({ ok: false, reason: 'busy' }));
    const record = vi.fn(async () => ({ recordingId: 'r1', durationMs: 1200 }));
    const play = vi.fn(async () => undefined);
    const io = flowIO({ runAgent, transfer, record, play });
    expect(io.channel).toBe('voice');
    await expect(io.runAgent('claims', context)).resolves.toEqual({
      type: 'transfer',
      to: 'support',
    });
    expect(runAgent).toHaveBeenCalledWith('claims', context);
    await expect(io.transfer('+34911999999')).resolves.toEqual({ ok: false, reason: 'busy' });
    await expect(io.record({ maxS: 30, beep: true })).resolves.toEqual({
      recordingId: 'r1',
      durationMs: 1200,
    });
    expect(record).toHaveBeenCalledWith({ maxS: 30, beep: true });
    await io.play('hold.wav');
    expect(play).toHaveBeenCalledWith('hold.wav');
    leg.end();
    await io.play('again.wav');
    expect(play).toHaveBeenCalledTimes(1);
  });

  it('hangs up: stops speaking and ends the leg', async () => {
    const io = flowIO();
    const said = watch(io.say('This is a long announcement that will not be heard.'));
    await driver.until(() => audible(driver.last), 500);
    await io.hangup('done');
    expect(leg.isEnded).toBe(true);
    expect(io.ended).toBe(true);
    expect(await driver.tick()).toBeUndefined();
    await driver.until(() => said.done, 500);
    // Once more is harmless.
    await io.hangup();
  });
});
