/**
 * Routing of inbound SIP calls: trunk admission, then the dispatch rules, then what the winner
 * asks for (echo test, prompt, room, PIN-protected room, reject). A call no rule takes still
 * reaches a registered user by name, then the built-in test extensions; anything else gets
 * the configured no-match status. Every routed call gets a call record saying which rule
 * matched and why.
 */
import type { Leg } from '../channels/index.js';
import type { Logger } from '../observability/index.js';
import { UserNotRegisteredError, type SipCall } from '../sip/index.js';
import type { DispatchAction, DispatchRule } from '../store/index.js';
import { sipStatusOf, type CallService } from './call-service.js';
import { evaluateDispatchRules } from './dispatch/index.js';
import { applyLink, bridgeLink, echoLink, roomLink } from './links.js';
import type { LiveCall, LiveCalls, LiveParticipant } from './live-calls.js';
import { collectPin } from './pin-entry.js';
import type { RoomRegistry } from './rooms.js';
import type { TrunkAdmission } from './trunk-admission.js';

/** The prompt files the router plays. */
export interface RouterPrompts {
  enterPin: string;
  wrongPin: string;
  goodbye: string;
}

/**
 * Runs AI agents on answered legs (the voice room provides it; calls cannot import it). A rule
 * naming an agent the runner does not know is answered 480.
 */
export interface AgentRunner {
  /** Whether the agent exists (agents may live in the database: asked per call). */
  has(agentId: string): boolean | Promise<boolean>;
  /** Talks with the leg until the conversation ends (the leg may stay up, e.g. transferred). */
  run(leg: Leg, context: AgentRunContext): Promise<unknown>;
}

/** Which call, party and agent a run is for. */
export interface AgentRunContext {
  callId: string;
  participantId: string;
  agentId: string;
  /** The caller's identity (number or SIP user): the key a dropped conversation resumes by. */
  caller?: string;
  /** The number called. */
  called?: string;
}

/**
 * Runs flows for `flow` rules (the dialog room provides it). A rule naming a flow the runner
 * does not know is answered 480.
 */
export interface FlowLauncher {
  has(flowName: string): Promise<boolean>;
  /** Runs the flow's latest version on the answered leg until it ends or hands the call on. */
  run(leg: Leg, context: Omit<AgentRunContext, 'agentId'> & { flowName: string }): Promise<unknown>;
}

/** Settings of an {@link InboundRouter}. */
export interface InboundRouterOptions {
  calls: CallService;
  live: LiveCalls;
  rooms: RoomRegistry;
  /** The dispatch rules as configured now (read per call, so edits apply at once). */
  rules: () => Promise<DispatchRule[]>;
  /** Decides whether an INVITE may enter at all; absent: every call enters. */
  admission?: TrunkAdmission;
  /** Answer when nothing routes a call: 404 (no such number) or 480 (temporarily unavailable). */
  noMatchStatus: 404 | 480;
  /** Built-in extensions that work without any rule (tests and first steps). */
  extensions: { echo: string; prompt: string; promptFile: string };
  prompts: RouterPrompts;
  /** AI agents for `agent` rules. */
  agents?: AgentRunner;
  /** Flows for `flow` rules. */
  flows?: FlowLauncher;
  /** Ring time for calls to registered users (ms). */
  userRingTimeoutMs?: number;
  /** Told about each INVITE refused by trunk admission. */
  onTrunkRejected?: (
    call: SipCall,
    decision: { status: number; reason: string; trunkId?: string },
  ) => void;
  logger: Logger;
}

/** What an inbound call is routed to. */
type Route =
  | { kind: 'action'; action: DispatchAction; rule: DispatchRule }
  | { kind: 'user'; user: string }
  | { kind: 'echo' }
  | { kind: 'prompt'; file: string }
  | { kind: 'none' };

/** Routes inbound calls; see the module comment. */
export class InboundRouter {
  constructor(private readonly options: InboundRouterOptions) {}

  /** Admits, routes and connects one inbound call. Never throws. */
  async handle(call: SipCall): Promise<void> {
    const { logger } = this.options;
    try {
      await this.route(call);
    } catch (err) {
      logger.error({ err: (err as Error).message, callId: call.id }, 'inbound routing failed');
      if (call.state === 'ringing' || call.state === 'calling') call.reject(500, 'Routing failed');
      else if (call.state === 'answered') await call.hangup('routing-failed');
    }
  }

  private async route(call: SipCall): Promise<void> {
    const { admission, live } = this.options;
    const called = call.requestUri?.user ?? '';
    const calling = call.from.uri.user ?? '';
    let trunkId: string | undefined;
    let attributes: Record<string, string> = {};
    if (admission && !(await this.fromRegisteredPhone(call, calling))) {
      const decision = await admission.admit({
        sourceAddress: call.invite.source?.host ?? '',
        calledNumber: called,
        header: (name) => call.invite.headers.get(name),
        invite: call.invite,
      });
      if (!decision.ok) {
        call.reject(decision.status, decision.reason, decision.headers);
        if (!decision.challenge) this.options.onTrunkRejected?.(call, decision);
        return;
      }
      void call.ended.then(() => decision.release()).catch(() => undefined);
      trunkId = decision.trunkId;
      attributes = decision.attributes;
    }
    const rules = await this.options.rules();
    const result = evaluateDispatchRules(
      { trunkId, calledNumber: called, callingNumber: calling, at: new Date() },
      rules,
    );
    const route = await this.pick(result.rule, called);
    const explanation = [...result.explanation];
    if (!result.rule) explanation.push(describeFallback(route));
    const record = await live.open({
      direction: 'inbound',
      caller: calling,
      callee: called,
      trunkId,
      ruleId: result.rule?.id,
      matchExplanation: explanation,
      attributes: { ...attributes, sipCallId: call.callId },
    });
    if (result.rule) {
      live.dispatched(record, {
        ruleId: result.rule.id,
        ruleName: result.rule.name,
        action: result.rule.action.type,
      });
    }
    if (call.state === 'ended') {
      live.refused(record, 487, 'cancelled');
      return;
    }
    const caller = await live.addParticipant(record, { kind: 'sip', identity: calling, sip: call });
    await this.connect(record, caller, call, route);
  }

  /**
   * A registered phone is not a trunk: its INVITEs skip trunk admission (a softphone on the
   * LAN keeps working once trunks restrict sources). Only the address it registered from
   * counts, so a forged From header from elsewhere still faces the trunks.
   */
  private async fromRegisteredPhone(call: SipCall, calling: string): Promise<boolean> {
    const source = call.invite.source;
    if (!source || calling === '') return false;
    return this.options.calls.isRegisteredFrom(calling, source);
  }

  private async pick(rule: DispatchRule | undefined, called: string): Promise<Route> {
    const { extensions, calls } = this.options;
    if (rule) return { kind: 'action', action: rule.action, rule };
    if (called !== '' && (await calls.isRegistered(called))) return { kind: 'user', user: called };
    if (called === extensions.echo) return { kind: 'echo' };
    if (called === extensions.prompt) return { kind: 'prompt', file: extensions.promptFile };
    return { kind: 'none' };
  }

  private async connect(
    record: LiveCall,
    caller: LiveParticipant,
    call: SipCall,
    route: Route,
  ): Promise<void> {
    switch (route.kind) {
      case 'echo':
        return this.withLeg(caller, call, (leg) => applyLink([caller], echoLink(leg)));
      case 'prompt':
        return this.withLeg(caller, call, (leg) => this.playThenHangUp(leg, route.file));
      case 'user':
        return this.connectToUser(record, caller, call, route.user);
      case 'none':
        return this.reject(caller, call, this.options.noMatchStatus, 'No route for the number');
      case 'action':
        return this.runAction(record, caller, call, route.action);
    }
  }

  private async runAction(
    record: LiveCall,
    caller: LiveParticipant,
    call: SipCall,
    action: DispatchAction,
  ): Promise<void> {
    switch (action.type) {
      case 'echo':
        return this.withLeg(caller, call, (leg) => applyLink([caller], echoLink(leg)));
      case 'prompt':
        return this.withLeg(caller, call, (leg) => this.playThenHangUp(leg, action.file));
      case 'room':
        return this.withLeg(caller, call, (leg) => this.joinRoom(record, caller, leg, action.room));
      case 'pin-room':
        return this.withLeg(caller, call, async (leg) => {
          const verdict = await collectPin(leg, {
            pin: action.pin,
            play: (file) => this.play(leg, file),
            prompts: { enter: this.options.prompts.enterPin, wrong: this.options.prompts.wrongPin },
          });
          if (verdict === 'accepted') return this.joinRoom(record, caller, leg, action.room);
          if (verdict === 'rejected') {
            await this.play(leg, this.options.prompts.goodbye);
            if (!leg.isEnded) await leg.hangup('pin-rejected');
          }
        });
      case 'reject':
        return this.reject(caller, call, action.status, action.reason ?? 'Rejected by rule');
      case 'agent': {
        const agents = this.options.agents;
        return this.runDialog(caller, call, 'agent', action.agentId, agents, (leg) =>
          agents!.run(leg, { ...this.runContext(record, caller, call), agentId: action.agentId }),
        );
      }
      case 'flow': {
        const flows = this.options.flows;
        return this.runDialog(caller, call, 'flow', action.flowId, flows, (leg) =>
          flows!.run(leg, { ...this.runContext(record, caller, call), flowName: action.flowId }),
        );
      }
      case 'enqueue':
        // Queues are built by the contact-center release; a rule naming one is kept, and its
        // calls are told plainly that the target is unavailable.
        this.options.logger.warn(
          { action: action.type, callId: call.id },
          'dispatch target not available in this version',
        );
        return this.reject(caller, call, 480, `No ${action.type} runtime available`);
    }
  }

  /**
   * Answers and hands the leg to an agent or flow the runner knows; a name it does not know (or
   * no runner: no speech providers) is answered 480, since the target may come back.
   */
  private async runDialog(
    caller: LiveParticipant,
    call: SipCall,
    kind: 'agent' | 'flow',
    name: string,
    runner: { has(name: string): boolean | Promise<boolean> } | undefined,
    run: (leg: Leg) => Promise<unknown>,
  ): Promise<void> {
    if (runner && (await runner.has(name))) {
      return this.withLeg(caller, call, async (leg) => {
        await run(leg);
      });
    }
    this.options.logger.warn({ callId: call.id, kind }, `dispatch rule names an unknown ${kind}`);
    return this.reject(caller, call, 480, `${kind === 'agent' ? 'Agent' : 'Flow'} not available`);
  }

  /** Who a dialog run is for: the call, the caller's participant and identity, the number. */
  private runContext(
    record: LiveCall,
    caller: LiveParticipant,
    call: SipCall,
  ): Omit<AgentRunContext, 'agentId'> {
    return {
      callId: record.id,
      participantId: caller.id,
      caller: caller.identity,
      called: call.requestUri?.user ?? undefined,
    };
  }

  /** Answers the caller and hands the leg to `then`; a failed answer ends the participant. */
  private async withLeg(
    participant: LiveParticipant,
    call: SipCall,
    then: (leg: Leg) => void | Promise<void>,
  ): Promise<void> {
    const leg = await this.options.calls.answer(call);
    if (!leg) {
      const end = call.endInfo;
      this.options.live.failed(participant, {
        reason: end?.reason ?? 'not-answered',
        status: end?.status,
        by: end?.by ?? 'system',
      });
      return;
    }
    this.options.live.attachLeg(participant, leg);
    await then(leg);
  }

  private reject(
    participant: LiveParticipant,
    call: SipCall,
    status: number,
    reason: string,
  ): void {
    call.reject(status, reason);
    this.options.live.failed(participant, { reason: 'rejected', status, by: 'local' });
  }

  private async joinRoom(
    record: LiveCall,
    participant: LiveParticipant,
    leg: Leg,
    room: string,
  ): Promise<void> {
    if (leg.isEnded) return;
    applyLink([participant], roomLink(this.options.rooms, room, leg));
    record.room = room;
    await this.options.live.update(participant, { room });
  }

  private async play(leg: Leg, file: string): Promise<void> {
    if (leg.isEnded) return;
    await this.options.calls.play(leg.id, file).done;
  }

  private async playThenHangUp(leg: Leg, file: string): Promise<void> {
    const result = await this.options.calls.play(leg.id, file).done;
    if (result.completed && !leg.isEnded) await leg.hangup('prompt-finished');
  }

  /** Back-to-back: rings the user, answers the caller when they answer, and bridges them. */
  private async connectToUser(
    record: LiveCall,
    caller: LiveParticipant,
    call: SipCall,
    user: string,
  ): Promise<void> {
    const { calls, live } = this.options;
    call.ring();
    const callee = await live.addParticipant(record, { kind: 'sip', identity: user });
    const calleePromise = calls.dial(user, {
      from: caller.identity,
      timeoutMs: this.options.userRingTimeoutMs,
      onCall: (sip) => (callee.sip = sip),
    });
    const cancelled = call.ended.then(() => 'caller-gone' as const);
    let calleeLeg: Leg;
    try {
      const first = await Promise.race([calleePromise, cancelled]);
      if (first === 'caller-gone') {
        // The caller gave up: the outbound call is abandoned once it settles.
        calleePromise.then((leg) => leg.hangup('caller-cancelled')).catch(() => undefined);
        live.failed(caller, { reason: 'cancelled', status: 487, by: 'remote' });
        live.failed(callee, { reason: 'caller-cancelled', by: 'system' });
        return;
      }
      calleeLeg = first;
    } catch (err) {
      const status = err instanceof UserNotRegisteredError ? 480 : (sipStatusOf(err) ?? 480);
      live.failed(callee, { reason: 'not-answered', status, by: 'remote' });
      this.reject(caller, call, status, 'Callee unavailable');
      return;
    }
    live.attachLeg(callee, calleeLeg);
    const callerLeg = await calls.answer(call);
    if (!callerLeg) {
      live.failed(caller, { reason: 'caller-gone', by: 'remote' });
      await calleeLeg.hangup('caller-gone');
      return;
    }
    live.attachLeg(caller, callerLeg);
    applyLink([caller, callee], bridgeLink(callerLeg, calleeLeg));
  }
}

function describeFallback(route: Route): string {
  switch (route.kind) {
    case 'user':
      return 'fallback: the called name is a registered user → ring it';
    case 'echo':
      return 'fallback: built-in echo test extension';
    case 'prompt':
      return 'fallback: built-in prompt test extension';
    default:
      return 'fallback: nothing routes the number → rejected';
  }
}
