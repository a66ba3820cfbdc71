/**
 * The stored agents as the voice runtime sees them: each call opens (or resumes) a
 * conversation keyed by the caller's identity, with the agent's language, voice and timeouts,
 * and closes it with how the call ended — handed to a person, finished by the agent, or
 * dropped (left open, so a call back within the window resumes it).
 */
import type {
  AgentCatalog,
  AgentRunOutcome,
  OpenedAgent,
  SessionTimeouts,
} from '../../voice/index.js';
import { sendDigits } from '../../calls/index.js';
import type { AgentDefinitionDocument } from '../agents/agent-definition.js';
import type { DialogAgents } from '../agents/dialog-agents.js';

/** The agent's timeouts (seconds in the document) as the voice session's (milliseconds). */
export function sessionTimeoutsOf(
  definition: AgentDefinitionDocument,
): Partial<SessionTimeouts> | undefined {
  const t = definition.timeouts;
  if (!t) return undefined;
  const ms = (s: number | undefined): number | undefined =>
    s === undefined ? undefined : s * 1000;
  const out: Partial<SessionTimeouts> = {};
  if (t.answerSoftS !== undefined) out.answerSoftMs = ms(t.answerSoftS);
  if (t.answerHardS !== undefined) out.answerHardMs = ms(t.answerHardS);
  if (t.callerSilenceS !== undefined) out.callerSilenceMs = ms(t.callerSilenceS);
  if (t.recognitionRetries !== undefined) out.recognitionRetries = t.recognitionRetries;
  if (t.maxCallS !== undefined) out.maxCallMs = ms(t.maxCallS);
  return out;
}

/**
 * The key a call's conversation resumes by: the caller's identity — but a withheld or empty
 * caller ID is no identity (every anonymous caller would share one conversation), so such a
 * call gets a key of its own and never resumes.
 */
export function resumeKey(caller: string | undefined, callId: string): string {
  const id = caller?.trim() ?? '';
  if (id === '' || /^(anonymous|unknown|restricted|private|unavailable)$/i.test(id)) {
    return `call:${callId}`;
  }
  return id;
}

/** See the module comment. */
export function voiceAgentCatalog(agents: DialogAgents): AgentCatalog {
  return {
    has: (agentId) => agents.has(agentId),
    async open(context, leg): Promise<OpenedAgent | undefined> {
      const opened = await agents.open({
        agentId: context.agentId,
        key: resumeKey(context.caller, context.callId),
        channel: 'voice',
        callId: context.callId,
        // `w` is a half-second pause, as in dialled DTMF strings.
        sendDtmf: (digits) => sendDigits(leg, digits),
      });
      if (!opened) return undefined;
      const { definition } = opened;
      return {
        responder: opened.responder,
        language: opened.language,
        voice: definition.voice && {
          voice: definition.voice.name,
          rate: definition.voice.rate,
          pitch: definition.voice.pitch,
        },
        timeouts: sessionTimeoutsOf(definition),
        close: (outcome: AgentRunOutcome) =>
          opened.close(
            outcome.type === 'transfer'
              ? { reason: outcome.reason ?? 'transfer', transferred: true }
              : { reason: outcome.reason },
          ),
      };
    },
  };
}
