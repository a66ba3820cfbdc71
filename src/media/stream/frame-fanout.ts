/**
 * Inbound audio of a leg, delivered to any number of consumers: synchronous listeners for the
 * per-tick work that must not lag (bridges, mixers, recorders) and async iterables for
 * pipelines (VAD, speech recognition) that may fall behind for a moment.
 */
import type { AudioFrame } from '../audio-frame.js';

/** Options of {@link FrameFanout.frames}. */
export interface FrameIterableOptions {
  /**
   * Frames kept for a consumer that is not reading; beyond this the oldest are dropped so a
   * stalled consumer costs bounded memory. Default 250 (5 s).
   */
  maxQueuedFrames?: number;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

interface Subscriber {
  queue: AudioFrame[];
  head: number;
  max: number;
  wake: (() => void) | undefined;
  dropped: number;
}

/** Fan-out of a stream of frames. */
export class FrameFanout {
  private readonly listeners = new Set<(frame: AudioFrame) => void>();
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;

  /** True once {@link close} ran: no more frames will come. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` synchronously with each frame; returns the unsubscribe function. */
  onFrame(listener: (frame: AudioFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A new async iterable of the frames published from now on. Each call is an independent
   * consumer; breaking out of the `for await` loop unsubscribes it.
   */
  frames(options: FrameIterableOptions = {}): AsyncIterableIterator<AudioFrame> {
    const sub: Subscriber = {
      queue: [],
      head: 0,
      max: options.maxQueuedFrames ?? 250,
      wake: undefined,
      dropped: 0,
    };
    if (!this.closed) this.subscribers.add(sub);
    const finish = (): void => {
      this.subscribers.delete(sub);
      sub.queue = [];
      sub.head = 0;
      sub.wake?.();
    };
    const signal = options.signal;
    signal?.addEventListener('abort', finish, { once: true });
    const ended = (): boolean => !this.subscribers.has(sub);
    const iterator: AsyncIterableIterator<AudioFrame> = {
      next: async (): Promise<IteratorResult<AudioFrame>> => {
        for (;;) {
          if (sub.head < sub.queue.length) {
            const frame = sub.queue[sub.head++]!;
            if (sub.head > 64 && sub.head * 2 > sub.queue.length) {
              sub.queue = sub.queue.slice(sub.head);
              sub.head = 0;
            }
            return { value: frame, done: false };
          }
          if (ended()) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<AudioFrame>> => {
        signal?.removeEventListener('abort', finish);
        finish();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Delivers a frame to every listener and consumer. */
  publish(frame: AudioFrame): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(frame);
    for (const sub of this.subscribers) {
      if (sub.queue.length - sub.head >= sub.max) {
        sub.head++;
        sub.dropped++;
      }
      sub.queue.push(frame);
      sub.wake?.();
    }
  }

  /** Ends every async consumer (after the frames already queued) and drops the listeners. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const sub of subs) sub.wake?.();
  }
}
