/**
 * A claim being filled in: the values collected so far for a {@link ClaimSchema}, which of them
 * the caller has confirmed, what is still missing, a read-back sentence and the JSON schema an
 * LLM's `update_claim` tool takes.
 */
import {
  isChinese,
  isRequired,
  labelFor,
  type ClaimField,
  type ClaimSchema,
} from './claim-schema.js';
import { normaliseClaimValue, type NormaliseOptions } from './normalise-claim-value.js';

/** What {@link Claim.set} did with each field it was given. */
export interface ClaimSetResult {
  /** Field → its normalised value (`null` for a field that was cleared). */
  accepted: Record<string, unknown>;
  /** Field → why it was refused ("policy number does not match …", "unknown field"). */
  rejected: Record<string, string>;
  /** Required fields still without a value, in schema order. */
  missing: string[];
}

/**
 * The values of one claim. Values given to the constructor are taken as already normalised
 * (they come back from storage); {@link Claim.set} normalises what callers say.
 */
export class Claim {
  /** The fields this claim collects. */
  readonly schema: ClaimSchema;
  private readonly fieldsByName: Map<string, ClaimField>;
  private readonly current = new Map<string, unknown>();
  private readonly confirmedNames = new Set<string>();

  constructor(schema: ClaimSchema, values?: Record<string, unknown>, confirmed?: string[]) {
    this.schema = schema;
    this.fieldsByName = new Map(schema.fields.map((f) => [f.name, f]));
    for (const [name, value] of Object.entries(values ?? {})) {
      if (this.fieldsByName.has(name) && value !== undefined && value !== null) {
        this.current.set(name, value);
      }
    }
    for (const name of confirmed ?? []) if (this.current.has(name)) this.confirmedNames.add(name);
  }

  /**
   * Normalises and stores each field; unknown fields and invalid values are rejected with a
   * reason. `null` clears a field (the caller took it back). A value that changes unconfirms
   * the field: the caller has not heard the new one read back.
   */
  set(fields: Record<string, unknown>, options: NormaliseOptions): ClaimSetResult {
    const accepted: Record<string, unknown> = {};
    const rejected: Record<string, string> = {};
    for (const [name, raw] of Object.entries(fields)) {
      const field = this.fieldsByName.get(name);
      if (!field) {
        rejected[name] = 'unknown field';
        continue;
      }
      if (raw === null) {
        this.current.delete(name);
        this.confirmedNames.delete(name);
        accepted[name] = null;
        continue;
      }
      const result = normaliseClaimValue(field, raw, options);
      if (!result.ok) {
        rejected[name] = `${labelFor(field, options.language)} ${result.message}`;
        continue;
      }
      if (this.current.get(name) !== result.value) this.confirmedNames.delete(name);
      this.current.set(name, result.value);
      accepted[name] = result.value;
    }
    return { accepted, rejected, missing: this.missing() };
  }

  /** Required fields without a value, in schema order. */
  missing(): string[] {
    return this.schema.fields
      .filter((f) => isRequired(f) && !this.current.has(f.name))
      .map((f) => f.name);
  }

  /** Marks fields as confirmed by the caller; default every field that has a value. */
  confirm(names?: string[]): void {
    for (const name of names ?? [...this.current.keys()]) {
      if (this.current.has(name)) this.confirmedNames.add(name);
    }
  }

  /** Takes back a confirmation (the caller corrected that field). */
  unconfirm(name: string): void {
    this.confirmedNames.delete(name);
  }

  /** Confirmed fields, in schema order. */
  confirmed(): string[] {
    return this.schema.fields.map((f) => f.name).filter((n) => this.confirmedNames.has(n));
  }

  /** Whether every required field has a value. */
  isComplete(): boolean {
    return this.missing().length === 0;
  }

  /** The collected values, in schema order (a fresh object, safe to store as JSON). */
  values(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of this.schema.fields) {
      if (this.current.has(field.name)) out[field.name] = this.current.get(field.name);
    }
    return out;
  }

  /**
   * The collected values as one sentence for reading back: "policy number POL123456, incident
   * date 2026-11-19" / "保单号 POL123456，出险日期 2026-11-19". Empty when nothing is collected.
   */
  describe(language: string): string {
    const zh = isChinese(language);
    const parts: string[] = [];
    for (const field of this.schema.fields) {
      if (!this.current.has(field.name)) continue;
      let value = this.current.get(field.name);
      if (typeof value === 'boolean') value = zh ? (value ? '是' : '否') : value ? 'yes' : 'no';
      parts.push(`${labelFor(field, language)} ${String(value)}`);
    }
    return parts.join(zh ? '，' : ', ');
  }

  /**
   * JSON schema of the fields, for the `update_claim` tool: every field optional (a turn sets
   * some of them), no other properties. Dates and times are strings the claim normalises, so
   * the model may pass what the caller said.
   */
  toJsonSchema(): Record<string, unknown> {
    const properties: Record<string, Record<string, unknown>> = {};
    for (const field of this.schema.fields) {
      properties[field.name] = jsonSchemaOf(field);
    }
    return {
      type: 'object',
      properties,
      additionalProperties: false,
    };
  }
}

function jsonSchemaOf(field: ClaimField): Record<string, unknown> {
  const label = labelFor(field, 'en-US');
  const notes = [field.description ?? `The caller's ${label}.`];
  const schema: Record<string, unknown> = {};
  switch (field.type) {
    case 'number':
      schema.type = 'number';
      if (field.min !== undefined) schema.minimum = field.min;
      if (field.max !== undefined) schema.maximum = field.max;
      break;
    case 'boolean':
      schema.type = 'boolean';
      break;
    case 'enum': {
      schema.type = 'string';
      const values = field.values ?? [];
      schema.enum = Array.isArray(values) ? [...values] : Object.keys(values);
      break;
    }
    case 'date':
      schema.type = 'string';
      notes.push('A date, YYYY-MM-DD, or as the caller said it ("yesterday", "3月5日").');
      break;
    case 'datetime':
      schema.type = 'string';
      notes.push('A date and time of day, ISO 8601, or as the caller said it.');
      break;
    case 'email':
      schema.type = 'string';
      notes.push('An e-mail address.');
      break;
    case 'phone':
      schema.type = 'string';
      notes.push('A phone number, digits with an optional leading +.');
      break;
    default:
      schema.type = 'string';
      if (field.pattern !== undefined) notes.push(`Format: ${field.pattern}.`);
      break;
  }
  schema.description = notes.join(' ');
  return schema;
}
