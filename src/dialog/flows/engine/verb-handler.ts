/**
 * The contract between the runner and the verb handlers: a handler gets its step's settings
 * and a {@link FlowScope} (the run's IO, variables and helpers) and says where to go next.
 */
import type { Logger } from '../../../observability/index.js';
import type { Step, Verb, VerbSettings } from '../flow-schema.js';
import type { FlowIO, FlowRunContext } from './flow-io.js';
import type { FlowPhrases } from './flow-phrases.js';
import type { FlowRunnerOptions } from './flow-runner.js';

/** Why a run ended. */
export type FlowEndReason =
  'hangup' | 'completed' | 'agent' | 'transfer' | 'queued' | 'error' | 'caller-gone';

/** What a step asks the runner to do next; `outcome` is reported in the step event. */
export type StepResult =
  | { type: 'next'; outcome?: string }
  | { type: 'goto'; stepId: string; outcome?: string }
  | { type: 'end'; reason: FlowEndReason; outcome?: string; error?: string };

/** What a verb handler can use. */
export interface FlowScope {
  readonly io: FlowIO;
  readonly context: FlowRunContext;
  readonly options: FlowRunnerOptions;
  readonly phrases: FlowPhrases;
  readonly logger: Logger | undefined;
  /** The current time (the runner's clock). */
  now(): Date;
  /** `{{path}}` from variables, then caller/called/callId. */
  interpolate(template: string): string;
  /** Says `text` in the run's language unless the caller is gone; never throws. */
  sayQuietly(text: string): Promise<void>;
  /** Reports a problem in an onStep event without ending the step (webhook fallbacks). */
  reportError(error: string): void;
  /**
   * Runs steps outside the flow (a webhook's answer) in order; their ids may name the flow's
   * steps. Resolves `next` when they fall off their end.
   */
  runInline(steps: Step[]): Promise<StepResult>;
  /** Per-step state kept across visits within the run (menu failure counts). */
  memory(stepId: string): Record<string, unknown>;
}

/** Runs one verb. */
export type VerbHandler<V extends Verb = Verb> = (
  settings: VerbSettings<V>,
  step: Step,
  scope: FlowScope,
) => Promise<StepResult>;

/** Every verb's handler. */
export type VerbHandlers = { [V in Verb]: VerbHandler<V> };

/** A step result that continues with the next step. */
export const NEXT: StepResult = { type: 'next' };

/** The caller left: thrown from deep inside a handler to end the run as `caller-gone`. */
export class CallerGoneError extends Error {
  constructor() {
    super('the caller left');
    this.name = 'CallerGoneError';
  }
}
