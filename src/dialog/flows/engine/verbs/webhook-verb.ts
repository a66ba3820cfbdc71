/**
 * `webhook`: asks an HTTP endpoint what to do. POSTs `{ callId, flow, step, caller, called,
 * variables, channel }` as JSON and waits at most the step's `timeoutS`. A 2xx JSON answer may
 * carry `steps` (or be a bare array of steps): they are validated as a flow of their own, may
 * jump to the flow's steps, and run in place of the webhook; and `variables`, deep-merged into
 * the run's. Then the flow continues after the webhook, unless the inline steps jumped or ended
 * it. A timeout, a non-2xx answer, JSON that is not JSON or steps that do not validate → an
 * error in the step event and the `fallback` step: the caller never sits in silence.
 */
import type { Flow, Step, WebhookSettings } from '../../flow-schema.js';
import { validateFlow } from '../../flow-schema.js';
import type { FlowScope, VerbHandler } from '../verb-handler.js';
import { mergeVariables } from '../variables.js';

/** Answers larger than this are refused: a webhook is a small instruction, not a download. */
export const MAX_WEBHOOK_ANSWER_BYTES = 256 * 1024;

/** Why a webhook's answer could not be used. */
class WebhookProblem extends Error {}

/** See the module comment. */
export const webhookVerb: VerbHandler<'webhook'> = async (settings, step, scope) => {
  let answer: { steps?: Step[]; variables?: Record<string, unknown> };
  try {
    answer = await callWebhook(settings, step.id, scope);
  } catch (error) {
    const message =
      error instanceof WebhookProblem
        ? error.message
        : (error as Error).name === 'TimeoutError'
          ? `no answer within ${settings.timeoutS} s`
          : `request failed: ${(error as Error).message}`;
    scope.reportError(`webhook: ${message}`);
    return { type: 'goto', stepId: settings.fallback, outcome: 'fallback' };
  }
  if (answer.variables) mergeVariables(scope.context.variables, answer.variables);
  if (!answer.steps || answer.steps.length === 0) return { type: 'next', outcome: 'ok' };
  const result = await scope.runInline(answer.steps);
  return { ...result, outcome: result.outcome ?? 'ok' };
};

async function callWebhook(
  settings: WebhookSettings,
  stepId: string,
  scope: FlowScope,
): Promise<{ steps?: Step[]; variables?: Record<string, unknown> }> {
  const fetchFn = scope.options.fetch ?? fetch;
  const { context } = scope;
  const body = {
    callId: context.callId ?? null,
    flow: context.flowName,
    step: stepId,
    caller: context.caller ?? null,
    called: context.called ?? null,
    variables: context.variables,
    channel: scope.io.channel,
  };
  const response = await fetchFn(settings.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(settings.timeoutS * 1000),
  });
  // The same signal bounds reading the body, so a slow trickle cannot outlast the timeout.
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new WebhookProblem(`answered HTTP ${response.status}`);
  }
  if (text.trim() === '') return {};
  if (Buffer.byteLength(text) > MAX_WEBHOOK_ANSWER_BYTES) {
    throw new WebhookProblem(`answer larger than ${MAX_WEBHOOK_ANSWER_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebhookProblem('answer is not JSON');
  }
  return parseAnswer(json, scope.context.flowName, knownIds(scope));
}

function knownIds(scope: FlowScope): string[] {
  return scope.options.flow.steps.map((s) => s.id);
}

/**
 * The steps and variables of a webhook answer. Steps are validated together with stand-ins for
 * the flow's own step ids, so jumps to those pass the reference check.
 */
export function parseAnswer(
  json: unknown,
  flowName: string,
  flowStepIds: readonly string[],
): { steps?: Step[]; variables?: Record<string, unknown> } {
  let rawSteps: unknown;
  let variables: unknown;
  if (Array.isArray(json)) rawSteps = json;
  else if (typeof json === 'object' && json !== null) {
    ({ steps: rawSteps, variables } = json as { steps?: unknown; variables?: unknown });
  } else {
    throw new WebhookProblem('answer must be an object or an array of steps');
  }
  const out: { steps?: Step[]; variables?: Record<string, unknown> } = {};
  if (variables !== undefined) {
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
      throw new WebhookProblem('answer.variables must be an object');
    }
    out.variables = variables as Record<string, unknown>;
  }
  if (rawSteps === undefined) return out;
  if (!Array.isArray(rawSteps)) throw new WebhookProblem('answer.steps must be an array');
  const ownIds = new Set(
    rawSteps.map((s) => (s as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string'),
  );
  const stand = flowStepIds.filter((id) => !ownIds.has(id)).map((id) => ({ id, hangup: {} }));
  const checked = validateFlow({ name: flowName, steps: [...rawSteps, ...stand] });
  if (!checked.ok) {
    const first = checked.problems
      .slice(0, 3)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    throw new WebhookProblem(`answer steps are invalid: ${first}`);
  }
  out.steps = (checked.flow as Flow).steps.slice(0, rawSteps.length);
  return out;
}
