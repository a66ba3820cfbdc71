/**
 * The chat API: text conversations with a flow or an AI agent (the dialog room's text channel).
 *
 * - `POST /v1/chat/sessions` `{ flow | agent, sessionId?, from?, language?, variables? }` → 201
 *   `{ sessionId, messages, ended }`: the bot's first messages, up to where it waits for the
 *   user. Both or neither of flow/agent → 400 naming the field; an unknown name → 404 naming
 *   `flow` or `agent`. A `sessionId` of a live session resumes it.
 * - `POST /v1/chat/sessions/{id}/messages` `{ text }` → `{ messages, ended }`: the bot's messages
 *   since the last answer, up to where it waits again (404 for an unknown or ended session).
 * - `GET /v1/chat/sessions/{id}` → the session and its whole transcript; `DELETE` → 204.
 * - `GET /v1/chat/ws` ({@link registerChatSocket}): a WebSocket on which the client sends
 *   `{ type: 'start', flow | agent, … }` then `{ type: 'message', text }`, and receives
 *   `{ type: 'started', sessionId }`, `{ type: 'message', from, text, at, kind? }` as they
 *   happen, and `{ type: 'ended', reason }` (then the server closes the socket).
 *
 * The routes need the agent scope: a chat runs flows, which may call webhooks and transfer.
 * They depend on the {@link ChatService} shape only, which the dialog room's `ChatSessions`
 * has, so they are tested over a stand-in and the real sessions are tested in the dialog room.
 *
 * @module
 */
import websocketPlugin from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { presentedKey, scopeAllows, type KeyVerifier } from '../auth.js';
import { BadRequestError, type ApiRouter, type RouteContext } from '../route-kit.js';
import { boundedRecord, idParams, idSchema, line, strictObject } from './schemas.js';

/** One chat message as the API shows it. */
export interface ChatMessageView {
  from: 'bot' | 'user' | 'system';
  text: string;
  at: string;
  kind?: 'text' | 'audio' | 'event';
}

/** A start request, as validated. */
export interface ChatStartBody {
  flow?: string;
  agent?: string;
  sessionId?: string;
  from?: string;
  language?: string;
  variables?: Record<string, string>;
}

/**
 * What the chat routes need (the dialog room's `ChatSessions`). Refusals are errors named
 * `ChatRequestError` carrying `code` (`not_found` | `bad_request`) and `field`.
 */
export interface ChatService {
  start(
    request: ChatStartBody,
  ): Promise<{ sessionId: string; messages: ChatMessageView[]; ended: boolean }>;
  send(
    sessionId: string,
    text: string,
  ): Promise<{ sessionId: string; messages: ChatMessageView[]; ended: boolean }>;
  transcript(sessionId: string): {
    sessionId: string;
    flow?: { name: string; version: number };
    agent?: string;
    startedAt: string;
    ended: boolean;
    outcome?: string;
    messages: ChatMessageView[];
  };
  end(sessionId: string, reason?: string): Promise<void>;
  subscribe(
    sessionId: string,
    listener: (
      event: { type: 'message'; message: ChatMessageView } | { type: 'ended'; reason: string },
    ) => void,
  ): () => void;
}

/** Path of the chat socket. */
export const CHAT_SOCKET_PATH = '/v1/chat/ws';

const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Longest chat message; a chat turn is a sentence or a paragraph, not a document. */
const MAX_TEXT = 4000;

const name = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be a name: 1–128 letters, digits, "_", ".", ":" or "-"');

const startShape = {
  flow: name.optional().meta({ description: 'Run this flow (its current version)' }),
  agent: name.optional().meta({ description: 'Talk straight to this AI agent' }),
  sessionId: idSchema
    .optional()
    .meta({ description: 'Resume this live session, or start one under this id' }),
  from: line(256).optional().meta({ description: 'Who is chatting: the flow’s caller' }),
  language: z
    .string()
    .regex(LANGUAGE_RE, 'must be a language tag such as "en-US" or "zh"')
    .optional(),
  variables: boundedRecord(
    z.string().regex(VARIABLE_NAME_RE, 'must be a variable path such as "customer.id"'),
    z.string().max(1000, 'must be at most 1000 characters'),
    50,
  ).optional(),
};
const startBody = strictObject(startShape);

const messageShape = {
  text: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`),
};
const messageBody = strictObject(messageShape);

const messageView = z.object({
  from: z.enum(['bot', 'user', 'system']),
  text: z.string(),
  at: z.string(),
  kind: z.enum(['text', 'audio', 'event']).optional(),
});
const replyView = z.object({
  sessionId: z.string(),
  messages: z.array(messageView),
  ended: z.boolean(),
});
const sessionView = z.object({
  sessionId: z.string(),
  flow: z.object({ name: z.string(), version: z.number() }).optional(),
  agent: z.string().optional(),
  startedAt: z.string(),
  ended: z.boolean(),
  outcome: z.string().optional(),
  messages: z.array(messageView),
});

/** A `ChatRequestError` from the dialog room, recognised by shape (see {@link ChatService}). */
function chatRefusal(err: unknown): { code: string; field: string; message: string } | undefined {
  if (!(err instanceof Error) || err.name !== 'ChatRequestError') return undefined;
  const { code, field } = err as Error & { code?: unknown; field?: unknown };
  if (typeof code !== 'string' || typeof field !== 'string') return undefined;
  return { code, field, message: err.message };
}

/** Runs a handler, answering the chat's refusals: 404 naming the field, or 400. */
function refusals<B, P>(handler: (ctx: RouteContext<B, unknown, P>) => Promise<unknown>) {
  return async (ctx: RouteContext<B, unknown, P>): Promise<unknown> => {
    try {
      return await handler(ctx);
    } catch (err) {
      const refusal = chatRefusal(err);
      if (!refusal) throw err;
      if (refusal.code !== 'not_found') {
        throw new BadRequestError([{ field: refusal.field, message: refusal.message }]);
      }
      return ctx.reply
        .code(404)
        .send({ error: 'not_found', field: refusal.field, message: refusal.message });
    }
  };
}

/** Registers the chat HTTP routes (agent scope) on `router`, over `chat`. */
export function registerChatRoutes(router: ApiRouter, chat: ChatService): void {
  const common = { tag: 'chat', scope: 'agent' as const };
  router.add({
    ...common,
    method: 'POST',
    url: '/v1/chat/sessions',
    summary:
      'Start a text chat with a flow or an AI agent (exactly one); answers the first messages, ' +
      'up to where the bot waits for the user',
    body: startBody,
    status: 201,
    response: replyView,
    handler: refusals(async ({ body }) => {
      if ((body.flow === undefined) === (body.agent === undefined)) {
        throw new BadRequestError([
          {
            field: body.flow === undefined ? 'flow' : 'agent',
            message: 'give exactly one of flow and agent',
          },
        ]);
      }
      return chat.start(withoutUndefined(body));
    }),
  });
  router.add({
    ...common,
    method: 'POST',
    url: '/v1/chat/sessions/:id/messages',
    summary:
      "Send the user's message; answers the bot's messages since the last answer, up to where " +
      'it waits again or ends',
    body: messageBody,
    params: idParams,
    response: replyView,
    handler: refusals(async ({ params, body }) => chat.send(params.id, body.text)),
  });
  router.add({
    ...common,
    method: 'GET',
    url: '/v1/chat/sessions/:id',
    summary: 'A chat session and its whole transcript (ended sessions stay readable a while)',
    params: idParams,
    response: sessionView,
    handler: refusals(async ({ params }) => chat.transcript(params.id)),
  });
  router.add({
    ...common,
    method: 'DELETE',
    url: '/v1/chat/sessions/:id',
    summary: 'End a chat session',
    params: idParams,
    status: 204,
    handler: refusals(async ({ params }) => {
      await chat.end(params.id, 'closed');
      return undefined;
    }),
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---- WebSocket --------------------------------------------------------------------------

/** What {@link registerChatSocket} needs. */
export interface ChatSocketDeps {
  chat: ChatService;
  verify: KeyVerifier;
}

/** What a client may send, by `type`. */
const CLIENT_MESSAGES = {
  start: strictObject({ type: z.literal('start'), ...startShape }),
  message: strictObject({ type: z.literal('message'), ...messageShape }),
};
type ClientMessage =
  z.output<(typeof CLIENT_MESSAGES)['start']> | z.output<(typeof CLIENT_MESSAGES)['message']>;

/** One socket's conversation. */
class ChatSocket {
  private sessionId: string | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Client messages are handled one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly chat: ChatService,
  ) {
    socket.on('message', (data) => {
      this.queue = this.queue.then(() => this.onMessage(String(data)));
    });
    socket.on('close', () => void this.close());
  }

  private async onMessage(raw: string): Promise<void> {
    let parsed: ClientMessage;
    try {
      const json: unknown = JSON.parse(raw);
      const type = (json as { type?: unknown } | null)?.type;
      if (type !== 'start' && type !== 'message') {
        this.send({ type: 'error', field: 'type', message: 'must be "start" or "message"' });
        return;
      }
      const result = CLIENT_MESSAGES[type].safeParse(json);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        this.send({ type: 'error', field: issue.path.join('.') || 'type', message: issue.message });
        return;
      }
      parsed = result.data;
    } catch {
      this.send({ type: 'error', field: 'body', message: 'must be a JSON object' });
      return;
    }
    try {
      if (parsed.type === 'start') await this.start(parsed);
      else await this.message(parsed.text);
    } catch (err) {
      const refusal = chatRefusal(err);
      if (refusal) this.send({ type: 'error', field: refusal.field, message: refusal.message });
      else this.send({ type: 'error', message: 'internal error' });
    }
  }

  private async start(body: ChatStartBody & { type: 'start' }): Promise<void> {
    if (this.sessionId !== undefined) {
      this.send({ type: 'error', field: 'type', message: 'this socket has a session already' });
      return;
    }
    const { type: _type, ...request } = body;
    if ((request.flow === undefined) === (request.agent === undefined)) {
      const field = request.flow === undefined ? 'flow' : 'agent';
      this.send({ type: 'error', field, message: 'give exactly one of flow and agent' });
      return;
    }
    const reply = await this.chat.start(withoutUndefined(request));
    this.sessionId = reply.sessionId;
    this.send({ type: 'started', sessionId: reply.sessionId });
    for (const m of reply.messages) this.send({ type: 'message', ...m });
    if (reply.ended || this.socket.readyState !== WebSocket.OPEN) {
      this.finish('ended');
      return;
    }
    // Nothing runs between the start's answer and here, so no message falls in between.
    this.unsubscribe = this.chat.subscribe(reply.sessionId, (event) => {
      if (event.type === 'message') this.send({ type: 'message', ...event.message });
      else this.finish(event.reason);
    });
  }

  private async message(text: string): Promise<void> {
    if (this.sessionId === undefined) {
      this.send({ type: 'error', field: 'type', message: 'send a start message first' });
      return;
    }
    // The subscription delivers the bot's messages as they happen; the answer repeats them.
    await this.chat.send(this.sessionId, text);
  }

  private finish(reason: string): void {
    this.send({ type: 'ended', reason });
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sessionId = undefined;
    this.socket.close(1000, 'chat ended');
  }

  private async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const id = this.sessionId;
    this.sessionId = undefined;
    // The user closed the chat window: the session ends too.
    if (id !== undefined) await this.chat.end(id, 'user-left').catch(() => undefined);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

/**
 * Registers `GET /v1/chat/ws` on `app` (and `@fastify/websocket` unless the app has it; see
 * `registerEventsSocket` for why it is awaited before `listen()`). Auth: an API key with the
 * agent scope, as `Authorization: Bearer`, `X-Api-Key` or `?key=` (browsers cannot set headers
 * on a WebSocket). A plain GET with a valid key answers 426.
 */
export async function registerChatSocket(
  app: FastifyInstance,
  deps: ChatSocketDeps,
): Promise<void> {
  await app.after();
  if (!app.hasDecorator('websocketServer')) {
    void app.register(websocketPlugin, { options: { maxPayload: 64 * 1024 } });
    await app.after();
  }
  const preValidation = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const query = request.query as Record<string, unknown>;
    const key = presentedKey(request) ?? (typeof query.key === 'string' ? query.key : undefined);
    const principal = key ? await deps.verify(key) : undefined;
    if (principal === undefined) {
      await reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer')
        .send({
          error: 'unauthorized',
          message: key
            ? 'the API key is unknown or revoked'
            : 'an API key is required (Authorization: Bearer <key>, or ?key=<key>)',
        });
      return;
    }
    if (!scopeAllows(principal.scopes, 'agent')) {
      await reply.code(403).send({
        error: 'forbidden',
        message: `the chat needs the agent scope or higher; the key has ${principal.scopes.join(', ')}`,
      });
    }
  };
  app.route({
    method: 'GET',
    url: CHAT_SOCKET_PATH,
    preValidation,
    handler: async (_request, reply) =>
      reply
        .code(426)
        .header('Upgrade', 'websocket')
        .send({
          error: 'upgrade_required',
          message: `${CHAT_SOCKET_PATH} is a WebSocket: connect with ws:// or wss://`,
        }),
    wsHandler: (socket) => void new ChatSocket(socket, deps.chat),
  });
}
