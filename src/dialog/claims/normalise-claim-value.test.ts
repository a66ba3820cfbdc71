import { describe, expect, it } from 'vitest';
import { DEMO_CLAIM_SCHEMA, type ClaimField } from './claim-schema.js';
import { normaliseClaimValue } from './normalise-claim-value.js';

const NOW = new Date('2026-03-11T10:00:00Z'); // a Wednesday
const EN = { language: 'en-US', now: NOW };
const ZH = { language: 'zh-CN', now: NOW, timeZone: 'Asia/Shanghai' };

const field = (name: string): ClaimField => DEMO_CLAIM_SCHEMA.fields.find((f) => f.name === name)!;
const fullName = field('fullName');
const policyNumber = field('policyNumber');
const incidentDate = field('incidentDate');
const location = field('location');

function value(f: ClaimField, raw: unknown, options: typeof EN | typeof ZH = EN): unknown {
  const result = normaliseClaimValue(f, raw, options);
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result.value;
}

function refusal(f: ClaimField, raw: unknown, options: typeof EN | typeof ZH = EN): string {
  const result = normaliseClaimValue(f, raw, options);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(result.value)}`);
  return result.message;
}

describe('text', () => {
  it.each([
    ['  John Smith  ', 'John Smith'],
    ['my name is John Smith', 'John Smith'],
    ["My name's John Smith.", 'John Smith'],
    ['this is John Smith, please', 'John Smith'],
    ["I'm Jane   Doe", 'Jane Doe'],
    ['In Soo Kim', 'In Soo Kim'],
    ["yes, it's Atticus Finch", 'Atticus Finch'],
  ])('%j → %j', (raw, expected) => {
    expect(value(fullName, raw)).toBe(expected);
  });

  it.each([
    ['我叫张三', '张三'],
    ['我的名字是李四。', '李四'],
    ['我的姓名是王五', '王五'],
    ['张三', '张三'],
  ])('%j → %j in Chinese', (raw, expected) => {
    expect(value(fullName, raw, ZH)).toBe(expected);
  });

  it('strips location lead-ins in both languages', () => {
    expect(value(location, 'it happened at 5 Main Street')).toBe('5 Main Street');
    expect(value(location, 'my location is Springfield')).toBe('Springfield');
    expect(value(location, 'it was at the car park on King Street')).toBe(
      'the car park on King Street',
    );
    expect(value(location, '在上海市浦东新区', ZH)).toBe('上海市浦东新区');
    expect(value(location, '事故发生在北京', ZH)).toBe('北京');
  });

  it('checks the length range', () => {
    expect(refusal(fullName, 'J')).toMatch(/too short/);
    expect(refusal(fullName, 'x'.repeat(101))).toMatch(/too long/);
    expect(refusal(fullName, '   ')).toBe('is empty');
    expect(refusal(fullName, null)).toBe('is empty');
    expect(refusal(fullName, { name: 'x' })).toBe('must be text');
  });
});

describe('text with a pattern (policy number)', () => {
  it.each([
    ['POL123456', 'POL123456'],
    ['pol123456', 'POL123456'],
    ['P O L one two three four five six', 'POL123456'],
    ['my policy number is P O L 1 2 3 4 5 6', 'POL123456'],
    ['the policy number is POL-123-456', 'POL123456'],
    ['P O L double one two three four five', 'POL112345'],
    ['POL一二三四五六', 'POL123456'],
    ['我的保单号是POL一二三四五六', 'POL123456'],
    ['保单号是 P O L 幺二三四五六', 'POL123456'],
  ])('%j → %j', (raw, expected) => {
    expect(value(policyNumber, raw, /[\u4e00-\u9fff]/u.test(raw) ? ZH : EN)).toBe(expected);
  });

  it.each(['POL12345', 'ABC123456', 'one two three', 'P O L one two three'])(
    'refuses %j with the format',
    (raw) => {
      expect(refusal(policyNumber, raw)).toBe('does not match the expected format ^POL\\d{6}$');
    },
  );
});

describe('number', () => {
  const guests: ClaimField = { name: 'guests', type: 'number', min: 1, max: 5000 };
  it.each([
    [23, 23],
    ['23', 23],
    ['1,234.5', 1234.5],
    ['twenty three', 23],
    ['二十三', 23],
    ['it is twenty three', 23],
  ])('%j → %d', (raw, expected) => {
    expect(value(guests, raw)).toBe(expected);
  });

  it('checks the range and the form', () => {
    expect(refusal(guests, 0)).toBe('must be at least 1');
    expect(refusal(guests, 'ten thousand')).toBe('must be at most 5000');
    expect(refusal(guests, 'lots')).toBe('is not a number');
  });
});

describe('date', () => {
  it.each([
    ['2026-11-19', EN, '2026-11-19'],
    ['March 3rd', EN, '2026-03-03'],
    ['yesterday', EN, '2026-03-10'],
    ['it happened last Friday', EN, '2026-03-06'],
    ['two days ago', EN, '2026-03-09'],
    ['昨天', ZH, '2026-03-10'],
    ['前天', ZH, '2026-03-09'],
    ['2026年3月5日', ZH, '2026-03-05'],
    ['上周五', ZH, '2026-03-06'],
  ])('%j → %s', (raw, options, expected) => {
    expect(value(incidentDate, raw, options)).toBe(expected);
  });

  it('refuses what names no day', () => {
    expect(refusal(incidentDate, 'a while back')).toBe('is not a date');
    expect(refusal(incidentDate, 42)).toBe('is not a date');
  });
});

describe('datetime', () => {
  const appointment: ClaimField = { name: 'appointment', type: 'datetime' };
  it('gives ISO 8601 with the zone offset', () => {
    expect(value(appointment, 'tomorrow at 3pm')).toBe('2026-03-12T15:00:00Z');
    expect(value(appointment, '明天下午三点', ZH)).toBe('2026-03-12T15:00:00+08:00');
    expect(refusal(appointment, 'tomorrow')).toBe('is not a date and time of day');
  });
});

describe('email', () => {
  const email: ClaimField = { name: 'email', type: 'email' };
  it.each([
    ['John.Smith@Example.COM', 'john.smith@example.com'],
    ['john at example dot com', 'john@example.com'],
    ['my email is john dot smith at example dot co dot uk', 'john.smith@example.co.uk'],
    ['john underscore smith at mail dash box dot org', 'john_smith@mail-box.org'],
    ['zhangsan艾特qq点com', 'zhangsan@qq.com'],
  ])('%j → %j', (raw, expected) => {
    expect(value(email, raw)).toBe(expected);
  });

  it.each(['john', 'john at example', 'john@@example.com', 'john@example.c'])(
    'refuses %j',
    (raw) => {
      expect(refusal(email, raw)).toBe('is not an e-mail address');
    },
  );
});

describe('phone', () => {
  const phone: ClaimField = { name: 'phone', type: 'phone' };
  it.each([
    ['+1 (555) 012-3456', '+15550123456'],
    ['five five five one two three four', '5551234'],
    ['double five five, one two three four', '5551234'],
    ['plus four four seven seven double oh one two three four five six', '+447700123456'],
    ['my number is 555 0123', '5550123'],
    ['幺三八一二三四五六七八', '13812345678'],
    ['我的手机号是138 1234 5678', '13812345678'],
  ])('%j → %j', (raw, expected) => {
    expect(value(phone, raw)).toBe(expected);
  });

  it('needs 6 to 15 digits and nothing else', () => {
    expect(refusal(phone, '12345')).toBe('must have 6 to 15 digits');
    expect(refusal(phone, '1234567890123456')).toBe('must have 6 to 15 digits');
    expect(refusal(phone, 'call me maybe 555123')).toBe('is not a phone number');
  });

  it('checks a pattern on the digits', () => {
    const mobile: ClaimField = { name: 'mobile', type: 'phone', pattern: '^1\\d{10}$' };
    expect(value(mobile, '138-1234-5678')).toBe('13812345678');
    expect(refusal(mobile, '5551234')).toMatch(/expected format/);
  });
});

describe('boolean', () => {
  const injured: ClaimField = { name: 'injured', type: 'boolean' };
  it.each([
    [true, true],
    ['yes', true],
    ['Yeah, I was', true],
    ["that's right", true],
    ['true', true],
    ['no', false],
    ['Nope.', false],
    ['false', false],
    ['是', true],
    ['是的', true],
    ['对', true],
    ['否', false],
    ['不是', false],
    ['没有', false],
    ['有', true],
  ])('%j → %j', (raw, expected) => {
    expect(value(injured, raw)).toBe(expected);
  });

  it.each(['maybe', '也许', ''])('refuses %j', (raw) => {
    expect(refusal(injured, raw)).toBe('is not yes or no');
  });
});

describe('enum', () => {
  const kind: ClaimField = {
    name: 'kind',
    type: 'enum',
    values: { vehicle: ['car', 'auto', '车险', '汽车'], home: ['house', '家财'], travel: [] },
  };
  const plain: ClaimField = { name: 'size', type: 'enum', values: ['Small', 'Large'] };
  it.each([
    [kind, 'vehicle', 'vehicle'],
    [kind, 'Car', 'vehicle'],
    [kind, 'it was a car accident', 'vehicle'],
    [kind, '车险', 'vehicle'],
    [kind, '是汽车的', 'vehicle'],
    [kind, 'HOUSE', 'home'],
    [kind, 'travel.', 'travel'],
    [plain, 'small', 'Small'],
  ])('%j → %j', (f, raw, expected) => {
    expect(value(f, raw)).toBe(expected);
  });

  it('refuses an unknown or ambiguous answer', () => {
    expect(refusal(kind, 'boat')).toBe('must be one of vehicle, home, travel');
    expect(refusal(kind, 'my car and my house')).toBe('is ambiguous; one of vehicle, home, travel');
    // "carpet" mentions no value: synonyms match whole words only.
    expect(refusal(kind, 'carpet')).toBe('must be one of vehicle, home, travel');
  });
});
