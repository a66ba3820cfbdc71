import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryCache,
  NotFoundError,
  openStore,
  type Cache,
  type ConversationRepository,
  type ConversationSynthesis,
  type Store,
} from '../../store/index.js';
import { conversationCacheKey, ConversationManager } from './conversation-manager.js';
import { InvalidTransitionError } from './conversation-state.js';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2030, 5, 1, 9, 0, 0);

let dataDir: string;
let store: Store;
let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-conversations-'));
  // PGlite's first open runs initdb and the migrations: a few seconds.
  store = await openStore({ dataDir });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  // Only Date: PGlite needs real timers underneath.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

/** The real repository, with its `get` calls counted (to see when the cache answered). */
function counting(repository: ConversationRepository): ConversationRepository & { gets: number } {
  const counted = Object.create(repository) as ConversationRepository & { gets: number };
  counted.gets = 0;
  counted.get = (id) => {
    counted.gets++;
    return repository.get(id);
  };
  return counted;
}

function setup(options: { cache?: Cache } = {}) {
  const cache = options.cache ?? new MemoryCache({ sweepIntervalMs: 0 });
  const repository = counting(store.conversations);
  const manager = new ConversationManager({ repository, cache });
  const base = {
    key: unique('+1555'),
    agentId: 'claims',
    channel: 'voice',
    language: 'en-US',
  } as const;
  return { cache, repository, manager, base };
}

describe('ConversationManager.open', () => {
  it('creates a conversation, stored and cached hot', async () => {
    const { manager, cache, base } = setup();
    const opened = await manager.open({ ...base, callId: 'call_a' });
    expect(opened.resumed).toBe(false);
    expect(opened.history).toEqual([]);
    expect(opened.conversation).toMatchObject({
      id: expect.stringMatching(/^cv_/),
      key: base.key,
      agentId: 'claims',
      channel: 'voice',
      callId: 'call_a',
      language: 'en-US',
      state: 'initiate',
      resumeCount: 0,
      claim: {},
    });
    expect(await store.conversations.get(opened.conversation.id)).toEqual(opened.conversation);
    expect(await cache.get(conversationCacheKey(opened.conversation.id))).toEqual(
      JSON.parse(JSON.stringify(opened.conversation)),
    );
  });

  it('resumes within the callback window: resume count, new call, history, same state', async () => {
    const { manager, base } = setup();
    const first = await manager.open({ ...base, callId: 'call_1' });
    await manager.recordTurn(
      first.conversation.id,
      [
        { persona: 'assistant', content: 'What is your policy number?' },
        { persona: 'human', content: 'POL123456' },
      ],
      { state: 'gathering', claim: { policyNumber: 'POL123456' } },
    );
    advance(3 * HOUR_MS - 1000);
    const again = await manager.open({ ...base, callId: 'call_2', language: 'zh-CN' });
    expect(again.resumed).toBe(true);
    expect(again.conversation).toMatchObject({
      id: first.conversation.id,
      callId: 'call_2',
      resumeCount: 1,
      state: 'gathering',
      language: 'en-US',
      claim: { policyNumber: 'POL123456' },
    });
    expect(again.history.map((m) => [m.seq, m.persona, m.content, m.callId])).toEqual([
      [0, 'assistant', 'What is your policy number?', 'call_1'],
      [1, 'human', 'POL123456', 'call_1'],
    ]);
    expect(await store.conversations.get(first.conversation.id)).toMatchObject({
      resumeCount: 1,
      callId: 'call_2',
    });
    const third = await manager.open({ ...base });
    expect(third.conversation).toMatchObject({ id: first.conversation.id, resumeCount: 2 });
    expect(third.conversation.callId).toBe('call_2');
  });

  it('does not resume after the window', async () => {
    const { manager, base } = setup();
    const first = await manager.open(base);
    advance(3 * HOUR_MS + 1);
    const again = await manager.open(base);
    expect(again.resumed).toBe(false);
    expect(again.conversation.id).not.toBe(first.conversation.id);
  });

  it('measures the window from the last turn, not from the start', async () => {
    const { manager, base } = setup();
    const first = await manager.open(base);
    advance(2 * HOUR_MS);
    await manager.recordTurn(first.conversation.id, [{ persona: 'human', content: 'hello' }]);
    advance(2 * HOUR_MS);
    expect((await manager.open(base)).conversation.id).toBe(first.conversation.id);
  });

  it('does not resume a closed or transferred conversation', async () => {
    const { manager, base } = setup();
    const closed = await manager.open(base);
    await manager.close(closed.conversation.id);
    const second = await manager.open(base);
    expect(second.resumed).toBe(false);
    await manager.transfer(second.conversation.id, 'caller asked for a person');
    const third = await manager.open(base);
    expect(third.resumed).toBe(false);
    expect(new Set([closed, second, third].map((o) => o.conversation.id)).size).toBe(3);
  });

  it('does not resume another agent conversation, nor when asked not to', async () => {
    const { manager, base } = setup();
    const claims = await manager.open(base);
    const sales = await manager.open({ ...base, agentId: 'sales' });
    expect(sales.resumed).toBe(false);
    expect(sales.conversation.id).not.toBe(claims.conversation.id);
    const fresh = await manager.open({ ...base, resume: false });
    expect(fresh.resumed).toBe(false);
    expect(fresh.conversation.id).not.toBe(claims.conversation.id);
    // The newest resumable one is picked up next.
    expect((await manager.open(base)).conversation.id).toBe(fresh.conversation.id);
  });

  it('honours a custom window', async () => {
    const { cache, base } = setup();
    const manager = new ConversationManager({
      repository: store.conversations,
      cache,
      callbackWindowMs: 60_000,
    });
    const first = await manager.open(base);
    advance(60_000);
    expect((await manager.open(base)).conversation.id).toBe(first.conversation.id);
    advance(60_001);
    expect((await manager.open(base)).resumed).toBe(false);
  });
});

describe('ConversationManager.recordTurn', () => {
  it('persists every turn in the store, with the patch, and refreshes the hot copy', async () => {
    const { manager, cache, base } = setup();
    const { conversation } = await manager.open({ ...base, callId: 'call_t' });
    const id = conversation.id;
    advance(1000);
    const afterFirst = await manager.recordTurn(
      id,
      [
        { persona: 'assistant', content: 'May I have your full name?' },
        { persona: 'human', content: 'John Smith' },
      ],
      { state: 'gathering', claim: { fullName: 'John Smith' } },
    );
    expect(await store.conversations.messages(id)).toHaveLength(2);
    expect(await store.conversations.get(id)).toEqual(afterFirst);
    advance(1000);
    const afterSecond = await manager.recordTurn(
      id,
      [
        { persona: 'assistant', content: 'And your policy number?', heard: false },
        { persona: 'human', content: 'POL123456' },
      ],
      { claim: { fullName: 'John Smith', policyNumber: 'POL123456' }, memory: { node: 'date' } },
    );
    const stored = await store.conversations.messages(id);
    expect(stored.map((m) => [m.seq, m.persona, m.content, m.heard, m.callId])).toEqual([
      [0, 'assistant', 'May I have your full name?', true, 'call_t'],
      [1, 'human', 'John Smith', true, 'call_t'],
      [2, 'assistant', 'And your policy number?', false, 'call_t'],
      [3, 'human', 'POL123456', true, 'call_t'],
    ]);
    expect(afterSecond.updatedAt.getTime()).toBe(T0 + 2000);
    expect(await store.conversations.get(id)).toEqual(afterSecond);
    expect(await cache.get(conversationCacheKey(id))).toEqual(
      JSON.parse(JSON.stringify(afterSecond)),
    );
    expect(await manager.get(id)).toEqual(afterSecond);
  });

  it('keeps seq order for concurrent turns of one conversation', async () => {
    const { cache, base } = setup();
    // Some turns reach the store late (a slow event loop): the queue must still keep call order.
    const repository = Object.create(store.conversations) as ConversationRepository;
    let calls = 0;
    repository.recordTurn = async (...args) => {
      if (calls++ % 3 === 0) for (let i = 0; i < 3; i++) await new Promise(setImmediate);
      return store.conversations.recordTurn(...args);
    };
    const manager = new ConversationManager({ repository, cache });
    const { conversation } = await manager.open(base);
    const turns = Array.from({ length: 20 }, (_, i) =>
      manager.recordTurn(
        conversation.id,
        [
          { persona: 'human', content: `turn ${i} question` },
          { persona: 'assistant', content: `turn ${i} answer` },
        ],
        { memory: { lastTurn: i } },
      ),
    );
    const results = await Promise.all(turns);
    expect(results.map((r) => r.memory.lastTurn)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const messages = await store.conversations.messages(conversation.id);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(messages.map((m) => m.content)).toEqual(
      Array.from({ length: 20 }, (_, i) => [`turn ${i} question`, `turn ${i} answer`]).flat(),
    );
    // The last write wins in the store and in the hot copy alike.
    expect((await store.conversations.get(conversation.id))?.memory).toEqual({ lastTurn: 19 });
    expect((await manager.get(conversation.id))?.memory).toEqual({ lastTurn: 19 });
  });

  it('goes on after a failed turn in the queue', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    const bad = manager.recordTurn(conversation.id, [{ persona: 'human', content: 'a\u0000b' }]);
    const good = manager.recordTurn(conversation.id, [{ persona: 'human', content: 'fine' }]);
    await expect(bad).rejects.toThrow(/NUL/);
    await good;
    expect((await store.conversations.messages(conversation.id)).map((m) => m.content)).toEqual([
      'fine',
    ]);
  });

  it('refuses an unknown conversation', async () => {
    const { manager } = setup();
    await expect(
      manager.recordTurn('cv_missing', [{ persona: 'human', content: 'hi' }]),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('ConversationManager.get and the hot cache', () => {
  it('answers from the cache while hot, from the store after the TTL', async () => {
    const { manager, repository, cache, base } = setup();
    const { conversation } = await manager.open(base);
    const key = conversationCacheKey(conversation.id);
    expect(await manager.get(conversation.id)).toEqual(conversation);
    expect(repository.gets).toBe(0);

    advance(HOUR_MS - 1);
    expect(await cache.get(key)).toBeDefined();
    expect(await manager.get(conversation.id)).toEqual(conversation);
    expect(repository.gets).toBe(0);

    advance(1);
    expect(await cache.get(key)).toBeUndefined();
    expect(await manager.get(conversation.id)).toEqual(conversation);
    expect(repository.gets).toBe(1);
    // Read from the store, it is hot again.
    expect(await cache.get(key)).toBeDefined();
    expect(await manager.get(conversation.id)).toEqual(conversation);
    expect(repository.gets).toBe(1);
  });

  it('restarts the TTL on every turn', async () => {
    const { manager, cache, base } = setup();
    const { conversation } = await manager.open(base);
    const key = conversationCacheKey(conversation.id);
    advance(HOUR_MS - 1);
    await manager.recordTurn(conversation.id, [{ persona: 'human', content: 'still here' }]);
    advance(HOUR_MS - 1);
    expect(await cache.get(key)).toBeDefined();
    advance(1);
    expect(await cache.get(key)).toBeUndefined();
  });

  it('uses the configured TTL', async () => {
    const { cache, base } = setup();
    const manager = new ConversationManager({
      repository: store.conversations,
      cache,
      hotTtlMs: 5000,
    });
    const { conversation } = await manager.open(base);
    advance(4999);
    expect(await cache.get(conversationCacheKey(conversation.id))).toBeDefined();
    advance(1);
    expect(await cache.get(conversationCacheKey(conversation.id))).toBeUndefined();
  });

  it('revives dates from the cached JSON', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    await manager.close(conversation.id);
    const hot = await manager.get(conversation.id);
    expect(hot?.createdAt).toBeInstanceOf(Date);
    expect(hot?.updatedAt).toBeInstanceOf(Date);
    expect(hot?.closedAt).toEqual(new Date(T0));
  });

  it('is undefined for an unknown conversation', async () => {
    const { manager } = setup();
    expect(await manager.get('cv_missing')).toBeUndefined();
  });

  it('keeps writing when the cache fails', async () => {
    const failing = new MemoryCache({ sweepIntervalMs: 0 });
    failing.set = () => Promise.reject(new Error('cache down'));
    const { manager, base } = setup({ cache: failing });
    const { conversation } = await manager.open(base);
    await manager.recordTurn(conversation.id, [{ persona: 'human', content: 'hi' }]);
    expect(await store.conversations.messages(conversation.id)).toHaveLength(1);
    expect((await manager.get(conversation.id))?.id).toBe(conversation.id);
  });
});

describe('ConversationManager transitions', () => {
  it('moves through the state machine with a patch in the same update', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    const id = conversation.id;
    expect((await manager.transition(id, 'start')).state).toBe('gathering');
    const confirming = await manager.transition(id, 'all-collected', {
      nextAction: 'read back',
      claim: { fullName: 'John Smith' },
    });
    expect(confirming).toMatchObject({ state: 'confirming', nextAction: 'read back' });
    expect(await store.conversations.get(id)).toEqual(confirming);
    expect((await manager.transition(id, 'correction')).state).toBe('gathering');
    await manager.transition(id, 'all-collected');
    advance(5000);
    const closed = await manager.transition(id, 'confirmed');
    expect(closed).toMatchObject({ state: 'closed', closedAt: new Date(T0 + 5000) });
  });

  it('refuses an impossible move and leaves the conversation as it was', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    await expect(manager.transition(conversation.id, 'confirmed')).rejects.toBeInstanceOf(
      InvalidTransitionError,
    );
    await manager.close(conversation.id);
    await expect(manager.transition(conversation.id, 'collect')).rejects.toMatchObject({
      name: 'InvalidTransitionError',
      state: 'closed',
      event: 'collect',
    });
    expect((await store.conversations.get(conversation.id))?.state).toBe('closed');
    await expect(manager.transition('cv_missing', 'start')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('closes with the synthesis, once', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    const synthesis: ConversationSynthesis = {
      summary: 'Claim recorded.',
      satisfaction: 'high',
      suggestions: ['Send the claim form to the caller.'],
      by: 'extractive',
    };
    advance(1000);
    const closed = await manager.close(conversation.id, synthesis);
    expect(closed).toMatchObject({ state: 'closed', synthesis, closedAt: new Date(T0 + 1000) });
    expect(await store.conversations.get(conversation.id)).toEqual(closed);
    advance(1000);
    expect(await manager.close(conversation.id)).toEqual(closed);
    expect(await store.conversations.get(conversation.id)).toEqual(closed);
  });

  it('transfers with the reason kept in memory', async () => {
    const { manager, base } = setup();
    const { conversation } = await manager.open(base);
    await manager.recordTurn(conversation.id, [], { memory: { node: 'policy', retries: 2 } });
    const transferred = await manager.transfer(conversation.id, 'caller asked for a person');
    expect(transferred).toMatchObject({
      state: 'transferred',
      nextAction: 'transfer',
      memory: { node: 'policy', retries: 2, transferReason: 'caller asked for a person' },
    });
    expect(await store.conversations.get(conversation.id)).toEqual(transferred);
    // The agent may still say goodbye on record, and the conversation can be closed after.
    await manager.recordTurn(conversation.id, [
      { persona: 'assistant', content: 'Connecting you.' },
    ]);
    expect((await manager.close(conversation.id)).state).toBe('closed');
  });

  it('refuses bad settings', () => {
    const cache = new MemoryCache({ sweepIntervalMs: 0 });
    expect(
      () => new ConversationManager({ repository: store.conversations, cache, hotTtlMs: 0 }),
    ).toThrow(/hotTtlMs/);
    expect(
      () =>
        new ConversationManager({ repository: store.conversations, cache, callbackWindowMs: 1.5 }),
    ).toThrow(/callbackWindowMs/);
  });
});
