import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './cloud-tts-kit.js';

describe('AsyncQueue', () => {
  it('delivers pushed items, then ends or throws', async () => {
    const q = new AsyncQueue<number>();
    q.push(1, 2);
    setImmediate(() => {
      q.push(3);
      q.fail(new Error('boom'));
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of q) seen.push(n);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('drops what is queued when closed with discard', async () => {
    const q = new AsyncQueue<number>();
    q.push(1, 2, 3);
    q.close(true);
    const seen: number[] = [];
    for await (const n of q) seen.push(n);
    expect(seen).toEqual([]);
  });

  it('lets a producer wait for the consumer', async () => {
    const q = new AsyncQueue<number>();
    q.push(1, 2, 3);
    let released = false;
    const wait = q.waitBelow(2).then(() => (released = true));
    const it = q[Symbol.asyncIterator]();
    await it.next();
    await Promise.resolve();
    expect(released).toBe(false);
    await it.next();
    await wait;
    expect(released).toBe(true);
  });
});
