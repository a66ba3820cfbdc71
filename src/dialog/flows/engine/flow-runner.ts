/**
 * Runs a flow over a {@link FlowIO}: steps in order from `start`, jumps by id, verbs dispatched
 * to the handlers in {@link VERB_HANDLERS}. Falling off the end hangs up (`completed`). A
 * handler that throws is reported in its step event, apologised for, and the flow goes on at
 * the step's `fallback` if it has one, else the next step; a caller who leaves ends the run
 * (`caller-gone`); a flow that loops without end is stopped by `maxSteps` after an apology.
 */
import type { Logger } from '../../../observability/index.js';
import { stepVerb, type Flow, type Step, type Verb } from '../flow-schema.js';
import type { FlowIO, FlowRunContext } from './flow-io.js';
import { flowPhrasesFor, type FlowPhrases } from './flow-phrases.js';
import {
  CallerGoneError,
  type FlowEndReason,
  type FlowScope,
  type StepResult,
} from './verb-handler.js';
import { interpolate } from './variables.js';
import { VERB_HANDLERS } from './verbs/verb-handlers.js';

/** Steps one run may take before it is judged a loop. */
export const DEFAULT_MAX_STEPS = 1000;

/** One step run, for the call record. */
export interface FlowStepEvent {
  stepId: string;
  verb: Verb;
  /** When the step started. */
  at: Date;
  /** What happened, in a word: `option 1`, `no-input`, `fallback`, `transferred`… */
  outcome?: string;
  /** What went wrong, if anything (the step may still have gone on, e.g. to a fallback). */
  error?: string;
}

/** How a run ended. */
export interface FlowOutcome {
  reason: FlowEndReason;
  /** The step the run ended on (none when it fell off the end). */
  stepId?: string;
  error?: string;
  /** The run's variables at the end. */
  variables: Record<string, unknown>;
}

/** What a {@link FlowRunner} needs. */
export interface FlowRunnerOptions {
  flow: Flow;
  io: FlowIO;
  context: Omit<FlowRunContext, 'variables' | 'language' | 'flowName'> & Partial<FlowRunContext>;
  /** NLU for speech branches. */
  classify?: (
    text: string,
    language: string,
  ) => Promise<{ intent: string; score: number } | undefined>;
  /** For webhook calls (default: the global fetch). */
  fetch?: typeof fetch;
  /** The clock of time and business-hours conditions. */
  now?: () => Date;
  /** Step notices; caller input only under `pii`. */
  logger?: Logger;
  /** Every step run, in order. */
  onStep?: (event: FlowStepEvent) => void;
  /** Loop guard (default {@link DEFAULT_MAX_STEPS}). */
  maxSteps?: number;
}

/** A list of steps and where each id sits in it. */
interface Program {
  steps: readonly Step[];
  index: ReadonlyMap<string, number>;
}

function programOf(steps: readonly Step[]): Program {
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!index.has(s.id)) index.set(s.id, i);
  });
  return { steps, index };
}

/** Runs one flow once; see the module comment. */
export class FlowRunner {
  private readonly context: FlowRunContext;
  private readonly phrases: FlowPhrases;
  private readonly memory = new Map<string, Record<string, unknown>>();
  private readonly maxSteps: number;
  private stepsTaken = 0;
  private lastStepId: string | undefined;
  private started = false;

  constructor(private readonly options: FlowRunnerOptions) {
    const { flow, context } = options;
    this.context = {
      ...context,
      attributes: { ...context.attributes },
      variables: context.variables ?? {},
      language: context.language ?? flow.language ?? 'en',
      flowName: context.flowName ?? flow.name,
    };
    const version = context.flowVersion ?? flow.version;
    if (version !== undefined) this.context.flowVersion = version;
    this.phrases = flowPhrasesFor(this.context.language);
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  }

  /** Runs the flow to its end. Call once. */
  async run(): Promise<FlowOutcome> {
    if (this.started) throw new Error('a FlowRunner runs once');
    this.started = true;
    const { flow, io } = this.options;
    const main = programOf(flow.steps);
    const start = flow.start === undefined ? 0 : (main.index.get(flow.start) ?? 0);
    const result = await this.runProgram(main, start, true);
    if (result.type === 'end') return this.finish(result.reason, result.error);
    // Fell off the end (an unresolved jump cannot come back from the main program).
    if (!io.ended) await io.hangup('completed').catch(() => undefined);
    return { reason: 'completed', variables: this.context.variables };
  }

  private finish(reason: FlowEndReason, error?: string): FlowOutcome {
    const outcome: FlowOutcome = { reason, variables: this.context.variables };
    if (this.lastStepId !== undefined) outcome.stepId = this.lastStepId;
    if (error !== undefined) outcome.error = error;
    this.options.logger?.info(
      { flow: this.context.flowName, reason, stepId: this.lastStepId, error },
      'flow ended',
    );
    return outcome;
  }

  /**
   * Runs `program` from `index` until a step ends the run, the steps run out (→ `next`) or, for
   * inline programs, a jump leaves them (returned for the enclosing program to resolve).
   */
  private async runProgram(program: Program, index: number, isMain: boolean): Promise<StepResult> {
    const { io } = this.options;
    let i = index;
    for (;;) {
      if (io.ended) return { type: 'end', reason: 'caller-gone' };
      const step = program.steps[i];
      if (step === undefined) return { type: 'next' };
      if (++this.stepsTaken > this.maxSteps) return this.loopGuard();
      const result = await this.execute(step);
      if (result.type === 'end') return result;
      if (result.type === 'next') {
        i++;
        continue;
      }
      const target = program.index.get(result.stepId);
      if (target !== undefined) {
        i = target;
        continue;
      }
      if (!isMain) return result;
      // validateFlow makes this impossible for a validated flow; a hand-built one may get here.
      const error = `step "${step.id}" jumped to unknown step "${result.stepId}"`;
      await this.sayApology();
      await io.hangup('error').catch(() => undefined);
      return { type: 'end', reason: 'error', error };
    }
  }

  private async loopGuard(): Promise<StepResult> {
    const error = `loop guard: more than ${this.maxSteps} steps`;
    this.options.logger?.warn({ flow: this.context.flowName, error }, 'flow stopped');
    await this.sayApology();
    await this.options.io.hangup('error').catch(() => undefined);
    return { type: 'end', reason: 'error', error };
  }

  private async execute(step: Step): Promise<StepResult> {
    const verb = stepVerb(step);
    const at = this.now();
    const errors: string[] = [];
    this.lastStepId = step.id;
    const handler = VERB_HANDLERS[verb] as (
      settings: unknown,
      step: Step,
      scope: FlowScope,
    ) => Promise<StepResult>;
    let result: StepResult;
    try {
      result = await handler((step as Record<string, unknown>)[verb], step, this.scope(errors));
    } catch (error) {
      if (error instanceof CallerGoneError || this.options.io.ended) {
        result = { type: 'end', reason: 'caller-gone', outcome: 'caller-gone' };
      } else {
        errors.push((error as Error).message ?? String(error));
        await this.sayApology();
        const fallback = (step as Record<string, { fallback?: unknown }>)[verb]?.fallback;
        result =
          typeof fallback === 'string'
            ? { type: 'goto', stepId: fallback, outcome: 'error' }
            : { type: 'next', outcome: 'error' };
      }
    }
    const event: FlowStepEvent = { stepId: step.id, verb, at };
    if (result.outcome !== undefined) event.outcome = result.outcome;
    if (errors.length > 0) event.error = errors.join('; ');
    this.emit(event);
    return result;
  }

  private emit(event: FlowStepEvent): void {
    const { logger, onStep } = this.options;
    if (event.error !== undefined) {
      logger?.warn({ flow: this.context.flowName, ...event }, 'flow step failed');
    } else {
      logger?.debug({ flow: this.context.flowName, ...event }, 'flow step');
    }
    try {
      onStep?.(event);
    } catch (error) {
      logger?.warn({ err: error }, 'flow onStep listener threw');
    }
  }

  private scope(errors: string[]): FlowScope {
    const extras = () => ({
      caller: this.context.caller,
      called: this.context.called,
      callId: this.context.callId,
    });
    return {
      io: this.options.io,
      context: this.context,
      options: this.options,
      phrases: this.phrases,
      logger: this.options.logger,
      now: () => this.now(),
      interpolate: (template) => interpolate(template, this.context.variables, extras()),
      sayQuietly: (text) => this.sayQuietly(text),
      reportError: (error) => void errors.push(error),
      runInline: (steps) => this.runProgram(programOf(steps), 0, false),
      memory: (stepId) => {
        let m = this.memory.get(stepId);
        if (!m) this.memory.set(stepId, (m = {}));
        return m;
      },
    };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private sayApology(): Promise<void> {
    return this.sayQuietly(this.phrases.apology);
  }

  private async sayQuietly(text: string): Promise<void> {
    const { io, logger } = this.options;
    if (io.ended) return;
    try {
      await io.say(text, { language: this.context.language });
    } catch (error) {
      logger?.warn({ err: error }, 'flow could not say its own prompt');
    }
  }
}
