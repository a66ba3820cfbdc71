import { describe, expect, it } from 'vitest';
import { silentFrame } from '../audio-frame.js';
import { FrameFanout } from './frame-fanout.js';

describe('FrameFanout', () => {
  it('delivers each frame to listeners and to every async consumer', async () => {
    const fanout = new FrameFanout();
    const seen: number[] = [];
    fanout.onFrame((f) => seen.push(f.timestampMs));
    const a = fanout.frames();
    const b = fanout.frames();
    for (let t = 0; t < 60; t += 20) fanout.publish(silentFrame(8000, t));
    fanout.close();
    const read = async (it: AsyncIterable<{ timestampMs: number }>): Promise<number[]> => {
      const out: number[] = [];
      for await (const f of it) out.push(f.timestampMs);
      return out;
    };
    expect(seen).toEqual([0, 20, 40]);
    expect(await read(a)).toEqual([0, 20, 40]);
    expect(await read(b)).toEqual([0, 20, 40]);
  });

  it('bounds a stalled consumer by dropping its oldest frames', async () => {
    const fanout = new FrameFanout();
    const it = fanout.frames({ maxQueuedFrames: 3 });
    for (let t = 0; t < 200; t += 20) fanout.publish(silentFrame(8000, t));
    fanout.close();
    const out: number[] = [];
    for await (const f of it) out.push(f.timestampMs);
    expect(out).toEqual([140, 160, 180]);
  });

  it('ends a consumer on abort and unsubscribes on break', async () => {
    const fanout = new FrameFanout();
    const controller = new AbortController();
    const it = fanout.frames({ signal: controller.signal });
    const pending = it.next();
    controller.abort();
    expect((await pending).done).toBe(true);
    const other = fanout.frames();
    fanout.publish(silentFrame(8000, 0));
    for await (const f of other) {
      expect(f.timestampMs).toBe(0);
      break;
    }
    fanout.publish(silentFrame(8000, 20)); // nobody left: must not throw or queue
  });
});
