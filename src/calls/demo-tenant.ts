/**
 * The demo tenant: what a first start with an empty database gets, so a softphone on the same
 * machine can try Switchboard at once — an inbound trunk for loopback sources, and rules that
 * send 1000 to the echo test, 2000 to the demo IVR flow, 2100 to a demo room and 3000 to the
 * demo voice agent. The flow and its agents are dialog documents, written by the caller's
 * `extra` step inside the same transaction (the calls room does not know the dialog room).
 */
import type { InboundTrunk, DispatchRule, Repositories, Store } from '../store/index.js';

/** What {@link ensureDemoTenant} created. */
export interface DemoTenant {
  trunk: InboundTrunk;
  rules: DispatchRule[];
}

/** Name of the demo room the 2100 rule joins. */
export const DEMO_ROOM = 'demo';

/** Name of the flow the 2000 rule starts (the dialog room's demo IVR). */
export const DEMO_IVR_FLOW = 'demo-ivr';

/** The demo tenant's numbers. */
export interface DemoExtensions {
  echo: string;
  /** The demo IVR flow (default 2000). */
  ivr?: string;
  /** The demo conference room (default 2100). */
  room: string;
  /** The scripted demo voice agent (default 3000). */
  agent?: string;
}

/**
 * Creates the demo tenant when the database is empty — no trunks, no rules and no call
 * history — in one transaction, and returns it; otherwise returns undefined. The history
 * check keeps a tenant an operator has cleared out from coming back on the next start.
 */
export async function ensureDemoTenant(
  store: Pick<Store, 'trunks' | 'dispatchRules' | 'calls' | 'transaction'>,
  extensions: DemoExtensions = { echo: '1000', room: '2100' },
  extra?: (tx: Repositories) => Promise<void>,
): Promise<DemoTenant | undefined> {
  const [inbound, outbound, rules, calls] = await Promise.all([
    store.trunks.listInbound(),
    store.trunks.listOutbound(),
    store.dispatchRules.list(),
    store.calls.listCalls({ limit: 1 }),
  ]);
  if (inbound.length + outbound.length + rules.length + calls.items.length > 0) return undefined;
  return store.transaction(async (tx) => {
    const trunk = await tx.trunks.createInbound({
      name: 'Demo: this machine',
      allowedAddresses: ['127.0.0.0/8', '::1/128'],
    });
    const echo = await tx.dispatchRules.create({
      name: 'Demo: echo test',
      priority: 10,
      calledNumber: extensions.echo,
      action: { type: 'echo' },
    });
    const ivr = await tx.dispatchRules.create({
      name: 'Demo: IVR (1 the AI claims agent, 2 a queue, 9 repeat)',
      priority: 10,
      calledNumber: extensions.ivr ?? '2000',
      action: { type: 'flow', flowId: DEMO_IVR_FLOW },
    });
    const room = await tx.dispatchRules.create({
      name: 'Demo: conference room',
      priority: 10,
      calledNumber: extensions.room,
      action: { type: 'room', room: DEMO_ROOM },
    });
    const agent = await tx.dispatchRules.create({
      name: 'Demo: voice agent',
      priority: 10,
      calledNumber: extensions.agent ?? '3000',
      action: { type: 'agent', agentId: 'demo' },
    });
    await extra?.(tx);
    return { trunk, rules: [echo, ivr, room, agent] };
  });
}
