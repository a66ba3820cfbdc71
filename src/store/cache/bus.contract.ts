/**
 * The {@link EventBus} contract, written once and run against every implementation (see
 * memory.test.ts and redis.test.ts). Deliveries are awaited by polling with a deadline; a
 * message that must NOT arrive is checked by publishing it before one that must, on the same
 * connection, and waiting for the latter: both buses deliver in publish order, so by then the
 * unwanted one would have arrived. No test sleeps to synchronise.
 *
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorReporter, EventBus, EventHandler } from './types.js';

/** What the contract needs from an implementation. */
export interface BusContractTarget {
  /**
   * A new bus instance. When {@link BusContractTarget.shared} is true, instances exchange
   * messages (they stand for several processes on one Redis).
   */
  create(options?: { onError?: ErrorReporter }): Promise<EventBus>;
  /** Whether separate instances see each other's messages. */
  shared: boolean;
}

const DEADLINE_MS = 5_000;
const POLL_INTERVAL_MS = 5;

interface Received {
  topic: string;
  message: unknown;
}

/** A handler that records what it gets, and a way to wait for a number of deliveries. */
function collector(): {
  handler: EventHandler;
  received: Received[];
  topics: () => string[];
  waitFor: (count: number) => Promise<void>;
} {
  const received: Received[] = [];
  return {
    handler: (topic, message) => {
      received.push({ topic, message });
    },
    received,
    topics: () => received.map((r) => r.topic),
    waitFor: (count) => waitUntil(() => received.length >= count, `${count} deliveries`),
  };
}

async function waitUntil(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Retry delay between polls, not synchronisation: the condition decides.
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Registers the event bus contract suite for one implementation. */
export function describeBusContract(name: string, target: BusContractTarget): void {
  describe(`EventBus contract: ${name}`, () => {
    const opened: EventBus[] = [];
    const open = async (options?: { onError?: ErrorReporter }): Promise<EventBus> => {
      const bus = await target.create(options);
      opened.push(bus);
      return bus;
    };
    // Every test uses its own topic root, so instances sharing one Redis stay apart.
    let seq = 0;
    const root = (): string => `t${process.pid}x${Date.now().toString(36)}x${++seq}`;

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it('delivers a message with its topic, as JSON (Dates become ISO strings)', async () => {
      const bus = await open();
      const r = root();
      const got = collector();
      await bus.subscribe(`${r}.*`, got.handler);
      const event = {
        id: 'ev_1',
        type: 'call.answered',
        occurredAt: new Date('2025-03-04T05:06:07.089Z'),
        callId: 'call_1',
        participantId: undefined,
        data: { sipStatus: 200, tags: ['a'], nested: { ok: true, none: null } },
      };
      await bus.publish(`${r}.answered`, event);
      await got.waitFor(1);
      expect(got.received).toEqual([
        {
          topic: `${r}.answered`,
          message: {
            id: 'ev_1',
            type: 'call.answered',
            occurredAt: '2025-03-04T05:06:07.089Z',
            callId: 'call_1',
            data: { sipStatus: 200, tags: ['a'], nested: { ok: true, none: null } },
          },
        },
      ]);
    });

    it('`call.*` gets call.answered but not participant.joined; `*` gets everything', async () => {
      const bus = await open();
      const calls = collector();
      const everything = collector();
      const r = root();
      await bus.subscribe(`${r}.call.*`, calls.handler);
      await bus.subscribe('*', everything.handler);
      await bus.publish(`${r}.participant.joined`, { n: 1 });
      await bus.publish(`${r}.call.answered`, { n: 2 });
      await bus.publish(`${r}.call.recording.started`, { n: 3 });
      await bus.publish(`${r}.call`, { n: 4 });
      // `*` sees other tests' traffic too when the backend is shared: count ours only.
      const ours = (): string[] => everything.topics().filter((t) => t.startsWith(`${r}.`));
      await waitUntil(() => ours().length >= 4, 'four deliveries to `*`');
      expect(ours()).toEqual([
        `${r}.participant.joined`,
        `${r}.call.answered`,
        `${r}.call.recording.started`,
        `${r}.call`,
      ]);
      await calls.waitFor(2);
      // participant.joined went out first and `${r}.call` (which `.*` must not match either)
      // before the `*` subscriber's fourth delivery, so anything wrong would be here by now.
      expect(calls.topics()).toEqual([`${r}.call.answered`, `${r}.call.recording.started`]);
    });

    it('a `*` segment in the middle matches exactly one segment', async () => {
      const bus = await open();
      const r = root();
      const started = collector();
      await bus.subscribe(`${r}.*.started`, started.handler);
      await bus.publish(`${r}.a.b.started`, 1);
      await bus.publish(`${r}.answered`, 2);
      await bus.publish(`${r}.started`, 3);
      await bus.publish(`${r}.recording.started`, 4);
      await started.waitFor(1);
      expect(started.received).toEqual([{ topic: `${r}.recording.started`, message: 4 }]);
    });

    it('an exact pattern matches only its topic', async () => {
      const bus = await open();
      const r = root();
      const exact = collector();
      await bus.subscribe(`${r}.call.answered`, exact.handler);
      await bus.publish(`${r}.call.answered.late`, 1);
      await bus.publish(`${r}.call.answere`, 2);
      await bus.publish(`${r}.call.answered`, 3);
      await exact.waitFor(1);
      expect(exact.received).toEqual([{ topic: `${r}.call.answered`, message: 3 }]);
    });

    it('treats Redis glob characters in topics literally', async () => {
      const bus = await open();
      const r = root();
      const got = collector();
      await bus.subscribe(`${r}.a?c.*`, got.handler);
      await bus.publish(`${r}.abc.x`, 1);
      await bus.publish(`${r}.a?c.x`, 2);
      await got.waitFor(1);
      expect(got.received).toEqual([{ topic: `${r}.a?c.x`, message: 2 }]);
    });

    it('delivers one publisher’s messages in publish order', async () => {
      const bus = await open();
      const r = root();
      const got = collector();
      await bus.subscribe(`${r}.*`, got.handler);
      for (let i = 0; i < 50; i++) await bus.publish(`${r}.n`, i);
      await got.waitFor(50);
      expect(got.received.map((x) => x.message)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('gives every handler its own copy', async () => {
      const bus = await open();
      const r = root();
      const seen: unknown[] = [];
      await bus.subscribe(`${r}.*`, (_topic, message) => {
        (message as { list: number[] }).list.push(99);
      });
      await bus.subscribe(`${r}.*`, (_topic, message) => {
        seen.push(message);
      });
      await bus.publish(`${r}.x`, { list: [1] });
      await waitUntil(() => seen.length === 1, 'the second handler');
      expect(seen).toEqual([{ list: [1] }]);
    });

    it('stops delivering after unsubscribe, without disturbing other subscriptions', async () => {
      const bus = await open();
      const r = root();
      const gone = collector();
      const stays = collector();
      const unsubscribe = await bus.subscribe(`${r}.*`, gone.handler);
      await bus.subscribe(`${r}.*`, stays.handler);
      await bus.publish(`${r}.first`, 1);
      await gone.waitFor(1);
      await unsubscribe();
      await unsubscribe(); // idempotent
      await bus.publish(`${r}.second`, 2);
      await stays.waitFor(2);
      expect(gone.topics()).toEqual([`${r}.first`]);
      expect(stays.topics()).toEqual([`${r}.first`, `${r}.second`]);
    });

    it('can subscribe again after the last subscriber of a pattern left', async () => {
      const bus = await open();
      const r = root();
      const first = collector();
      const second = collector();
      const witness = collector();
      await bus.subscribe(`${r}.w.*`, witness.handler);
      const unsubscribe = await bus.subscribe(`${r}.x.*`, first.handler);
      await unsubscribe();
      await bus.publish(`${r}.x.lost`, 0);
      await bus.publish(`${r}.w.mark`, 0);
      await witness.waitFor(1);
      await bus.subscribe(`${r}.x.*`, second.handler);
      await bus.publish(`${r}.x.kept`, 1);
      await second.waitFor(1);
      expect(first.received).toEqual([]);
      expect(second.topics()).toEqual([`${r}.x.kept`]);
    });

    it('isolates handler errors: others still get the message, the thrower gets the next', async () => {
      const errors: Array<{ error: unknown; topic?: string }> = [];
      const bus = await open({ onError: (error, context) => errors.push({ error, ...context }) });
      const r = root();
      let thrownFor = 0;
      await bus.subscribe(`${r}.*`, () => {
        thrownFor++;
        throw new Error('sync boom');
      });
      await bus.subscribe(`${r}.*`, async () => {
        throw new Error('async boom');
      });
      const healthy = collector();
      await bus.subscribe(`${r}.*`, healthy.handler);
      await bus.publish(`${r}.one`, 1);
      await bus.publish(`${r}.two`, 2);
      await healthy.waitFor(2);
      await waitUntil(() => errors.length === 4, 'four reported errors');
      expect(thrownFor).toBe(2);
      expect(healthy.topics()).toEqual([`${r}.one`, `${r}.two`]);
      expect(errors.map((e) => (e.error as Error).message).sort()).toEqual([
        'async boom',
        'async boom',
        'sync boom',
        'sync boom',
      ]);
      expect(new Set(errors.map((e) => e.topic))).toEqual(new Set([`${r}.one`, `${r}.two`]));
    });

    it('refuses invalid patterns, topics and messages', async () => {
      const bus = await open();
      const noop = (): void => {};
      for (const pattern of ['', 'call.', '.call', 'call..x', 'ca*ll', 'call.ans*', '**']) {
        await expect(bus.subscribe(pattern, noop), pattern).rejects.toThrow(TypeError);
      }
      for (const topic of ['', 'call.*', '*', 'call.', 'a..b']) {
        await expect(bus.publish(topic, 1), topic).rejects.toThrow(TypeError);
      }
      await expect(bus.publish('call.x', undefined)).rejects.toThrow(TypeError);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(bus.publish('call.x', circular)).rejects.toThrow(TypeError);
    });

    if (target.shared) {
      it('two instances (processes) see each other’s events, and their own', async () => {
        const a = await open();
        const b = await open();
        const r = root();
        const atA = collector();
        const atB = collector();
        await a.subscribe(`${r}.*`, atA.handler);
        await b.subscribe(`${r}.*`, atB.handler);
        await a.publish(`${r}.from-a`, { from: 'a' });
        await atB.waitFor(1);
        await b.publish(`${r}.from-b`, { from: 'b' });
        await atA.waitFor(2);
        await atB.waitFor(2);
        expect(atA.received).toEqual([
          { topic: `${r}.from-a`, message: { from: 'a' } },
          { topic: `${r}.from-b`, message: { from: 'b' } },
        ]);
        expect(atB.received).toEqual(atA.received);
      });
    } else {
      it('instances are independent (in-process only)', async () => {
        const a = await open();
        const b = await open();
        const r = root();
        const atA = collector();
        const atB = collector();
        await a.subscribe(`${r}.*`, atA.handler);
        await b.subscribe(`${r}.*`, atB.handler);
        await b.publish(`${r}.b`, 1);
        await a.publish(`${r}.a`, 2);
        await atA.waitFor(1);
        await atB.waitFor(1);
        expect(atA.topics()).toEqual([`${r}.a`]);
        expect(atB.topics()).toEqual([`${r}.b`]);
      });
    }

    it('close is idempotent and makes later calls reject', async () => {
      const bus = await open();
      const r = root();
      const got = collector();
      const unsubscribe = await bus.subscribe(`${r}.*`, got.handler);
      await bus.close();
      await bus.close();
      await Promise.all([bus.close(), bus.close()]);
      await unsubscribe(); // harmless after close
      await expect(bus.publish(`${r}.x`, 1)).rejects.toThrow(/closed/);
      await expect(bus.subscribe(`${r}.*`, got.handler)).rejects.toThrow(/closed/);
    });
  });
}
