/**
 * The text channel: a {@link FlowIO} over messages, so the same flows run in a chat widget, an
 * API client or a test. The bot's side (`say`, `play`, system notes) is emitted as
 * {@link TextMessage}s; the user's side arrives through {@link TextFlowIO.send}. A user message
 * made only of 0-9, * and # answers a DTMF collect as keys; anything else is speech. Timeouts run
 * on timers, so fake timers drive them in tests.
 */
import { UnknownAgentError, type AgentHost } from '../flows/engine/agent-host.js';
import type {
  AgentOutcome,
  CollectRequest,
  CollectResult,
  FlowIO,
  FlowRunContext,
} from '../flows/engine/flow-io.js';
import { converseWithAgent, type AgentConversationOptions } from './agent-conversation.js';
import type { TextMessage } from './text-message.js';

/** Settings of a {@link TextFlowIO}. */
export interface TextFlowIOOptions extends AgentConversationOptions {
  /** Where `agent` steps find their agents; without it every agent is unknown. */
  agents?: AgentHost;
  /** What `transfer` answers (default ok: the chat is handed off and ends). */
  transferResult?: { ok: boolean; reason?: string };
  /** What `enqueue` answers (default `unavailable`: queues arrive with the contact center). */
  enqueueResult?: 'queued' | 'unavailable';
  /** What `record` answers (default: no recording — there is no audio on text). */
  recordResult?: { recordingId?: string; durationMs?: number };
  /** The clock of message times. */
  now?: () => Date;
}

type Waiter = (input: string | 'hangup') => void;

const DTMF_TEXT_RE = /^[0-9*#]+$/;

/** See the module comment. */
export class TextFlowIO implements FlowIO {
  readonly channel = 'text' as const;
  private readonly transcriptLog: TextMessage[] = [];
  private readonly inbox: string[] = [];
  private readonly listeners = new Set<(message: TextMessage) => void>();
  private idleWaiters: Array<() => void> = [];
  private waiter: Waiter | undefined;
  private state: 'running' | 'waiting' | 'ended' = 'running';
  private endReason: string | undefined;
  private markEnded!: () => void;
  /** Resolves when the conversation ends. */
  readonly closed = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(private readonly options: TextFlowIOOptions = {}) {}

  /** True once the conversation has ended (either side). */
  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Why the conversation ended, once it has. */
  get reason(): string | undefined {
    return this.endReason;
  }

  /** Every message so far, both sides, in order. */
  transcript(): TextMessage[] {
    return [...this.transcriptLog];
  }

  /**
   * A user message. Answers the input the flow waits for, or waits in line for the next one.
   * @returns false when the conversation has ended (the message is dropped).
   */
  send(text: string): boolean {
    if (this.state === 'ended') return false;
    this.log({ from: 'user', text });
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      this.state = 'running';
      waiter(text);
    } else {
      this.inbox.push(text);
    }
    return true;
  }

  /** Calls `listener` with each bot and system message as it is produced; returns an unsubscribe. */
  onMessage(listener: (message: TextMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The bot and system messages produced from now on, until the conversation ends. */
  async *outgoing(): AsyncGenerator<TextMessage> {
    const queue: TextMessage[] = [];
    let wake: (() => void) | undefined;
    const off = this.onMessage((m) => {
      queue.push(m);
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (this.ended) return;
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), this.closed]);
        wake = undefined;
      }
    } finally {
      off();
    }
  }

  /** Resolves once the flow waits for the user, or the conversation has ended. */
  waitIdle(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends the conversation from outside (the user left, the session was closed). */
  end(reason = 'user-left'): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    this.inbox.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.('hangup');
    this.markEnded();
    this.wakeIdle();
  }

  // ---- FlowIO ----------------------------------------------------------------------------

  async answer(): Promise<void> {}

  async say(text: string): Promise<void> {
    this.emit({ from: 'bot', text });
  }

  async play(file: string): Promise<void> {
    this.emit({ from: 'bot', text: `[audio: ${file}]`, kind: 'audio' });
  }

  async collect(request: CollectRequest): Promise<CollectResult> {
    if (request.prompt) await this.say(request.prompt.text);
    const input = await this.receive(request.timeoutMs);
    if (input === 'hangup' || input === 'timeout') return { kind: input };
    const text = input.trim();
    if (request.dtmf && DTMF_TEXT_RE.test(text)) {
      let digits = text;
      if (request.finishOnKey !== undefined) {
        const at = digits.indexOf(request.finishOnKey);
        if (at >= 0) digits = digits.slice(0, at);
      }
      if (request.numDigits !== undefined) digits = digits.slice(0, request.numDigits);
      return { kind: 'dtmf', digits };
    }
    return { kind: 'speech', text, confidence: 1 };
  }

  async runAgent(agentId: string, context: FlowRunContext): Promise<AgentOutcome> {
    const host = this.options.agents;
    if (!host) throw new UnknownAgentError(agentId);
    const request: Parameters<AgentHost['open']>[0] = {
      agentId,
      key: context.conversationKey,
      channel: 'text',
      language: context.language,
      variables: context.variables,
    };
    if (context.callId !== undefined) request.callId = context.callId;
    const session = await host.open(request);
    if (!session) throw new UnknownAgentError(agentId);
    let outcome: AgentOutcome | undefined;
    try {
      outcome = await converseWithAgent(
        session,
        { say: (text) => this.say(text), receive: (ms) => this.receive(ms) },
        this.options,
      );
      return outcome;
    } finally {
      await session.close(outcome?.type ?? 'error').catch(() => undefined);
    }
  }

  async enqueue(request: { queue: string }): Promise<'queued' | 'unavailable'> {
    const result = this.options.enqueueResult ?? 'unavailable';
    this.emit({
      from: 'system',
      text:
        result === 'queued' ? `[queued: ${request.queue}]` : `[queue ${request.queue} unavailable]`,
      kind: 'event',
    });
    return result;
  }

  async transfer(to: string): Promise<{ ok: boolean; reason?: string }> {
    const result = this.options.transferResult ?? { ok: true };
    this.emit({
      from: 'system',
      text: result.ok ? `[transferred to ${to}]` : `[transfer to ${to} failed]`,
      kind: 'event',
    });
    return result;
  }

  async record(): Promise<{ recordingId?: string; durationMs?: number }> {
    const result = this.options.recordResult ?? {};
    this.emit({ from: 'system', text: '[recording]', kind: 'event' });
    return result;
  }

  async hangup(reason?: string): Promise<void> {
    this.end(reason ?? 'hangup');
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The next user message, `timeout` after `timeoutMs` of silence, or `hangup`. */
  receive(timeoutMs: number): Promise<string | 'timeout' | 'hangup'> {
    if (this.state === 'ended') return Promise.resolve('hangup');
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        this.state = 'running';
        resolve('timeout');
      }, timeoutMs);
      const waiter: Waiter = (input) => {
        clearTimeout(timer);
        resolve(input);
      };
      this.waiter = waiter;
      this.state = 'waiting';
      this.wakeIdle();
    });
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private log(message: Omit<TextMessage, 'at'>): TextMessage {
    const full: TextMessage = {
      ...message,
      at: (this.options.now?.() ?? new Date()).toISOString(),
    };
    this.transcriptLog.push(full);
    return full;
  }

  private emit(message: Omit<TextMessage, 'at'>): void {
    if (this.state === 'ended') return;
    const full = this.log(message);
    for (const listener of this.listeners) listener(full);
  }
}
