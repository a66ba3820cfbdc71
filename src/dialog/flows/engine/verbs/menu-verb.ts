/**
 * `menu`: says the prompt and takes one key. A key that is an option jumps to its step (and
 * `menu.choice` holds the key). An invalid key says "not a valid option", a silence says "did
 * not receive your selection"; then the menu jumps to `onInvalid` / `onTimeout` when given, or
 * repeats itself. `retries` counts the repeats: failure number `retries + 1` goes to
 * `fallback` instead. The count survives a detour through `onInvalid`/`onTimeout` back to the
 * menu, so such a loop still ends at the fallback; it restarts after a valid choice or the
 * fallback.
 *
 * Speech, only when the run has a classifier: an utterance counts as option `k` when the
 * classifier's intent is `menu_<k>` or the option's target step id, or when the normalised text
 * is the key itself or the target step id ("Sales" → option whose target is `sales`).
 */
import type { MenuSettings } from '../../flow-schema.js';
import { CallerGoneError, type FlowScope, type VerbHandler } from '../verb-handler.js';
import { setPath } from '../variables.js';
import { classifyQuietly, normaliseSpeech } from './input.js';

/** How long a menu waits for a key after its prompt. */
export const MENU_TIMEOUT_MS = 5000;

/** See the module comment. */
export const menuVerb: VerbHandler<'menu'> = async (settings, step, scope) => {
  const memory = scope.memory(step.id);
  const failures = () => (typeof memory.failures === 'number' ? memory.failures : 0);
  for (;;) {
    const result = await scope.io.collect({
      prompt: { text: scope.interpolate(settings.prompt), language: scope.context.language },
      dtmf: true,
      speech: scope.options.classify !== undefined,
      numDigits: 1,
      timeoutMs: MENU_TIMEOUT_MS,
    });
    if (result.kind === 'hangup') throw new CallerGoneError();
    let key: string | undefined;
    if (result.kind === 'dtmf') key = result.digits;
    else if (result.kind === 'speech' && scope.options.classify) {
      key = await spokenOption(settings, result.text, scope);
    }
    if (key !== undefined && Object.prototype.hasOwnProperty.call(settings.options, key)) {
      memory.failures = 0;
      setPath(scope.context.variables, 'menu.choice', key);
      return { type: 'goto', stepId: settings.options[key]!, outcome: `option ${key}` };
    }
    const timedOut = result.kind === 'timeout';
    memory.failures = failures() + 1;
    await scope.sayQuietly(timedOut ? scope.phrases.menuTimeout : scope.phrases.invalidOption);
    if (failures() > settings.retries) {
      memory.failures = 0;
      return { type: 'goto', stepId: settings.fallback, outcome: 'fallback' };
    }
    const detour = timedOut ? settings.onTimeout : settings.onInvalid;
    if (detour !== undefined) {
      return { type: 'goto', stepId: detour, outcome: timedOut ? 'timeout' : 'invalid' };
    }
  }
};

async function spokenOption(
  settings: MenuSettings,
  text: string,
  scope: FlowScope,
): Promise<string | undefined> {
  const options = Object.entries(settings.options);
  const intent = await classifyQuietly(scope, text);
  if (intent) {
    const hit = options.find(
      ([k, target]) => intent.intent === `menu_${k}` || intent.intent === target,
    );
    if (hit) return hit[0];
  }
  const said = normaliseSpeech(text);
  const hit = options.find(([k, target]) => said === k || said === normaliseSpeech(target));
  return hit?.[0];
}
