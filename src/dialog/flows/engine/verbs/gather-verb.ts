/**
 * `gather`: collects DTMF and/or speech and branches on it. Results land in `gather.digits`,
 * `gather.speech` and `gather.intent` (cleared first, so a branch never sees a previous
 * gather's answer). Branch keys match, in order: the exact digits; the intent the classifier
 * names; the normalised speech text ("Sales!" matches a `sales` branch).
 */
import { CallerGoneError, NEXT, type VerbHandler } from '../verb-handler.js';
import { setPath } from '../variables.js';
import { classifyQuietly, normaliseSpeech } from './input.js';

/** Seconds a gather waits when its step gives no `timeoutS`. */
export const DEFAULT_GATHER_TIMEOUT_S = 5;

/** See the module comment. */
export const gatherVerb: VerbHandler<'gather'> = async (settings, _step, scope) => {
  const vars = scope.context.variables;
  setPath(vars, 'gather', {});
  const result = await scope.io.collect({
    dtmf: settings.input.includes('dtmf'),
    speech: settings.input.includes('speech'),
    ...(settings.numDigits !== undefined ? { numDigits: settings.numDigits } : {}),
    ...(settings.finishOnKey !== undefined ? { finishOnKey: settings.finishOnKey } : {}),
    ...(settings.hints !== undefined ? { hints: settings.hints } : {}),
    timeoutMs: (settings.timeoutS ?? DEFAULT_GATHER_TIMEOUT_S) * 1000,
  });
  const branches = settings.branches;
  const branch = (key: string) =>
    Object.prototype.hasOwnProperty.call(branches, key) ? branches[key] : undefined;

  if (result.kind === 'hangup') throw new CallerGoneError();
  if (result.kind === 'timeout') {
    if (settings.noInput !== undefined) {
      return { type: 'goto', stepId: settings.noInput, outcome: 'no-input' };
    }
    return { ...NEXT, outcome: 'no-input' };
  }
  scope.logger?.debug(
    {
      flow: scope.context.flowName,
      kind: result.kind,
      pii: { input: 'digits' in result ? result.digits : result.text },
    },
    'flow gather input',
  );
  let target: string | undefined;
  if (result.kind === 'dtmf') {
    setPath(vars, 'gather.digits', result.digits);
    target = branch(result.digits);
  } else {
    setPath(vars, 'gather.speech', result.text);
    const intent = await classifyQuietly(scope, result.text);
    if (intent) setPath(vars, 'gather.intent', intent.intent);
    target = (intent && branch(intent.intent)) ?? matchText(branches, result.text);
  }
  if (target !== undefined) return { type: 'goto', stepId: target, outcome: `${result.kind}` };
  if (settings.noMatch !== undefined) {
    return { type: 'goto', stepId: settings.noMatch, outcome: 'no-match' };
  }
  return { ...NEXT, outcome: 'no-match' };
};

function matchText(branches: Record<string, string>, text: string): string | undefined {
  const said = normaliseSpeech(text);
  if (said === '') return undefined;
  for (const [key, target] of Object.entries(branches)) {
    if (normaliseSpeech(key) === said) return target;
  }
  return undefined;
}
