/**
 * `switchboard conversations get|list`: the dialog room's conversations (an AI agent with a
 * caller or chat user), read-only. `get` prints the header (agent, state, resume count, the
 * claim field by field, the summary) and then the transcript, one `persona: content` line per
 * message; `list --call` lists the conversations that ran on a call.
 */
import type { Command, Group } from '../args.js';
import { formatTime, formatValue, NONE, orNone, renderRecord, renderTable } from '../table.js';
import type { WireList } from '../types.js';
import { flag, printList, printOne, required, seg } from './common.js';

/** A message of a conversation, as the API answers it. */
export interface WireConversationMessage {
  seq?: number;
  persona: string;
  content: string;
  heard?: boolean;
  toolCalls?: Array<{ id?: string; name: string; arguments?: string }>;
  toolCallId?: string;
  callId?: string;
  createdAt?: string;
}

/** A conversation, as the API answers it (`messages` only from `GET /v1/conversations/{id}`). */
export interface WireConversation {
  id: string;
  key?: string;
  channel?: string;
  agentId?: string;
  callId?: string;
  state?: string;
  nextAction?: string;
  language?: string;
  claim?: Record<string, unknown>;
  memory?: Record<string, unknown>;
  reminders?: Array<{ at: string; text: string }>;
  synthesis?: {
    summary?: string;
    satisfaction?: string;
    suggestions?: string[];
    by?: string;
  };
  resumeCount?: number;
  createdAt?: string;
  updatedAt?: string;
  closedAt?: string;
  messages?: WireConversationMessage[];
}

/** Marks an assistant message the caller did not hear to the end (barge-in). */
export const CUT_MARK = '(cut)';

/** Continuation lines of a multi-line text, indented under its first line. */
function indentLines(text: string, indent: string): string {
  return text.replace(/\r?\n/g, `\n${indent}`);
}

/** One message as `persona: content`, with its tool calls and a mark when it was cut. */
export function formatMessage(m: WireConversationMessage): string {
  const prefix = `${m.persona}: `;
  const marks = [
    ...(m.persona === 'assistant' && m.heard === false ? [CUT_MARK] : []),
    ...(m.toolCalls !== undefined && m.toolCalls.length > 0
      ? [`[calls ${m.toolCalls.map((t) => t.name).join(', ')}]`]
      : []),
  ];
  const content = indentLines(m.content, ' '.repeat(prefix.length));
  return `${prefix}${[content, ...marks].filter((s) => s !== '').join(' ')}`;
}

/** The header of one conversation: `label: value` lines, then the claim and the summary. */
export function renderConversation(c: WireConversation): string {
  const claim = Object.entries(c.claim ?? {});
  const synthesis = c.synthesis;
  const suggestions = synthesis?.suggestions ?? [];
  const reminders = c.reminders ?? [];
  let text = renderRecord([
    ['id', c.id],
    ['agent', orNone(c.agentId)],
    ['state', orNone(c.state)],
    ['channel', orNone(c.channel)],
    ['language', orNone(c.language)],
    ['key', orNone(c.key)],
    ['call', orNone(c.callId)],
    ['resume count', orNone(c.resumeCount)],
    ['next action', c.nextAction],
    ['started', formatTime(c.createdAt)],
    ['updated', formatTime(c.updatedAt)],
    ['closed', c.closedAt === undefined ? undefined : formatTime(c.closedAt)],
  ]);
  text +=
    claim.length === 0
      ? `claim: ${NONE}\n`
      : `claim:\n${claim.map(([field, value]) => `  ${field}: ${formatValue(value)}\n`).join('')}`;
  if (reminders.length > 0) {
    text += `reminders:\n${reminders.map((r) => `  ${formatTime(r.at)}  ${r.text}\n`).join('')}`;
  }
  if (synthesis !== undefined) {
    const about = [
      synthesis.satisfaction !== undefined ? `satisfaction ${synthesis.satisfaction}` : undefined,
      synthesis.by !== undefined ? `by ${synthesis.by}` : undefined,
    ].filter((s) => s !== undefined);
    text += `summary: ${indentLines(orNone(synthesis.summary), '  ')}`;
    text += about.length > 0 ? ` (${about.join(', ')})\n` : '\n';
    if (suggestions.length > 0) {
      text += `suggestions:\n${suggestions.map((s) => `  - ${s}\n`).join('')}`;
    }
  }
  if (c.messages !== undefined) {
    text += '\n';
    text +=
      c.messages.length === 0
        ? 'no messages\n'
        : c.messages.map((m) => `${formatMessage(m)}\n`).join('');
  }
  return text;
}

/** Table of conversations (a call's, newest first). */
export function renderConversations(items: WireConversation[]): string {
  return renderTable(items, [
    { header: 'id', value: (c) => c.id },
    { header: 'agent', value: (c) => orNone(c.agentId) },
    { header: 'channel', value: (c) => orNone(c.channel) },
    { header: 'state', value: (c) => orNone(c.state) },
    { header: 'language', value: (c) => orNone(c.language) },
    { header: 'resumed', value: (c) => orNone(c.resumeCount), align: 'right' },
    { header: 'started', value: (c) => formatTime(c.createdAt) },
    { header: 'updated', value: (c) => formatTime(c.updatedAt) },
    { header: 'summary', value: (c) => orNone(c.synthesis?.summary) },
  ]);
}

const get: Command = {
  kind: 'command',
  name: 'get',
  summary: 'Show a conversation: agent, state, claim, summary and what was said',
  description:
    'Messages are printed as `persona: content` lines; an assistant message the caller cut off ' +
    `(barge-in) is marked ${CUT_MARK} and holds what was heard.`,
  positionals: [{ name: 'conversationId' }],
  options: {
    'no-messages': { type: 'boolean', description: 'The header only, without the messages' },
  },
  examples: [
    'switchboard conversations get cv_0123…',
    'switchboard conversations get cv_0123… --json',
  ],
  async run(ctx) {
    const api = await ctx.api();
    const conversation = await api.get<WireConversation>(
      `/v1/conversations/${seg(ctx.positionals[0]!)}`,
      flag(ctx.values, 'no-messages') ? { messages: 'false' } : undefined,
    );
    printOne(ctx, conversation, renderConversation);
  },
};

const list: Command = {
  kind: 'command',
  name: 'list',
  summary: 'List the conversations that ran on a call, newest first',
  options: {
    call: { type: 'string', placeholder: '<callId>', description: 'The call (required)' },
  },
  examples: ['switchboard conversations list --call ca_0123…'],
  async run(ctx) {
    const callId = required(ctx.values, 'call', 'switchboard conversations list');
    const api = await ctx.api();
    const answer = await api.get<WireList<WireConversation>>(
      `/v1/calls/${seg(callId)}/conversations`,
    );
    printList(ctx, answer, renderConversations, 'no conversations');
  },
};

/** The `conversations` group (reading). */
export const conversationsGroup: Group = {
  kind: 'group',
  name: 'conversations',
  summary: "AI agents' conversations with callers: claim, summary and transcript (read-only)",
  children: [get, list],
  examples: [
    'switchboard conversations list --call ca_0123…',
    'switchboard conversations get cv_0123…',
  ],
};
