/**
 * Declarative HTTP tools: an agent document describes a lookup on the customer's own system
 * (`GET https://crm.example.com/policies/{policy}`) and the model may call it. Arguments fill
 * the URL's placeholders (URL-encoded); the others go in the query string (GET) or a JSON
 * body (POST). Whatever goes wrong on the customer's side (a non-2xx answer, a timeout,
 * something that is not JSON) reaches the model as `{ error }`, so it can tell the caller
 * instead of the turn failing.
 */
import { z } from 'zod';
import { problemsFromZod, requiredErrorMap, type Problem, type Validation } from '../problems.js';
import { BUILT_IN_TOOL_NAMES } from './built-in-tools.js';
import type { Tool, ToolContext, ToolValidation } from './tool.js';

/** One argument of an HTTP tool. */
export interface HttpToolParameter {
  type: 'string' | 'number' | 'boolean';
  description?: string;
  required?: boolean;
  /** Allowed values (strings only). */
  enum?: string[];
}

/** An HTTP tool as an agent document declares it. */
export interface HttpToolDefinition {
  /** `^[a-zA-Z0-9_-]{1,64}$`, not a built-in tool's name. */
  name: string;
  description: string;
  method: 'GET' | 'POST';
  /** http(s) URL; `{arg}` placeholders are replaced by the URL-encoded argument. */
  url: string;
  parameters: { [arg: string]: HttpToolParameter };
  headers?: Record<string, string>;
  /** Longest wait for the answer, default 5000. */
  timeoutMs?: number;
  /** Dotted path of the part of the JSON answer the model gets, e.g. `data.policy`. */
  resultPath?: string;
}

/** Longest result handed to the model, in characters of JSON: answers go into its prompt. */
const MAX_RESULT_CHARS = 8000;
const DEFAULT_TIMEOUT_MS = 5000;
const PLACEHOLDER_RE = /\{([^{}]*)\}/g;
const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const ARG_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const parameterSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean'], {
      error: 'must be "string", "number" or "boolean"',
    }),
    description: z.string().optional(),
    required: z.boolean().optional(),
    enum: z.array(z.string()).min(1, 'must list at least one value').optional(),
  })
  .refine((p) => p.enum === undefined || p.type === 'string', {
    message: 'enum is only allowed on string parameters',
    path: ['enum'],
  });

const definitionSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME_RE, 'must be 1 to 64 letters, digits, "_" or "-"')
    .refine((n) => !(BUILT_IN_TOOL_NAMES as readonly string[]).includes(n), {
      message: 'is the name of a built-in tool',
    }),
  description: z.string().trim().min(1, 'must not be empty'),
  method: z.enum(['GET', 'POST'], { error: 'must be "GET" or "POST"' }),
  url: z.string().refine(isHttpUrl, 'must be an http:// or https:// URL'),
  parameters: z.record(
    z.string().regex(ARG_RE, 'must be a letter or "_" followed by letters, digits or "_"'),
    parameterSchema,
  ),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  resultPath: z
    .string()
    .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted path such as "data.policy"')
    .optional(),
});

/**
 * Checks an HTTP tool definition. Problems name the field (`parameters.policy.type`, `url`),
 * including URL placeholders that name no parameter.
 */
export function validateHttpToolDefinition(doc: unknown): Validation<HttpToolDefinition> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, problems: [{ path: '', message: 'an HTTP tool must be an object' }] };
  }
  const parsed = definitionSchema.safeParse(doc, { error: requiredErrorMap });
  const problems: Problem[] = parsed.success ? [] : problemsFromZod(parsed.error.issues);
  const { url, parameters } = doc as { url?: unknown; parameters?: unknown };
  if (typeof url === 'string' && typeof parameters === 'object' && parameters !== null) {
    // The model must not choose where the request goes, only what it asks.
    if (/^[^:]*:\/\/[^/]*\{/.test(url)) {
      problems.push({ path: 'url', message: 'placeholders are not allowed in the host' });
    }
    for (const name of placeholdersOf(url)) {
      if (!Object.hasOwn(parameters, name)) {
        problems.push({ path: 'url', message: `placeholder {${name}} names no parameter` });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: parsed.data as HttpToolDefinition };
}

/** A tool that calls the customer's HTTP endpoint. The definition must be valid. */
export function httpTool(def: HttpToolDefinition): Tool {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(def.parameters)) {
    properties[name] = {
      type: p.type,
      ...(p.description ? { description: p.description } : {}),
      ...(p.enum ? { enum: p.enum } : {}),
    };
    if (p.required) required.push(name);
  }
  return {
    name: def.name,
    description: def.description,
    parameters: { type: 'object', properties, required, additionalProperties: false },
    validate: (args) => validateArguments(def, args),
    run: (args: Record<string, unknown>, context) => callEndpoint(def, args, context),
  };
}

function validateArguments(def: HttpToolDefinition, args: unknown): ToolValidation {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { ok: false, problems: [{ path: '', message: 'must be an object' }] };
  }
  const problems: Problem[] = [];
  const given = args as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(def.parameters, key)) problems.push({ path: key, message: 'unknown key' });
  }
  for (const [name, p] of Object.entries(def.parameters)) {
    const value = given[name];
    if (value === undefined || value === null) {
      if (p.required) problems.push({ path: name, message: 'is required' });
      continue;
    }
    if (typeof value !== p.type || (p.type === 'number' && !Number.isFinite(value))) {
      problems.push({ path: name, message: `must be a ${p.type}` });
    } else if (p.enum && !p.enum.includes(value as string)) {
      problems.push({ path: name, message: `must be one of ${p.enum.join(', ')}` });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: given };
}

async function callEndpoint(
  def: HttpToolDefinition,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<unknown> {
  const used = new Set<string>();
  const url = new URL(
    def.url.replace(PLACEHOLDER_RE, (_, name: string) => {
      used.add(name);
      const value = args[name];
      return value === undefined || value === null ? '' : encodeURIComponent(String(value));
    }),
  );
  const rest = Object.entries(args).filter(([k, v]) => !used.has(k) && v !== undefined);
  const headers: Record<string, string> = { accept: 'application/json', ...def.headers };
  let body: string | undefined;
  if (def.method === 'GET') {
    for (const [k, v] of rest) url.searchParams.set(k, String(v));
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(Object.fromEntries(rest));
  }
  const timeoutMs = def.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort('aborted');
  context.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort('timeout'), timeoutMs);
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: def.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: controller.signal,
    });
    const text = await response.text();
    context.logger?.debug(
      { tool: def.name, status: response.status, ms: Date.now() - started },
      'http tool answered',
    );
    if (!response.ok) {
      return { error: `the lookup failed: HTTP ${response.status}`, detail: text.slice(0, 300) };
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return { error: 'the lookup answered with something that is not JSON' };
    }
    if (def.resultPath) {
      const picked = pick(answer, def.resultPath);
      if (picked === undefined) return { error: `the answer has no ${def.resultPath}` };
      answer = picked;
    }
    const json = JSON.stringify(answer) ?? 'null';
    if (json.length > MAX_RESULT_CHARS) {
      return { truncated: true, result: json.slice(0, MAX_RESULT_CHARS) };
    }
    return answer;
  } catch (error) {
    if (controller.signal.reason === 'timeout') {
      return { error: `the lookup did not answer within ${timeoutMs} ms` };
    }
    if (controller.signal.reason === 'aborted') return { error: 'the lookup was cancelled' };
    const cause = (error as Error).cause as Error | undefined;
    return { error: `the lookup failed: ${cause?.message ?? (error as Error).message}` };
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', onAbort);
  }
}

function pick(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function placeholdersOf(url: string): string[] {
  return [...url.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!);
}

function isHttpUrl(value: string): boolean {
  try {
    // Placeholders are not valid in every URL position; check with them filled in.
    const url = new URL(value.replace(PLACEHOLDER_RE, 'x'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
