/**
 * Test support (imported by `*.test.ts` files only): an {@link AgentHost} whose agents are
 * scripted responders, recording what was opened and closed.
 */
import { ScriptedResponder, type Responder, type Script } from '../../../voice/index.js';
import type { AgentHost, AgentSession } from '../engine/agent-host.js';

/** See the module comment. */
export class ScriptedAgentHost implements AgentHost {
  readonly opened: Array<Parameters<AgentHost['open']>[0]> = [];
  readonly closed: string[] = [];

  constructor(
    private readonly agents: Record<string, Script | Responder>,
    private readonly language = 'en',
  ) {}

  async open(request: Parameters<AgentHost['open']>[0]): Promise<AgentSession | undefined> {
    this.opened.push(request);
    const agent = this.agents[request.agentId];
    if (agent === undefined) return undefined;
    const responder = 'respond' in agent ? agent : new ScriptedResponder(agent);
    return {
      responder,
      language: this.language,
      close: async (reason) => void this.closed.push(reason),
    };
  }
}
