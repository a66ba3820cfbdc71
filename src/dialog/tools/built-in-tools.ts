/**
 * The tools every agent may be given by name: fill the claim, hand over to a person, end the
 * call, press keys, look something up in the agent's knowledge. Their descriptions are part of
 * the prompt: they say when to call, because that is what models get wrong.
 */
import { z } from 'zod';
import { defineTool, type Tool } from './tool.js';

const text = z.string().trim().min(1, 'must not be empty');

const updateClaim = defineTool({
  name: 'update_claim',
  description:
    'Record claim details the caller has just given (for example their policy number, the ' +
    'date of the incident, what happened). Call it as soon as you learn one or more fields; ' +
    'the answer says which values were accepted, which were rejected and why (ask again for ' +
    'those), and which fields are still missing.',
  schema: z.strictObject({
    fields: z
      .record(z.string(), z.unknown())
      .refine((f) => Object.keys(f).length > 0, 'must name at least one field')
      .describe(
        'Field names of the claim and the values the caller gave, e.g. {"policyNumber": "P-123456"}',
      ),
  }),
  run: (args, context) => context.actions.updateClaim(args.fields),
});

const transferToHuman = defineTool({
  name: 'transfer_to_human',
  description:
    'Hand the caller to a human agent. Call it when the caller asks for a person, is upset, ' +
    'or needs something you cannot do. Tell the caller you are transferring them first.',
  schema: z.strictObject({
    reason: text.describe('Why the caller needs a person, in a few words'),
    summary: z
      .string()
      .optional()
      .describe('What the human agent should know: the request and the details collected'),
  }),
  run: async (args, context) => {
    await context.actions.transferToHuman(
      args.summary === undefined ? { reason: args.reason } : args,
    );
    return { transferring: true };
  },
});

const endCall = defineTool({
  name: 'end_call',
  description:
    'End the call. Call it only after the caller is done and you have said goodbye, or when ' +
    'the caller asks to hang up.',
  schema: z.strictObject({
    reason: text.describe('Why the call ends, e.g. "caller said goodbye"'),
  }),
  run: async (args, context) => {
    await context.actions.endCall(args.reason);
    return { ending: true };
  },
});

const sendDtmf = defineTool({
  name: 'send_dtmf',
  description:
    'Press telephone keys on the call, for example to navigate another company’s phone menu. ' +
    'Digits 0-9, * and #; w pauses half a second, W one second.',
  schema: z.strictObject({
    digits: z
      .string()
      .regex(/^[0-9*#wW]{1,32}$/, 'must be 1 to 32 of 0-9, *, #, w, W')
      .describe('The keys to press, e.g. "1w2#"'),
  }),
  run: async (args, context) => {
    await context.actions.sendDtmf(args.digits);
    return { sent: args.digits.length };
  },
});

const searchKnowledge = defineTool({
  name: 'search_knowledge',
  description:
    'Search the company’s knowledge base (policies, procedures, opening hours, required ' +
    'documents). Call it before answering any factual question about the company; answer ' +
    'only from the passages it returns, and say so when nothing relevant is found.',
  schema: z.strictObject({
    query: text.describe('The question or keywords, in the caller’s language'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(10)
      .optional()
      .describe('How many passages, 1-10 (default 3)'),
  }),
  run: async (args, context) => {
    if (!context.knowledge) return { error: 'this agent has no knowledge base' };
    const hits = context.knowledge.search(args.query, { limit: args.limit ?? 3 });
    return {
      passages: hits.map((h) => ({
        title: h.title,
        text: h.text,
        score: Math.round(h.score * 1000) / 1000,
      })),
    };
  },
});

const BUILT_INS: readonly Tool[] = [
  updateClaim,
  transferToHuman,
  endCall,
  sendDtmf,
  searchKnowledge,
];

/** Names of the built-in tools, as agent documents list them. */
export const BUILT_IN_TOOL_NAMES = [
  'update_claim',
  'transfer_to_human',
  'end_call',
  'send_dtmf',
  'search_knowledge',
] as const;

/** A built-in tool's name. */
export type BuiltInToolName = (typeof BUILT_IN_TOOL_NAMES)[number];

/** The built-in tools named (all of them without names); an unknown name throws. */
export function builtInTools(names?: readonly string[]): Tool[] {
  if (names === undefined) return [...BUILT_INS];
  return names.map((name) => {
    const tool = BUILT_INS.find((t) => t.name === name);
    if (!tool) {
      throw new RangeError(
        `unknown built-in tool "${name}"; expected one of ${BUILT_IN_TOOL_NAMES.join(', ')}`,
      );
    }
    return tool;
  });
}
