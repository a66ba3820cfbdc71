/**
 * The dialog plane's composition: the conversation manager over the store and the shared
 * cache, the stored agents (offline, or on the configured language model), the validators the
 * API runs on saved documents, flows on calls (through the voice plane's speech providers and
 * the call plane's control), the chat sessions of the text channel, and the events agents and
 * flows publish.
 */
import type { DialogValidators } from './api/index.js';
import { EVENT_TYPES, publishEvent } from './api/index.js';
import type { AgentRunner, CallService, LiveCallControl } from './calls/index.js';
import {
  ChatSessions,
  ConversationManager,
  DialogAgents,
  DIALOG_VALIDATORS,
  llmFromEnv,
  textAgentHost,
  validateFlow,
  voiceAgentCatalog,
  VoiceFlows,
  type AgentEvent,
  type Flow,
  type FlowCallContext,
} from './dialog/index.js';
import type { Logger } from './observability/index.js';
import type { CacheAndBus, Store } from './store/index.js';
import type { AgentCatalog, VoiceRuntime } from './voice/index.js';
import type { VoicePlane } from './app-voice.js';

/** The dialog plane's parts. */
export interface DialogPlane {
  agents: DialogAgents;
  /** The stored agents for the voice runtime. */
  catalog: AgentCatalog;
  conversations: ConversationManager;
  validators: DialogValidators;
  chat: ChatSessions;
  /** Lines for the start-up banner (the language model in use, or offline). */
  report: string[];
  /** Builds the flow launcher once the voice and call planes exist (undefined without speech). */
  flows(deps: FlowDeps): VoiceFlows | undefined;
  stop(): Promise<void>;
}

/** What flows on calls need from the other planes (read lazily: they are built later). */
export interface FlowDeps {
  voice: VoicePlane;
  calls: () => CallService;
  control: () => LiveCallControl;
  apologyFile: string;
  language: string;
}

/** Builds the dialog plane; see the module comment. */
export function buildDialogPlane(deps: {
  store: Store;
  cacheAndBus: CacheAndBus;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}): DialogPlane {
  const { store, cacheAndBus } = deps;
  const logger = deps.logger.child({ room: 'dialog' });
  const publish = (
    event: AgentEvent | { type: string; callId?: string; data: Record<string, unknown> },
  ): void => {
    void publishEvent(cacheAndBus.bus, event).catch((err: Error) =>
      logger.warn({ err: err.message, type: event.type }, 'could not publish a dialog event'),
    );
  };
  const conversations = new ConversationManager({
    repository: store.conversations,
    cache: cacheAndBus.cache,
    logger,
  });
  const { llm, report } = llmFromEnv(deps.env ?? process.env);
  const agents = new DialogAgents({
    documents: store.dialogDocuments,
    conversations,
    llm,
    publish,
    logger,
  });
  const loadFlow = async (name: string): Promise<{ flow: Flow; version: number } | undefined> => {
    const record = await store.dialogDocuments.latest('flow', name);
    if (!record) return undefined;
    const r = validateFlow(record.document);
    return r.ok ? { flow: r.flow, version: record.version } : undefined;
  };
  // Spoken (or typed) answers in gathers and menus are classified on the stored intents.
  const classify = (text: string, language: string) => agents.classify(text, language);
  const chat = new ChatSessions({
    loadFlow,
    classify,
    agents: textAgentHost(agents),
    logger: logger.child({ channel: 'text' }),
  });
  return {
    agents,
    catalog: voiceAgentCatalog(agents),
    conversations,
    chat,
    report,
    validators: DIALOG_VALIDATORS,
    flows: (flowDeps) => {
      const runtime = flowDeps.voice.runtime;
      const speech = flowDeps.voice.speech;
      if (!runtime || !speech) return undefined;
      return new VoiceFlows({
        documents: store.dialogDocuments,
        runAgent: (leg, context) => runtime.run(leg, context),
        tts: speech.tts,
        listening: { vad: speech.vad, stt: speech.stt },
        apologyFile: flowDeps.apologyFile,
        language: flowDeps.language,
        classify,
        // Only files in the media directory or the bundled assets, as the API's play.
        play: async (leg, file) => {
          const resolved = await flowDeps.control().resolveMedia(file);
          await flowDeps.calls().play(leg.id, resolved).done;
        },
        transfer: (context, to) => transferFromFlow(flowDeps.control(), context, to),
        // Records until the caller hangs up or the step's limit (default 60 s) passes.
        record: async (leg, request) => {
          const recording = await flowDeps.calls().record(leg.id);
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            leg.ended,
            new Promise((resolve) => (timer = setTimeout(resolve, (request.maxS ?? 60) * 1000))),
          ]);
          clearTimeout(timer);
          const done = await recording.stop();
          return { recordingId: done.path, durationMs: done.durationMs };
        },
        onStep: (context, event) => {
          if (!event.error) return;
          logger.warn(
            {
              callId: context.callId,
              flow: context.flowName,
              step: event.stepId,
              err: event.error,
            },
            'flow step failed',
          );
          publish({
            type: EVENT_TYPES.FLOW_STEP_FAILED,
            callId: context.callId,
            data: {
              flow: context.flowName,
              stepId: event.stepId,
              verb: event.verb,
              error: event.error,
              outcome: event.outcome,
            },
          });
        },
        logger,
      });
    },
    stop: async () => {
      await chat.stopAll();
    },
  };
}

/**
 * The voice runtime as the router's runner for `agent` rules, with the agent's hand-over
 * carried out: to its transfer target through call control (REFER or a bridged leg); with no
 * target — no queues exist yet — the caller hears the goodbye prompt and the call ends.
 */
export function agentRunnerWithTransfers(
  runtime: VoiceRuntime,
  deps: {
    control: () => LiveCallControl;
    calls: () => CallService;
    goodbyeFile: string;
    logger: Logger;
  },
): AgentRunner {
  return {
    has: (agentId) => runtime.has(agentId),
    run: async (leg, context) => {
      const outcome = await runtime.run(leg, context);
      if (outcome.type !== 'transfer' || leg.isEnded) return outcome;
      const to = outcome.to;
      if (to !== undefined) {
        const done = await transferFromFlow(deps.control(), { ...context, flowName: '' }, to);
        if (done.ok) return outcome;
        deps.logger.warn({ callId: context.callId, err: done.reason }, 'agent transfer failed');
      } else {
        deps.logger.info({ callId: context.callId }, 'agent asked for a person; no queue yet');
      }
      await deps.calls().play(leg.id, deps.goodbyeFile).done;
      if (!leg.isEnded) await leg.hangup('no-transfer-target');
      return outcome;
    },
  };
}

/** A flow's transfer through call control: REFER or a bridged leg, as the API's transfer. */
async function transferFromFlow(
  control: LiveCallControl,
  context: FlowCallContext,
  to: string,
): Promise<{ ok: boolean; reason?: string }> {
  try {
    await control.transfer(context.callId, to, { participantId: context.participantId });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
