/**
 * Text conversations for the chat API: each session runs a flow (the version it started with,
 * to its end) or talks straight to an AI agent, over a {@link TextFlowIO}. Requests answer with
 * the bot's messages produced until the session waits for the user again; messages the session
 * produced on its own in between (a menu's timeout prompt) come with the next answer. A session
 * idle for `idleTimeoutMs` ends; ended sessions stay readable for the same time.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/index.js';
import type { AgentHost, AgentSession } from '../flows/engine/agent-host.js';
import {
  FlowRunner,
  type FlowOutcome,
  type FlowRunnerOptions,
} from '../flows/engine/flow-runner.js';
import type { Flow } from '../flows/flow-schema.js';
import { ChatRequestError } from './chat-error.js';
import { TextFlowIO, type TextFlowIOOptions } from './text-flow-io.js';
import type { TextMessage } from './text-message.js';

/** Default idle time before a session ends: 10 minutes. */
export const DEFAULT_CHAT_IDLE_TIMEOUT_MS = 10 * 60_000;

/** What {@link ChatSessions} needs. */
export interface ChatSessionsOptions {
  /** The current version of a flow by name; undefined when there is none. */
  loadFlow(name: string): Promise<{ flow: Flow; version: number } | undefined>;
  agents?: AgentHost;
  classify?: FlowRunnerOptions['classify'];
  /** Idle time before a session ends (default {@link DEFAULT_CHAT_IDLE_TIMEOUT_MS}). */
  idleTimeoutMs?: number;
  logger?: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Channel settings (transfer/enqueue answers, agent silence); mostly for tests. */
  io?: Omit<TextFlowIOOptions, 'agents' | 'now'>;
}

/** A request to start a chat: exactly one of `flow` and `agent`. */
export interface ChatStartRequest {
  flow?: string;
  agent?: string;
  /** Resumes the live session of this id, or starts one under it (agent memory follows it). */
  sessionId?: string;
  /** Who is chatting (the `caller` of the flow). */
  from?: string;
  language?: string;
  variables?: Record<string, string>;
}

/** A request's answer: the messages produced since the last answer. */
export interface ChatReply {
  sessionId: string;
  messages: TextMessage[];
  ended: boolean;
}

/** A session as the API shows it. */
export interface ChatSessionView {
  sessionId: string;
  flow?: { name: string; version: number };
  agent?: string;
  startedAt: string;
  ended: boolean;
  /** How the flow ended (`completed`, `transfer`, …), once it has. */
  outcome?: string;
  messages: TextMessage[];
}

/** Something that happened in a session, for live listeners (the WebSocket). */
export type ChatEvent =
  { type: 'message'; message: TextMessage } | { type: 'ended'; reason: string };

interface Session {
  id: string;
  io: TextFlowIO;
  done: Promise<FlowOutcome>;
  outcome?: FlowOutcome;
  flow?: { name: string; version: number };
  agent?: string;
  startedAt: Date;
  /** Transcript index up to which messages were answered. */
  delivered: number;
  /** Requests of one session run one at a time. */
  queue: Promise<unknown>;
  timer?: ReturnType<typeof setTimeout>;
  /** Closes an agent session opened for the start but never used (the chat ended first). */
  release?: () => Promise<void>;
  listeners: Set<(event: ChatEvent) => void>;
}

/** See the module comment. */
export class ChatSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: ChatSessionsOptions) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_CHAT_IDLE_TIMEOUT_MS;
  }

  /**
   * Starts (or resumes) a session and answers with its first messages.
   * @throws ChatRequestError `bad_request` unless exactly one of flow/agent is given,
   *   `not_found` (field `flow` or `agent`) for an unknown name.
   */
  async start(request: ChatStartRequest): Promise<ChatReply> {
    if ((request.flow === undefined) === (request.agent === undefined)) {
      throw new ChatRequestError(
        'bad_request',
        request.flow === undefined ? 'flow' : 'agent',
        'give exactly one of flow and agent',
      );
    }
    if (request.sessionId !== undefined) {
      const live = this.sessions.get(request.sessionId);
      if (live && !live.io.ended) return this.exclusive(live, () => this.reply(live));
    }
    const id = request.sessionId ?? randomUUID();
    const language = request.language;
    let flow: Flow;
    let version: number | undefined;
    let agents = this.options.agents;
    let release: (() => Promise<void>) | undefined;
    if (request.flow !== undefined) {
      const loaded = await this.options.loadFlow(request.flow);
      if (!loaded) throw new ChatRequestError('not_found', 'flow', `no flow "${request.flow}"`);
      ({ flow, version } = loaded);
    } else {
      const agentId = request.agent!;
      const opened = await this.options.agents?.open({
        agentId,
        key: id,
        channel: 'text',
        ...(language !== undefined ? { language } : {}),
        variables: { ...request.variables },
      });
      if (!opened) throw new ChatRequestError('not_found', 'agent', `no agent "${agentId}"`);
      const spare = preopened(agentId, opened, this.options.agents!);
      agents = spare.host;
      release = spare.release;
      flow = { name: `agent:${agentId}`, steps: [{ id: 'agent', agent: { agentId } }] };
    }
    const session = this.launch(id, flow, version, agents, request);
    if (release) session.release = release;
    return this.exclusive(session, async () => {
      await session.io.waitIdle();
      return this.reply(session);
    });
  }

  /**
   * Sends a user message and answers with the bot's messages until it waits again or ends.
   * @throws ChatRequestError `not_found` (field `sessionId`) for an unknown or ended session.
   */
  async send(sessionId: string, text: string): Promise<ChatReply> {
    const session = this.live(sessionId);
    return this.exclusive(session, async () => {
      if (!session.io.send(text)) throw this.gone(sessionId);
      this.touch(session);
      await session.io.waitIdle();
      return this.reply(session);
    });
  }

  /**
   * The session with its whole transcript (ended sessions too, until they are dropped).
   * @throws ChatRequestError `not_found` for an unknown session.
   */
  transcript(sessionId: string): ChatSessionView {
    const s = this.sessions.get(sessionId);
    if (!s) throw this.gone(sessionId);
    const view: ChatSessionView = {
      sessionId: s.id,
      startedAt: s.startedAt.toISOString(),
      ended: s.io.ended,
      messages: s.io.transcript(),
    };
    if (s.flow) view.flow = s.flow;
    if (s.agent !== undefined) view.agent = s.agent;
    if (s.outcome) view.outcome = s.outcome.reason;
    return view;
  }

  /** Live events of a session; returns an unsubscribe. @throws ChatRequestError `not_found`. */
  subscribe(sessionId: string, listener: (event: ChatEvent) => void): () => void {
    const session = this.live(sessionId);
    session.listeners.add(listener);
    return () => session.listeners.delete(listener);
  }

  /** Ends a session (the user left) and waits for its flow to stop. @throws ChatRequestError. */
  async end(sessionId: string, reason = 'closed'): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) throw this.gone(sessionId);
    s.io.end(reason);
    await s.done;
  }

  /** Ends every session and forgets them (shutdown). */
  async stopAll(): Promise<void> {
    const all = [...this.sessions.values()];
    for (const s of all) s.io.end('shutdown');
    await Promise.all(all.map((s) => s.done));
    for (const s of all) clearTimeout(s.timer);
    this.sessions.clear();
  }

  /** Sessions not yet ended. */
  get activeCount(): number {
    return [...this.sessions.values()].filter((s) => !s.io.ended).length;
  }

  private launch(
    id: string,
    flow: Flow,
    version: number | undefined,
    agents: AgentHost | undefined,
    request: ChatStartRequest,
  ): Session {
    const { logger, now } = this.options;
    const io = new TextFlowIO({
      ...this.options.io,
      ...(agents ? { agents } : {}),
      ...(now ? { now } : {}),
    });
    const context: FlowRunnerOptions['context'] = {
      conversationKey: id,
      attributes: request.from !== undefined ? { number: request.from } : {},
      variables: { ...request.variables },
    };
    if (request.from !== undefined) context.caller = request.from;
    if (request.language !== undefined) context.language = request.language;
    if (version !== undefined) context.flowVersion = version;
    const runner = new FlowRunner({
      flow,
      io,
      context,
      ...(this.options.classify ? { classify: this.options.classify } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(now ? { now } : {}),
      ...(logger ? { logger } : {}),
    });
    const session: Session = {
      id,
      io,
      done: undefined as unknown as Promise<FlowOutcome>,
      startedAt: now?.() ?? new Date(),
      delivered: 0,
      queue: Promise.resolve(),
      listeners: new Set(),
    };
    if (request.flow !== undefined) session.flow = { name: flow.name, version: version ?? 0 };
    else session.agent = request.agent!;
    io.onMessage((message) => this.publish(session, { type: 'message', message }));
    session.done = runner.run().then(
      (outcome) => this.finished(session, outcome),
      (error: unknown) =>
        this.finished(session, {
          reason: 'error',
          error: (error as Error).message,
          variables: {},
        }),
    );
    this.sessions.set(id, session);
    this.touch(session);
    logger?.info(
      { sessionId: id, flow: session.flow?.name, version, agent: session.agent },
      'chat session started',
    );
    return session;
  }

  private finished(session: Session, outcome: FlowOutcome): FlowOutcome {
    session.outcome = outcome;
    void session.release?.();
    // A run that ends without hanging up (transfer, queue) still ends the chat.
    session.io.end(outcome.reason);
    this.publish(session, { type: 'ended', reason: outcome.reason });
    session.listeners.clear();
    this.touch(session);
    this.options.logger?.info(
      { sessionId: session.id, reason: outcome.reason, error: outcome.error },
      'chat session ended',
    );
    return outcome;
  }

  private publish(session: Session, event: ChatEvent): void {
    for (const listener of session.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'chat listener threw');
      }
    }
  }

  /** Restarts the idle timer: a live session ends when it fires, an ended one is dropped. */
  private touch(session: Session): void {
    clearTimeout(session.timer);
    session.timer = setTimeout(() => {
      if (session.io.ended) {
        if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
      } else {
        session.io.end('idle-timeout');
      }
    }, this.idleTimeoutMs);
    session.timer.unref?.();
  }

  private reply(session: Session): ChatReply {
    const all = session.io.transcript();
    const messages = all.slice(session.delivered).filter((m) => m.from !== 'user');
    session.delivered = all.length;
    return { sessionId: session.id, messages, ended: session.io.ended };
  }

  private exclusive<T>(session: Session, work: () => Promise<T> | T): Promise<T> {
    const result = session.queue.then(work);
    session.queue = result.catch(() => undefined);
    return result;
  }

  private live(sessionId: string): Session {
    const s = this.sessions.get(sessionId);
    if (!s || s.io.ended) throw this.gone(sessionId);
    return s;
  }

  private gone(sessionId: string): ChatRequestError {
    return new ChatRequestError('not_found', 'sessionId', `no live chat session "${sessionId}"`);
  }
}

/**
 * `host`, except that the first open of `agentId` gets the session opened already (opened at
 * start to tell an unknown agent from a known one); `release` closes it if it was never used.
 */
function preopened(
  agentId: string,
  session: AgentSession,
  host: AgentHost,
): { host: AgentHost; release: () => Promise<void> } {
  let spare: AgentSession | undefined = session;
  return {
    host: {
      open: async (request) => {
        if (spare && request.agentId === agentId) {
          const s = spare;
          spare = undefined;
          return s;
        }
        return host.open(request);
      },
    },
    release: async () => {
      const s = spare;
      spare = undefined;
      await s?.close('unused').catch(() => undefined);
    },
  };
}
