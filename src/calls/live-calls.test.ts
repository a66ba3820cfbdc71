/**
 * The live call model against a real store: records follow the participants' lives, events
 * come out in the order a subscriber expects, moves re-home a participant, and the links that
 * connect legs undo and redo cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLeg, flushPromises } from '../../test/fixtures/fake-leg.js';
import { openTestStore, type TestStore } from '../../test/fixtures/test-store.js';
import { MediaClock, type DtmfDigit } from '../media/index.js';
import { createLogger } from '../observability/index.js';
import { ensureDemoTenant } from './demo-tenant.js';
import { applyLink, bridgeLink, dropLink, echoLink, roomLink } from './links.js';
import { LiveCalls, type CallEventInput } from './live-calls.js';
import { RoomRegistry } from './rooms.js';

let testStore: TestStore;
beforeAll(async () => {
  testStore = await openTestStore();
});
afterAll(() => testStore.dispose());

function model(): { live: LiveCalls; events: CallEventInput[] } {
  const events: CallEventInput[] = [];
  const live = new LiveCalls({
    store: testStore.store,
    publish: async (event) => {
      events.push(event);
    },
    logger: createLogger({ level: 'silent' }),
  });
  return { live, events };
}

describe('LiveCalls', () => {
  it('records a call from ringing to ended and publishes its life in order', async () => {
    const { live, events } = model();
    const call = await live.open({
      direction: 'inbound',
      caller: '+8613800000000',
      callee: '2000',
      ruleId: 'dr_x',
      matchExplanation: ['winner: rule "x" (priority 0)'],
      attributes: { sipCallId: 'abc' },
    });
    live.dispatched(call, { ruleId: 'dr_x' });
    const p = await live.addParticipant(call, { kind: 'sip', identity: '+8613800000000' });
    const leg = new FakeLeg('leg-a', 8000);
    live.attachLeg(p, leg);
    expect(live.participantOfLeg('leg-a')).toBe(p);
    leg.emit('dtmf', {
      digit: '5' as DtmfDigit,
      durationMs: 80,
      source: 'rfc4733',
      timestampMs: 0,
    });
    leg.end();
    await flushPromises();
    await live.flush();
    expect(events.map((e) => e.type)).toEqual([
      'call.ringing',
      'dispatch.matched',
      'participant.joined',
      'call.answered',
      'dtmf.received',
      'participant.left',
      'call.ended',
    ]);
    expect(events.find((e) => e.type === 'dtmf.received')!.data).toMatchObject({ digit: '5' });
    const { call: record, participants } = await live.snapshot(call.id);
    expect(record).toMatchObject({
      state: 'ended',
      ruleId: 'dr_x',
      matchExplanation: ['winner: rule "x" (priority 0)'],
      attributes: { sipCallId: 'abc' },
      endReason: 'remote-bye',
    });
    expect(record.answeredAt).toBeInstanceOf(Date);
    expect(participants).toEqual([
      expect.objectContaining({ id: p.id, state: 'ended', endReason: 'remote-bye' }),
    ]);
    expect(live.get(call.id)).toBeUndefined();
  });

  it('ends a call refused at routing with its status, and a never-answered participant', async () => {
    const { live } = model();
    const refused = await live.open({ direction: 'inbound', caller: '1', callee: '9' });
    live.refused(refused, 486, 'rejected');
    const unanswered = await live.open({ direction: 'outbound', caller: '1', callee: '2' });
    const p = await live.addParticipant(unanswered, { kind: 'sip', identity: '2' });
    live.failed(p, { reason: 'busy', status: 486, by: 'remote' });
    await live.flush();
    expect((await live.snapshot(refused.id)).call).toMatchObject({
      state: 'ended',
      sipStatus: 486,
    });
    const after = await live.snapshot(unanswered.id);
    expect(after.call).toMatchObject({ state: 'ended', endReason: 'busy', sipStatus: 486 });
    expect(after.call.answeredAt).toBeUndefined();
    expect(after.participants[0]).toMatchObject({ state: 'ended', sipStatus: 486 });
  });

  it('moves a participant to another call; the call it left ends when empty', async () => {
    const { live, events } = model();
    const a = await live.open({ direction: 'inbound', caller: '1', callee: '1000' });
    const b = await live.open({ direction: 'inbound', caller: '2', callee: '2000' });
    const pa = await live.addParticipant(a, { kind: 'sip', identity: '1' });
    const pb = await live.addParticipant(b, { kind: 'sip', identity: '2' });
    live.attachLeg(pa, new FakeLeg('leg-1', 8000));
    live.attachLeg(pb, new FakeLeg('leg-2', 8000));
    await live.moveTo(pa, b, 'call-b');
    await live.flush();
    expect(live.get(a.id)).toBeUndefined();
    expect([...b.participants.keys()]).toEqual([pb.id, pa.id]);
    const snap = await live.snapshot(b.id);
    // Listed by joining time: the moved participant joined its first call earlier.
    expect(snap.participants.map((p) => [p.id, p.room])).toEqual([
      [pa.id, 'call-b'],
      [pb.id, undefined],
    ]);
    expect((await live.snapshot(a.id)).call).toMatchObject({
      state: 'ended',
      endReason: 'participants-moved',
    });
    expect(events.filter((e) => e.type === 'participant.joined').at(-1)).toMatchObject({
      callId: b.id,
      participantId: pa.id,
      data: { movedFrom: a.id },
    });
  });

  it('keeps mute and hold on the live participant and its record', async () => {
    const { live } = model();
    const call = await live.open({ direction: 'inbound', caller: '1', callee: '2' });
    const p = await live.addParticipant(call, { kind: 'sip', identity: '1' });
    live.attachLeg(p, new FakeLeg('leg-m', 8000));
    expect(await live.update(p, { muted: true, held: true })).toMatchObject({
      muted: true,
      state: 'on-hold',
    });
    expect(p.state).toBe('on-hold');
    expect(await live.update(p, { held: false })).toMatchObject({ state: 'answered' });
  });
});

describe('links', () => {
  it('a bridge hangs up the peer when one side leaves, until it is undone', async () => {
    const { live } = model();
    const call = await live.open({ direction: 'inbound', caller: '1', callee: '2' });
    const [pa, pb] = [
      await live.addParticipant(call, { kind: 'sip', identity: '1' }),
      await live.addParticipant(call, { kind: 'sip', identity: '2' }),
    ];
    const [a, b] = [new FakeLeg('a', 8000), new FakeLeg('b', 8000)];
    live.attachLeg(pa, a);
    live.attachLeg(pb, b);
    applyLink([pa, pb], bridgeLink(a, b));
    expect(pa.link).toBe(pb.link);
    a.end();
    await flushPromises();
    expect(b.isEnded).toBe(true);

    const [c, d] = [new FakeLeg('c', 8000), new FakeLeg('d', 8000)];
    const pc = await live.addParticipant(call, { kind: 'sip', identity: '3' });
    const pd = await live.addParticipant(call, { kind: 'sip', identity: '4' });
    live.attachLeg(pc, c);
    live.attachLeg(pd, d);
    applyLink([pc, pd], bridgeLink(c, d));
    dropLink(pc);
    c.end();
    await flushPromises();
    expect(d.isEnded).toBe(false);
  });

  it('a room link joins the named room and leaves it when replaced', () => {
    const clock = new MediaClock().manual();
    const rooms = new RoomRegistry(clock);
    const leg = new FakeLeg('r', 8000);
    const participant = { link: undefined } as unknown as Parameters<typeof dropLink>[0];
    applyLink([participant], roomLink(rooms, 'sales', leg));
    expect(rooms.members('sales')).toEqual(['r']);
    applyLink([participant], echoLink(leg));
    expect(rooms.members('sales')).toEqual([]);
    expect(rooms.names()).toEqual([]);
    clock.stop();
  });
});

describe('ensureDemoTenant', () => {
  it('creates the loopback trunk and the four rules once, on an empty database only', async () => {
    const { store, dispose } = await openTestStore();
    try {
      let extraRan = false;
      const demo = await ensureDemoTenant(store, undefined, async (tx) => {
        // The caller's own demo writes join the tenant's transaction.
        extraRan = (await tx.trunks.listInbound()).length === 1;
      });
      expect(extraRan).toBe(true);
      expect(demo?.trunk.allowedAddresses).toEqual(['127.0.0.0/8', '::1/128']);
      expect(demo?.rules.map((r) => [r.calledNumber, r.action])).toEqual([
        ['1000', { type: 'echo' }],
        ['2000', { type: 'flow', flowId: 'demo-ivr' }],
        ['2100', { type: 'room', room: 'demo' }],
        ['3000', { type: 'agent', agentId: 'demo' }],
      ]);
      expect(await ensureDemoTenant(store)).toBeUndefined();
      // Cleared by the operator after calls were made: it does not come back.
      for (const rule of demo!.rules) await store.dispatchRules.delete(rule.id);
      await store.trunks.deleteInbound(demo!.trunk.id);
      await store.calls.createCall({ direction: 'inbound', caller: '1', callee: '1000' });
      expect(await ensureDemoTenant(store)).toBeUndefined();
    } finally {
      await dispose();
    }
  });
});
