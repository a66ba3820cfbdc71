/**
 * Store contract, part 2: call history, participants, voice turns, API keys, webhooks and
 * deliveries, on PGlite and PostgreSQL alike (see testing/backends.ts). Tests share one store
 * per backend and keep to their own records (calls in a time range of their own, ids they
 * created).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { CallRecord } from './model.js';
import { describeEachBackend } from './testing/backends.js';

/** Distinct far-future millisecond ranges, so each test's calls are the newest in its window. */
let epoch = Date.UTC(2100, 0, 1);
const window = (): Date => new Date((epoch += 86_400_000));

// One store per backend for the whole file: opening PGlite the first time costs seconds.
describeEachBackend('store contract: calls, API keys, webhooks', (ctx) => {
  describe('calls', () => {
    it('records a call through its lifecycle', async () => {
      const { calls } = ctx.store;
      const call = await calls.createCall({
        direction: 'inbound',
        caller: '+8613800000000',
        callee: '+861088886666',
        trunkId: 'tri_x',
        attributes: { customerId: '7' },
      });
      expect(call).toEqual({
        id: call.id,
        direction: 'inbound',
        state: 'ringing',
        caller: '+8613800000000',
        callee: '+861088886666',
        trunkId: 'tri_x',
        ruleId: undefined,
        matchExplanation: [],
        attributes: { customerId: '7' },
        endReason: undefined,
        sipStatus: undefined,
        createdAt: call.createdAt,
        answeredAt: undefined,
        endedAt: undefined,
      });
      expect(call.id).toMatch(/^call_[0-9a-f]{32}$/);

      const answeredAt = new Date(call.createdAt.getTime() + 1500);
      const answered = await calls.updateCall(call.id, {
        state: 'answered',
        answeredAt,
        ruleId: 'dr_1',
        matchExplanation: ['priority 5', 'called number matches 1XXX'],
      });
      expect(answered).toMatchObject({ state: 'answered', answeredAt, ruleId: 'dr_1' });
      expect(answered.matchExplanation).toEqual(['priority 5', 'called number matches 1XXX']);

      const endedAt = new Date(answeredAt.getTime() + 60_000);
      const ended = await calls.updateCall(call.id, {
        state: 'ended',
        endedAt,
        endReason: 'caller hung up',
        sipStatus: 200,
        attributes: { customerId: '7', outcome: 'resolved' },
      });
      expect(ended).toMatchObject({
        state: 'ended',
        endedAt,
        endReason: 'caller hung up',
        sipStatus: 200,
      });
      expect(ended.attributes).toEqual({ customerId: '7', outcome: 'resolved' });
      expect(ended.answeredAt).toEqual(answeredAt);
      expect(await calls.getCall(call.id)).toEqual(ended);
      expect(await calls.updateCall(call.id, {})).toEqual(ended);

      await expect(calls.updateCall('call_nope', { state: 'ended' })).rejects.toMatchObject({
        name: 'NotFoundError',
        entity: 'call',
        id: 'call_nope',
      });
      await expect(calls.updateCall('call_nope', {})).rejects.toThrow(NotFoundError);
      expect(await calls.getCall('call_nope')).toBeUndefined();
      await expect(
        calls.createCall({ id: call.id, direction: 'outbound', caller: 'a', callee: 'b' }),
      ).rejects.toThrow(ConflictError);
    });

    it('pages newest first by keyset, with ties in creation order, and filters', async () => {
      const { calls } = ctx.store;
      const since = window();
      const t = (s: number) => new Date(since.getTime() + s * 1000);
      const made: CallRecord[] = [];
      // Three calls share one timestamp: the tie-break must still give one stable order.
      for (const [s, state] of [
        [1, 'ended'],
        [2, 'ringing'],
        [2, 'ended'],
        [2, 'answered'],
        [3, 'ended'],
        [4, 'ringing'],
      ] as const) {
        made.push(
          await calls.createCall({
            direction: 'inbound',
            caller: 'a',
            callee: 'b',
            state,
            createdAt: t(s),
          }),
        );
      }
      const expected = [made[5], made[4], made[3], made[2], made[1], made[0]].map((c) => c!.id);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await calls.listCalls({ since, limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(expected);
      expect(pages).toBe(2);

      // An exact fit ends without a cursor pointing at an empty page.
      const exact = await calls.listCalls({ since, limit: 6 });
      expect(exact.items).toHaveLength(6);
      expect(exact.nextCursor).toBeUndefined();

      // A page boundary stays put while newer calls arrive.
      const first = await calls.listCalls({ since, limit: 2 });
      await calls.createCall({ direction: 'inbound', caller: 'a', callee: 'b', createdAt: t(10) });
      const second = await calls.listCalls({ since, limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((c) => c.id)).toEqual(expected.slice(2, 4));

      const ended = await calls.listCalls({ since, state: 'ended', limit: 10 });
      expect(ended.items.map((c) => c.id)).toEqual([made[4], made[2], made[0]].map((c) => c!.id));
      const later = await calls.listCalls({ since: t(3), limit: 10 });
      expect(later.items).toHaveLength(3);

      await expect(calls.listCalls({ cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
    });

    it('adds, updates and lists participants in joining order', async () => {
      const { calls } = ctx.store;
      const call = await calls.createCall({ direction: 'outbound', caller: '+1', callee: '+2' });
      const joinedAt = new Date();
      const a = await calls.addParticipant({
        callId: call.id,
        kind: 'sip',
        identity: '+2',
        joinedAt,
      });
      const b = await calls.addParticipant({
        callId: call.id,
        kind: 'agent',
        identity: 'alice',
        room: 'room-1',
        joinedAt,
      });
      expect(a).toEqual({
        id: a.id,
        callId: call.id,
        kind: 'sip',
        identity: '+2',
        state: 'ringing',
        room: undefined,
        muted: false,
        endReason: undefined,
        sipStatus: undefined,
        joinedAt,
        answeredAt: undefined,
        leftAt: undefined,
      });
      const updated = await calls.updateParticipant(b.id, {
        state: 'answered',
        muted: true,
        room: null,
      });
      expect(updated).toMatchObject({ state: 'answered', muted: true, room: undefined });
      const left = await calls.updateParticipant(a.id, {
        state: 'ended',
        leftAt: new Date(),
        sipStatus: 487,
      });
      expect(await calls.listParticipants(call.id)).toEqual([left, updated]);
      expect(await calls.listParticipants('call_nope')).toEqual([]);
      await expect(
        calls.addParticipant({ callId: 'call_nope', kind: 'text', identity: 'x' }),
      ).rejects.toMatchObject({ name: 'NotFoundError', entity: 'call', id: 'call_nope' });
      await expect(calls.updateParticipant('pa_nope', { muted: true })).rejects.toThrow(
        NotFoundError,
      );
      // A participant moved to another call follows it; an unknown call is refused.
      const other = await calls.createCall({ direction: 'inbound', caller: '+3', callee: '+4' });
      const moved = await calls.updateParticipant(b.id, { callId: other.id });
      expect(moved.callId).toBe(other.id);
      expect(await calls.listParticipants(other.id)).toEqual([moved]);
      await expect(calls.updateParticipant(b.id, { callId: 'call_nope' })).rejects.toMatchObject({
        name: 'NotFoundError',
        entity: 'call',
      });
    });
  });

  describe('API keys', () => {
    it('shows the key once, stores only its SHA-256, verifies and revokes', async () => {
      const { apiKeys } = ctx.store;
      const before = await apiKeys.count();
      const { record, key } = await apiKeys.create({
        name: 'ci',
        scopes: ['operator', 'read-only'],
      });
      expect(key).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
      expect(record.hash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(record.prefix).toBe(key.slice(0, 11));
      expect(record).toMatchObject({ name: 'ci', scopes: ['operator', 'read-only'] });
      expect(record.lastUsedAt).toBeUndefined();
      expect(record.revokedAt).toBeUndefined();
      expect(Object.values(record).map(String)).not.toContain(key);
      expect(await apiKeys.count()).toBe(before + 1);

      const verified = await apiKeys.verify(key);
      expect(verified?.id).toBe(record.id);
      expect(verified?.lastUsedAt).toBeInstanceOf(Date);
      expect(await apiKeys.verify(`${key}x`)).toBeUndefined();
      expect(await apiKeys.verify('')).toBeUndefined();
      expect(await apiKeys.verify(record.hash)).toBeUndefined();
      expect(await apiKeys.list()).toContainEqual(verified);

      const revoked = await apiKeys.revoke(record.id);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      expect(await apiKeys.verify(key)).toBeUndefined();
      expect(await apiKeys.count()).toBe(before);
      // Revoking twice keeps the first revocation time.
      expect((await apiKeys.revoke(record.id)).revokedAt).toEqual(revoked.revokedAt);
      expect(await apiKeys.get(record.id)).toEqual(revoked);
      await expect(apiKeys.revoke('key_nope')).rejects.toMatchObject({
        entity: 'API key',
        id: 'key_nope',
      });
    });

    it('gives every key a different secret', async () => {
      const keys = await Promise.all(
        [1, 2, 3].map(() => ctx.store.apiKeys.create({ name: 'n', scopes: ['agent'] })),
      );
      expect(new Set(keys.map((k) => k.key)).size).toBe(3);
      expect(new Set(keys.map((k) => k.record.id)).size).toBe(3);
    });
  });

  describe('webhooks', () => {
    it('creates, reads, updates, lists and deletes subscriptions', async () => {
      const { webhooks } = ctx.store;
      const hook = await webhooks.create({ url: 'https://example.com/hook', events: ['call.*'] });
      expect(hook).toMatchObject({
        url: 'https://example.com/hook',
        events: ['call.*'],
        enabled: true,
      });
      expect(hook.secret).toMatch(/^whsec_/);
      expect(hook.id).toMatch(/^wh_/);
      expect(await webhooks.get(hook.id)).toEqual(hook);
      expect(await webhooks.list()).toContainEqual(hook);
      const updated = await webhooks.update(hook.id, { enabled: false, events: [] });
      expect(updated).toEqual({ ...hook, enabled: false, events: [] });
      expect(await webhooks.update(hook.id, {})).toEqual(updated);
      await webhooks.delete(hook.id);
      expect(await webhooks.get(hook.id)).toBeUndefined();
      await expect(webhooks.delete(hook.id)).rejects.toMatchObject({
        entity: 'webhook',
        id: hook.id,
      });
      await expect(webhooks.update(hook.id, {})).rejects.toThrow(NotFoundError);
    });

    it('queues deliveries, hands due ones to the retry worker in order, and tracks attempts', async () => {
      const { webhooks } = ctx.store;
      const hook = await webhooks.create({ url: 'https://example.com/a', secret: 's3cret' });
      const base = window();
      const at = (s: number) => new Date(base.getTime() + s * 1000);
      const mk = (eventId: string, due: number) =>
        webhooks.createDelivery({
          webhookId: hook.id,
          eventId,
          eventType: 'call.ended',
          payload: JSON.stringify({ id: eventId }),
          nextAttemptAt: at(due),
        });
      const late = await mk('evt_late', 30);
      const early = await mk('evt_early', 10);
      const mid = await mk('evt_mid', 20);
      expect(early).toMatchObject({
        status: 'pending',
        attempts: 0,
        payload: '{"id":"evt_early"}',
      });
      expect(early.lastStatus).toBeUndefined();
      expect(early.lastError).toBeUndefined();

      // Deliveries due long ago from other tests come first; ours follow, by due time.
      const ours = (list: { id: string }[]) =>
        list.map((d) => d.id).filter((id) => [late.id, early.id, mid.id].includes(id));
      expect(ours(await webhooks.dueDeliveries(at(5), 1000))).toEqual([]);
      expect(ours(await webhooks.dueDeliveries(at(20), 1000))).toEqual([early.id, mid.id]);

      const retried = await webhooks.updateDelivery(early.id, {
        attempts: 1,
        lastStatus: 503,
        lastError: 'Service Unavailable',
        nextAttemptAt: at(40),
      });
      expect(retried).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatus: 503,
        nextAttemptAt: at(40),
      });
      const done = await webhooks.updateDelivery(mid.id, {
        status: 'delivered',
        attempts: 1,
        lastStatus: 204,
        nextAttemptAt: null,
      });
      expect(done.nextAttemptAt).toBeUndefined();
      expect(ours(await webhooks.dueDeliveries(at(45), 1000))).toEqual([late.id, early.id]);

      // Two workers read the same due delivery; only the first claim takes it.
      const claimed = await webhooks.claimDelivery(late.id, at(30), at(100));
      expect(claimed).toMatchObject({ id: late.id, nextAttemptAt: at(100) });
      expect(await webhooks.claimDelivery(late.id, at(30), at(100))).toBeUndefined();
      // A finished delivery cannot be claimed.
      expect(await webhooks.claimDelivery(mid.id, at(20), at(100))).toBeUndefined();
      await webhooks.updateDelivery(late.id, { nextAttemptAt: at(30) });

      const listed = await webhooks.listDeliveries({ webhookId: hook.id });
      expect(listed.map((d) => d.id)).toEqual([mid.id, early.id, late.id]);
      const delivered = await webhooks.listDeliveries({ webhookId: hook.id, status: 'delivered' });
      expect(delivered).toEqual([done]);
      expect(await webhooks.listDeliveries({ webhookId: hook.id, limit: 1 })).toHaveLength(1);
      expect(await webhooks.getDelivery(early.id)).toEqual(retried);

      await expect(mk('evt_early', 50)).rejects.toMatchObject({
        name: 'ConflictError',
        field: 'eventId',
      });
      await expect(
        webhooks.createDelivery({
          webhookId: 'wh_nope',
          eventId: 'e',
          eventType: 't',
          payload: '{}',
        }),
      ).rejects.toMatchObject({ name: 'NotFoundError', entity: 'webhook', id: 'wh_nope' });
      await expect(webhooks.updateDelivery('whd_nope', { attempts: 2 })).rejects.toThrow(
        NotFoundError,
      );

      // Deleting the subscription removes its deliveries.
      await webhooks.delete(hook.id);
      expect(await webhooks.getDelivery(early.id)).toBeUndefined();
      expect(await webhooks.listDeliveries({ webhookId: hook.id })).toEqual([]);
    });
  });

  describe('voice turns', () => {
    it('records turns of a call and lists them by index', async () => {
      const { calls, voiceTurns } = ctx.store;
      const call = await calls.createCall({ direction: 'inbound', caller: '+1', callee: '+2' });
      const participant = await calls.addParticipant({
        callId: call.id,
        kind: 'sip',
        identity: '+1',
      });
      const startedAt = new Date(call.createdAt.getTime() + 3000);
      const endedAt = new Date(startedAt.getTime() + 4250);
      // Written out of order: the listing follows the index, not the insertion.
      const second = await voiceTurns.addTurn({
        callId: call.id,
        participantId: participant.id,
        index: 1,
        userText: 'And on Sunday?',
        assistantText: 'On Sunday we',
        interrupted: true,
        latency: { sttFinal: 180, responderFirstToken: 1450, ttsFirstAudio: 1720, sttMs: 170.5 },
        events: [
          { type: 'soft-timeout', atMs: 1200 },
          { type: 'provider-switch', from: 'primary', to: 'backup', reason: 'timeout' },
          { type: 'barge-in', heardMs: 830, detail: { words: ['On', 'Sunday'], vad: null } },
        ],
        startedAt: new Date(startedAt.getTime() + 10_000),
        endedAt: new Date(endedAt.getTime() + 10_000),
      });
      const first = await voiceTurns.addTurn({
        callId: call.id,
        index: 0,
        userText: 'When are you open?',
        assistantText: 'From nine to six, Monday to Saturday.',
        startedAt,
        endedAt,
      });
      expect(first).toEqual({
        id: first.id,
        callId: call.id,
        participantId: undefined,
        index: 0,
        userText: 'When are you open?',
        assistantText: 'From nine to six, Monday to Saturday.',
        interrupted: false,
        latency: {},
        events: [],
        startedAt,
        endedAt,
      });
      expect(first.id).toMatch(/^vt_[0-9a-f]{32}$/);
      expect(second).toMatchObject({ participantId: participant.id, interrupted: true });
      expect(second.latency).toEqual({
        sttFinal: 180,
        responderFirstToken: 1450,
        ttsFirstAudio: 1720,
        sttMs: 170.5,
      });
      expect(second.events[2]).toEqual({
        type: 'barge-in',
        heardMs: 830,
        detail: { words: ['On', 'Sunday'], vad: null },
      });

      const other = await calls.createCall({ direction: 'inbound', caller: '+3', callee: '+4' });
      const elsewhere = await voiceTurns.addTurn({
        callId: other.id,
        index: 0,
        userText: 'Hello?',
        assistantText: '',
      });
      expect(elsewhere.endedAt).toBeUndefined();
      expect(await voiceTurns.listTurns(call.id)).toEqual([first, second]);
      expect(await voiceTurns.listTurns(other.id)).toEqual([elsewhere]);
      expect(await voiceTurns.listTurns('call_nope')).toEqual([]);
    });

    it('refuses an unknown call, a taken index or id, and what cannot be stored', async () => {
      const { calls, voiceTurns } = ctx.store;
      const call = await calls.createCall({ direction: 'inbound', caller: '+1', callee: '+2' });
      const turn = (index: number, extra: object = {}) =>
        voiceTurns.addTurn({
          callId: call.id,
          index,
          userText: 'hi',
          assistantText: 'hello',
          ...extra,
        });
      const taken = await turn(0);

      await expect(
        voiceTurns.addTurn({ callId: 'call_nope', index: 0, userText: 'a', assistantText: 'b' }),
      ).rejects.toMatchObject({ name: 'NotFoundError', entity: 'call', id: 'call_nope' });
      await expect(turn(0)).rejects.toMatchObject({ name: 'ConflictError', field: 'index' });
      await expect(turn(1, { id: taken.id })).rejects.toMatchObject({
        name: 'ConflictError',
        field: 'id',
      });
      for (const index of [-1, 1.5, Number.NaN, 2 ** 31]) {
        await expect(turn(index), String(index)).rejects.toMatchObject({
          name: 'ValidationError',
          field: 'index',
        });
      }
      await expect(turn(1, { latency: { sttFinal: Number.NaN } })).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'latency.sttFinal',
      });
      await expect(turn(1, { latency: { ttsMs: Infinity } })).rejects.toThrow(ValidationError);
      await expect(turn(1, { userText: 'a\u0000b' })).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'userText',
      });
      await expect(
        turn(1, { events: [{ type: 'provider-switch', reason: { text: 'x\u0000' } }] }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'events' });
      // A backslash spelled out is only text.
      const escaped = await turn(1, { events: [{ type: 'note', text: '\\u0000' }] });
      expect(escaped.events).toEqual([{ type: 'note', text: '\\u0000' }]);
      expect((await voiceTurns.listTurns(call.id)).map((t) => t.index)).toEqual([0, 1]);
    });

    it('writes with a transaction, rolls back with it, and goes with its call', async () => {
      const { calls, voiceTurns } = ctx.store;
      const call = await calls.createCall({ direction: 'inbound', caller: '+1', callee: '+2' });
      const committed = await ctx.store.transaction((tx) =>
        tx.voiceTurns.addTurn({ callId: call.id, index: 0, userText: 'a', assistantText: 'b' }),
      );
      const boom = new Error('boom');
      await expect(
        ctx.store.transaction(async (tx) => {
          await tx.voiceTurns.addTurn({
            callId: call.id,
            index: 1,
            userText: 'c',
            assistantText: 'd',
          });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await voiceTurns.listTurns(call.id)).toEqual([committed]);

      // Deleting the call (no repository does; an operator's purge might) deletes its turns.
      await ctx.store.close();
      await ctx.rawQuery(`DELETE FROM calls WHERE id = '${call.id}'`);
      expect(
        await ctx.rawQuery(
          `SELECT count(*)::int AS n FROM voice_turns WHERE call_id = '${call.id}'`,
        ),
      ).toEqual([{ n: 0 }]);
      const reopened = await ctx.reopen();
      expect(await reopened.voiceTurns.listTurns(call.id)).toEqual([]);
    });
  });
});
