/**
 * The verbs that hand the conversation on: `agent` (an AI agent), `enqueue` (a contact-center
 * queue) and `transfer` (a number or SIP URI). A hand-off that fails is apologised for and the
 * flow carries on, so a flow can offer the next best thing.
 */
import { UnknownAgentError } from '../agent-host.js';
import { CallerGoneError, NEXT, type FlowScope, type VerbHandler } from '../verb-handler.js';
import { setPath } from '../variables.js';

/**
 * `agent`: the agent talks until it ends (→ next step), hangs up (→ the run ends, `agent`) or
 * asks for a transfer: to a destination it names (→ transferred, or an apology and the next
 * step), or without one (→ `agent.transfer` is true and `agent.reason` holds its reason, for
 * the next steps to route on). `agent.outcome` holds the outcome type.
 */
export const agentVerb: VerbHandler<'agent'> = async (settings, _step, scope) => {
  const vars = scope.context.variables;
  let outcome;
  try {
    outcome = await scope.io.runAgent(settings.agentId, scope.context);
  } catch (error) {
    if (scope.io.ended) throw new CallerGoneError();
    const message =
      error instanceof UnknownAgentError
        ? `no agent "${settings.agentId}"`
        : `agent "${settings.agentId}" failed: ${(error as Error).message}`;
    scope.reportError(message);
    setPath(vars, 'agent.outcome', 'error');
    await scope.sayQuietly(scope.phrases.apology);
    return { ...NEXT, outcome: 'error' };
  }
  setPath(vars, 'agent.outcome', outcome.type);
  if (scope.io.ended) throw new CallerGoneError();
  if (outcome.type !== 'transfer') {
    if (outcome.type === 'ended') return { ...NEXT, outcome: 'ended' };
    await scope.io.hangup('agent');
    return { type: 'end', reason: 'agent', outcome: 'hangup' };
  }
  if (outcome.to === undefined) {
    setPath(vars, 'agent.transfer', true);
    setPath(vars, 'agent.reason', outcome.reason ?? '');
    return { ...NEXT, outcome: 'transfer-requested' };
  }
  return transferTo(outcome.to, scope);
};

/**
 * `enqueue`: waits in a queue (the run ends, `queued`). When no queue takes the call, says so
 * and goes to `fallback`, or the next step.
 */
export const enqueueVerb: VerbHandler<'enqueue'> = async (settings, _step, scope) => {
  const request: { queue: string; priority?: number; skills?: string[] } = {
    queue: settings.queue,
  };
  if (settings.priority !== undefined) request.priority = settings.priority;
  if (settings.skills !== undefined) request.skills = settings.skills;
  const result = await scope.io.enqueue(request);
  if (result === 'queued') return { type: 'end', reason: 'queued', outcome: 'queued' };
  await scope.sayQuietly(scope.phrases.noOneAvailable);
  if (settings.fallback !== undefined) {
    return { type: 'goto', stepId: settings.fallback, outcome: 'unavailable' };
  }
  return { ...NEXT, outcome: 'unavailable' };
};

/** `transfer`: ends the run when the IO transfers; otherwise an apology and the next step. */
export const transferVerb: VerbHandler<'transfer'> = async (settings, _step, scope) =>
  transferTo(settings.to, scope);

async function transferTo(to: string, scope: FlowScope) {
  const result = await scope.io.transfer(to);
  if (result.ok)
    return { type: 'end' as const, reason: 'transfer' as const, outcome: 'transferred' };
  if (scope.io.ended) throw new CallerGoneError();
  const reason = result.reason ?? 'refused';
  setPath(scope.context.variables, 'transfer.error', reason);
  scope.reportError(`transfer failed: ${reason}`);
  await scope.sayQuietly(scope.phrases.transferFailed);
  return { ...NEXT, outcome: 'failed' };
}
