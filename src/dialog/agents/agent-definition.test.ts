/**
 * The agent document's validator: a complete document comes back with its defaults filled
 * (and the claim schema and HTTP tools as their own validators return them), and every kind of
 * mistake is reported at the path of the field, the claim schema's and the HTTP tools' problems
 * under this document's paths. Plus `localizedText`, which picks a line for a language.
 */
import { describe, expect, it } from 'vitest';
import { validateClaimSchema } from '../claims/index.js';
import { validateHttpToolDefinition } from '../tools/index.js';
import {
  isDocumentName,
  localizedText,
  validateAgentDefinition,
  type AgentDefinitionDocument,
} from './agent-definition.js';

const CLAIM = {
  name: 'booking',
  fields: [
    { name: 'guest', type: 'text', prompt: { 'en-US': 'Your name?', 'zh-CN': '您的姓名？' } },
    { name: 'nights', type: 'number', min: 1, max: 30, required: false },
  ],
};

const HTTP_TOOL = {
  name: 'lookup_policy',
  description: 'Looks a policy up',
  method: 'GET',
  url: 'https://crm.example.com/policies/{policy}',
  parameters: { policy: { type: 'string', required: true } },
  timeoutMs: 2000,
  resultPath: 'data.policy',
};

/** Every field an agent document may have, except those left to their defaults. */
function fullDocument(): Record<string, unknown> {
  return {
    name: 'Booking assistant',
    description: 'Takes bookings.',
    language: 'en-GB',
    languages: ['en-GB', 'zh-CN'],
    greeting: { 'en-GB': 'Hello, I take bookings.', 'zh-CN': '您好，我来为您预订。' },
    resumeGreeting: 'Welcome back.',
    systemPrompt: 'You take bookings.',
    voice: { name: 'alba', rate: 1.1, pitch: -2 },
    providers: {
      stt: ['whisper', 'vosk'],
      tts: ['piper'],
      llm: {
        preset: 'openai',
        baseUrl: 'https://api.example.com/v1',
        model: 'gpt-test',
        apiKeyEnv: 'BOOKING_LLM_KEY',
        temperature: 0.3,
      },
    },
    tools: ['update_claim', HTTP_TOOL, 'end_call'],
    knowledge: [{ id: 'hours', title: 'Opening hours', text: 'Nine to five.', language: 'en' }],
    claim: CLAIM,
    script: 'bookings',
    intents: ['demo-en'],
    timeouts: {
      answerSoftS: 2,
      answerHardS: 8,
      callerSilenceS: 10,
      recognitionRetries: 2,
      maxCallS: 600,
    },
    transfer: { target: 'support' },
  };
}

/** The problems of an invalid document (fails the test if it is valid). */
function problemsOf(doc: unknown): Array<{ path: string; message: string }> {
  const r = validateAgentDefinition(doc);
  if (r.ok) throw new Error(`expected problems, got a valid agent: ${JSON.stringify(r.value)}`);
  return r.problems;
}

/** A minimal document plus `extra`. */
const withFields = (extra: Record<string, unknown>) => ({ language: 'en-US', ...extra });

describe('validateAgentDefinition: a valid document', () => {
  it('accepts every field and fills the defaults (confirmClaim, transfer, callback window)', () => {
    const r = validateAgentDefinition(fullDocument());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const claim = validateClaimSchema(CLAIM);
    const tool = validateHttpToolDefinition(HTTP_TOOL);
    if (!claim.ok || !tool.ok) throw new Error('fixture is invalid');
    const expected: AgentDefinitionDocument = {
      ...(fullDocument() as unknown as AgentDefinitionDocument),
      tools: ['update_claim', tool.value, 'end_call'],
      claim: claim.value,
      confirmClaim: true,
      transfer: { target: 'support', onRequest: true, sentimentBelow: -0.6, afterFailedTurns: 3 },
      callbackWindowMin: 180,
    };
    expect(r.value).toEqual(expected);
  });

  it('fills every default of an empty document (en-US, no tools)', () => {
    const r = validateAgentDefinition({});
    expect(r).toEqual({
      ok: true,
      value: {
        language: 'en-US',
        confirmClaim: true,
        transfer: { onRequest: true, sentimentBelow: -0.6, afterFailedTurns: 3 },
        callbackWindowMin: 180,
        tools: [],
        claim: undefined,
      },
    });
  });

  it('keeps explicit values over the defaults', () => {
    const r = validateAgentDefinition({
      confirmClaim: false,
      callbackWindowMin: 0,
      transfer: { onRequest: false, sentimentBelow: -1, afterFailedTurns: 1 },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.value).toMatchObject({
      confirmClaim: false,
      callbackWindowMin: 0,
      transfer: { onRequest: false, sentimentBelow: -1, afterFailedTurns: 1 },
    });
  });
});

describe('validateAgentDefinition: problems, each at its path', () => {
  it('refuses what is not an object', () => {
    for (const doc of [null, 'agent', 3, ['a']]) {
      expect(problemsOf(doc)).toEqual([{ path: '', message: 'an agent must be an object' }]);
    }
  });

  it('names an unknown key, at the top and inside a section', () => {
    expect(problemsOf(withFields({ greting: 'Hi' }))).toEqual([
      { path: 'greting', message: 'unknown key' },
    ]);
    expect(problemsOf(withFields({ voice: { name: 'alba', speed: 2 } }))).toEqual([
      { path: 'voice.speed', message: 'unknown key' },
    ]);
  });

  it('refuses a bad language tag', () => {
    const [top] = problemsOf({ language: 'english' });
    expect(top).toEqual({
      path: 'language',
      message: 'must be a language tag such as "en-US" or "zh-CN"',
    });
    expect(problemsOf(withFields({ languages: ['en-US', 'en_GB'] })).map((p) => p.path)).toEqual([
      'languages[1]',
    ]);
    expect(
      problemsOf(withFields({ knowledge: [{ id: 'a', title: 'A', text: 'a', language: '1' }] })),
    ).toEqual([{ path: 'knowledge[0].language', message: expect.stringMatching(/language tag/) }]);
  });

  it('names the bad language key of a greeting given per language', () => {
    expect(problemsOf(withFields({ greeting: { 'en-US': 'Hello', 'english!': 'Hello' } }))).toEqual(
      [
        {
          path: 'greeting.english!',
          message: 'must be a language tag such as "en-US" or "zh-CN"',
        },
      ],
    );
    expect(problemsOf(withFields({ resumeGreeting: { 'zh-CN': '   ' } }))).toEqual([
      { path: 'resumeGreeting.zh-CN', message: 'must not be empty' },
    ]);
    // Neither a text nor a map of texts.
    expect(problemsOf(withFields({ greeting: 42 }))).toEqual([
      {
        path: 'greeting',
        message: 'must be a text or an object of texts by language ("en-US": "…")',
      },
    ]);
  });

  it('refuses an unknown built-in tool at its index', () => {
    const problems = problemsOf(withFields({ tools: ['end_call', 'fly_to_moon'] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('tools[1]');
    expect(problems[0]!.message).toMatch(/unknown built-in tool "fly_to_moon"/);
    expect(problems[0]!.message).toMatch(/transfer_to_human/);
  });

  it("reports an invalid HTTP tool's problems under tools[i]", () => {
    const bad = { ...HTTP_TOOL, url: 'ftp://crm.example.com/{policy}' };
    const own = validateHttpToolDefinition(bad);
    if (own.ok) throw new Error('the tool should be invalid');
    expect(own.problems.map((p) => p.path)).toEqual(['url']);
    expect(problemsOf(withFields({ tools: [bad] }))).toEqual([
      { path: 'tools[0].url', message: own.problems[0]!.message },
    ]);
    // Nested paths keep their own shape; a placeholder naming no parameter names the url.
    expect(
      problemsOf(
        withFields({
          tools: [
            'end_call',
            {
              ...HTTP_TOOL,
              url: 'https://x.example/{other}',
              parameters: { policy: { type: 'date' } },
            },
          ],
        }),
      ).map((p) => p.path),
    ).toEqual(['tools[1].parameters.policy.type', 'tools[1].url']);
    // Not even an object.
    expect(problemsOf(withFields({ tools: [7] }))).toEqual([
      { path: 'tools[0]', message: 'an HTTP tool must be an object' },
    ]);
  });

  it('refuses a tool listed twice (built-in or HTTP), at the second one', () => {
    expect(problemsOf(withFields({ tools: ['end_call', 'send_dtmf', 'end_call'] }))).toEqual([
      { path: 'tools[2]', message: 'tool "end_call" is listed twice' },
    ]);
    expect(problemsOf(withFields({ tools: [HTTP_TOOL, HTTP_TOOL] }))).toEqual([
      { path: 'tools[1]', message: 'tool "lookup_policy" is listed twice' },
    ]);
  });

  it("reports the claim schema's problems under claim", () => {
    const claim = {
      name: 'booking',
      fields: [
        { name: 'guest', type: 'text', pattern: '([' },
        { name: 'kind', type: 'enum' },
        { name: 'when', type: 'colour' },
      ],
    };
    const problems = problemsOf(withFields({ claim }));
    expect(problems.map((p) => p.path)).toEqual([
      'claim.fields[guest].pattern',
      'claim.fields[kind].values',
      'claim.fields[when].type',
    ]);
    expect(problems[1]!.message).toBe('an enum field needs its allowed values');
    expect(problemsOf(withFields({ claim: { fields: [] } })).map((p) => p.path)).toEqual([
      'claim.name',
      'claim.fields',
    ]);
    expect(problemsOf(withFields({ claim: 'insurance' }))).toEqual([
      { path: 'claim', message: 'a claim schema must be an object' },
    ]);
  });

  it('refuses a soft answer timeout that is not shorter than the hard one', () => {
    for (const [soft, hard] of [
      [5, 5],
      [9, 4],
    ]) {
      expect(
        problemsOf(withFields({ timeouts: { answerSoftS: soft, answerHardS: hard } })),
      ).toEqual([{ path: 'timeouts.answerSoftS', message: 'must be shorter than answerHardS' }]);
    }
    expect(validateAgentDefinition({ timeouts: { answerSoftS: 4.9, answerHardS: 5 } }).ok).toBe(
      true,
    );
    expect(problemsOf(withFields({ timeouts: { answerHardS: 0 } })).map((p) => p.path)).toEqual([
      'timeouts.answerHardS',
    ]);
  });

  it('refuses a transfer sentiment threshold outside -1…1', () => {
    for (const value of [1.5, -1.01]) {
      const problems = problemsOf(withFields({ transfer: { sentimentBelow: value } }));
      expect(problems.map((p) => p.path)).toEqual(['transfer.sentimentBelow']);
    }
    expect(validateAgentDefinition({ transfer: { sentimentBelow: 1 } }).ok).toBe(true);
  });

  it('refuses an apiKeyEnv that is not an environment variable name (a key pasted in)', () => {
    for (const apiKeyEnv of ['sk-live-1234', 'my_key', '1KEY', 'MY KEY']) {
      expect(problemsOf(withFields({ providers: { llm: { apiKeyEnv } } }))).toEqual([
        { path: 'providers.llm.apiKeyEnv', message: 'must be an environment variable name' },
      ]);
    }
    expect(validateAgentDefinition({ providers: { llm: { apiKeyEnv: '_MY_KEY2' } } }).ok).toBe(
      true,
    );
  });

  it('takes an IANA time zone for relative dates and refuses anything else', () => {
    expect(problemsOf(withFields({ timeZone: 'Mars/Olympus' }))).toEqual([
      { path: 'timeZone', message: 'must be an IANA time zone such as "Europe/Madrid"' },
    ]);
    const ok = validateAgentDefinition({ timeZone: 'Asia/Shanghai' });
    expect(ok.ok && ok.value.timeZone).toBe('Asia/Shanghai');
  });

  it('collects every problem of one document at once', () => {
    const problems = problemsOf({
      language: 'xx_YY',
      mood: 'cheerful',
      tools: ['nope'],
      claim: { name: 'c', fields: [{ name: 'a', type: 'blob' }] },
      transfer: { sentimentBelow: 3 },
      timeouts: { answerSoftS: 3, answerHardS: 2 },
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['language', 'mood', 'tools[0]', 'claim.fields[a].type', 'transfer.sentimentBelow'].sort(),
    );
  });
});

describe('isDocumentName', () => {
  it("follows the store's rule", () => {
    expect(isDocumentName('claims')).toBe(true);
    expect(isDocumentName('demo-en.v2_b')).toBe(true);
    expect(isDocumentName('Claims')).toBe(false);
    expect(isDocumentName('-claims')).toBe(false);
    expect(isDocumentName('a'.repeat(65))).toBe(false);
  });
});

describe('localizedText', () => {
  const lines = { 'en-US': 'Hello', 'zh-CN': '您好', 'es-ES': 'Hola' };

  it('passes a single text through, and nothing through', () => {
    expect(localizedText('Hello', 'zh-CN')).toBe('Hello');
    expect(localizedText(undefined, 'en-US')).toBeUndefined();
  });

  it('picks the exact tag, then the same primary language, then the first line', () => {
    expect(localizedText(lines, 'zh-CN')).toBe('您好');
    expect(localizedText(lines, 'en-GB')).toBe('Hello');
    expect(localizedText(lines, 'ZH-TW')).toBe('您好');
    expect(localizedText(lines, 'es')).toBe('Hola');
    expect(localizedText(lines, 'fr-FR')).toBe('Hello');
    expect(localizedText({ 'zh-CN': '您好', en: 'Hi' }, 'en-AU')).toBe('Hi');
  });
});
