/**
 * Flows on phone calls: the launcher the inbound router calls for `flow` dispatch rules. Each
 * call reads the flow's latest version when it starts and keeps that version to the end, so an
 * edit saved through the API reaches the next call without a restart and never changes a call
 * in progress. Steps are reported as they run (the app logs them on the call and publishes
 * failures), and agents run through the voice runtime on the same leg.
 */
import type { AgentRunContext, FlowLauncher } from '../../calls/index.js';
import type { Leg } from '../../channels/index.js';
import type { Logger } from '../../observability/index.js';
import type { DialogDocumentRepository } from '../../store/index.js';
import type {
  AgentRunOutcome,
  SpeechToText,
  TextToSpeech,
  VoiceActivityDetector,
} from '../../voice/index.js';
import { validateFlow, type Flow } from '../flows/flow-schema.js';
import type { AgentOutcome } from '../flows/engine/flow-io.js';
import { FlowRunner, type FlowOutcome, type FlowStepEvent } from '../flows/engine/flow-runner.js';
import { VoiceFlowIO } from './voice-flow-io.js';

/** Which call a flow runs on. */
export type FlowCallContext = Omit<AgentRunContext, 'agentId'> & { flowName: string };

/** Settings of {@link VoiceFlows}. */
export interface VoiceFlowsOptions {
  documents: Pick<DialogDocumentRepository, 'latest'>;
  /** Runs an agent on the leg until it ends or hands the caller on (the voice runtime). */
  runAgent(leg: Leg, context: AgentRunContext): Promise<AgentRunOutcome>;
  tts: TextToSpeech;
  listening?: { vad: () => VoiceActivityDetector; stt: () => SpeechToText };
  apologyFile: string;
  /** The language of flows that name none. */
  language: string;
  play(leg: Leg, file: string): Promise<void>;
  transfer(context: FlowCallContext, to: string): Promise<{ ok: boolean; reason?: string }>;
  record(
    leg: Leg,
    request: { maxS?: number; beep?: boolean },
  ): Promise<{ recordingId?: string; durationMs?: number }>;
  /** NLU for speech answers in gathers and menus. */
  classify?: (
    text: string,
    language: string,
  ) => Promise<{ intent: string; score: number } | undefined>;
  /** Each step run (for the call's record and events). */
  onStep?(context: FlowCallContext, event: FlowStepEvent): void;
  logger?: Logger;
  now?: () => Date;
  fetch?: typeof fetch;
}

/** See the module comment. */
export class VoiceFlows implements FlowLauncher {
  constructor(private readonly options: VoiceFlowsOptions) {}

  /** The flow's latest valid version, or undefined. */
  async load(name: string): Promise<{ flow: Flow; version: number } | undefined> {
    const record = await this.options.documents.latest('flow', name);
    if (!record) return undefined;
    const r = validateFlow(record.document);
    if (!r.ok) {
      this.options.logger?.error({ flow: name, problems: r.problems }, 'stored flow is invalid');
      return undefined;
    }
    return { flow: r.flow, version: record.version };
  }

  async has(name: string): Promise<boolean> {
    return (await this.load(name)) !== undefined;
  }

  async run(leg: Leg, context: FlowCallContext): Promise<FlowOutcome | undefined> {
    const loaded = await this.load(context.flowName);
    if (!loaded) {
      await leg.hangup('flow-missing');
      return undefined;
    }
    const { options } = this;
    const language = loaded.flow.language ?? options.language;
    const io = new VoiceFlowIO({
      leg,
      tts: options.tts,
      language,
      apologyFile: options.apologyFile,
      listening: options.listening,
      play: (file) => options.play(leg, file),
      runAgent: async (agentId): Promise<AgentOutcome> => {
        const outcome = await options.runAgent(leg, {
          callId: context.callId,
          participantId: context.participantId,
          agentId,
          caller: context.caller,
          called: context.called,
        });
        if (outcome.type === 'transfer') return outcome;
        return { type: leg.isEnded ? 'hangup' : 'ended' };
      },
      transfer: (to) => options.transfer(context, to),
      record: (request) => options.record(leg, request),
    });
    const log = options.logger?.child({ callId: context.callId, flow: context.flowName });
    const runner = new FlowRunner({
      flow: loaded.flow,
      io,
      context: {
        callId: context.callId,
        conversationKey: context.caller ?? context.callId,
        caller: context.caller,
        called: context.called,
        attributes: {
          ...(context.caller ? { number: context.caller } : {}),
          ...(context.called ? { called: context.called } : {}),
        },
        flowName: context.flowName,
        flowVersion: loaded.version,
        language,
      },
      classify: options.classify,
      fetch: options.fetch,
      now: options.now,
      logger: log,
      onStep: (event) => options.onStep?.(context, event),
    });
    const outcome = await runner.run();
    log?.info(
      {
        event: 'flow-ended',
        reason: outcome.reason,
        stepId: outcome.stepId,
        version: loaded.version,
      },
      'flow ended',
    );
    return outcome;
  }
}
