/**
 * How a {@link FlowIO} reaches AI agents: the app's agent registry implements {@link AgentHost};
 * an agent conversation is a voice {@link Responder} plus its language.
 */
import type { Responder } from '../../../voice/index.js';

/** Opens agent conversations by agent id (the app implements it over its agent registry). */
export interface AgentHost {
  /** Undefined when there is no such agent. */
  open(request: {
    agentId: string;
    /** Keys the agent's memory of this caller or chat session. */
    key: string;
    channel: 'voice' | 'text';
    callId?: string;
    language?: string;
    variables?: Record<string, unknown>;
  }): Promise<AgentSession | undefined>;
}

/** One open agent conversation. */
export interface AgentSession {
  responder: Responder;
  language: string;
  close(reason: string): Promise<void>;
}

/** Thrown by an IO's `runAgent` when the host knows no agent by that id. */
export class UnknownAgentError extends Error {
  constructor(readonly agentId: string) {
    super(`no agent "${agentId}"`);
    this.name = 'UnknownAgentError';
  }
}
