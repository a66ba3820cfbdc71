/**
 * The verbs that do one thing and carry on: answer, say, play, record, set, goto, hangup.
 */
import type { VerbHandler } from '../verb-handler.js';
import { NEXT } from '../verb-handler.js';
import { setPath } from '../variables.js';

/** `answer`: picks the call up (a no-op on text). */
export const answerVerb: VerbHandler<'answer'> = async (_settings, _step, scope) => {
  await scope.io.answer();
  return NEXT;
};

/** `say`: speaks or sends the text with `{{…}}` filled in. */
export const sayVerb: VerbHandler<'say'> = async (settings, _step, scope) => {
  const options: { language?: string; voice?: string } = {
    language: settings.language ?? scope.context.language,
  };
  if (settings.voice !== undefined) options.voice = settings.voice;
  await scope.io.say(scope.interpolate(settings.text), options);
  return NEXT;
};

/** `play`: plays a media file (the text channel names it instead). */
export const playVerb: VerbHandler<'play'> = async (settings, _step, scope) => {
  await scope.io.play(settings.file);
  return NEXT;
};

/** `record`: records the caller; `record.id` and `record.durationMs` hold the result. */
export const recordVerb: VerbHandler<'record'> = async (settings, _step, scope) => {
  const request: { maxS?: number; beep?: boolean } = {};
  if (settings.maxS !== undefined) request.maxS = settings.maxS;
  if (settings.beep !== undefined) request.beep = settings.beep;
  const result = await scope.io.record(request);
  setPath(scope.context.variables, 'record.id', result.recordingId ?? '');
  if (result.durationMs !== undefined) {
    setPath(scope.context.variables, 'record.durationMs', result.durationMs);
  }
  return { type: 'next', outcome: result.recordingId ? 'recorded' : 'no-recording' };
};

/** `set`: assigns variables by dotted path; string values are templates. */
export const setVerb: VerbHandler<'set'> = async (settings, _step, scope) => {
  for (const [path, value] of Object.entries(settings.variables)) {
    setPath(
      scope.context.variables,
      path,
      typeof value === 'string' ? scope.interpolate(value) : value,
    );
  }
  return NEXT;
};

/** `goto`: jumps. */
export const gotoVerb: VerbHandler<'goto'> = async (settings) => ({
  type: 'goto',
  stepId: settings.next,
});

/** `hangup`: ends the call and the run. */
export const hangupVerb: VerbHandler<'hangup'> = async (settings, _step, scope) => {
  await scope.io.hangup(settings.reason);
  return {
    type: 'end',
    reason: 'hangup',
    ...(settings.reason ? { outcome: settings.reason } : {}),
  };
};
