/**
 * Domain events: the names Switchboard publishes, how an event is put on the bus, and the JSON
 * shape (the "event message") that webhooks receive as their body and WebSocket clients receive
 * as one text frame. Both consumers use {@link toEventMessage}, so a receiver can parse a webhook
 * body and a WebSocket frame with the same code.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { DomainEvent, EventBus } from '../../store/index.js';

/**
 * The event types Switchboard publishes. The bus topic of an event is its type, so these are
 * also the names webhook `events` filters and WebSocket `types=` filters match against
 * (`call.*` matches every `call.…` type). Every event carries `callId` when it concerns a call
 * and `participantId` when it concerns one leg; `data` holds the details of each type.
 */
export const EVENT_TYPES = {
  /** A call was created and is ringing: an inbound INVITE was accepted or we dialled out. */
  CALL_RINGING: 'call.ringing',
  /** The call was answered (the first participant reached the answered state). */
  CALL_ANSWERED: 'call.answered',
  /** The call is over; `data` carries the end reason and, when one ended it, the SIP status. */
  CALL_ENDED: 'call.ended',
  /** A participant (leg) joined a call or a room. */
  PARTICIPANT_JOINED: 'participant.joined',
  /** A participant (leg) left a call or a room. */
  PARTICIPANT_LEFT: 'participant.left',
  /** A participant pressed a key (RFC 4733 or SIP INFO); `data` carries the digit. */
  DTMF_RECEIVED: 'dtmf.received',
  /** A dispatch rule matched an inbound call; `data` carries the rule and why it matched. */
  DISPATCH_MATCHED: 'dispatch.matched',
  /** An inbound trunk refused a call (unknown source, bad credentials, concurrency limit…). */
  TRUNK_REJECTED: 'trunk.rejected',
  /**
   * An agent's claim was read back and confirmed; `data` carries the conversation, agent,
   * reference and the claim's values.
   */
  CLAIM_COMPLETED: 'claim.completed',
  /** A caller called back within the window and continues an earlier conversation. */
  CONVERSATION_RESUMED: 'conversation.resumed',
  /** An agent handed its caller to a person; `data` carries the reason and the synthesis. */
  CONVERSATION_TRANSFERRED: 'conversation.transferred',
  /** An agent conversation ended (finished, or dropped and left open for a call back). */
  CONVERSATION_CLOSED: 'conversation.closed',
  /** A flow step failed (webhook down, agent error…) and the flow took its fallback. */
  FLOW_STEP_FAILED: 'flow.step_failed',
} as const;

/** One of the {@link EVENT_TYPES} names. */
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Every name in {@link EVENT_TYPES}, in declaration order (for docs, OpenAPI enums, tests). */
export const EVENT_TYPE_NAMES: readonly EventType[] = Object.values(EVENT_TYPES);

/** Prefix of event ids (`evt_` and 32 hex digits, like the store's ids). */
export const EVENT_ID_PREFIX = 'evt';

/**
 * What a publisher supplies: the type and what the event concerns; the id and time default to
 * new ones, `data` to `{}`.
 */
export type EventInput = Omit<DomainEvent, 'id' | 'occurredAt' | 'data'> &
  Partial<Pick<DomainEvent, 'id' | 'occurredAt' | 'data'>>;

/** A new event id. Random rather than a counter so ids from several nodes never collide. */
export function newEventId(): string {
  return `${EVENT_ID_PREFIX}_${randomBytes(16).toString('hex')}`;
}

/**
 * Publishes a domain event on the bus, on the topic named by its type, and resolves to the
 * event as published (with its id and time filled in). Subscribers receive it as JSON, so
 * `occurredAt` reaches them as an ISO string; {@link toEventMessage} reads it back.
 *
 * @throws TypeError when the type is not a valid topic (empty, a `*`, an empty segment).
 */
export async function publishEvent(bus: EventBus, input: EventInput): Promise<DomainEvent> {
  // callId/participantId only when present: an explicit `undefined` would stay in the returned
  // object but vanish in the JSON round trip, so the two would compare unequal in tests.
  const event: DomainEvent = {
    id: input.id ?? newEventId(),
    type: input.type,
    occurredAt: input.occurredAt ?? new Date(),
    ...(input.callId !== undefined ? { callId: input.callId } : {}),
    ...(input.participantId !== undefined ? { participantId: input.participantId } : {}),
    data: input.data ?? {},
  };
  await bus.publish(event.type, event);
  return event;
}

/**
 * The JSON form of an event, as webhooks (the POST body) and WebSocket clients (one text
 * message) receive it. Field order is fixed, so the same event always serialises to the same
 * bytes.
 */
export interface EventMessage {
  /** `evt_…`; the same id reaches every webhook and socket, so receivers can de-duplicate. */
  id: string;
  /** One of {@link EVENT_TYPES} (or a newer type: receivers should ignore types they do not know). */
  type: string;
  /** ISO 8601 time in UTC, e.g. `2025-01-01T12:00:00.000Z`. */
  occurredAt: string;
  callId?: string;
  participantId?: string;
  data: Record<string, unknown>;
}

/**
 * Reads an event off the bus (a {@link DomainEvent} after its JSON round trip, or one still
 * holding a `Date`) into an {@link EventMessage}; undefined when the message is not an event —
 * the bus is shared, and one malformed publisher must not break delivery of everything else.
 * With `topic`, only a message published on its own type (as {@link publishEvent} does) counts:
 * other rooms' coordination messages on the bus are not for webhooks or API clients.
 */
export function toEventMessage(message: unknown, topic?: string): EventMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m.id !== 'string' || typeof m.type !== 'string') return undefined;
  if (topic !== undefined && m.type !== topic) return undefined;
  let occurredAt: string;
  if (m.occurredAt instanceof Date) occurredAt = m.occurredAt.toISOString();
  else if (typeof m.occurredAt === 'string' && !Number.isNaN(Date.parse(m.occurredAt))) {
    occurredAt = new Date(m.occurredAt).toISOString();
  } else return undefined;
  const data =
    typeof m.data === 'object' && m.data !== null && !Array.isArray(m.data)
      ? (m.data as Record<string, unknown>)
      : {};
  return {
    id: m.id,
    type: m.type,
    occurredAt,
    ...(typeof m.callId === 'string' ? { callId: m.callId } : {}),
    ...(typeof m.participantId === 'string' ? { participantId: m.participantId } : {}),
    data,
  };
}
