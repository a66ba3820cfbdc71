/**
 * echo, bridge and Room on fake legs driven by a manual MediaClock. Each fake leg is a clock
 * participant like an RTP stream: in the receive phase it publishes what it "says" (a tone or
 * silence), in the send phase it takes what it hears from its output.
 */
import { describe, expect, it } from 'vitest';
import { frameToneShare as share } from '../../test/fixtures/audio-signals.js';
import { FakeLeg as BaseFakeLeg, flushPromises } from '../../test/fixtures/fake-leg.js';
import {
  MediaClock,
  ToneSource,
  silentFrame,
  type AudioFrame,
  type ClockParticipant,
} from '../media/index.js';
import { bridge, echo, Room } from './connect.js';

class FakeLeg extends BaseFakeLeg implements ClockParticipant {
  /** What the leg said, tick by tick. */
  readonly said: AudioFrame[] = [];
  /** What the leg heard, tick by tick (undefined: nothing at all). */
  readonly heard: Array<AudioFrame | undefined> = [];
  private voice: Iterator<AudioFrame> | undefined;
  private timestampMs = 0;

  constructor(id: string, sampleRateHz: number, toneHz?: number) {
    super(id, sampleRateHz);
    if (toneHz !== undefined) this.speak(toneHz);
  }

  /** Says a continuous tone from the next tick on. */
  speak(frequencyHz: number): void {
    this.voice = new ToneSource(
      { frequenciesHz: [frequencyHz], cadenceMs: [], levelDbfs: -16 },
      { sampleRateHz: this.sampleRateHz },
    )[Symbol.iterator]();
  }

  receive(): void {
    const frame = this.voice?.next().value ?? silentFrame(this.sampleRateHz, this.timestampMs);
    this.said.push(frame);
    this.input.publish(frame);
  }

  send(): void {
    this.heard.push(this.output.next(this.timestampMs));
    this.timestampMs += 20;
  }

  /** The last `n` frames heard. */
  lastHeard(n: number): Array<AudioFrame | undefined> {
    return this.heard.slice(-n);
  }
}

/** Which of `tones` (id → frequency) are present in each frame (share above 0.15). */
function tonesIn(frames: Array<AudioFrame | undefined>, tones: Record<string, number>): string[][] {
  return frames.map((frame) =>
    Object.entries(tones)
      .filter(([, hz]) => share(frame, hz) > 0.15)
      .map(([id]) => id)
      .sort(),
  );
}

/** The same list `times` times (expected per-tick results). */
function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: times }, () => value);
}

function newClock(): MediaClock {
  return new MediaClock().manual();
}

describe('echo', () => {
  it('the frame published on input is what the output returns in the same tick', () => {
    const clock = newClock();
    const leg = new FakeLeg('a', 8000, 1000);
    clock.add(leg);
    const off = echo(leg);
    for (let i = 0; i < 5; i++) clock.tick();
    expect(leg.heard).toHaveLength(5);
    leg.heard.forEach((frame, i) => expect(frame?.samples).toEqual(leg.said[i]!.samples));
    off();
    clock.tick();
    expect(leg.heard[5]).toBeUndefined();
  });

  it('a piece played to the leg mixes over the echo', () => {
    const clock = newClock();
    const leg = new FakeLeg('a', 16000, 1000);
    clock.add(leg);
    echo(leg);
    leg.output.play(
      new ToneSource(
        { frequenciesHz: [2000], cadenceMs: [], levelDbfs: -16, durationMs: 100 },
        { sampleRateHz: 16000 },
      ),
    );
    for (let i = 0; i < 8; i++) clock.tick();
    const tones = { voice: 1000, prompt: 2000 };
    expect(tonesIn(leg.heard, tones)).toEqual([
      ...repeat(['prompt', 'voice'], 5),
      ...repeat(['voice'], 3),
    ]);
  });
});

describe('bridge', () => {
  it('both legs hear each other in the same tick, resampled between 8 and 16 kHz', () => {
    const clock = newClock();
    const a = new FakeLeg('a', 8000, 1000);
    const b = new FakeLeg('b', 16000, 1500);
    clock.add(a);
    clock.add(b);
    const disconnect = bridge(a, b);
    for (let i = 0; i < 10; i++) clock.tick();
    const tones = { a: 1000, b: 1500 };
    expect(a.heard.every((f) => f?.sampleRateHz === 8000 && f.samples.length === 160)).toBe(true);
    expect(b.heard.every((f) => f?.sampleRateHz === 16000 && f.samples.length === 320)).toBe(true);
    expect(tonesIn(a.heard, tones)).toEqual(repeat(['b'], 10));
    expect(tonesIn(b.heard, tones)).toEqual(repeat(['a'], 10));
    // Same tick: the first frame B hears already carries what A said in that tick.
    expect(share(b.heard[0], 1000)).toBeGreaterThan(0.5);

    disconnect();
    disconnect(); // idempotent
    for (let i = 0; i < 3; i++) clock.tick();
    expect(a.lastHeard(3)).toEqual([undefined, undefined, undefined]);
    expect(b.lastHeard(3)).toEqual([undefined, undefined, undefined]);
  });

  it('a leg ending disconnects the bridge', async () => {
    const clock = newClock();
    const a = new FakeLeg('a', 8000, 1000);
    const b = new FakeLeg('b', 8000, 1500);
    clock.add(a);
    clock.add(b);
    bridge(a, b);
    clock.tick();
    expect(tonesIn(a.heard, { a: 1000, b: 1500 })).toEqual([['b']]);
    b.end();
    await flushPromises();
    clock.tick();
    clock.tick();
    // B is still publishing (it is a fake), but nobody carries it anymore.
    expect(a.lastHeard(2)).toEqual([undefined, undefined]);
    expect(b.lastHeard(2)).toEqual([undefined, undefined]);
  });
});

describe('Room', () => {
  const tones = { a: 600, b: 1000, c: 1400, d: 1800, s: 2200 };

  async function threeParties(): Promise<{
    clock: MediaClock;
    room: Room;
    a: FakeLeg;
    b: FakeLeg;
    c: FakeLeg;
  }> {
    const clock = newClock();
    const a = new FakeLeg('a', 8000, tones.a);
    const b = new FakeLeg('b', 16000, tones.b);
    const c = new FakeLeg('c', 8000, tones.c);
    for (const leg of [a, b, c]) clock.add(leg);
    const room = new Room('r1', clock);
    room.join(a);
    room.join(b);
    room.join(c);
    await flushPromises();
    return { clock, room, a, b, c };
  }

  function run(clock: MediaClock, ticks: number): void {
    for (let i = 0; i < ticks; i++) clock.tick();
  }

  /** What each leg heard over its last `n` ticks (after the resamplers settled). */
  function heardBy(legs: FakeLeg[], n: number): Record<string, string[][]> {
    return Object.fromEntries(legs.map((leg) => [leg.id, tonesIn(leg.lastHeard(n), tones)]));
  }

  it('each of three parties hears the other two and not itself, at its own rate', async () => {
    const { clock, room, a, b, c } = await threeParties();
    expect(room.members).toEqual(['a', 'b', 'c']);
    expect(clock.size).toBe(4);
    run(clock, 10);
    expect(heardBy([a, b, c], 7)).toEqual({
      a: repeat(['b', 'c'], 7),
      b: repeat(['a', 'c'], 7),
      c: repeat(['a', 'b'], 7),
    });
    expect(a.lastHeard(1)[0]?.sampleRateHz).toBe(8000);
    expect(b.lastHeard(1)[0]?.sampleRateHz).toBe(16000);
    // Own voice is taken out exactly, not merely attenuated.
    for (const leg of [a, b, c]) {
      for (const frame of leg.lastHeard(7))
        expect(share(frame, tones[leg.id as 'a'])).toBeLessThan(0.01);
    }
  });

  it('a party that leaves is no longer heard and hears nothing', async () => {
    const { clock, room, a, b, c } = await threeParties();
    run(clock, 5);
    room.leave('b');
    room.leave('b'); // idempotent
    expect(room.members).toEqual(['a', 'c']);
    run(clock, 6);
    expect(heardBy([a, c], 4)).toEqual({ a: repeat(['c'], 4), c: repeat(['a'], 4) });
    expect(b.lastHeard(6)).toEqual(repeat(undefined, 6));
  });

  it('a leg that ends leaves by itself', async () => {
    const { clock, room, a, b, c } = await threeParties();
    run(clock, 3);
    c.end();
    await flushPromises();
    expect(room.members).toEqual(['a', 'b']);
    run(clock, 6);
    expect(heardBy([a, b], 4)).toEqual({ a: repeat(['b'], 4), b: repeat(['a'], 4) });
  });

  it('mute: nobody hears the muted party, which still hears everyone', async () => {
    const { clock, room, a, b, c } = await threeParties();
    run(clock, 3);
    room.setMuted('a', true);
    run(clock, 6);
    expect(heardBy([a, b, c], 4)).toEqual({
      a: repeat(['b', 'c'], 4),
      b: repeat(['c'], 4),
      c: repeat(['b'], 4),
    });
    room.setMuted('a', false);
    run(clock, 6);
    expect(heardBy([b, c], 4)).toEqual({ b: repeat(['a', 'c'], 4), c: repeat(['a', 'b'], 4) });
  });

  it('listen-only: the supervisor hears everyone and nobody hears the supervisor', async () => {
    const { clock, room, a, b, c } = await threeParties();
    const d = new FakeLeg('d', 16000, tones.d);
    clock.add(d);
    room.join(d, { listenOnly: true });
    run(clock, 10);
    expect(heardBy([a, b, c, d], 7)).toEqual({
      a: repeat(['b', 'c'], 7),
      b: repeat(['a', 'c'], 7),
      c: repeat(['a', 'b'], 7),
      d: repeat(['a', 'b', 'c'], 7),
    });
  });

  it('whisper: only the target hears the whispering party', async () => {
    const { clock, room, a, b, c } = await threeParties();
    const s = new FakeLeg('s', 8000, tones.s);
    clock.add(s);
    room.join(s, { whisperTo: 'a' });
    run(clock, 10);
    expect(heardBy([a, b, c, s], 7)).toEqual({
      a: repeat(['b', 'c', 's'], 7),
      b: repeat(['a', 'c'], 7),
      c: repeat(['a', 'b'], 7),
      s: repeat(['a', 'b', 'c'], 7),
    });
  });

  it('leaves the clock when the last party leaves, and rejoins it with the next', async () => {
    const { clock, room, a, b, c } = await threeParties();
    run(clock, 2);
    room.leave('a');
    b.end();
    await flushPromises();
    expect(clock.size).toBe(4);
    room.leave('c');
    expect(room.members).toEqual([]);
    expect(clock.size).toBe(3); // the three legs; the room is gone
    run(clock, 2);
    expect(a.lastHeard(2)).toEqual([undefined, undefined]);

    room.join(a);
    room.join(c);
    expect(clock.size).toBe(4);
    run(clock, 6);
    expect(heardBy([a, c], 4)).toEqual({ a: repeat(['c'], 4), c: repeat(['a'], 4) });
  });
});
