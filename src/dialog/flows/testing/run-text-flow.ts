/**
 * Test support (imported by `*.test.ts` files only): runs a flow document over the text
 * channel and keeps what the bot said and every step event.
 */
import { TextFlowIO, type TextFlowIOOptions } from '../../chat/text-flow-io.js';
import {
  FlowRunner,
  type FlowOutcome,
  type FlowRunnerOptions,
  type FlowStepEvent,
} from '../engine/flow-runner.js';
import { validateFlow } from '../flow-schema.js';

/** A flow running over text, and what it produced. */
export interface TextFlowRun {
  io: TextFlowIO;
  events: FlowStepEvent[];
  /** Settles when the run ends. */
  done: Promise<FlowOutcome>;
  /** The bot's and system's messages so far. */
  said(): string[];
  /** Sends `text` as the user and waits until the flow waits again or ends. */
  reply(text: string): Promise<void>;
  /** Step ids run, in order. */
  steps(): string[];
}

/** Validates `doc` (throwing with its problems) and starts it over a {@link TextFlowIO}. */
export function runTextFlow(
  doc: unknown,
  options: {
    io?: TextFlowIOOptions;
    runner?: Partial<Omit<FlowRunnerOptions, 'flow' | 'io'>>;
  } = {},
): TextFlowRun {
  const checked = validateFlow(doc);
  if (!checked.ok) throw new Error(`invalid test flow: ${JSON.stringify(checked.problems)}`);
  const io = new TextFlowIO(options.io);
  const events: FlowStepEvent[] = [];
  const { context, ...rest } = options.runner ?? {};
  const runner = new FlowRunner({
    ...rest,
    flow: checked.flow,
    io,
    context: { conversationKey: 'test', attributes: {}, caller: '+34911111111', ...context },
    onStep: (e) => events.push(e),
  });
  // As a chat session does: a run that ends without hanging up (transfer, queue) ends the chat.
  const done = runner.run().then((outcome) => {
    io.end(outcome.reason);
    return outcome;
  });
  return {
    io,
    events,
    done,
    said: () =>
      io
        .transcript()
        .filter((m) => m.from !== 'user')
        .map((m) => m.text),
    reply: async (text) => {
      io.send(text);
      await io.waitIdle();
    },
    steps: () => events.map((e) => e.stepId),
  };
}
