/**
 * Call history and call events, until the control plane's call model drives calls itself:
 * each leg with media becomes a call record with one participant, updated when it ends, and
 * its life is published as domain events (the app sends them to the event bus, and so to
 * /v1/events and webhooks).
 */
import { SipLeg } from '../channels/index.js';
import type { Logger } from '../observability/index.js';
import type { Store } from '../store/index.js';
import type { CallService } from './call-service.js';

/** The events this module publishes (names from the API's event catalogue). */
export type CallEventType =
  'call.answered' | 'participant.joined' | 'dtmf.received' | 'participant.left' | 'call.ended';

/** One event to publish. */
export interface CallEventInput {
  type: CallEventType;
  callId: string;
  participantId: string;
  data: Record<string, unknown>;
}

/** Options of {@link recordCallHistory}. */
export interface CallHistoryOptions {
  calls: CallService;
  store: Pick<Store, 'calls'>;
  /** Sends an event on (the app publishes it on the bus). */
  publish: (event: CallEventInput) => Promise<unknown>;
  logger: Logger;
}

/** A running history recorder. */
export interface CallHistory {
  /** Resolves once every pending write and publication has settled (before closing the store). */
  flush(): Promise<void>;
}

/**
 * Call history and events until the call model of the control plane drives calls itself: each
 * leg with media becomes a call record with one participant, updated when it ends, and its
 * life is published on the event bus (and so reaches /v1/events and webhooks). Writes for one
 * leg are chained so an end never overtakes its creation; a failed write is logged, never
 * allowed to disturb the call.
 */
export function recordCallHistory(options: CallHistoryOptions): CallHistory {
  const { calls, store, logger } = options;
  const records = new Map<string, Promise<{ callId: string; participantId: string } | undefined>>();
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const publish = (
    type: CallEventType,
    callId: string,
    participantId: string,
    data: Record<string, unknown> = {},
  ): Promise<unknown> => options.publish({ type, callId, participantId, data });
  calls.on('leg', (leg) => {
    if (!(leg instanceof SipLeg)) return;
    const sip = leg.call;
    const caller = sip.from.uri.user ?? '';
    const callee =
      sip.direction === 'inbound' ? (sip.requestUri?.user ?? '') : (sip.to.uri.user ?? '');
    const created = (async () => {
      const now = new Date();
      const call = await store.calls.createCall({
        direction: sip.direction,
        state: 'answered',
        caller,
        callee,
        answeredAt: now,
        attributes: { sipCallId: sip.callId, codec: leg.stats().codec },
      });
      const participant = await store.calls.addParticipant({
        callId: call.id,
        kind: 'sip',
        identity: sip.direction === 'inbound' ? caller : callee,
        state: 'answered',
        answeredAt: now,
      });
      await publish('call.answered', call.id, participant.id);
      await publish('participant.joined', call.id, participant.id);
      return { callId: call.id, participantId: participant.id };
    })().catch((err: Error) => {
      logger.error({ err: err.message, legId: leg.id }, 'could not record the call');
      return undefined;
    });
    records.set(leg.id, created);
    track(created);
  });
  calls.on('dtmf', (leg, event) => {
    const pending = records.get(leg.id);
    if (!pending) return;
    track(
      pending
        .then((ids) =>
          ids
            ? publish('dtmf.received', ids.callId, ids.participantId, {
                digit: event.digit,
                source: event.source,
                durationMs: event.durationMs,
              })
            : undefined,
        )
        .catch((err: Error) => logger.warn({ err: err.message }, 'could not publish a DTMF event')),
    );
  });
  calls.on('legEnded', (leg, end) => {
    const pending = records.get(leg.id);
    records.delete(leg.id);
    if (!pending) return;
    const ended = pending
      .then(async (ids) => {
        if (!ids) return;
        const endedAt = new Date();
        await store.calls.updateParticipant(ids.participantId, {
          state: 'ended',
          endReason: end.reason,
          sipStatus: end.status,
          leftAt: endedAt,
        });
        await store.calls.updateCall(ids.callId, {
          state: 'ended',
          endedAt,
          endReason: end.reason,
          sipStatus: end.status,
        });
        await publish('participant.left', ids.callId, ids.participantId, {
          reason: end.reason,
        });
        await publish('call.ended', ids.callId, ids.participantId, {
          reason: end.reason,
          by: end.by,
          ...(end.status !== undefined ? { sipStatus: end.status } : {}),
        });
      })
      .catch((err: Error) =>
        logger.error({ err: err.message, legId: leg.id }, 'could not record the end of the call'),
      );
    track(ended);
  });
  return {
    flush: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
