import { describe, expect, it } from 'vitest';
import type { ConversationStateName } from '../../store/index.js';
import {
  CONVERSATION_EVENTS,
  CONVERSATION_STATES,
  InvalidTransitionError,
  isFinished,
  nextState,
  type ConversationEvent,
} from './conversation-state.js';

// The whole table: every state × every event; undefined = impossible.
const EXPECTED: Record<
  ConversationStateName,
  Record<ConversationEvent, ConversationStateName | undefined>
> = {
  initiate: {
    start: 'gathering',
    collect: 'gathering',
    'all-collected': 'confirming',
    confirmed: undefined,
    correction: undefined,
    transfer: 'transferred',
    close: 'closed',
    resume: 'initiate',
  },
  gathering: {
    start: undefined,
    collect: 'gathering',
    'all-collected': 'confirming',
    confirmed: undefined,
    correction: 'gathering',
    transfer: 'transferred',
    close: 'closed',
    resume: 'gathering',
  },
  confirming: {
    start: undefined,
    collect: 'gathering',
    'all-collected': 'confirming',
    confirmed: 'closed',
    correction: 'gathering',
    transfer: 'transferred',
    close: 'closed',
    resume: 'confirming',
  },
  transferred: {
    start: undefined,
    collect: undefined,
    'all-collected': undefined,
    confirmed: undefined,
    correction: undefined,
    transfer: 'transferred',
    close: 'closed',
    resume: 'transferred',
  },
  closed: {
    start: undefined,
    collect: undefined,
    'all-collected': undefined,
    confirmed: undefined,
    correction: undefined,
    transfer: undefined,
    close: undefined,
    resume: 'closed',
  },
};

const cases = CONVERSATION_STATES.flatMap((state) =>
  CONVERSATION_EVENTS.map((event) => [state, event, EXPECTED[state][event]] as const),
);

describe('nextState', () => {
  it('covers 5 states × 8 events', () => {
    expect(cases).toHaveLength(40);
  });

  it.each(cases.filter(([, , to]) => to !== undefined))('%s + %s → %s', (state, event, to) => {
    expect(nextState(state, event)).toBe(to);
  });

  it.each(cases.filter(([, , to]) => to === undefined))('%s + %s is impossible', (state, event) => {
    let thrown: unknown;
    try {
      nextState(state, event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTransitionError);
    expect(thrown).toMatchObject({
      name: 'InvalidTransitionError',
      state,
      event,
      message: `a conversation in state "${state}" cannot take the event "${event}"`,
    });
  });

  it('walks a whole claim: start, collect, read back, correct, confirm', () => {
    const events: ConversationEvent[] = [
      'start',
      'collect',
      'all-collected',
      'correction',
      'all-collected',
      'confirmed',
    ];
    const states = events.reduce<ConversationStateName[]>(
      (acc, event) => [...acc, nextState(acc[acc.length - 1]!, event)],
      ['initiate'],
    );
    expect(states).toEqual([
      'initiate',
      'gathering',
      'gathering',
      'confirming',
      'gathering',
      'confirming',
      'closed',
    ]);
  });

  it('knows which states are finished', () => {
    expect(CONVERSATION_STATES.filter(isFinished)).toEqual(['closed', 'transferred']);
  });
});
