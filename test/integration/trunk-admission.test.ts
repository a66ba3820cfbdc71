/**
 * Inbound trunk admission through the whole server: with no trunks every call enters; once a
 * trunk exists, a source it does not allow gets 403 and a trunk.rejected event, a trunk's
 * concurrent-call limit answers 486 until a call ends and frees its slot, and a trunk with
 * digest credentials challenges INVITEs with 407.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Switchboard } from '../../src/app.js';
import { configSchema } from '../../src/config/index.js';
import type { SipCall } from '../../src/sip/index.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { startStack, within, type UaStack } from './helpers/ua-stack.js';

describe('inbound trunk admission', () => {
  let sb: Switchboard;
  let phone: UaStack;
  let dataDir: string;
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-trunks-'));
    sb = await startTestSwitchboard(
      configSchema.parse({
        sip: { host: '127.0.0.1', port: 0, transports: ['udp'], domain: '127.0.0.1' },
        http: { host: '127.0.0.1', port: 0 },
        rtp: { portMin: 34_000, portMax: 34_098 },
        dataDir,
        logLevel: 'silent',
        shutdownGraceMs: 2_000,
      }),
    );
    await sb.cacheAndBus.bus.subscribe('trunk.*', (_topic, message) => {
      events.push(message as (typeof events)[number]);
    });
    phone = await startStack();
  });

  afterAll(async () => {
    await phone.stop();
    await sb.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Calls 1000 and resolves with the call once answered or ended. */
  async function call(credentials?: { username: string; password: string }): Promise<SipCall> {
    const target = `sip:1000@127.0.0.1:${sb.sipEndpoints()[0]!.port}`;
    // Port 9 (discard): these calls are about admission, not audio.
    const c = await phone.ua.call(target, {
      media: { address: '127.0.0.1', port: 9 },
      credentials,
    });
    await within(
      Promise.race([c.answered, c.ended]).catch(() => undefined),
      'an answer',
    );
    return c;
  }

  it('admits every call while no trunk is configured', async () => {
    const c = await call();
    expect(c.state).toBe('answered');
    await c.hangup();
  });

  it('refuses a source no trunk allows with 403 and a trunk.rejected event', async () => {
    await sb.store.trunks.createInbound({
      id: 'carrier',
      name: 'carrier',
      numbers: ['1000'],
      allowedAddresses: ['203.0.113.0/24'],
    });
    const c = await call();
    expect(c.endInfo?.status).toBe(403);
    await within(
      (async () => {
        while (!events.some((e) => e.type === 'trunk.rejected')) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      'the trunk.rejected event',
    );
    expect(events.find((e) => e.type === 'trunk.rejected')!.data).toMatchObject({ status: 403 });
  });

  it('holds a trunk to its concurrent-call limit and frees the slot when a call ends', async () => {
    await sb.store.trunks.updateInbound('carrier', {
      allowedAddresses: ['127.0.0.1/32'],
      maxConcurrentCalls: 1,
    });
    const first = await call();
    expect(first.state).toBe('answered');
    const second = await call();
    expect(second.endInfo?.status).toBe(486);
    await first.hangup();
    await within(
      (async () => {
        // The slot is given back when the server sees the call end.
        while (Number(await sb.cacheAndBus.cache.get('trunk:carrier:calls')) !== 0) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      'the trunk slot to be released',
    );
    const third = await call();
    expect(third.state).toBe('answered');
    await third.hangup();
  });

  it('challenges INVITEs on a trunk with credentials and admits the right ones', async () => {
    await sb.store.trunks.updateInbound('carrier', {
      maxConcurrentCalls: 0,
      credentials: { username: 'carrier-a', password: 's3cret' },
    });
    events.length = 0;
    // No credentials: the 407 challenge is the answer, and no refusal event (it is routine).
    const bare = await call();
    expect(bare.endInfo?.status).toBe(407);
    const good = await call({ username: 'carrier-a', password: 's3cret' });
    expect(good.state).toBe('answered');
    await good.hangup();
    // Wrong password: refused again with 407, and this time it is an event.
    const bad = await call({ username: 'carrier-a', password: 'guess' });
    expect(bad.endInfo?.status).toBe(407);
    await within(
      (async () => {
        while (!events.some((e) => e.type === 'trunk.rejected')) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      'the trunk.rejected event',
    );
    expect(events.map((e) => e.data.status)).toEqual([407]);
    await sb.store.trunks.updateInbound('carrier', { credentials: null });
  });
});
