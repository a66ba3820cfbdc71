import { describe, expect, it } from 'vitest';
import { constantFrame } from '../../../test/fixtures/audio-signals.js';
import type { AudioFrame } from '../audio-frame.js';
import { AudioOutput } from './audio-output.js';

/** A frame of `value`, at 8 kHz unless told otherwise. */
function frame(value: number, rate = 8000): AudioFrame {
  return constantFrame(value, rate);
}

describe('AudioOutput', () => {
  it('plays queued pieces in order and reports each finished', async () => {
    const out = new AudioOutput(8000);
    const first = out.play([frame(1), frame(1)]);
    const second = out.play([frame(2)]);
    const values = [0, 1, 2, 3].map((t) => out.next(t * 20)?.samples[0]);
    expect(values).toEqual([1, 1, 2, undefined]);
    expect(await first.done).toEqual({ completed: true, playedMs: 40 });
    expect(await second.done).toEqual({ completed: true, playedMs: 20 });
    expect(out.playing).toBe(false);
  });

  it('clear() stops at once and settles pieces as not completed (barge-in)', async () => {
    const out = new AudioOutput(8000);
    const long = out.play(Array.from({ length: 50 }, () => frame(5)));
    const queued = out.play([frame(6)]);
    out.next(0);
    out.next(20);
    out.clear();
    expect(out.next(40)).toBeUndefined();
    expect(await long.done).toEqual({ completed: false, playedMs: 40 });
    expect(await queued.done).toEqual({ completed: false, playedMs: 0 });
  });

  it('mixes live frames over a playing piece, saturating', () => {
    const out = new AudioOutput(8000);
    out.play([frame(30000)]);
    out.write(frame(10000));
    expect(out.next(0)?.samples[0]).toBe(32767);
    out.write(frame(-7));
    expect(out.next(20)?.samples[0]).toBe(-7);
  });

  it('plays async sources as they produce, and underruns wait instead of finishing', async () => {
    const out = new AudioOutput(8000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow(): AsyncGenerator<AudioFrame> {
      yield frame(1);
      await gate;
      yield frame(2);
    }
    const p = out.play(slow());
    await new Promise((r) => setImmediate(r));
    expect(out.next(0)?.samples[0]).toBe(1);
    expect(out.next(20)).toBeUndefined();
    expect(out.underruns).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(out.next(40)?.samples[0]).toBe(2);
    expect(out.next(60)).toBeUndefined();
    expect((await p.done).completed).toBe(true);
  });

  it('resamples frames at another rate and applies mute and gain', () => {
    const out = new AudioOutput(8000);
    out.write(frame(1000, 16000));
    expect(out.next(0)?.samples.length).toBe(160);
    out.setGainDb(-6);
    out.write(frame(1000));
    expect(out.next(20)?.samples[0]).toBe(501);
    out.muted = true;
    out.write(frame(1000));
    expect(out.next(40)?.samples.every((s) => s === 0)).toBe(true);
  });
});
