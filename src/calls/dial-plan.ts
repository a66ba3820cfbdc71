/**
 * Planning outbound calls for call control: where a destination is dialled (through an
 * outbound trunk, to a registered user, a SIP URI, or back into this server), the policy checks
 * made before any SIP is sent (toll-fraud guard, caller ID, trunk call limit), and small helpers
 * for dialled participants.
 */
import type { Leg, LegEnd } from '../channels/index.js';
import type { TransportProtocol } from '../sip/index.js';
import { NotFoundError, type Cache, type OutboundTrunk, type Store } from '../store/index.js';
import { CallFailedError, sipStatusOf, type CallService } from './call-service.js';
import { CallControlRefusal } from './control-types.js';
import { checkDestination, pickCallerId } from './dispatch/index.js';
import type { LiveParticipant } from './live-calls.js';

/** A dial destination worked out by {@link DialPlanner}. */
export interface DialPlan {
  target: string;
  trunk?: OutboundTrunk;
  from?: string;
  transport?: TransportProtocol;
}

/** What a {@link DialPlanner} needs. */
export interface DialPlannerOptions {
  calls: Pick<CallService, 'isRegistered'>;
  store: Pick<Store, 'trunks'>;
  cache: Cache;
  /** The SIP URI of `user` at this server. */
  ourUri: (user: string) => string;
}

/** Works out dial plans and holds outbound trunks to their call limits. */
export class DialPlanner {
  constructor(private readonly options: DialPlannerOptions) {}

  /** Where and how to call `to`; refuses a policy breach before anything is sent. */
  async plan(to: string, trunkId: string | undefined, from: string | undefined): Promise<DialPlan> {
    if (trunkId) {
      const trunk = await this.options.store.trunks.getOutbound(trunkId);
      if (!trunk) throw new NotFoundError('outbound trunk', trunkId);
      const destination = checkDestination(trunk, to);
      if (!destination.ok) throw new CallControlRefusal('to', destination.reason, 403);
      const caller = pickCallerId(trunk, from);
      if (!caller.ok) throw new CallControlRefusal('from', caller.reason, 400);
      return {
        target: `sip:${destination.normalised}@${trunk.address}`,
        trunk,
        from: caller.callerId,
        transport: trunk.transport as TransportProtocol,
      };
    }
    if (/^sips?:/i.test(to)) return { target: to, from };
    if (await this.options.calls.isRegistered(to)) return { target: to, from };
    throw new CallControlRefusal(
      'trunkId',
      /^\+?[0-9*#]+$/.test(to)
        ? 'a phone number needs an outbound trunk (trunkId)'
        : 'not a registered user or a SIP URI; a phone number needs an outbound trunk (trunkId)',
      400,
    );
  }

  /**
   * Where a transfer goes: like a dial, except that a name or number with no trunk that is not
   * a registered user is dialled back into this server, where the dispatch rules route it (a
   * room, another extension) — the same place a REFER to it would reach.
   */
  async planTransfer(to: string, trunkId: string | undefined): Promise<DialPlan> {
    if (trunkId || /^sips?:/i.test(to) || (await this.options.calls.isRegistered(to))) {
      return this.plan(to, trunkId, undefined);
    }
    return { target: this.options.ourUri(to) };
  }

  /** Reserves a call on an outbound trunk with a limit; resolves with its release. */
  async takeTrunkSlot(trunk: OutboundTrunk | undefined): Promise<() => Promise<void>> {
    if (!trunk || trunk.maxConcurrentCalls <= 0) return async () => undefined;
    const key = `outbound-trunk:${trunk.id}:calls`;
    const inUse = await this.options.cache.incr(key, { ttlMs: 6 * 3600_000 });
    if (inUse > trunk.maxConcurrentCalls) {
      await this.options.cache.decr(key);
      throw new CallControlRefusal(
        'trunkId',
        `outbound trunk ${trunk.id} is at its limit of ${trunk.maxConcurrentCalls} calls`,
        503,
      );
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.options.cache.decr(key);
    };
  }
}

/** How a participant that never answered ended: our cancel, or the far end's refusal. */
export function failedEnd(participant: LiveParticipant, err: unknown): LegEnd {
  if (participant.cancelReason) {
    return { reason: participant.cancelReason, status: 487, by: 'local' };
  }
  const failure = err instanceof CallFailedError ? err : undefined;
  return {
    reason: failure?.reason ?? 'dial-failed',
    status: failure?.status ?? sipStatusOf(err),
    by: 'remote',
  };
}

/** Sends digits, `w` pausing 500 ms (as dialers do for IVR menus after answer). */
export async function sendDigits(leg: Leg, digits: string): Promise<void> {
  for (const part of digits.split(/(w+)/i)) {
    if (part === '') continue;
    if (/^w+$/i.test(part)) await new Promise((r) => setTimeout(r, 500 * part.length));
    else if (!leg.isEnded) await leg.sendDtmf(part);
  }
}
