/**
 * The chat routes and socket over a stand-in {@link ChatService} (the real sessions are tested
 * in the dialog room): validation, the mapping to the service, status codes, error shapes, and
 * the WebSocket protocol over a real socket.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { KeyVerifier } from '../auth.js';
import { ApiRouter } from '../route-kit.js';
import {
  CHAT_SOCKET_PATH,
  registerChatRoutes,
  registerChatSocket,
  type ChatMessageView,
  type ChatService,
  type ChatStartBody,
} from './chat.js';

/** The dialog room's refusal, by shape. */
class ChatRequestError extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_request',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChatRequestError';
  }
}

type Listener = Parameters<ChatService['subscribe']>[1];

/** Greets, echoes, ends on "bye"; records what it was asked. */
class EchoChat implements ChatService {
  readonly starts: ChatStartBody[] = [];
  readonly ends: Array<[string, string | undefined]> = [];
  private next = 1;
  private readonly sessions = new Map<
    string,
    { messages: ChatMessageView[]; ended: boolean; listeners: Set<Listener> }
  >();

  async start(request: ChatStartBody) {
    this.starts.push(request);
    if (request.flow === 'missing')
      throw new ChatRequestError('not_found', 'flow', 'no flow "missing"');
    if (request.agent === 'missing')
      throw new ChatRequestError('not_found', 'agent', 'no agent "missing"');
    const sessionId = request.sessionId ?? `chat-${this.next++}`;
    const greeting = this.bot(`Hello from ${request.flow ?? request.agent}`);
    this.sessions.set(sessionId, { messages: [greeting], ended: false, listeners: new Set() });
    return { sessionId, messages: [greeting], ended: false };
  }

  async send(sessionId: string, text: string) {
    const s = this.sessions.get(sessionId);
    if (!s || s.ended)
      throw new ChatRequestError('not_found', 'sessionId', `no live chat session "${sessionId}"`);
    s.messages.push({ from: 'user', text, at: '2025-01-01T00:00:00.000Z' });
    const reply = this.bot(text === 'bye' ? 'Goodbye.' : `You said: ${text}`);
    s.messages.push(reply);
    for (const l of s.listeners) l({ type: 'message', message: reply });
    if (text === 'bye') {
      s.ended = true;
      for (const l of s.listeners) l({ type: 'ended', reason: 'completed' });
    }
    return { sessionId, messages: [reply], ended: s.ended };
  }

  transcript(sessionId: string) {
    const s = this.sessions.get(sessionId);
    if (!s) throw new ChatRequestError('not_found', 'sessionId', `no chat session "${sessionId}"`);
    return {
      sessionId,
      flow: { name: 'ivr', version: 2 },
      startedAt: '2025-01-01T00:00:00.000Z',
      ended: s.ended,
      messages: s.messages,
    };
  }

  async end(sessionId: string, reason?: string) {
    this.ends.push([sessionId, reason]);
    const s = this.sessions.get(sessionId);
    if (!s) throw new ChatRequestError('not_found', 'sessionId', `no chat session "${sessionId}"`);
    s.ended = true;
  }

  subscribe(sessionId: string, listener: Listener) {
    const s = this.sessions.get(sessionId)!;
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  private bot(text: string): ChatMessageView {
    return { from: 'bot', text, at: '2025-01-01T00:00:00.000Z' };
  }
}

const verify: KeyVerifier = async (key) =>
  key === 'sb_agent'
    ? { keyId: 'k1', scopes: ['agent'] }
    : key === 'sb_ro'
      ? { keyId: 'k2', scopes: ['read-only'] }
      : undefined;

describe('chat routes', () => {
  let app: FastifyInstance;
  let chat: EchoChat;
  const inject = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
    key = 'sb_agent',
  ) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload ? { payload } : {}),
    });

  beforeEach(async () => {
    chat = new EchoChat();
    app = Fastify();
    registerChatRoutes(new ApiRouter(app, verify), chat);
    await app.ready();
  });
  afterEach(() => app.close());

  it('starts a session (201) and exchanges messages', async () => {
    const start = await inject('POST', '/v1/chat/sessions', {
      flow: 'ivr',
      from: '+34600000000',
      variables: { 'customer.id': '7' },
    });
    expect(start.statusCode).toBe(201);
    expect(start.json()).toEqual({
      sessionId: 'chat-1',
      ended: false,
      messages: [{ from: 'bot', text: 'Hello from ivr', at: '2025-01-01T00:00:00.000Z' }],
    });
    expect(chat.starts).toEqual([
      { flow: 'ivr', from: '+34600000000', variables: { 'customer.id': '7' } },
    ]);
    const reply = await inject('POST', '/v1/chat/sessions/chat-1/messages', { text: '  hi  ' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json().messages[0].text).toBe('You said: hi');
    const got = await inject('GET', '/v1/chat/sessions/chat-1');
    expect(got.statusCode).toBe(200);
    expect(got.json().messages.map((m: ChatMessageView) => m.from)).toEqual(['bot', 'user', 'bot']);
    const del = await inject('DELETE', '/v1/chat/sessions/chat-1');
    expect(del.statusCode).toBe(204);
    expect(chat.ends).toEqual([['chat-1', 'closed']]);
    const after = await inject('POST', '/v1/chat/sessions/chat-1/messages', { text: 'hello?' });
    expect(after.statusCode).toBe(404);
    expect(after.json()).toMatchObject({ error: 'not_found', field: 'sessionId' });
  });

  it('answers 400 naming the field for both or neither of flow and agent, and bad fields', async () => {
    const neither = await inject('POST', '/v1/chat/sessions', {});
    expect(neither.statusCode).toBe(400);
    expect(neither.json().issues).toEqual([
      { field: 'flow', message: 'give exactly one of flow and agent' },
    ]);
    const both = await inject('POST', '/v1/chat/sessions', { flow: 'a', agent: 'b' });
    expect(both.json().issues[0].field).toBe('agent');
    const bad = await inject('POST', '/v1/chat/sessions', { flow: 'a b', language: 'english!' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .issues.map((i: { field: string }) => i.field)
        .sort(),
    ).toEqual(['flow', 'language']);
    const unknown = await inject('POST', '/v1/chat/sessions', { flow: 'ivr', extra: 1 });
    expect(unknown.json().issues.map((i: { field: string }) => i.field)).toEqual(['extra']);
    const empty = await inject('POST', '/v1/chat/sessions/chat-1/messages', { text: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().issues[0]).toEqual({ field: 'text', message: 'must not be empty' });
    expect(chat.starts).toEqual([]);
  });

  it('answers 404 naming flow or agent for unknown names, and for unknown sessions', async () => {
    const flow = await inject('POST', '/v1/chat/sessions', { flow: 'missing' });
    expect(flow.statusCode).toBe(404);
    expect(flow.json()).toEqual({
      error: 'not_found',
      field: 'flow',
      message: 'no flow "missing"',
    });
    const agent = await inject('POST', '/v1/chat/sessions', { agent: 'missing' });
    expect(agent.json()).toMatchObject({ field: 'agent' });
    expect((await inject('GET', '/v1/chat/sessions/nope')).statusCode).toBe(404);
    expect((await inject('DELETE', '/v1/chat/sessions/nope')).statusCode).toBe(404);
  });

  it('needs the agent scope', async () => {
    expect((await inject('POST', '/v1/chat/sessions', { flow: 'ivr' }, 'sb_ro')).statusCode).toBe(
      403,
    );
    expect((await inject('POST', '/v1/chat/sessions', { flow: 'ivr' }, 'sb_nope')).statusCode).toBe(
      401,
    );
  });
});

describe('chat socket', () => {
  let app: FastifyInstance;
  let chat: EchoChat;
  let base: string;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    chat = new EchoChat();
    app = Fastify();
    await registerChatSocket(app, { chat, verify });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}${CHAT_SOCKET_PATH}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await app.close();
  });

  /** Opens a socket whose messages queue up as they arrive. */
  async function connect(url: string) {
    const ws = new WebSocket(url);
    sockets.push(ws);
    // A refused upgrade is reported through unexpected-response below; the error event that
    // follows it when the socket is torn down is expected.
    ws.on('error', () => undefined);
    const inbox: Array<Record<string, unknown>> = [];
    let wake: (() => void) | undefined;
    ws.on('message', (data) => {
      inbox.push(JSON.parse(String(data)) as Record<string, unknown>);
      wake?.();
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    const next = async () => {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return inbox.shift()!;
    };
    return { ws, next, closed, send: (m: object) => ws.send(JSON.stringify(m)) };
  }

  it('starts, streams messages as they happen, and closes once the chat ends', async () => {
    const client = await connect(`${base}?key=sb_agent`);
    client.send({ type: 'message', text: 'too early' });
    expect(await client.next()).toEqual({
      type: 'error',
      field: 'type',
      message: 'send a start message first',
    });
    client.send({ type: 'start', agent: 'helper', sessionId: 'ws-1' });
    expect(await client.next()).toEqual({ type: 'started', sessionId: 'ws-1' });
    expect(await client.next()).toMatchObject({
      type: 'message',
      from: 'bot',
      text: 'Hello from helper',
    });
    client.send({ type: 'message', text: 'hi' });
    expect(await client.next()).toMatchObject({
      type: 'message',
      from: 'bot',
      text: 'You said: hi',
    });
    client.send({ type: 'message', text: 'bye' });
    expect(await client.next()).toMatchObject({ type: 'message', text: 'Goodbye.' });
    expect(await client.next()).toEqual({ type: 'ended', reason: 'completed' });
    expect(await client.closed).toBe(1000);
  });

  it('reports bad messages and unknown names by field, and ends the session when the client leaves', async () => {
    const client = await connect(`${base}?key=sb_agent`);
    client.send({ type: 'dance' });
    expect(await client.next()).toMatchObject({ type: 'error', field: 'type' });
    client.ws.send('not json');
    expect(await client.next()).toMatchObject({ type: 'error', field: 'body' });
    client.send({ type: 'start', flow: 'ivr', agent: 'x' });
    expect(await client.next()).toMatchObject({ type: 'error', field: 'agent' });
    client.send({ type: 'start', flow: 'missing' });
    expect(await client.next()).toEqual({
      type: 'error',
      field: 'flow',
      message: 'no flow "missing"',
    });
    client.send({ type: 'start', flow: 'ivr', sessionId: 'ws-2' });
    expect(await client.next()).toEqual({ type: 'started', sessionId: 'ws-2' });
    await client.next();
    client.ws.close();
    await client.closed;
    await expect.poll(() => chat.ends).toContainEqual(['ws-2', 'user-left']);
  });

  it('refuses a missing key (401), a read-only key (403) and a plain GET (426)', async () => {
    await expect(connect(base)).rejects.toThrow('HTTP 401');
    await expect(connect(`${base}?key=sb_ro`)).rejects.toThrow('HTTP 403');
    const http = await app.inject({
      method: 'GET',
      url: CHAT_SOCKET_PATH,
      headers: { 'x-api-key': 'sb_agent' },
    });
    expect(http.statusCode).toBe(426);
  });
});
