import { describe, expect, it } from 'vitest';
import {
  DEMO_CLAIM_SCHEMA,
  labelFor,
  pickLocalised,
  promptFor,
  validateClaimSchema,
  type ClaimField,
} from './claim-schema.js';

function problemsOf(doc: unknown): Array<{ path: string; message: string }> {
  const result = validateClaimSchema(doc);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('validateClaimSchema', () => {
  it('accepts the demo schema and returns a copy', () => {
    const result = validateClaimSchema(DEMO_CLAIM_SCHEMA);
    expect(result).toEqual({ ok: true, value: DEMO_CLAIM_SCHEMA });
    if (result.ok) expect(result.value.fields[0]).not.toBe(DEMO_CLAIM_SCHEMA.fields[0]);
  });

  it('accepts every field type with its options', () => {
    const result = validateClaimSchema({
      name: 'booking',
      fields: [
        { name: 'guests', type: 'number', min: 1, max: 12, required: true },
        { name: 'when', type: 'datetime', prompt: 'When?' },
        { name: 'day', type: 'date', required: false },
        { name: 'email', type: 'email', pattern: '@example\\.com$' },
        { name: 'phone', type: 'phone', label: { 'en-US': 'phone', 'zh-CN': '电话' } },
        { name: 'size', type: 'enum', values: ['small', 'large'] },
        { name: 'kind', type: 'enum', values: { car: ['auto', '车'], home: [] } },
        { name: 'vip', type: 'boolean', description: 'Whether the caller is a VIP.' },
        { name: 'note_1', type: 'text', min: 0, max: 500 },
      ],
    });
    expect(result.ok).toBe(true);
  });

  it('refuses a document that is not an object', () => {
    expect(problemsOf(null)).toEqual([{ path: '', message: 'a claim schema must be an object' }]);
    expect(problemsOf([])).toEqual([{ path: '', message: 'a claim schema must be an object' }]);
  });

  it('reports the header', () => {
    expect(problemsOf({})).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'fields', message: 'is required' },
    ]);
    expect(problemsOf({ name: '', fields: [], extra: 1 })).toEqual([
      { path: 'name', message: 'must be a non-empty string' },
      { path: 'extra', message: 'unknown key' },
      { path: 'fields', message: 'a claim needs at least one field' },
    ]);
    expect(problemsOf({ name: 'x', fields: {} })).toEqual([
      { path: 'fields', message: 'must be a list of fields' },
    ]);
  });

  it('names each field by its name, or its index when the name is unusable', () => {
    const problems = problemsOf({
      name: 'claim',
      fields: [
        'oops',
        { type: 'text' },
        { name: '1st', type: 'text' },
        { name: 'policyNumber', type: 'text', pattern: '(' },
        { name: 'policyNumber', type: 'text' },
        { name: 'kind', type: 'enum' },
        { name: 'age', type: 'number', min: 10, max: 1 },
        { name: 'x', type: 'colour', colour: 'red' },
      ],
    });
    expect(problems).toEqual([
      { path: 'fields[0]', message: 'a field must be an object with a name and a type' },
      { path: 'fields[1].name', message: 'is required' },
      {
        path: 'fields[2].name',
        message: 'must start with a letter and hold only letters, digits and "_"',
      },
      {
        path: 'fields[policyNumber].pattern',
        message: expect.stringMatching(/^is not a valid regular expression: /),
      },
      {
        path: 'fields[policyNumber].name',
        message: 'duplicate field name "policyNumber" (fields 3 and 4)',
      },
      { path: 'fields[kind].values', message: 'an enum field needs its allowed values' },
      { path: 'fields[age].min', message: 'must not be greater than max (10 > 1)' },
      { path: 'fields[x].colour', message: 'unknown key' },
      {
        path: 'fields[x].type',
        message: 'must be one of text, number, datetime, date, email, phone, enum, boolean',
      },
    ]);
  });

  it('checks options against the type', () => {
    const problems = problemsOf({
      name: 'claim',
      fields: [
        { name: 'a', type: 'date', values: ['x'], pattern: 'x', min: 1 },
        { name: 'b', type: 'text', min: -1, max: 2.5, required: 'yes' },
        { name: 'c', type: 'enum', values: [] },
        { name: 'd', type: 'enum', values: ['x', 'X', ''] },
        { name: 'e', type: 'enum', values: { x: 'not a list' } },
        { name: 'f', type: 'text', label: { 'en-US': '' }, prompt: 3, description: '' },
        { name: 'g', type: 'number', min: Number.NaN },
      ],
    });
    expect(problems).toEqual([
      { path: 'fields[a].values', message: 'only enum fields take values' },
      { path: 'fields[a].pattern', message: 'only text, phone, email fields take a pattern' },
      {
        path: 'fields[a].min',
        message: 'only number fields (value) and text fields (length) take min/max',
      },
      { path: 'fields[b].required', message: 'must be true or false' },
      { path: 'fields[b].min', message: 'a text length must be a whole number ≥ 0' },
      { path: 'fields[b].max', message: 'a text length must be a whole number ≥ 0' },
      { path: 'fields[c].values', message: 'must list at least one value' },
      { path: 'fields[d].values[1]', message: 'duplicate value "X"' },
      { path: 'fields[d].values[2]', message: 'must be a non-empty string' },
      {
        path: 'fields[e].values.x',
        message: 'must be a list of non-empty synonyms (may be empty)',
      },
      { path: 'fields[f].label.en-US', message: 'must be a non-empty string' },
      {
        path: 'fields[f].prompt',
        message: 'must be a string or a map of language → text, e.g. { "en-US": "…" }',
      },
      { path: 'fields[f].description', message: 'must be a non-empty string' },
      { path: 'fields[g].min', message: 'must be a finite number' },
    ]);
  });
});

describe('labels and prompts', () => {
  const policy = DEMO_CLAIM_SCHEMA.fields[1]!;
  const bare: ClaimField = { name: 'incident_date', type: 'date' };
  const camel: ClaimField = {
    name: 'policyNumber',
    type: 'text',
    label: { 'en-US': 'policy no.' },
  };

  it('picks the language, then the same primary language', () => {
    expect(labelFor(policy, 'en-US')).toBe('policy number');
    expect(labelFor(policy, 'en-GB')).toBe('policy number');
    expect(labelFor(policy, 'zh-CN')).toBe('保单号');
    expect(labelFor(policy, 'zh-TW')).toBe('保单号');
    expect(pickLocalised('plain', 'fr-FR')).toBe('plain');
    expect(pickLocalised(undefined, 'fr-FR')).toBeUndefined();
  });

  it('falls back to the name in words', () => {
    expect(labelFor(bare, 'en-US')).toBe('incident date');
    expect(labelFor(camel, 'fr-FR')).toBe('policy number');
  });

  it('asks with the prompt, else a default question per language', () => {
    expect(promptFor(policy, 'zh-CN')).toBe('请告诉我您的保单号，以 POL 开头。');
    expect(promptFor(bare, 'en-US')).toBe('What is your incident date?');
    expect(promptFor({ ...bare, label: { 'zh-CN': '出险日期' } }, 'zh-CN')).toBe(
      '请问您的出险日期是？',
    );
    expect(promptFor({ ...bare, prompt: 'When did it happen?' }, 'zh-CN')).toBe(
      'When did it happen?',
    );
  });
});
