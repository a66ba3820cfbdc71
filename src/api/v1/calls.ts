/**
 * /v1/calls: the call history, newest first, in keyset pages, the participants (legs) of a call
 * and the turns of its voice-bot conversation. Read-only here; call control is in
 * call-control.ts.
 */
import { z } from 'zod';
import {
  NotFoundError,
  ValidationError,
  type CallRecord,
  type ParticipantRecord,
  type Store,
  type VoiceTurnRecord,
} from '../../store/index.js';
import { BadRequestError, type ApiRouter } from '../route-kit.js';
import { addGetRoute } from './crud.js';
import { idParams, iso, limitQuery, listOf, strictObject, timestamp } from './schemas.js';

const CALL_STATES = ['ringing', 'answered', 'on-hold', 'transferring', 'ended'] as const;

const listQuery = strictObject({
  state: z.enum(CALL_STATES).optional(),
  since: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T09:00:00Z' })
    .transform((s) => new Date(s))
    .optional(),
  limit: limitQuery.optional(),
  cursor: z.string().max(200, 'must be at most 200 characters').optional(),
});

/** A call as answered. */
export const callView = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  state: z.enum(CALL_STATES),
  caller: z.string(),
  callee: z.string(),
  trunkId: z.string().optional(),
  ruleId: z.string().optional(),
  matchExplanation: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
  endReason: z.string().optional(),
  sipStatus: z.number().int().optional(),
  createdAt: timestamp,
  answeredAt: timestamp.optional(),
  endedAt: timestamp.optional(),
});

/** A participant as answered. */
export const participantView = z.object({
  id: z.string(),
  callId: z.string(),
  kind: z.enum(['sip', 'twilio', 'webrtc', 'text', 'agent']),
  identity: z.string(),
  state: z.enum(CALL_STATES),
  room: z.string().optional(),
  muted: z.boolean(),
  endReason: z.string().optional(),
  sipStatus: z.number().int().optional(),
  joinedAt: timestamp,
  answeredAt: timestamp.optional(),
  leftAt: timestamp.optional(),
});

/** A voice-bot turn as answered. */
export const voiceTurnView = z.object({
  id: z.string(),
  callId: z.string(),
  participantId: z.string().optional(),
  index: z.number().int().min(0),
  userText: z.string(),
  assistantText: z.string(),
  interrupted: z.boolean(),
  latency: z.record(z.string(), z.number()).meta({
    description:
      "Milliseconds from the caller's end of speech to each stage reached (sttFinal, responderFirstToken, ttsFirstAudio, firstPacket), and durations inside providers (sttMs, responderMs, ttsMs)",
  }),
  events: z.array(z.record(z.string(), z.unknown())).meta({
    description:
      'What happened out of the ordinary, in order, each with a `type`: soft-timeout, provider-switch, hard-timeout, recognition-retry, barge-in, …',
  }),
  startedAt: timestamp,
  endedAt: timestamp.optional(),
});

const callPage = z.object({
  items: z.array(callView),
  nextCursor: z.string().optional(),
});

/** A stored call as answered (shared with the call-control routes). */
export function toCallView(c: CallRecord): z.infer<typeof callView> {
  return {
    id: c.id,
    direction: c.direction,
    state: c.state,
    caller: c.caller,
    callee: c.callee,
    trunkId: c.trunkId,
    ruleId: c.ruleId,
    matchExplanation: c.matchExplanation,
    attributes: c.attributes,
    endReason: c.endReason,
    sipStatus: c.sipStatus,
    createdAt: iso(c.createdAt),
    answeredAt: iso(c.answeredAt),
    endedAt: iso(c.endedAt),
  };
}

/** A stored participant as answered (shared with the call-control routes). */
export function toParticipantView(p: ParticipantRecord): z.infer<typeof participantView> {
  return {
    id: p.id,
    callId: p.callId,
    kind: p.kind,
    identity: p.identity,
    state: p.state,
    room: p.room,
    muted: p.muted,
    endReason: p.endReason,
    sipStatus: p.sipStatus,
    joinedAt: iso(p.joinedAt),
    answeredAt: iso(p.answeredAt),
    leftAt: iso(p.leftAt),
  };
}

/** A stored voice-bot turn as answered. */
export function toVoiceTurnView(t: VoiceTurnRecord): z.infer<typeof voiceTurnView> {
  return {
    id: t.id,
    callId: t.callId,
    participantId: t.participantId,
    index: t.index,
    userText: t.userText,
    assistantText: t.assistantText,
    interrupted: t.interrupted,
    latency: t.latency,
    events: t.events,
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
  };
}

/** Registers the call history routes. */
export function registerCallRoutes(router: ApiRouter, store: Store): void {
  const tag = 'calls';
  router.add({
    method: 'GET',
    url: '/v1/calls',
    summary: 'List calls, newest first; pass nextCursor back as cursor for the next page',
    tag,
    scope: 'read-only',
    query: listQuery,
    response: callPage,
    handler: async ({ query }) => {
      try {
        const page = await store.calls.listCalls(query);
        return {
          items: page.items.map(toCallView),
          ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
        };
      } catch (err) {
        // The store names the field `cursor`; the other query problems read `query.…`.
        if (err instanceof ValidationError) {
          throw new BadRequestError([{ field: `query.${err.field}`, message: err.message }]);
        }
        throw err;
      }
    },
  });
  addGetRoute(router, {
    url: '/v1/calls',
    summary: 'Get a call',
    tag,
    scope: 'read-only',
    what: 'call',
    response: callView,
    get: (id) => store.calls.getCall(id),
    view: toCallView,
  });
  router.add({
    method: 'GET',
    url: '/v1/calls/:id/participants',
    summary: 'List the participants (legs) of a call, in joining order',
    tag,
    scope: 'read-only',
    params: idParams,
    response: listOf(participantView),
    handler: async ({ params }) => {
      // The store answers an empty list for an unknown call; the API tells the two apart.
      if (!(await store.calls.getCall(params.id))) throw new NotFoundError('call', params.id);
      return { items: (await store.calls.listParticipants(params.id)).map(toParticipantView) };
    },
  });
  router.add({
    method: 'GET',
    url: '/v1/calls/:id/turns',
    summary:
      'List the turns of the voice-bot conversation of a call, in order: texts, latencies, timeouts, fallbacks',
    tag,
    scope: 'read-only',
    params: idParams,
    response: listOf(voiceTurnView),
    handler: async ({ params }) => {
      if (!(await store.calls.getCall(params.id))) throw new NotFoundError('call', params.id);
      return { items: (await store.voiceTurns.listTurns(params.id)).map(toVoiceTurnView) };
    },
  });
}
