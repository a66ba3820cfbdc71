/**
 * Tools a language model may call during a conversation: each is a name, a description and a
 * JSON schema the model reads, plus the check of the arguments it sends back and the code that
 * runs them. Tools act on the call only through {@link ToolActions}, which the agent
 * implements, so a tool never holds a call, a leg or a store.
 */
import { z } from 'zod';
import type { Logger } from '../../observability/index.js';
import type { KnowledgeBase } from '../knowledge/index.js';
import { problemsFromZod, requiredErrorMap, type Problem } from '../problems.js';

/** The outcome of checking a model's arguments; problems name the argument path. */
export type ToolValidation = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/** What a tool may do to the call, implemented by the agent running it. */
export interface ToolActions {
  /**
   * Records claim fields the caller gave; the claim schema decides which are accepted, why
   * others are rejected and which are still missing.
   */
  updateClaim(fields: Record<string, unknown>): Promise<{
    accepted: Record<string, unknown>;
    rejected: Record<string, string>;
    missing: string[];
  }>;
  /** Hands the caller to a person (queue or transfer), with the model's summary for them. */
  transferToHuman(request: { reason: string; summary?: string; skills?: string[] }): Promise<void>;
  /** Ends the call after the current reply has been spoken. */
  endCall(reason: string): Promise<void>;
  /** Plays DTMF digits on the call (`w`/`W`: half-second / one-second pause). */
  sendDtmf(digits: string): Promise<void>;
}

/** Where a tool runs: the conversation, the call's actions and the agent's knowledge. */
export interface ToolContext {
  conversationId: string;
  callId?: string;
  /** BCP 47 language of the conversation. */
  language: string;
  /** Aborted when the turn is abandoned (barge-in, hang-up). */
  signal?: AbortSignal;
  actions: ToolActions;
  knowledge?: KnowledgeBase;
  logger?: Logger;
}

/** A function the model can call. */
export interface Tool {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as OpenAI requires. */
  name: string;
  /** Read by the model to decide when to call it: say when, not only what. */
  description: string;
  /** JSON schema of the arguments object, sent to the model. */
  parameters: Record<string, unknown>;
  /** Checks the parsed arguments; `value` is what {@link run} receives (defaults applied). */
  validate(args: unknown): ToolValidation;
  /**
   * Runs the tool with validated arguments; the result is sent to the model as JSON. A
   * failure the model should hear about is returned as `{ error }`, not thrown.
   */
  // The argument type differs per tool; `validate` is what makes it safe.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(args: any, context: ToolContext): Promise<unknown>;
}

/**
 * A tool whose arguments are a zod object: `validate` and the JSON schema come from the same
 * definition, so what the model is told and what is checked cannot drift apart.
 */
export function defineTool<S extends z.ZodType>(spec: {
  name: string;
  description: string;
  schema: S;
  run(args: z.output<S>, context: ToolContext): Promise<unknown>;
}): Tool {
  return {
    name: spec.name,
    description: spec.description,
    parameters: jsonSchemaOf(spec.schema),
    validate: (args) => {
      const parsed = spec.schema.safeParse(args, { error: requiredErrorMap });
      if (parsed.success) return { ok: true, value: parsed.data };
      return { ok: false, problems: problemsFromZod(parsed.error.issues) };
    },
    run: spec.run,
  };
}

/** The JSON schema of a zod type as a model wants it: no `$schema`, no `propertyNames`. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json['$schema'];
  return stripPropertyNames(json) as Record<string, unknown>;
}

/** `propertyNames: { type: 'string' }` says nothing in JSON and some servers reject it. */
function stripPropertyNames(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripPropertyNames);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'propertyNames') continue;
    out[key] = stripPropertyNames(value);
  }
  return out;
}

/** The message the model gets for arguments that failed validation. */
export function argumentError(problems: Problem[]): { error: string } {
  return {
    error: problems
      .map((p) => `argument ${p.path === '' ? '(the arguments object)' : p.path}: ${p.message}`)
      .join('; '),
  };
}
