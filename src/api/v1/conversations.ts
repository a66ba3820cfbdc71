/**
 * /v1/conversations: the dialog room's conversations (an AI agent with one caller or chat user)
 * and their messages, read-only. `GET /v1/conversations/{id}` answers one with its messages
 * (`?messages=false` leaves them out); `GET /v1/calls/{id}/conversations` lists those that ran
 * on a call, newest first, without messages. Both carry transcripts and claims (personal data),
 * so they need the scope the call turns need.
 */
import { z } from 'zod';
import {
  NotFoundError,
  type ConversationMessageRecord,
  type ConversationRecord,
  type Store,
} from '../../store/index.js';
import type { ApiRouter } from '../route-kit.js';
import { idParams, iso, listOf, strictObject, timestamp } from './schemas.js';

/** A message of a conversation as answered. */
export const conversationMessageView = z.object({
  seq: z.number().int().min(0).meta({ description: '0, 1, 2… within the conversation' }),
  persona: z.enum(['human', 'assistant', 'tool', 'system']),
  content: z.string(),
  heard: z.boolean().meta({
    description:
      'False when the caller barged in and heard only part (content is then what was heard)',
  }),
  toolCalls: z
    .array(z.object({ id: z.string(), name: z.string(), arguments: z.string() }))
    .optional()
    .meta({ description: 'For an assistant message: the tools it called' }),
  toolCallId: z
    .string()
    .optional()
    .meta({ description: 'For a tool message: the call it answers' }),
  callId: z.string().optional().meta({ description: 'The call it was said on' }),
  createdAt: timestamp,
});

/** A conversation as listed (without its messages). */
export const conversationSummaryView = z.object({
  id: z.string(),
  key: z.string().meta({
    description: "Resume key: the caller's identity (number, SIP user) or a chat session id",
  }),
  channel: z.enum(['voice', 'text']),
  agentId: z.string(),
  callId: z.string().optional().meta({ description: 'The latest call it ran on' }),
  state: z.enum(['initiate', 'gathering', 'confirming', 'closed', 'transferred']),
  nextAction: z.string().optional(),
  language: z.string(),
  claim: z.record(z.string(), z.unknown()).meta({ description: 'What has been gathered so far' }),
  memory: z
    .record(z.string(), z.unknown())
    .meta({ description: "The agent's working state (script node, retries, confirmations)" }),
  reminders: z.array(z.object({ at: z.string(), text: z.string() })),
  synthesis: z
    .object({
      summary: z.string(),
      satisfaction: z.enum(['low', 'medium', 'high', 'unknown']),
      suggestions: z.array(z.string()),
      by: z.enum(['llm', 'extractive']),
    })
    .optional()
    .meta({ description: 'The end-of-conversation summary' }),
  resumeCount: z.number().int().min(0).meta({
    description: 'How many times it was picked up again after an interruption',
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
  closedAt: timestamp.optional(),
});

/** A conversation as answered by GET /v1/conversations/{id}. */
export const conversationView = conversationSummaryView.extend({
  messages: z
    .array(conversationMessageView)
    .optional()
    .meta({ description: 'In seq order; left out with ?messages=false' }),
});

const getQuery = strictObject({
  messages: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'false leaves the messages out (default true)' }),
});

/** A stored conversation as answered, without messages. */
export function toConversationSummaryView(
  c: ConversationRecord,
): z.infer<typeof conversationSummaryView> {
  return {
    id: c.id,
    key: c.key,
    channel: c.channel,
    agentId: c.agentId,
    callId: c.callId,
    state: c.state,
    nextAction: c.nextAction,
    language: c.language,
    claim: c.claim,
    memory: c.memory,
    reminders: c.reminders,
    synthesis: c.synthesis,
    resumeCount: c.resumeCount,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    closedAt: iso(c.closedAt),
  };
}

/** A stored message as answered. */
export function toConversationMessageView(
  m: ConversationMessageRecord,
): z.infer<typeof conversationMessageView> {
  return {
    seq: m.seq,
    persona: m.persona,
    content: m.content,
    heard: m.heard,
    toolCalls: m.toolCalls,
    toolCallId: m.toolCallId,
    callId: m.callId,
    createdAt: iso(m.createdAt),
  };
}

/** Registers the conversation read routes. */
export function registerConversationRoutes(router: ApiRouter, store: Store): void {
  router.add({
    method: 'GET',
    url: '/v1/conversations/:id',
    summary:
      'Get a dialog conversation: agent, state, claim, synthesis and its messages (?messages=false leaves them out)',
    tag: 'conversations',
    // Transcripts: the scope GET /v1/calls/{id}/turns needs.
    scope: 'read-only',
    params: idParams,
    query: getQuery,
    response: conversationView,
    handler: async ({ params, query }) => {
      const conversation = await store.conversations.get(params.id);
      if (!conversation) throw new NotFoundError('conversation', params.id);
      const view = toConversationSummaryView(conversation);
      if (query.messages === 'false') return view;
      const messages = await store.conversations.messages(params.id);
      return { ...view, messages: messages.map(toConversationMessageView) };
    },
  });
  router.add({
    method: 'GET',
    url: '/v1/calls/:id/conversations',
    summary:
      'List the dialog conversations that ran on a call, newest first (without their messages)',
    tag: 'calls',
    scope: 'read-only',
    params: idParams,
    response: listOf(conversationSummaryView),
    handler: async ({ params }) => {
      // The store answers an empty list for an unknown call; the API tells the two apart.
      if (!(await store.calls.getCall(params.id))) throw new NotFoundError('call', params.id);
      return {
        items: (await store.conversations.listByCall(params.id)).map(toConversationSummaryView),
      };
    },
  });
}
