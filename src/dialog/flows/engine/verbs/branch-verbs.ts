/**
 * The verbs that only decide where to go: `if` (conditions in order, first true wins) and
 * `switch` (a variable's value as text against the cases).
 */
import { evaluateCondition } from '../conditions.js';
import type { VerbHandler } from '../verb-handler.js';
import { getPath, stringify } from '../variables.js';

/** `if`: the first condition that holds picks the next step; else `else`, else fall through. */
export const ifVerb: VerbHandler<'if'> = async (settings, _step, scope) => {
  const now = scope.now();
  for (const [index, c] of settings.conditions.entries()) {
    if (evaluateCondition(c.when, scope.context, now)) {
      return { type: 'goto', stepId: c.next, outcome: `condition ${index}` };
    }
  }
  if (settings.else !== undefined) return { type: 'goto', stepId: settings.else, outcome: 'else' };
  return { type: 'next', outcome: 'no condition' };
};

/** `switch`: the case named by the variable's text; else `default`, else fall through. */
export const switchVerb: VerbHandler<'switch'> = async (settings, _step, scope) => {
  const value = stringify(getPath(scope.context.variables, settings.on));
  const target = Object.prototype.hasOwnProperty.call(settings.cases, value)
    ? settings.cases[value]
    : undefined;
  if (target !== undefined) return { type: 'goto', stepId: target, outcome: 'case' };
  if (settings.default !== undefined) {
    return { type: 'goto', stepId: settings.default, outcome: 'default' };
  }
  return { type: 'next', outcome: 'no case' };
};
