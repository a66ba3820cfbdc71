import { describe, expect, it } from 'vitest';
import { validateIntentModel } from './intent-model.js';

const minimal = { language: 'en-US', intents: [{ name: 'greeting', utterances: ['hello'] }] };

function problemsOf(doc: unknown): Array<{ path: string; message: string }> {
  const r = validateIntentModel(doc);
  return r.ok ? [] : r.problems;
}

describe('validateIntentModel', () => {
  it('accepts a minimal model and copies only known fields', () => {
    const r = validateIntentModel(minimal);
    expect(r).toEqual({ ok: true, value: minimal });
  });

  it('accepts thresholds, fallback and both entity forms', () => {
    const doc = {
      ...minimal,
      threshold: 0.7,
      fallbackIntent: 'unknown',
      entities: [
        { name: 'plate', regex: '[A-Z]{2}\\d{3}', flags: 'i' },
        { name: 'vehicle', values: { car: ['auto', 'sedan'], bike: [] } },
      ],
    };
    expect(validateIntentModel(doc)).toEqual({ ok: true, value: doc });
  });

  it('refuses what is not an object', () => {
    expect(problemsOf(null)).toEqual([{ path: '', message: 'an intent model must be an object' }]);
    expect(problemsOf([])).toHaveLength(1);
  });

  it('names missing and malformed top-level fields', () => {
    expect(problemsOf({})).toEqual([
      { path: 'language', message: 'is required' },
      { path: 'intents', message: 'is required' },
    ]);
    const problems = problemsOf({ ...minimal, language: 'english!', threshold: 1.5, extra: 1 });
    expect(problems).toContainEqual({ path: 'extra', message: 'unknown key' });
    expect(problems).toContainEqual({ path: 'threshold', message: 'must be from 0 to 1, got 1.5' });
    expect(problems.map((p) => p.path)).toContain('language');
    expect(problemsOf({ ...minimal, threshold: '0.5' })).toEqual([
      { path: 'threshold', message: 'must be a number from 0 to 1' },
    ]);
    expect(problemsOf({ ...minimal, intents: [] })).toEqual([
      { path: 'intents', message: 'needs at least one intent' },
    ]);
  });

  it('names intents by name in paths, by index when the name is unusable', () => {
    const problems = problemsOf({
      language: 'en',
      intents: [
        { name: 'claim', utterances: [] },
        { name: 'Bad Name', utterances: ['x'] },
        { utterances: ['y'] },
        { name: 'claim', utterances: ['z', ''], notes: 'x' },
        'greeting',
      ],
    });
    expect(problems).toEqual([
      { path: 'intents[claim].utterances', message: 'needs at least one utterance' },
      {
        path: 'intents[Bad Name].name',
        message: 'must start with a-z and hold only a-z, 0-9, "_", "." or "-"',
      },
      { path: 'intents[2].name', message: 'is required' },
      { path: 'intents[claim].name', message: 'duplicate intent "claim" (intents 0 and 3)' },
      { path: 'intents[claim].notes', message: 'unknown key' },
      { path: 'intents[claim].utterances[1]', message: 'must be a non-empty string' },
      {
        path: 'intents[4]',
        message: 'an intent must be an object with a name and utterances',
      },
    ]);
  });

  it('checks entities: regex, flags, values, names', () => {
    const problems = problemsOf({
      ...minimal,
      entities: [
        { name: 'ok', regex: 'a+' },
        { name: 'empty', regex: 'a*' },
        { name: 'broken', regex: '([a-z' },
        { name: 'flags', regex: 'x', flags: 'g' },
        { name: 'both', regex: 'x', values: { a: [] } },
        { name: 'number', values: { one: ['1'] } },
        { name: 'ok', values: { a: ['b'] } },
        { name: 'syn', values: { a: 'b', c: [''] } },
        { name: 'nothing' },
      ],
    });
    expect(problems).toEqual([
      { path: 'entities[1].regex', message: 'must not match the empty string' },
      { path: 'entities[2].regex', message: 'is not a valid regular expression' },
      { path: 'entities[3].flags', message: 'may hold only the flags i, m, s and u' },
      { path: 'entities[4].values', message: 'an entity has either regex (with flags) or values' },
      { path: 'entities[5].name', message: '"number" is a built-in entity' },
      { path: 'entities[6].name', message: 'duplicate entity "ok" (entities 0 and 6)' },
      { path: 'entities[7].values.a', message: 'must be a list of synonyms (may be empty)' },
      { path: 'entities[7].values.c[0]', message: 'must be a non-empty string' },
      { path: 'entities[8]', message: 'needs either regex or values' },
    ]);
  });

  it('refuses a fallback intent that is also trained', () => {
    expect(problemsOf({ ...minimal, fallbackIntent: 'greeting' })).toEqual([
      { path: 'fallbackIntent', message: '"greeting" is also a trained intent' },
    ]);
  });
});
