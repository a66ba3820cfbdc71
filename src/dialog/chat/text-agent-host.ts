/**
 * The stored agents as the text channel sees them: a chat opens (or resumes, with the same
 * session id) a conversation keyed by the chat's session id, and closes it with how the chat
 * ended — transferred, finished by the agent, or left (resumable within the window).
 */
import type { DialogAgents } from '../agents/dialog-agents.js';
import type { AgentHost, AgentSession } from '../flows/engine/agent-host.js';

/** See the module comment. */
export function textAgentHost(agents: DialogAgents): AgentHost {
  return {
    async open(request): Promise<AgentSession | undefined> {
      const opened = await agents.open({
        agentId: request.agentId,
        key: request.key,
        channel: request.channel,
        callId: request.callId,
        language: request.language,
      });
      if (!opened) return undefined;
      return {
        responder: opened.responder,
        language: opened.language,
        close: (reason) => opened.close({ reason, transferred: reason === 'transfer' }),
      };
    },
  };
}
