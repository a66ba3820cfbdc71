/**
 * The AI agent document: what an agent says first, in which language and voice, which
 * recogniser, synthesiser and language model it prefers, which tools it may call, what it
 * knows (knowledge passages), which claim it fills, which script tree it follows when no
 * language model is configured, its timeouts and when it hands the caller to a person.
 *
 * Stored as a versioned "agent" document (API /v1/agents, CLI `switchboard agents`). Pure: the
 * claim schema and HTTP tools are checked by their own validators, whose problems are reported
 * under this document's paths (`claim.fields[1].type`, `tools[2].url`).
 */
import { z } from 'zod';
import { isValidTimeZone } from '../flows/flow-schema.js';
import { validateClaimSchema, type ClaimSchema } from '../claims/index.js';
import { type Problem, problemsFromZod, requiredErrorMap, type Validation } from '../problems.js';
import {
  BUILT_IN_TOOL_NAMES,
  validateHttpToolDefinition,
  type HttpToolDefinition,
} from '../tools/index.js';

const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const LANGUAGE_MESSAGE = 'must be a language tag such as "en-US" or "zh-CN"';

const text = z.string().trim().min(1, 'must not be empty');
const language = z.string().regex(LANGUAGE_RE, LANGUAGE_MESSAGE);
/**
 * A line said by the agent: one string, or one per language. The language keys are checked
 * after the union, so a bad key is reported at its own path (`greeting.english`) instead of
 * the whole map failing both branches with the generic message.
 */
const localized = z
  .union([text, z.record(z.string(), text)], {
    error: 'must be a text or an object of texts by language ("en-US": "…")',
  })
  .superRefine((value, ctx) => {
    if (typeof value === 'string') return;
    for (const key of Object.keys(value)) {
      if (!LANGUAGE_RE.test(key))
        ctx.addIssue({ code: 'custom', path: [key], message: LANGUAGE_MESSAGE });
    }
  });

const llm = z.strictObject({
  /** A preset (openai, deepseek, qwen, ollama, vllm, azure) or openai-compatible. */
  preset: text.optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  model: text.optional(),
  /**
   * Name of the environment variable holding the key: a document never stores a secret,
   * because documents are readable through the API.
   */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  temperature: z.number().min(0).max(2).optional(),
});

const timeouts = z.strictObject({
  answerSoftS: z.number().positive().max(60).optional(),
  answerHardS: z.number().positive().max(120).optional(),
  callerSilenceS: z.number().positive().max(300).optional(),
  recognitionRetries: z.number().int().min(1).max(10).optional(),
  maxCallS: z.number().int().min(0).max(86_400).optional(),
});

const transfer = z.strictObject({
  /** Where a transfer goes: a queue name, a number or a SIP URI (default: the caller's flow decides). */
  target: text.optional(),
  /** Hand over as soon as the caller asks for a person (default true). */
  onRequest: z.boolean().default(true),
  /** Hand over when a turn's sentiment falls below this (-1…1, default -0.6). */
  sentimentBelow: z.number().min(-1).max(1).default(-0.6),
  /** Hand over after this many turns in a row the agent could not use (default 3). */
  afterFailedTurns: z.number().int().min(1).max(20).default(3),
});

const knowledgeDoc = z.strictObject({ id: text, title: text, text, language: language.optional() });

const agentSchema = z.strictObject({
  name: text.optional(),
  description: z.string().optional(),
  language: language.default('en-US'),
  /** Other languages the caller may use (the agent answers in the caller's). */
  languages: z.array(language).optional(),
  greeting: localized.optional(),
  /** Said instead of the greeting when a dropped conversation is resumed. */
  resumeGreeting: localized.optional(),
  systemPrompt: z.string().optional(),
  voice: z
    .strictObject({
      name: text.optional(),
      rate: z.number().min(0.5).max(2).optional(),
      pitch: z.number().min(-12).max(12).optional(),
    })
    .optional(),
  providers: z
    .strictObject({
      stt: z.array(text).optional(),
      tts: z.array(text).optional(),
      llm: llm.optional(),
    })
    .optional(),
  tools: z.array(z.unknown()).optional(),
  knowledge: z.array(knowledgeDoc).optional(),
  claim: z.unknown().optional(),
  /** Read the filled claim back and ask for a yes before closing (default true). */
  confirmClaim: z.boolean().default(true),
  /** Script tree name (a "script" document) the agent follows without a language model. */
  script: text.optional(),
  /** Intent documents (by name) its NLU is trained on; default every stored one. */
  intents: z.array(text).optional(),
  timeouts: timeouts.optional(),
  transfer: transfer.default({ onRequest: true, sentimentBelow: -0.6, afterFailedTurns: 3 }),
  /** A caller who calls back within this many minutes continues where they left (default 180). */
  callbackWindowMin: z.number().int().min(0).max(10_080).default(180),
  /**
   * IANA zone the caller's relative dates are read in ("yesterday", "last Friday"); default
   * the server's zone.
   */
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'must be an IANA time zone such as "Europe/Madrid"')
    .optional(),
});

type AgentShape = z.output<typeof agentSchema>;

/** A validated agent document. */
export interface AgentDefinitionDocument extends Omit<
  AgentShape,
  'tools' | 'claim' | 'greeting' | 'resumeGreeting'
> {
  greeting?: string | Record<string, string>;
  resumeGreeting?: string | Record<string, string>;
  /** Built-in tool names and declarative HTTP tools. */
  tools: Array<string | HttpToolDefinition>;
  claim?: ClaimSchema;
}

/** Whether `name` is a valid document name (the store's rule). */
export function isDocumentName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * Validates an agent document, collecting every problem (its own fields, the claim schema's
 * and each HTTP tool's) with the path of the field.
 */
export function validateAgentDefinition(doc: unknown): Validation<AgentDefinitionDocument> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, problems: [{ path: '', message: 'an agent must be an object' }] };
  }
  const parsed = agentSchema.safeParse(doc, { error: requiredErrorMap });
  const problems: Problem[] = parsed.success ? [] : problemsFromZod(parsed.error.issues);
  const raw = doc as { tools?: unknown; claim?: unknown };

  const tools: Array<string | HttpToolDefinition> = [];
  if (Array.isArray(raw.tools)) {
    const seen = new Set<string>();
    raw.tools.forEach((tool, i) => {
      const path = `tools[${i}]`;
      let name: string;
      if (typeof tool === 'string') {
        if (!(BUILT_IN_TOOL_NAMES as readonly string[]).includes(tool)) {
          problems.push({
            path,
            message: `unknown built-in tool "${tool}"; expected one of ${BUILT_IN_TOOL_NAMES.join(', ')} or an HTTP tool object`,
          });
          return;
        }
        tools.push(tool);
        name = tool;
      } else {
        const r = validateHttpToolDefinition(tool);
        if (!r.ok) {
          for (const p of r.problems)
            problems.push({ path: joinPath(path, p.path), message: p.message });
          return;
        }
        tools.push(r.value);
        name = r.value.name;
      }
      if (seen.has(name)) problems.push({ path, message: `tool "${name}" is listed twice` });
      seen.add(name);
    });
  }

  let claim: ClaimSchema | undefined;
  if (raw.claim !== undefined) {
    const r = validateClaimSchema(raw.claim);
    if (r.ok) claim = r.value;
    else
      for (const p of r.problems)
        problems.push({ path: joinPath('claim', p.path), message: p.message });
  }
  const data = parsed.success ? parsed.data : undefined;
  if (data?.timeouts?.answerSoftS !== undefined && data.timeouts.answerHardS !== undefined) {
    if (data.timeouts.answerSoftS >= data.timeouts.answerHardS) {
      problems.push({ path: 'timeouts.answerSoftS', message: 'must be shorter than answerHardS' });
    }
  }
  if (problems.length > 0 || !data) return { ok: false, problems };
  return {
    ok: true,
    value: { ...data, tools, claim } as AgentDefinitionDocument,
  };
}

function joinPath(prefix: string, path: string): string {
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** A localized line in `language` (exact, then the primary subtag, then the first one). */
export function localizedText(
  value: string | Record<string, string> | undefined,
  language: string,
): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (value[language] !== undefined) return value[language];
  const primary = language.split('-')[0]!.toLowerCase();
  const match = Object.keys(value).find((k) => k.split('-')[0]!.toLowerCase() === primary);
  return match !== undefined ? value[match] : Object.values(value)[0];
}
