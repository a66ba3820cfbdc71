import { describe, expect, it } from 'vitest';
import { Claim } from './claim.js';
import { DEMO_CLAIM_SCHEMA, type ClaimSchema } from './claim-schema.js';

const NOW = new Date('2026-03-11T10:00:00Z');
const EN = { language: 'en-US', now: NOW };
const ZH = { language: 'zh-CN', now: NOW, timeZone: 'Asia/Shanghai' };

describe('Claim', () => {
  it('normalises, stores and reports what is missing in schema order', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA);
    expect(claim.missing()).toEqual(['fullName', 'policyNumber', 'incidentDate', 'location']);
    const result = claim.set(
      {
        location: 'it happened at 5 Main Street',
        policyNumber: 'P O L one two three four five six',
      },
      EN,
    );
    expect(result).toEqual({
      accepted: { location: '5 Main Street', policyNumber: 'POL123456' },
      rejected: {},
      missing: ['fullName', 'incidentDate'],
    });
    expect(claim.isComplete()).toBe(false);
    claim.set({ fullName: 'my name is John Smith', incidentDate: 'yesterday' }, EN);
    expect(claim.isComplete()).toBe(true);
    expect(claim.values()).toEqual({
      fullName: 'John Smith',
      policyNumber: 'POL123456',
      incidentDate: '2026-03-10',
      location: '5 Main Street',
    });
    expect(Object.keys(claim.values())).toEqual([
      'fullName',
      'policyNumber',
      'incidentDate',
      'location',
    ]);
  });

  it('rejects unknown fields and invalid values with a reason, keeping the old value', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA, { policyNumber: 'POL000001' });
    const result = claim.set({ policyNumber: 'POL12', colour: 'red', incidentDate: 'soon' }, EN);
    expect(result.accepted).toEqual({});
    expect(result.rejected).toEqual({
      policyNumber: 'policy number does not match the expected format ^POL\\d{6}$',
      colour: 'unknown field',
      incidentDate: 'incident date is not a date',
    });
    expect(claim.values()).toEqual({ policyNumber: 'POL000001' });
    expect(claim.set({ incidentDate: '下周' }, ZH).rejected).toEqual({
      incidentDate: '出险日期 is not a date',
    });
  });

  it('tracks confirmations: a changed value is unconfirmed, the same value stays confirmed', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA, {
      fullName: 'John Smith',
      policyNumber: 'POL123456',
    });
    expect(claim.confirmed()).toEqual([]);
    claim.confirm(['policyNumber', 'location']);
    expect(claim.confirmed()).toEqual(['policyNumber']);
    claim.confirm();
    expect(claim.confirmed()).toEqual(['fullName', 'policyNumber']);
    claim.set({ fullName: 'John Smith' }, EN);
    expect(claim.confirmed()).toEqual(['fullName', 'policyNumber']);
    claim.set({ fullName: 'Jane Smith' }, EN);
    expect(claim.confirmed()).toEqual(['policyNumber']);
    claim.unconfirm('policyNumber');
    expect(claim.confirmed()).toEqual([]);
  });

  it('clears a field set to null', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA, { location: 'Paris' }, ['location']);
    expect(claim.confirmed()).toEqual(['location']);
    expect(claim.set({ location: null }, EN)).toMatchObject({ accepted: { location: null } });
    expect(claim.values()).toEqual({});
    expect(claim.confirmed()).toEqual([]);
  });

  it('ignores stored values and confirmations of fields the schema does not have', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA, { colour: 'red', location: 'Paris' }, [
      'colour',
      'fullName',
      'location',
    ]);
    expect(claim.values()).toEqual({ location: 'Paris' });
    expect(claim.confirmed()).toEqual(['location']);
  });

  it('counts only required fields as missing', () => {
    const schema: ClaimSchema = {
      name: 'callback',
      fields: [
        { name: 'phone', type: 'phone' },
        { name: 'note', type: 'text', required: false },
      ],
    };
    const claim = new Claim(schema);
    expect(claim.missing()).toEqual(['phone']);
    claim.set({ phone: '555 0123' }, EN);
    expect(claim.isComplete()).toBe(true);
  });

  it('describes the collected values for read-back in each language', () => {
    const claim = new Claim(DEMO_CLAIM_SCHEMA, {
      policyNumber: 'POL123456',
      incidentDate: '2026-11-19',
    });
    expect(claim.describe('en-US')).toBe('policy number POL123456, incident date 2026-11-19');
    expect(claim.describe('zh-CN')).toBe('保单号 POL123456，出险日期 2026-11-19');
    expect(new Claim(DEMO_CLAIM_SCHEMA).describe('en-US')).toBe('');
    const yesNo = new Claim(
      { name: 'x', fields: [{ name: 'injured', type: 'boolean' }] },
      { injured: false },
    );
    expect(yesNo.describe('en-US')).toBe('injured no');
    expect(yesNo.describe('zh-CN')).toBe('injured 否');
  });

  it('gives a JSON schema of the fields for the update_claim tool', () => {
    const schema: ClaimSchema = {
      name: 'all',
      fields: [
        ...DEMO_CLAIM_SCHEMA.fields,
        { name: 'guests', type: 'number', min: 1, max: 9 },
        { name: 'vip', type: 'boolean' },
        { name: 'kind', type: 'enum', values: { car: ['auto'], home: [] } },
        { name: 'size', type: 'enum', values: ['S', 'L'] },
        { name: 'when', type: 'datetime' },
        { name: 'email', type: 'email' },
        { name: 'phone', type: 'phone' },
      ],
    };
    const json = new Claim(schema).toJsonSchema() as {
      type: string;
      additionalProperties: boolean;
      properties: Record<string, Record<string, unknown>>;
    };
    expect(json.type).toBe('object');
    expect(json.additionalProperties).toBe(false);
    expect(Object.keys(json.properties)).toEqual(schema.fields.map((f) => f.name));
    expect(json.properties.policyNumber).toEqual({
      type: 'string',
      description:
        'The insurance policy number: "POL" followed by six digits, e.g. POL123456. Format: ^POL\\d{6}$.',
    });
    expect(json.properties.guests).toMatchObject({ type: 'number', minimum: 1, maximum: 9 });
    expect(json.properties.vip).toMatchObject({
      type: 'boolean',
      description: "The caller's vip.",
    });
    expect(json.properties.kind).toMatchObject({ type: 'string', enum: ['car', 'home'] });
    expect(json.properties.size).toMatchObject({ type: 'string', enum: ['S', 'L'] });
    expect(json.properties.incidentDate!.description).toMatch(/YYYY-MM-DD/);
    expect(json.properties.when).toMatchObject({ type: 'string' });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
