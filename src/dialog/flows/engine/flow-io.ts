/**
 * The seam between the flow engine and whatever carries the conversation: a SIP call (the
 * call plane's IO) or the text channel ({@link TextFlowIO} in `dialog/chat`). The engine only
 * ever talks to a {@link FlowIO}, so every verb behaves the same on both.
 */

/** What a flow talks to: a SIP call or the text channel. */
export interface FlowIO {
  readonly channel: 'voice' | 'text';
  /** True once the caller (or the IO) has ended the conversation. */
  readonly ended: boolean;
  answer(): Promise<void>;
  /** Resolves when the text has been spoken (voice) or sent (text). */
  say(text: string, options?: { language?: string; voice?: string }): Promise<void>;
  play(file: string): Promise<void>;
  /** Plays/sends the prompt (if any) and collects input; a DTMF key during the prompt stops it (barge-in). */
  collect(request: CollectRequest): Promise<CollectResult>;
  /** Hands the conversation to an AI agent until it ends, hangs up or asks for a transfer. */
  runAgent(agentId: string, context: FlowRunContext): Promise<AgentOutcome>;
  /** The contact-center issue provides queues later; today IOs answer 'unavailable'. */
  enqueue(request: {
    queue: string;
    priority?: number;
    skills?: string[];
  }): Promise<'queued' | 'unavailable'>;
  transfer(to: string): Promise<{ ok: boolean; reason?: string }>;
  record(request: {
    maxS?: number;
    beep?: boolean;
  }): Promise<{ recordingId?: string; durationMs?: number }>;
  hangup(reason?: string): Promise<void>;
}

/** What {@link FlowIO.collect} should listen for. */
export interface CollectRequest {
  prompt?: { text: string; language?: string; voice?: string };
  dtmf: boolean;
  speech: boolean;
  /** Stop after this many keys. */
  numDigits?: number;
  /** A key that ends the entry early (not part of the digits). */
  finishOnKey?: string;
  /** How long to wait for input after the prompt. */
  timeoutMs: number;
  /** Words and phrases the recogniser should expect. */
  hints?: string[];
}

/** What {@link FlowIO.collect} got. */
export type CollectResult =
  | { kind: 'dtmf'; digits: string }
  | { kind: 'speech'; text: string; confidence?: number }
  | { kind: 'timeout' }
  | { kind: 'hangup' };

/** How an AI agent's part of the conversation ended. */
export type AgentOutcome =
  { type: 'ended' | 'hangup' } | { type: 'transfer'; to?: string; reason?: string };

/** Who and what a flow run is about; `variables` is the run's live variable store. */
export interface FlowRunContext {
  callId?: string;
  /** The caller identity (voice) or the chat session id (text): keys agent memory. */
  conversationKey: string;
  caller?: string;
  called?: string;
  /** Caller attributes for `caller:` conditions (number, name, country, anonymous, trunk…). */
  attributes: Record<string, string>;
  variables: Record<string, unknown>;
  language: string;
  flowName: string;
  flowVersion?: number;
}
