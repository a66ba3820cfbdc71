/**
 * The conversation state machine: where a conversation with a caller stands (greeting,
 * collecting the claim, reading it back, finished) and which events move it on.
 *
 * Pure: no I/O. The table is written out in full so a reader sees every allowed move at once.
 */
import type { ConversationStateName } from '../../store/index.js';

/** What happened in a conversation that may move its state. */
export type ConversationEvent =
  | 'start'
  | 'collect'
  | 'all-collected'
  | 'confirmed'
  | 'correction'
  | 'transfer'
  | 'close'
  | 'resume';

/** Every event, for tests and documentation. */
export const CONVERSATION_EVENTS: readonly ConversationEvent[] = [
  'start',
  'collect',
  'all-collected',
  'confirmed',
  'correction',
  'transfer',
  'close',
  'resume',
];

/** Every state. */
export const CONVERSATION_STATES: readonly ConversationStateName[] = [
  'initiate',
  'gathering',
  'confirming',
  'closed',
  'transferred',
];

/** An event that cannot happen in the conversation's state (closed + collect). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  readonly state: ConversationStateName;
  readonly event: ConversationEvent;

  constructor(state: ConversationStateName, event: ConversationEvent) {
    super(`a conversation in state "${state}" cannot take the event "${event}"`);
    this.state = state;
    this.event = event;
  }
}

type Moves = Partial<Record<ConversationEvent, ConversationStateName>>;

// Transfer and close are allowed from every state but closed; resume keeps the state (the
// manager never resumes a finished conversation, but replaying a resume must not fail).
const TABLE: Readonly<Record<ConversationStateName, Moves>> = {
  initiate: {
    start: 'gathering',
    collect: 'gathering',
    // A caller may give everything in the first breath.
    'all-collected': 'confirming',
    transfer: 'transferred',
    close: 'closed',
    resume: 'initiate',
  },
  gathering: {
    collect: 'gathering',
    correction: 'gathering',
    'all-collected': 'confirming',
    transfer: 'transferred',
    close: 'closed',
    resume: 'gathering',
  },
  confirming: {
    confirmed: 'closed',
    correction: 'gathering',
    // New information while reading back is a correction by another name.
    collect: 'gathering',
    // Read back again (after the caller asked to hear it once more).
    'all-collected': 'confirming',
    transfer: 'transferred',
    close: 'closed',
    resume: 'confirming',
  },
  transferred: {
    transfer: 'transferred',
    close: 'closed',
    resume: 'transferred',
  },
  closed: {
    resume: 'closed',
  },
};

/**
 * The state `event` leads to from `state`.
 * @throws InvalidTransitionError when the move is impossible (closed + collect, initiate +
 *   confirmed, transferred + collect).
 */
export function nextState(
  state: ConversationStateName,
  event: ConversationEvent,
): ConversationStateName {
  const next = TABLE[state]?.[event];
  if (next === undefined) throw new InvalidTransitionError(state, event);
  return next;
}

/** Whether the conversation is over (closed or handed to a person): it is not resumed. */
export function isFinished(state: ConversationStateName): boolean {
  return state === 'closed' || state === 'transferred';
}
