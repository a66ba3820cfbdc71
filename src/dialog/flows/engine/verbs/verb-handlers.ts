/** The verb → handler map the runner dispatches on (jambonz's model: one handler per verb). */
import type { VerbHandlers } from '../verb-handler.js';
import {
  answerVerb,
  gotoVerb,
  hangupVerb,
  playVerb,
  recordVerb,
  sayVerb,
  setVerb,
} from './basic-verbs.js';
import { ifVerb, switchVerb } from './branch-verbs.js';
import { gatherVerb } from './gather-verb.js';
import { menuVerb } from './menu-verb.js';
import { agentVerb, enqueueVerb, transferVerb } from './routing-verbs.js';
import { webhookVerb } from './webhook-verb.js';

/** Every verb's handler. */
export const VERB_HANDLERS: VerbHandlers = {
  answer: answerVerb,
  say: sayVerb,
  play: playVerb,
  gather: gatherVerb,
  menu: menuVerb,
  agent: agentVerb,
  enqueue: enqueueVerb,
  transfer: transferVerb,
  record: recordVerb,
  set: setVerb,
  if: ifVerb,
  switch: switchVerb,
  goto: gotoVerb,
  webhook: webhookVerb,
  hangup: hangupVerb,
};
