import { describe, expect, it } from 'vitest';
import { constantFrame, sineFrame, toneAmplitude } from '../../../test/fixtures/audio-signals.js';
import type { AudioFrame } from '../audio-frame.js';
import { AudioMixer } from './mixer.js';

/** A frame of `value` at 16 kHz unless told otherwise. */
function constant(value: number, rateHz = 16000): AudioFrame {
  return constantFrame(value, rateHz);
}

const FREQ: Record<string, number> = { a: 400, b: 700, c: 1100, s: 1500 };

/**
 * Runs `ticks` ticks where every party in `speaking` sends its own tone, and returns, per
 * party, the amplitude of each party's tone in what it heard (after `skipTicks`, which lets
 * resamplers settle).
 */
function run(
  mixer: AudioMixer,
  speaking: Record<string, number>,
  ticks = 10,
  skipTicks = 0,
): Record<string, Record<string, number>> {
  const heard = new Map<string, number[]>();
  const rates = new Map<string, number>();
  for (let k = 0; k < ticks; k++) {
    for (const [id, rateHz] of Object.entries(speaking))
      mixer.put(id, sineFrame(FREQ[id] as number, rateHz, k, 6000));
    for (const [id, frame] of mixer.mix()) {
      expect(frame.samples.length).toBe(frame.sampleRateHz / 50);
      rates.set(id, frame.sampleRateHz);
      if (k >= skipTicks) heard.set(id, [...(heard.get(id) ?? []), ...frame.samples]);
    }
  }
  const result: Record<string, Record<string, number>> = {};
  for (const [id, samples] of heard) {
    const rateHz = rates.get(id) as number;
    result[id] = Object.fromEntries(
      Object.entries(FREQ).map(([src, f]) => [
        src,
        Math.round(toneAmplitude(Int16Array.from(samples), f, rateHz)),
      ]),
    );
  }
  return result;
}

const ALL_16K = { a: 16000, b: 16000, c: 16000 };

describe('AudioMixer', () => {
  it('lets each of three parties hear the other two but not itself', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    const heard = run(mixer, ALL_16K);
    expect(heard.a).toMatchObject({ a: 0, b: 6000, c: 6000 });
    expect(heard.b).toMatchObject({ a: 6000, b: 0, c: 6000 });
    expect(heard.c).toMatchObject({ a: 6000, b: 6000, c: 0 });
  });

  it('stamps output frames with its own clock', () => {
    const mixer = new AudioMixer({ sampleRateHz: 8000, startTimestampMs: 1000 });
    mixer.addParty('a');
    expect(mixer.mix().get('a')?.timestampMs).toBe(1000);
    expect(mixer.mix().get('a')?.timestampMs).toBe(1020);
  });

  it('treats a party that sent nothing this tick as silence', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    const heard = run(mixer, { a: 16000, c: 16000 });
    expect(heard.a).toMatchObject({ b: 0, c: 6000 });
    expect(heard.b).toMatchObject({ a: 6000, c: 6000 });
    // A frame is used for one tick only.
    mixer.put('a', constant(1000));
    expect(mixer.mix().get('b')?.samples[0]).toBe(1000);
    expect(mixer.mix().get('b')?.samples[0]).toBe(0);
  });

  it('mutes and applies gain to what a party says', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    mixer.addParty('a');
    mixer.addParty('b', { muted: true });
    mixer.addParty('c', { gainDb: -6.0206 });
    let heard = run(mixer, ALL_16K);
    expect(heard.a).toMatchObject({ b: 0, c: 3000 });
    expect(heard.b).toMatchObject({ a: 6000, c: 3000 });
    expect(heard.c).toMatchObject({ a: 6000, b: 0 });
    mixer.setMuted('b', false);
    mixer.setGain('c', 0);
    heard = run(mixer, ALL_16K);
    expect(heard.a).toMatchObject({ b: 6000, c: 6000 });
    mixer.setGain('c', -Infinity);
    expect(run(mixer, ALL_16K).a).toMatchObject({ b: 6000, c: 0 });
  });

  it('supervisor listen: hears everyone, heard by no one', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    mixer.addParty('s', { listenOnly: true });
    const heard = run(mixer, { ...ALL_16K, s: 16000 });
    expect(heard.s).toMatchObject({ a: 6000, b: 6000, c: 6000, s: 0 });
    for (const id of ['a', 'b', 'c']) expect(heard[id]?.s).toBe(0);
  });

  it('supervisor whisper: heard only by the agent, then barge-in heard by all', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    mixer.addParty('s', { whisperTo: 'b' });
    let heard = run(mixer, { ...ALL_16K, s: 16000 });
    expect(heard.b).toMatchObject({ a: 6000, b: 0, c: 6000, s: 6000 });
    expect(heard.a).toMatchObject({ b: 6000, c: 6000, s: 0 });
    expect(heard.c).toMatchObject({ s: 0 });
    expect(heard.s).toMatchObject({ a: 6000, b: 6000, c: 6000, s: 0 });

    mixer.setWhisperTo('s', undefined);
    heard = run(mixer, { ...ALL_16K, s: 16000 });
    expect(heard.a?.s).toBe(6000);
    expect(heard.c?.s).toBe(6000);
    expect(heard.s?.s).toBe(0);

    mixer.setListenOnly('s', true);
    expect(run(mixer, { ...ALL_16K, s: 16000 }).b?.s).toBe(0);
    // Whispering to someone who left goes nowhere.
    mixer.setListenOnly('s', false);
    mixer.setWhisperTo('s', 'gone');
    expect(run(mixer, { ...ALL_16K, s: 16000 }).b?.s).toBe(0);
  });

  it('saturates the sum instead of wrapping, and subtracts exactly', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    mixer.put('a', constant(30000));
    mixer.put('b', constant(30000));
    mixer.put('c', constant(-20000));
    let out = mixer.mix();
    expect(out.get('a')?.samples[7]).toBe(10000);
    expect(out.get('c')?.samples[7]).toBe(32767);
    mixer.put('a', constant(-30000));
    mixer.put('b', constant(-30000));
    mixer.addParty('d', { gainDb: 20 });
    mixer.put('d', constant(1000));
    out = mixer.mix();
    expect(out.get('c')?.samples[0]).toBe(-32767);
    expect(out.get('d')?.samples[0]).toBe(-32767);
    expect(out.get('a')?.samples[0]).toBe(-20000);
  });

  it('mixes parties at 8, 16 and 48 kHz, answering each at its own rate', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    for (const id of ['a', 'b', 'c']) mixer.addParty(id);
    const heard = run(mixer, { a: 8000, b: 16000, c: 48000 }, 30, 5);
    const present = (x: number) => x > 5500 && x < 6500;
    expect(present(heard.a?.b as number) && present(heard.a?.c as number)).toBe(true);
    expect(present(heard.b?.a as number) && present(heard.b?.c as number)).toBe(true);
    expect(present(heard.c?.a as number) && present(heard.c?.b as number)).toBe(true);
    // Own voice is subtracted at the mix rate, before any resampling: nothing of it comes back.
    expect(heard.a?.a).toBeLessThan(60);
    expect(heard.b?.b).toBe(0);
    expect(heard.c?.c).toBeLessThan(60);
  });

  it('uses outputRateHz before a party has sent anything, and follows its frames otherwise', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    mixer.addParty('phone', { outputRateHz: 8000 });
    mixer.addParty('web');
    let out = mixer.mix();
    expect(out.get('phone')?.samples.length).toBe(160);
    expect(out.get('web')?.sampleRateHz).toBe(16000);
    mixer.put('web', constant(0, 48000));
    out = mixer.mix();
    expect(out.get('web')?.sampleRateHz).toBe(48000);
    expect(out.get('web')?.samples.length).toBe(960);
  });

  it('manages parties', () => {
    const mixer = new AudioMixer({ sampleRateHz: 16000 });
    mixer.addParty('a');
    mixer.addParty('b');
    expect(() => mixer.addParty('a')).toThrow(/already/);
    expect(() => mixer.setMuted('zz', true)).toThrow(/not in the mix/);
    mixer.put('zz', constant(1)); // ignored: a late frame from a party that left
    mixer.removeParty('b');
    mixer.removeParty('b');
    expect(mixer.size).toBe(1);
    expect(mixer.has('b')).toBe(false);
    expect([...mixer.mix().keys()]).toEqual(['a']);
    expect(() => new AudioMixer({ sampleRateHz: 11025 })).toThrow(/whole 20 ms frames/);
  });
});
