/**
 * Store contract, part 1: trunks, dispatch rules, transactions and persistence across a restart,
 * on PGlite and PostgreSQL alike (see testing/backends.ts). Tests share one store per backend,
 * so each one works with the records it created rather than assuming an empty database.
 */
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from './database.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { describeEachBackend } from './testing/backends.js';

/** A number no other test uses. */
let numberSeq = 0;
const did = (): string =>
  `+1555${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;

// One store per backend for the whole file: opening PGlite the first time costs seconds.
describeEachBackend('store contract: trunks, rules, transactions, restarts', (ctx) => {
  describe('trunks', () => {
    it('creates, reads, lists, updates and deletes an inbound trunk', async () => {
      const { trunks } = ctx.store;
      const [a, b] = [did(), did()];
      const created = await trunks.createInbound({
        name: 'carrier',
        numbers: [a, ` ${b} `],
        allowedAddresses: ['203.0.113.0/24'],
        credentials: { username: 'u', password: 'p' },
        headerAttributes: { 'X-Customer-Id': 'customerId' },
        maxConcurrentCalls: 10,
      });
      expect(created).toMatchObject({
        name: 'carrier',
        numbers: [a, b],
        allowedAddresses: ['203.0.113.0/24'],
        credentials: { username: 'u', password: 'p' },
        headerAttributes: { 'X-Customer-Id': 'customerId' },
        maxConcurrentCalls: 10,
      });
      expect(created.id).toMatch(/^tri_[0-9a-f]{32}$/);
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await trunks.getInbound(created.id)).toEqual(created);
      expect(await trunks.listInbound()).toContainEqual(created);
      expect(await trunks.findInboundByNumber(b)).toEqual(created);

      const c = did();
      const updated = await trunks.updateInbound(created.id, {
        name: 'renamed',
        numbers: [c, a],
        credentials: null,
      });
      expect(updated).toMatchObject({ name: 'renamed', numbers: [c, a], maxConcurrentCalls: 10 });
      expect(updated.credentials).toBeUndefined();
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await trunks.findInboundByNumber(b)).toBeUndefined();
      expect((await trunks.findInboundByNumber(c))?.id).toBe(created.id);

      await trunks.deleteInbound(created.id);
      expect(await trunks.getInbound(created.id)).toBeUndefined();
      expect(await trunks.findInboundByNumber(a)).toBeUndefined();
      // The number is free again.
      const reuse = await trunks.createInbound({ name: 'next', numbers: [a] });
      expect(reuse.numbers).toEqual([a]);
    });

    it('fills defaults and returns optional fields as undefined, not null', async () => {
      const trunk = await ctx.store.trunks.createInbound({ name: 'bare' });
      expect(trunk).toEqual({
        id: trunk.id,
        name: 'bare',
        numbers: [],
        allowedAddresses: [],
        credentials: undefined,
        headerAttributes: {},
        maxConcurrentCalls: 0,
        createdAt: trunk.createdAt,
        updatedAt: trunk.updatedAt,
      });
      const rule = await ctx.store.dispatchRules.create({ name: 'r', action: { type: 'echo' } });
      expect(rule.calledNumber).toBeUndefined();
      expect(rule.callingNumber).toBeUndefined();
    });

    it('refuses one number on two inbound trunks with a ConflictError naming the field', async () => {
      const { trunks } = ctx.store;
      const shared = did();
      const first = await trunks.createInbound({ name: 'first', numbers: [shared] });
      const error = await trunks
        .createInbound({ name: 'second', numbers: [did(), shared] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ field: 'numbers' });
      expect((error as Error).message).toContain(first.id);
      // The failed create left nothing behind: no trunk named "second", first keeps its number.
      expect((await trunks.listInbound()).some((t) => t.name === 'second')).toBe(false);
      expect((await trunks.findInboundByNumber(shared))?.id).toBe(first.id);

      // Updating another trunk to take the number fails the same way and changes nothing.
      const mine = did();
      const other = await trunks.createInbound({ name: 'other', numbers: [mine] });
      await expect(
        trunks.updateInbound(other.id, { name: 'x', numbers: [shared] }),
      ).rejects.toThrow(ConflictError);
      expect(await trunks.getInbound(other.id)).toMatchObject({ name: 'other', numbers: [mine] });
    });

    it('lets exactly one of two concurrent writers take a number', async () => {
      const shared = did();
      const results = await Promise.allSettled([
        ctx.store.trunks.createInbound({ name: 'race-a', numbers: [shared] }),
        ctx.store.trunks.createInbound({ name: 'race-b', numbers: [shared] }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(ConflictError);
    });

    it('refuses a number listed twice in one trunk, and a taken id', async () => {
      const n = did();
      await expect(
        ctx.store.trunks.createInbound({ name: 'dup', numbers: [n, n] }),
      ).rejects.toThrow(ValidationError);
      const t = await ctx.store.trunks.createInbound({ name: 'fixed', id: `tri_fixed_${n}` });
      await expect(
        ctx.store.trunks.createInbound({ name: 'again', id: t.id }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        field: 'id',
      });
    });

    it('raises NotFoundError with the entity and id for unknown trunks', async () => {
      const { trunks } = ctx.store;
      const error = await trunks.updateInbound('tri_nope', { name: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ entity: 'inbound trunk', id: 'tri_nope' });
      await expect(trunks.deleteInbound('tri_nope')).rejects.toThrow(NotFoundError);
      await expect(trunks.updateOutbound('tro_nope', { name: 'x' })).rejects.toMatchObject({
        entity: 'outbound trunk',
        id: 'tro_nope',
      });
      await expect(trunks.deleteOutbound('tro_nope')).rejects.toThrow(NotFoundError);
      expect(await trunks.getInbound('tri_nope')).toBeUndefined();
      expect(await trunks.getOutbound('tro_nope')).toBeUndefined();
    });

    it('creates, reads, lists, updates and deletes an outbound trunk', async () => {
      const { trunks } = ctx.store;
      const created = await trunks.createOutbound({
        name: 'out',
        address: 'sip.example.net:5060',
        numbers: ['+8610'],
        headers: { 'X-Account': '42' },
        allowedDestinationPrefixes: ['+86'],
      });
      expect(created).toMatchObject({
        transport: 'udp',
        maxConcurrentCalls: 0,
        numbers: ['+8610'],
        headers: { 'X-Account': '42' },
        allowedDestinationPrefixes: ['+86'],
      });
      expect(created.credentials).toBeUndefined();
      expect(await trunks.getOutbound(created.id)).toEqual(created);
      expect(await trunks.listOutbound()).toContainEqual(created);
      const updated = await trunks.updateOutbound(created.id, {
        transport: 'tls',
        credentials: { username: 'a', password: 'b' },
      });
      expect(updated).toMatchObject({
        transport: 'tls',
        credentials: { username: 'a', password: 'b' },
      });
      expect(updated.address).toBe('sip.example.net:5060');
      await trunks.deleteOutbound(created.id);
      expect(await trunks.getOutbound(created.id)).toBeUndefined();
    });
  });

  describe('dispatch rules', () => {
    it('lists by priority descending, then creation order, and keeps actions intact', async () => {
      const { dispatchRules } = ctx.store;
      const mk = (name: string, priority: number) =>
        dispatchRules.create({
          name,
          priority,
          action: { type: 'reject', status: 486, reason: name },
        });
      // Created back to back: several share a millisecond, so creation order must not rely on it.
      const made = [];
      for (const [name, priority] of [
        ['low', 1],
        ['high-a', 5],
        ['high-b', 5],
        ['zero', 0],
        ['high-c', 5],
      ] as const) {
        made.push(await mk(name, priority));
      }
      const ids = new Set(made.map((r) => r.id));
      const listed = (await dispatchRules.list()).filter((r) => ids.has(r.id)).map((r) => r.name);
      expect(listed).toEqual(['high-a', 'high-b', 'high-c', 'low', 'zero']);
    });

    it('creates, reads, updates and deletes a rule', async () => {
      const { dispatchRules } = ctx.store;
      const rule = await dispatchRules.create({
        name: 'business hours',
        trunkIds: ['tri_a'],
        calledNumber: '+86108888XXXX',
        timeWindows: [
          { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', timeZone: 'Asia/Shanghai' },
        ],
        action: { type: 'enqueue', queueId: 'sales', priority: 2, skills: ['zh'] },
      });
      expect(rule).toMatchObject({ priority: 0, enabled: true, callingNumber: undefined });
      expect(rule.id).toMatch(/^dr_/);
      expect(await dispatchRules.get(rule.id)).toEqual(rule);
      const updated = await dispatchRules.update(rule.id, {
        enabled: false,
        calledNumber: null,
        callingNumber: '/^\\+1/',
        action: { type: 'flow', flowId: 'f1' },
      });
      expect(updated).toMatchObject({
        enabled: false,
        calledNumber: undefined,
        callingNumber: '/^\\+1/',
        action: { type: 'flow', flowId: 'f1' },
        timeWindows: rule.timeWindows,
      });
      await dispatchRules.delete(rule.id);
      expect(await dispatchRules.get(rule.id)).toBeUndefined();
      await expect(dispatchRules.delete(rule.id)).rejects.toMatchObject({
        name: 'NotFoundError',
        entity: 'dispatch rule',
        id: rule.id,
      });
      await expect(dispatchRules.update(rule.id, { name: 'x' })).rejects.toThrow(NotFoundError);
    });
  });

  describe('transactions and restarts', () => {
    it('commits everything written through the transaction together', async () => {
      const n = did();
      const result = await ctx.store.transaction(async (tx) => {
        const trunk = await tx.trunks.createInbound({ name: 'tx-commit', numbers: [n] });
        const rule = await tx.dispatchRules.create({
          name: 'tx-commit',
          trunkIds: [trunk.id],
          action: { type: 'echo' },
        });
        return { trunk, rule };
      });
      expect(await ctx.store.trunks.getInbound(result.trunk.id)).toEqual(result.trunk);
      expect(await ctx.store.dispatchRules.get(result.rule.id)).toEqual(result.rule);
    });

    it('rolls back every write when the function throws', async () => {
      const n = did();
      const ids: { trunk?: string; rule?: string; call?: string; webhook?: string } = {};
      const boom = new Error('boom');
      await expect(
        ctx.store.transaction(async (tx) => {
          ids.trunk = (await tx.trunks.createInbound({ name: 'tx-rollback', numbers: [n] })).id;
          ids.rule = (
            await tx.dispatchRules.create({ name: 'tx-rollback', action: { type: 'echo' } })
          ).id;
          ids.call = (
            await tx.calls.createCall({ direction: 'inbound', caller: 'a', callee: 'b' })
          ).id;
          ids.webhook = (await tx.webhooks.create({ url: 'http://127.0.0.1:9/hook' })).id;
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await ctx.store.trunks.getInbound(ids.trunk!)).toBeUndefined();
      expect(await ctx.store.trunks.findInboundByNumber(n)).toBeUndefined();
      expect(await ctx.store.dispatchRules.get(ids.rule!)).toBeUndefined();
      expect(await ctx.store.calls.getCall(ids.call!)).toBeUndefined();
      expect(await ctx.store.webhooks.get(ids.webhook!)).toBeUndefined();
    });

    it('rolls back when a write inside fails on a conflict', async () => {
      const shared = did();
      await ctx.store.trunks.createInbound({ name: 'holder', numbers: [shared] });
      let ruleId = '';
      await expect(
        ctx.store.transaction(async (tx) => {
          ruleId = (await tx.dispatchRules.create({ name: 'doomed', action: { type: 'echo' } })).id;
          await tx.trunks.createInbound({ name: 'taker', numbers: [shared] });
        }),
      ).rejects.toThrow(ConflictError);
      expect(await ctx.store.dispatchRules.get(ruleId)).toBeUndefined();
    });

    it('keeps trunks, rules, keys and call history after a restart; keys are stored hashed', async () => {
      const s = ctx.store;
      const trunk = await s.trunks.createInbound({ name: 'durable', numbers: [did()] });
      const outbound = await s.trunks.createOutbound({ name: 'durable', address: 'gw:5060' });
      const rule = await s.dispatchRules.create({
        name: 'durable',
        action: { type: 'room', room: 'r1' },
      });
      const { record: keyRecord, key } = await s.apiKeys.create({
        name: 'durable',
        scopes: ['admin'],
      });
      const call = await s.calls.createCall({ direction: 'inbound', caller: '+1', callee: '+2' });
      const participant = await s.calls.addParticipant({
        callId: call.id,
        kind: 'sip',
        identity: '+1',
      });
      const ended = await s.calls.updateCall(call.id, {
        state: 'ended',
        endedAt: new Date(),
        sipStatus: 200,
      });
      const webhook = await s.webhooks.create({
        url: 'http://127.0.0.1:9/hook',
        events: ['call.*'],
      });
      const delivery = await s.webhooks.createDelivery({
        webhookId: webhook.id,
        eventId: 'evt_durable',
        eventType: 'call.ended',
        payload: '{"type":"call.ended"}',
      });

      await s.close();
      // With the store closed, look at the raw rows: the secret must appear nowhere.
      const keyRows = await ctx.rawQuery('SELECT row_to_json(k)::text AS row FROM api_keys k');
      expect(keyRows.length).toBeGreaterThan(0);
      for (const { row } of keyRows) expect(String(row)).not.toContain(key.slice(3));
      expect(keyRows.map((r) => String(r.row)).join()).toContain(keyRecord.hash);
      // A second close is harmless (the app's shutdown path may run twice).
      await s.close();

      const reopened = await ctx.reopen();
      expect(await reopened.trunks.getInbound(trunk.id)).toEqual(trunk);
      expect(await reopened.trunks.getOutbound(outbound.id)).toEqual(outbound);
      expect(await reopened.dispatchRules.get(rule.id)).toEqual(rule);
      expect((await reopened.apiKeys.verify(key))?.id).toBe(keyRecord.id);
      expect(await reopened.calls.getCall(call.id)).toEqual(ended);
      expect(await reopened.calls.listParticipants(call.id)).toEqual([participant]);
      expect(await reopened.webhooks.get(webhook.id)).toEqual(webhook);
      expect(await reopened.webhooks.getDelivery(delivery.id)).toEqual(delivery);
      // Opening twice applied each migration once.
      await reopened.close();
      const table = ctx.kind === 'pglite' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
      const applied = await ctx.rawQuery(`SELECT count(*)::int AS n FROM ${table}`);
      expect(applied).toEqual([
        { n: readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length },
      ]);
      await ctx.reopen();
    });
  });
});
