/**
 * Runs AI agents on legs: for each conversation it builds a VoiceSession from the configured
 * providers and the agent's responder, and records what happens — every turn's trace in the
 * store (readable at /v1/calls/{id}/turns), latencies and events as metrics, notices in the log
 * (transcripts only under `pii`).
 */
import type { AgentRunContext, AgentRunner } from '../../calls/index.js';
import type { Leg } from '../../channels/index.js';
import type { Logger, VoiceMetrics } from '../../observability/index.js';
import type { Store } from '../../store/index.js';
import type {
  SpeechToText,
  TextToSpeech,
  VadOptions,
  VoiceActivityDetector,
} from '../providers/types.js';
import type { Responder, SessionTimeouts } from '../session/types.js';
import { VoiceSession, type VoiceSessionOptions } from '../session/voice-session.js';

/** One agent the runtime can run. */
export interface AgentDefinition extends VoiceAgentSettings {
  responder: () => Responder;
}

/** How an agent sounds and listens. */
export interface VoiceAgentSettings {
  /** BCP 47 (default en-US). */
  language?: string;
  voice?: VoiceSessionOptions['voice'];
  timeouts?: Partial<SessionTimeouts>;
  /** Voice activity detection tuning (seed 001's defaults otherwise). */
  vad?: VadOptions;
  /** Turn detection tuning. */
  turns?: VoiceSessionOptions['turns'];
  /** Barge-in tuning: minimum speech, echo ratio, backchannels. */
  bargeIn?: VoiceSessionOptions['bargeIn'];
}

/** Settings of a {@link VoiceRuntime}. */
export interface VoiceRuntimeOptions {
  /** A fresh detector per conversation (detectors keep per-stream state), tuned per agent. */
  vad: (options?: VadOptions) => VoiceActivityDetector;
  /**
   * The recogniser and synthesiser for one conversation; `onSwitch` is told when a fallback
   * chain moves to another provider, so the switch lands in that conversation's trace.
   */
  providers: (onSwitch: (event: { from: string; to: string; reason: string }) => void) => {
    stt: SpeechToText;
    tts: TextToSpeech;
  };
  /** Fixed agents by id, or a catalog that opens them per conversation (from the database). */
  agents: Record<string, AgentDefinition> | AgentCatalog;
  apologyFile: string;
  store: Pick<Store, 'voiceTurns'>;
  metrics: VoiceMetrics;
  logger: Logger;
}

/** One conversation's agent, opened by a catalog: its responder and voice settings. */
export interface OpenedAgent extends VoiceAgentSettings {
  responder: Responder;
  /** Told how the conversation ended (after the session has stopped). */
  close?(outcome: AgentRunOutcome): Promise<void>;
}

/** Agents looked up per conversation (the dialog room's database-backed agents). */
export interface AgentCatalog {
  has(agentId: string): Promise<boolean>;
  /** Opens the agent for a conversation on `leg` (the leg: for tools that act on the call). */
  open(context: AgentRunContext, leg: Leg): Promise<OpenedAgent | undefined>;
}

/** How an agent's conversation ended: on its own, or handing the caller to someone. */
export type AgentRunOutcome =
  { type: 'ended'; reason: string } | { type: 'transfer'; to?: string; reason?: string };

function isCatalog(agents: VoiceRuntimeOptions['agents']): agents is AgentCatalog {
  return typeof (agents as Partial<AgentCatalog>).open === 'function';
}

/** See the module comment. */
export class VoiceRuntime implements AgentRunner {
  private readonly sessions = new Set<VoiceSession>();

  constructor(private readonly options: VoiceRuntimeOptions) {}

  async has(agentId: string): Promise<boolean> {
    const agents = this.options.agents;
    return isCatalog(agents) ? agents.has(agentId) : Object.hasOwn(agents, agentId);
  }

  private async open(context: AgentRunContext, leg: Leg): Promise<OpenedAgent | undefined> {
    const agents = this.options.agents;
    if (isCatalog(agents)) return agents.open(context, leg);
    const fixed = Object.hasOwn(agents, context.agentId) ? agents[context.agentId] : undefined;
    return fixed && { ...fixed, responder: fixed.responder() };
  }

  /** Sessions running now. */
  get active(): number {
    return this.sessions.size;
  }

  /** Talks with the caller on `leg` until the conversation ends or the agent hands it on. */
  async run(leg: Leg, context: AgentRunContext): Promise<AgentRunOutcome> {
    const agent = await this.open(context, leg);
    if (!agent) throw new Error(`unknown agent ${context.agentId}`);
    const { metrics, store } = this.options;
    const log = this.options.logger.child({ callId: context.callId, agent: context.agentId });
    // The switch callback is made before the session exists; it finds it through this holder.
    const holder: { session?: VoiceSession } = {};
    const { stt, tts } = this.options.providers((event) => {
      metrics.events.inc({ type: 'provider-switch' });
      log.warn({ event: 'provider-switch', ...event }, 'voice provider switched');
      holder.session?.recordEvent({ type: 'provider-switch', ...event });
    });
    const session = new VoiceSession({
      leg,
      vad: this.options.vad(agent.vad),
      stt,
      tts,
      responder: agent.responder,
      language: agent.language,
      voice: agent.voice,
      timeouts: agent.timeouts,
      turns: agent.turns,
      bargeIn: agent.bargeIn,
      prefixPaddingMs: agent.vad?.prefixPaddingMs,
      apologyFile: this.options.apologyFile,
    });
    session.on('turn', (trace) => {
      for (const [stage, ms] of Object.entries(trace.latency)) {
        metrics.turnLatencySeconds.observe({ stage }, ms / 1000);
      }
      for (const event of trace.events) metrics.events.inc({ type: String(event.type) });
      log.info(
        {
          event: 'voice-turn',
          index: trace.index,
          interrupted: trace.interrupted,
          latency: trace.latency,
          pii: { user: trace.userText, assistant: trace.assistantText },
        },
        'voice turn',
      );
      store.voiceTurns
        .addTurn({ ...trace, callId: context.callId, participantId: context.participantId })
        .catch((err: Error) => log.error({ err: err.message }, 'could not record a voice turn'));
    });
    session.on('notice', (notice) => {
      metrics.events.inc({ type: notice.type });
      // Errors and fallbacks are worth a warning; backchannels and silence prompts are normal.
      const level = /error|fallback/.test(notice.type) ? 'warn' : 'info';
      log[level]({ event: notice.type, reason: notice.detail }, 'voice session notice');
    });
    // A transfer ends this session at once; the caller's leg stays up for whoever takes it.
    let transfer: Extract<AgentRunOutcome, { type: 'transfer' }> | undefined;
    session.on('action', (action) => {
      if (action.type !== 'transfer') return;
      transfer = { type: 'transfer', to: action.to, reason: 'agent-transfer' };
      session.end('transfer');
    });
    holder.session = session;
    this.sessions.add(session);
    metrics.activeSessions.set(this.sessions.size);
    let outcome: AgentRunOutcome = { type: 'ended', reason: 'unknown' };
    try {
      const { reason } = await session.start();
      log.info({ event: 'voice-session-ended', reason }, 'voice session ended');
      outcome = transfer ?? { type: 'ended', reason };
      return outcome;
    } finally {
      this.sessions.delete(session);
      metrics.activeSessions.set(this.sessions.size);
      await agent
        .close?.(outcome)
        .catch((err: Error) => log.error({ err: err.message }, 'agent close failed'));
    }
  }

  /** Ends every session (shutdown). */
  stopAll(): void {
    for (const session of this.sessions) session.end('shutdown');
  }
}
