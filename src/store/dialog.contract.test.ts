/**
 * Store contract, part 3: versioned dialog documents and dialog conversations, on PGlite and
 * PostgreSQL alike (see testing/backends.ts). Tests share one store per backend and keep to
 * names and keys of their own.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { ConversationSynthesis } from './model.js';
import type { ConversationMessageInput } from './repositories/conversations.js';
import { describeEachBackend } from './testing/backends.js';

/** A document name or conversation key no other test uses. */
let seq = 0;
const unique = (stem: string): string => `${stem}-${process.pid}-${++seq}`;

const flowDoc = (greeting: string) => ({ steps: [{ id: 'main', say: greeting }] });

describeEachBackend('store contract: dialog documents and conversations', (ctx) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('dialog documents', () => {
    it('stores each save as the next version and reads latest, older, list and history', async () => {
      const docs = ctx.store.dialogDocuments;
      const name = unique('ivr');
      const other = unique('ivr');
      expect(await docs.latest('flow', name)).toBeUndefined();
      expect(await docs.history('flow', name)).toEqual([]);

      const v1 = await docs.put('flow', name, flowDoc('hello'), { comment: 'first cut' });
      expect(v1).toEqual({
        kind: 'flow',
        name,
        version: 1,
        document: flowDoc('hello'),
        comment: 'first cut',
        createdAt: v1.createdAt,
      });
      expect(v1.createdAt).toBeInstanceOf(Date);
      const v2 = await docs.put('flow', name, flowDoc('hi'));
      expect(v2).toMatchObject({ version: 2, document: flowDoc('hi'), comment: undefined });
      const o1 = await docs.put('flow', other, flowDoc('other'));
      // Same name, other kind: a separate document with its own versions.
      const agent = await docs.put('agent', name, { model: 'demo' });
      expect(agent.version).toBe(1);

      expect(await docs.latest('flow', name)).toEqual(v2);
      expect(await docs.get('flow', name, 1)).toEqual(v1);
      expect(await docs.get('flow', name, 3)).toBeUndefined();
      expect(await docs.get('flow', name, 0)).toBeUndefined();
      expect(await docs.get('flow', name, 2 ** 40)).toBeUndefined();
      expect(await docs.history('flow', name)).toEqual([v2, v1]);

      const listed = (await docs.list('flow')).filter((d) => d.name === name || d.name === other);
      expect(listed).toEqual([v2, o1].sort((a, b) => (a.name < b.name ? -1 : 1)));
      expect((await docs.list('agent')).filter((d) => d.name === name)).toEqual([agent]);
      expect((await docs.list('script')).some((d) => d.name === name)).toBe(false);
    });

    it('saves conditionally on the expected version', async () => {
      const docs = ctx.store.dialogDocuments;
      const name = unique('intents');
      await expect(docs.put('intents', name, { a: 1 }, { expectedVersion: 1 })).rejects.toThrow(
        ConflictError,
      );
      const v1 = await docs.put('intents', name, { a: 1 }, { expectedVersion: 0 });
      expect(v1.version).toBe(1);
      await expect(
        docs.put('intents', name, { a: 2 }, { expectedVersion: 0 }),
      ).rejects.toMatchObject({ name: 'ConflictError', field: 'version' });
      expect((await docs.put('intents', name, { a: 2 }, { expectedVersion: 1 })).version).toBe(2);
      await expect(
        docs.put('intents', name, { a: 3 }, { expectedVersion: 1 }),
      ).rejects.toMatchObject({ field: 'version' });
      expect(await docs.latest('intents', name)).toMatchObject({ version: 2, document: { a: 2 } });
    });

    it('refuses a bad name, kind, document or comment', async () => {
      const docs = ctx.store.dialogDocuments;
      for (const name of ['', 'Upper', '-dash', 'a/b', 'a b', 'x'.repeat(65)]) {
        await expect(docs.put('flow', name, {}), name).rejects.toMatchObject({
          name: 'ValidationError',
          field: 'name',
        });
      }
      expect((await docs.put('flow', `0.${'x'.repeat(62)}`, {})).version).toBe(1);
      await expect(docs.put('queue' as 'flow', unique('k'), {})).rejects.toMatchObject({
        field: 'kind',
      });
      for (const document of [null, [], 'text', 7, undefined, { bad: 'a\u0000b' }]) {
        await expect(docs.put('flow', unique('d'), document)).rejects.toMatchObject({
          name: 'ValidationError',
          field: 'document',
        });
      }
      await expect(
        docs.put('flow', unique('c'), {}, { comment: 'nul\u0000' }),
      ).rejects.toMatchObject({ field: 'comment' });
      await expect(
        docs.put('flow', unique('e'), {}, { expectedVersion: -1 }),
      ).rejects.toBeInstanceOf(ValidationError);
    });

    it('gives concurrent saves of one name consecutive versions, none lost', async () => {
      const docs = ctx.store.dialogDocuments;
      const name = unique('race');
      await docs.put('script', name, { n: 0 });
      const saved = await Promise.all(
        Array.from({ length: 8 }, (_, n) => docs.put('script', name, { n: n + 1 })),
      );
      expect(saved.map((r) => r.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      const history = await docs.history('script', name);
      expect(history.map((r) => r.version)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      // Every save is there, each under the version it was told.
      for (const r of saved) expect(await docs.get('script', name, r.version)).toEqual(r);
    });

    it('lets exactly one of two saves expecting the same version win', async () => {
      const docs = ctx.store.dialogDocuments;
      const name = unique('race-if');
      await docs.put('agent', name, { n: 0 });
      const results = await Promise.allSettled([
        docs.put('agent', name, { n: 1 }, { expectedVersion: 1 }),
        docs.put('agent', name, { n: 2 }, { expectedVersion: 1 }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
        name: 'ConflictError',
        field: 'version',
      });
      expect(await docs.history('agent', name)).toHaveLength(2);
      expect(await docs.latest('agent', name)).toEqual(
        (won[0] as PromiseFulfilledResult<unknown>).value,
      );
    });

    it('deletes every version, and a later save starts again at 1', async () => {
      const docs = ctx.store.dialogDocuments;
      const name = unique('gone');
      await docs.put('flow', name, { a: 1 });
      await docs.put('flow', name, { a: 2 });
      const kept = await docs.put('agent', name, { a: 1 });
      expect(await docs.delete('flow', name)).toBe(true);
      expect(await docs.delete('flow', name)).toBe(false);
      expect(await docs.latest('flow', name)).toBeUndefined();
      expect(await docs.history('flow', name)).toEqual([]);
      expect((await docs.list('flow')).some((d) => d.name === name)).toBe(false);
      expect(await docs.latest('agent', name)).toEqual(kept);
      expect((await docs.put('flow', name, { a: 3 })).version).toBe(1);
    });

    it('writes within a transaction and rolls back with it', async () => {
      const name = unique('tx');
      await expect(
        ctx.store.transaction(async (tx) => {
          await tx.dialogDocuments.put('flow', name, { a: 1 });
          expect((await tx.dialogDocuments.latest('flow', name))?.version).toBe(1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await ctx.store.dialogDocuments.latest('flow', name)).toBeUndefined();
      // A failed conditional save inside a transaction leaves the rest of it usable.
      const saved = await ctx.store.transaction(async (tx) => {
        await tx.dialogDocuments.put('flow', name, { a: 1 });
        await expect(
          tx.dialogDocuments.put('flow', name, { a: 2 }, { expectedVersion: 0 }),
        ).rejects.toThrow(ConflictError);
        return tx.dialogDocuments.put('flow', name, { a: 3 }, { expectedVersion: 1 });
      });
      expect(await ctx.store.dialogDocuments.latest('flow', name)).toEqual(saved);
    });
  });

  describe('conversations', () => {
    it('creates with defaults, reads, and updates (null clears)', async () => {
      const { conversations } = ctx.store;
      const key = unique('+8613800000000');
      const created = await conversations.create({
        key,
        channel: 'voice',
        agentId: 'claims',
        language: 'zh-CN',
        callId: 'call_a',
      });
      expect(created).toEqual({
        id: created.id,
        key,
        channel: 'voice',
        agentId: 'claims',
        callId: 'call_a',
        state: 'initiate',
        nextAction: undefined,
        language: 'zh-CN',
        claim: {},
        memory: {},
        reminders: [],
        synthesis: undefined,
        resumeCount: 0,
        createdAt: created.createdAt,
        updatedAt: created.createdAt,
        closedAt: undefined,
      });
      expect(created.id).toMatch(/^cv_[0-9a-f]{32}$/);
      expect(await conversations.get(created.id)).toEqual(created);
      expect(await conversations.get('cv_nope')).toBeUndefined();

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(created.updatedAt.getTime() + 5000);
      const closedAt = new Date(created.createdAt.getTime() + 4000);
      const synthesis: ConversationSynthesis = {
        summary: 'Reported a cracked windscreen.',
        satisfaction: 'high',
        suggestions: ['call back with the claim number'],
        by: 'extractive',
      };
      const updated = await conversations.update(created.id, {
        state: 'closed',
        nextAction: 'send-sms',
        claim: { plate: '粤B12345', damage: ['windscreen'] },
        memory: { node: 'confirm', retries: 1 },
        reminders: [{ at: '2030-01-01T09:00:00Z', text: 'follow up' }],
        synthesis,
        resumeCount: 2,
        closedAt,
      });
      expect(updated).toEqual({
        ...created,
        state: 'closed',
        nextAction: 'send-sms',
        claim: { plate: '粤B12345', damage: ['windscreen'] },
        memory: { node: 'confirm', retries: 1 },
        reminders: [{ at: '2030-01-01T09:00:00Z', text: 'follow up' }],
        synthesis,
        resumeCount: 2,
        closedAt,
        updatedAt: new Date(created.updatedAt.getTime() + 5000),
      });
      expect(await conversations.get(created.id)).toEqual(updated);

      const cleared = await conversations.update(created.id, {
        state: 'gathering',
        closedAt: null,
        nextAction: null,
        synthesis: null,
        callId: null,
      });
      expect(cleared).toMatchObject({ state: 'gathering', claim: updated.claim });
      expect(cleared.closedAt).toBeUndefined();
      expect(cleared.nextAction).toBeUndefined();
      expect(cleared.synthesis).toBeUndefined();
      expect(cleared.callId).toBeUndefined();

      await expect(conversations.update('cv_nope', { state: 'closed' })).rejects.toMatchObject({
        name: 'NotFoundError',
        entity: 'conversation',
        id: 'cv_nope',
      });
      await expect(
        conversations.update(created.id, { claim: { name: 'a\u0000' } }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'claim' });
      await expect(
        conversations.create({ key: 'a\u0000', channel: 'text', agentId: 'x', language: 'en' }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'key' });
    });

    it('records turns: next seq numbers, defaults, and the patch together', async () => {
      const { conversations } = ctx.store;
      const conv = await conversations.create({
        key: unique('sip:alice'),
        channel: 'voice',
        agentId: 'claims',
        language: 'en-US',
        callId: 'call_t1',
      });
      const first = await conversations.recordTurn(
        conv.id,
        [
          { persona: 'assistant', content: 'Hello, how can I help?' },
          { persona: 'human', content: 'I had an accident.' },
        ],
        { state: 'gathering', memory: { node: 'ask-date' } },
      );
      expect(first).toMatchObject({ state: 'gathering', memory: { node: 'ask-date' } });
      expect(first.updatedAt.getTime()).toBeGreaterThanOrEqual(conv.updatedAt.getTime());

      const toolCalls = [{ id: 't1', name: 'lookup_policy', arguments: '{"plate":"X"}' }];
      const createdAt = new Date(Date.UTC(2030, 0, 1));
      await conversations.recordTurn(conv.id, [
        { persona: 'assistant', content: 'Let me', heard: false, toolCalls },
        { persona: 'tool', content: '{"ok":true}', toolCallId: 't1', callId: 'call_x', createdAt },
        { persona: 'system', content: 'note' },
      ]);
      // No messages: only the patch.
      const last = await conversations.recordTurn(conv.id, [], { nextAction: 'confirm' });
      expect(last.nextAction).toBe('confirm');

      const all = await conversations.messages(conv.id);
      expect(all.map((m) => [m.seq, m.persona, m.content])).toEqual([
        [0, 'assistant', 'Hello, how can I help?'],
        [1, 'human', 'I had an accident.'],
        [2, 'assistant', 'Let me'],
        [3, 'tool', '{"ok":true}'],
        [4, 'system', 'note'],
      ]);
      expect(all[0]).toEqual({
        id: all[0]!.id,
        conversationId: conv.id,
        seq: 0,
        persona: 'assistant',
        content: 'Hello, how can I help?',
        heard: true,
        toolCallId: undefined,
        toolCalls: undefined,
        callId: 'call_t1',
        createdAt: all[0]!.createdAt,
      });
      expect(all[0]!.id).toMatch(/^cm_[0-9a-f]{32}$/);
      expect(all[2]).toMatchObject({ heard: false, toolCalls });
      expect(all[3]).toMatchObject({ toolCallId: 't1', callId: 'call_x', createdAt });
      expect(await conversations.messages(conv.id, { limit: 2 })).toEqual(all.slice(3));
      expect(await conversations.messages(conv.id, { limit: 50 })).toEqual(all);
      expect(await conversations.messages(conv.id, { limit: 0 })).toEqual([]);
      expect(await conversations.messages('cv_nope')).toEqual([]);

      await expect(
        conversations.recordTurn('cv_nope', [{ persona: 'human', content: 'hi' }]),
      ).rejects.toThrow(NotFoundError);
      expect(await conversations.messages('cv_nope')).toEqual([]);
      await expect(
        conversations.recordTurn(conv.id, [
          { persona: 'human', content: 'ok' },
          { persona: 'human', content: 'bad\u0000' },
        ]),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'messages[1].content' });
      expect(await conversations.messages(conv.id)).toHaveLength(5);
    });

    it('writes nothing of a turn that fails part-way', async () => {
      const { conversations } = ctx.store;
      const conv = await conversations.create({
        key: unique('chat'),
        channel: 'text',
        agentId: 'claims',
        language: 'en',
      });
      await conversations.recordTurn(conv.id, [{ persona: 'human', content: 'one' }]);
      const before = await conversations.get(conv.id);
      // An invalid date fails the messages' insert after the patch was written.
      await expect(
        conversations.recordTurn(
          conv.id,
          [{ persona: 'human', content: 'two', createdAt: new Date(Number.NaN) }],
          { state: 'closed', claim: { lost: true } },
        ),
      ).rejects.toThrow();
      expect(await conversations.get(conv.id)).toEqual(before);
      expect((await conversations.messages(conv.id)).map((m) => m.content)).toEqual(['one']);
    });

    it('numbers messages of concurrent turns without gaps or duplicates', async () => {
      const { conversations } = ctx.store;
      const conv = await conversations.create({
        key: unique('chat'),
        channel: 'text',
        agentId: 'claims',
        language: 'en',
      });
      const turns = 12;
      await Promise.all(
        Array.from({ length: turns }, (_, t) =>
          conversations.recordTurn(
            conv.id,
            [
              { persona: 'human', content: `q${t}` },
              { persona: 'assistant', content: `a${t}` },
            ] satisfies ConversationMessageInput[],
            { memory: { lastTurn: t } },
          ),
        ),
      );
      const all = await conversations.messages(conv.id);
      expect(all.map((m) => m.seq)).toEqual(Array.from({ length: turns * 2 }, (_, i) => i));
      // Each turn's messages are adjacent and in order.
      for (let i = 0; i < all.length; i += 2) {
        expect(all[i]!.content.slice(1)).toBe(all[i + 1]!.content.slice(1));
        expect([all[i]!.persona, all[i + 1]!.persona]).toEqual(['human', 'assistant']);
      }
      // The last turn to commit wrote the memory, and it is the one whose messages come last.
      const lastTurn = Number(all[all.length - 1]!.content.slice(1));
      expect((await conversations.get(conv.id))?.memory).toEqual({ lastTurn });
    });

    it('finds the most recently updated open conversation of a key and agent since a time', async () => {
      const { conversations } = ctx.store;
      const key = unique('+15550001');
      const t0 = Date.UTC(2031, 0, 1);
      vi.useFakeTimers({ toFake: ['Date'] });
      const at = async <T>(ms: number, fn: () => Promise<T>): Promise<T> => {
        vi.setSystemTime(t0 + ms);
        return fn();
      };
      const base = { key, channel: 'voice', agentId: 'claims', language: 'en' } as const;
      const a = await at(0, () => conversations.create(base));
      const b = await at(1000, () => conversations.create(base));
      await at(2000, () => conversations.create({ ...base, agentId: 'sales' }));
      await at(2000, () => conversations.create({ ...base, key: unique('+15550002') }));
      const closed = await at(3000, () => conversations.create(base));
      await at(3000, () => conversations.update(closed.id, { state: 'closed' }));
      const transferred = await at(3000, () => conversations.create(base));
      await at(3000, () => conversations.update(transferred.id, { state: 'transferred' }));

      expect((await conversations.findResumable(key, 'claims', new Date(t0)))?.id).toBe(b.id);
      // `since` is inclusive.
      expect((await conversations.findResumable(key, 'claims', new Date(t0 + 1000)))?.id).toBe(
        b.id,
      );
      expect(await conversations.findResumable(key, 'claims', new Date(t0 + 1001))).toBeUndefined();
      expect(await conversations.findResumable(key, 'support', new Date(t0))).toBeUndefined();

      // A turn on the older one makes it the most recent.
      await at(4000, () =>
        conversations.recordTurn(a.id, [{ persona: 'human', content: 'back' }], {
          state: 'confirming',
        }),
      );
      expect(await conversations.findResumable(key, 'claims', new Date(t0 + 3500))).toMatchObject({
        id: a.id,
        state: 'confirming',
        updatedAt: new Date(t0 + 4000),
      });
      // Reopening a closed conversation makes it resumable again.
      await at(5000, () => conversations.update(closed.id, { state: 'gathering' }));
      expect((await conversations.findResumable(key, 'claims', new Date(t0)))?.id).toBe(closed.id);
    });

    it('lists the conversations that ran on a call, newest first', async () => {
      const { conversations } = ctx.store;
      const [c1, c2] = [unique('call_1'), unique('call_2')];
      const t0 = Date.UTC(2032, 0, 1);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(t0);
      const base = { channel: 'voice', agentId: 'claims', language: 'en' } as const;
      const x = await conversations.create({ ...base, key: unique('k'), callId: c1 });
      await conversations.recordTurn(x.id, [{ persona: 'human', content: 'first call' }]);
      vi.setSystemTime(t0 + 1000);
      const y = await conversations.create({ ...base, key: unique('k'), callId: c1 });
      vi.setSystemTime(t0 + 2000);
      // x resumes on a second call: it ran on both.
      await conversations.recordTurn(x.id, [{ persona: 'human', content: 'again' }], {
        callId: c2,
        resumeCount: 1,
      });
      await conversations.create({ ...base, key: unique('k') });

      expect((await conversations.listByCall(c1)).map((c) => c.id)).toEqual([y.id, x.id]);
      expect(await conversations.listByCall(c2)).toEqual([await conversations.get(x.id)]);
      expect(await conversations.listByCall(unique('call_none'))).toEqual([]);
      expect((await conversations.messages(x.id)).map((m) => m.callId)).toEqual([c1, c2]);
    });

    it('works through a transaction and rolls back with it', async () => {
      const key = unique('tx');
      await expect(
        ctx.store.transaction(async (tx) => {
          const conv = await tx.conversations.create({
            key,
            channel: 'text',
            agentId: 'claims',
            language: 'en',
          });
          await tx.conversations.recordTurn(conv.id, [{ persona: 'human', content: 'hi' }]);
          expect(await tx.conversations.messages(conv.id)).toHaveLength(1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await ctx.store.conversations.findResumable(key, 'claims', new Date(0))).toBe(
        undefined,
      );
    });
  });
});
