import { describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../store/index.js';
import {
  EVENT_TYPE_NAMES,
  EVENT_TYPES,
  publishEvent,
  toEventMessage,
  type EventMessage,
} from './event-publisher.js';

describe('publishEvent', () => {
  it('fills id and time and publishes on the topic named by the type', async () => {
    const bus = new MemoryEventBus();
    const received: Array<[string, unknown]> = [];
    await bus.subscribe('call.*', (topic, message) => {
      received.push([topic, message]);
    });
    const event = await publishEvent(bus, {
      type: EVENT_TYPES.CALL_ANSWERED,
      callId: 'call_1',
      data: { by: 'agent' },
    });
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event.occurredAt).toBeInstanceOf(Date);
    expect(received).toEqual([
      [
        'call.answered',
        {
          id: event.id,
          type: 'call.answered',
          occurredAt: event.occurredAt.toISOString(),
          callId: 'call_1',
          data: { by: 'agent' },
        },
      ],
    ]);
    await bus.close();
  });

  it('keeps a given id and time and defaults data to {}', async () => {
    const bus = new MemoryEventBus();
    const at = new Date('2025-01-02T03:04:05.678Z');
    const event = await publishEvent(bus, { type: 'trunk.rejected', id: 'evt_x', occurredAt: at });
    expect(event).toEqual({ id: 'evt_x', type: 'trunk.rejected', occurredAt: at, data: {} });
    await bus.close();
  });

  it('refuses a type that is not a topic', async () => {
    const bus = new MemoryEventBus();
    await expect(publishEvent(bus, { type: 'call.*' })).rejects.toThrow(TypeError);
    await bus.close();
  });
});

describe('EVENT_TYPES', () => {
  it('names the events the API promises', () => {
    expect(EVENT_TYPE_NAMES).toEqual([
      'call.ringing',
      'call.answered',
      'call.ended',
      'participant.joined',
      'participant.left',
      'dtmf.received',
      'dispatch.matched',
      'trunk.rejected',
      'claim.completed',
      'conversation.resumed',
      'conversation.transferred',
      'conversation.closed',
      'flow.step_failed',
    ]);
  });
});

describe('toEventMessage', () => {
  it('reads a bus message into the wire shape, in a fixed field order', () => {
    const message = toEventMessage({
      data: { digit: '5' },
      participantId: 'pa_1',
      callId: 'call_1',
      occurredAt: '2025-01-01T00:00:00Z',
      type: 'dtmf.received',
      id: 'evt_1',
    });
    const expected: EventMessage = {
      id: 'evt_1',
      type: 'dtmf.received',
      occurredAt: '2025-01-01T00:00:00.000Z',
      callId: 'call_1',
      participantId: 'pa_1',
      data: { digit: '5' },
    };
    expect(JSON.stringify(message)).toBe(JSON.stringify(expected));
  });

  it('accepts a Date and rejects what is not an event', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    expect(toEventMessage({ id: 'e', type: 't', occurredAt: at, data: {} })?.occurredAt).toBe(
      at.toISOString(),
    );
    expect(toEventMessage('call.answered')).toBeUndefined();
    expect(toEventMessage({ id: 'e', type: 't', occurredAt: 'yesterday' })).toBeUndefined();
    expect(toEventMessage({ type: 't', occurredAt: at })).toBeUndefined();
    expect(toEventMessage({ id: 'e', type: 't', occurredAt: at, data: [1] })?.data).toEqual({});
  });

  it('with a topic, takes only a message published on its own type', () => {
    const event = { id: 'e', type: 'call.ended', occurredAt: '2025-01-01T00:00:00Z', data: {} };
    expect(toEventMessage(event, 'call.ended')?.type).toBe('call.ended');
    expect(toEventMessage(event, 'calls.internal.sync')).toBeUndefined();
  });
});
