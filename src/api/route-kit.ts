/**
 * Declarative routes for the /v1 API. Each route states its method, path, required scope and
 * zod schemas once; from that one declaration the kit validates requests (400 naming the field
 * and the reason), checks the key's scope (401/403), maps store errors (404, 409) and writes the
 * route into the OpenAPI document served at /docs — so the document cannot drift from the code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z, type ZodType } from 'zod';
import { ConflictError, NotFoundError, ValidationError, type ApiScope } from '../store/index.js';
import { requireScope, type ApiPrincipal, type KeyVerifier } from './auth.js';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets. */
export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: ApiPrincipal | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** One route. */
export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: HttpMethod;
  /** Fastify path, e.g. `/v1/trunks/inbound/:id`. */
  url: string;
  summary: string;
  tag: string;
  /** Lowest scope admitted; `public` for unauthenticated routes. */
  scope: ApiScope | 'public';
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** Status of a successful answer (default 200; 201 for creation, 204 for no content). */
  status?: number;
  /** Schema of the successful answer, for the document. */
  response?: ZodType;
  handler: (ctx: RouteContext<B, Q, P>) => Promise<unknown>;
}

/** One field-level problem in a 400 answer. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A handler's way to answer 400 for a problem zod cannot see (cross-field rules). */
export class BadRequestError extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'BadRequestError';
  }
}

function issuesOf(error: z.ZodError, where: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].filter((s) => s !== '').join('.') || where,
    message: issue.message,
  }));
}

function badRequest(reply: FastifyReply, issues: FieldIssue[]): FastifyReply {
  return reply.code(400).send({
    error: 'bad_request',
    message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
    issues,
  });
}

/** Builds routes on a Fastify app and collects their OpenAPI description. */
export class ApiRouter {
  private readonly paths: Record<string, Record<string, unknown>> = {};

  constructor(
    private readonly app: FastifyInstance,
    private readonly verify: KeyVerifier,
  ) {}

  /** Registers a route. */
  add<B, Q, P>(spec: RouteSpec<B, Q, P>): void {
    const preHandler = spec.scope === 'public' ? [] : [requireScope(this.verify, spec.scope)];
    this.app.route({
      method: spec.method,
      url: spec.url,
      preHandler,
      handler: async (request, reply) => {
        const parts: Array<[string, ZodType | undefined, unknown]> = [
          ['body', spec.body, request.body ?? {}],
          ['query', spec.query, request.query ?? {}],
          ['params', spec.params, request.params ?? {}],
        ];
        const parsed: Record<string, unknown> = {};
        for (const [where, schema, value] of parts) {
          if (!schema) {
            parsed[where] = value;
            continue;
          }
          const result = schema.safeParse(value);
          if (!result.success)
            return badRequest(reply, issuesOf(result.error, where === 'body' ? '' : where));
          parsed[where] = result.data;
        }
        try {
          const result = await spec.handler({
            body: parsed.body as B,
            query: parsed.query as Q,
            params: parsed.params as P,
            principal: (request as FastifyRequest & { principal?: ApiPrincipal }).principal,
            request,
            reply,
          });
          if (reply.sent) return reply;
          const status = spec.status ?? 200;
          return status === 204 ? reply.code(204).send() : reply.code(status).send(result);
        } catch (err) {
          return this.mapError(err, reply);
        }
      },
    });
    this.describe(spec);
  }

  /** The OpenAPI 3.1 document of every route added so far. */
  document(info: { title: string; version: string; description?: string }): object {
    return {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (sb_…)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      paths: this.paths,
    };
  }

  private mapError(err: unknown, reply: FastifyReply): FastifyReply {
    if (err instanceof BadRequestError) return badRequest(reply, err.issues);
    if (err instanceof ValidationError) {
      return badRequest(reply, [{ field: err.field, message: err.message }]);
    }
    if (err instanceof NotFoundError) {
      return reply.code(404).send({ error: 'not_found', message: err.message });
    }
    if (err instanceof ConflictError) {
      return reply.code(409).send({ error: 'conflict', field: err.field, message: err.message });
    }
    reply.log.error({ err }, 'API handler failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  }

  private describe<B, Q, P>(spec: RouteSpec<B, Q, P>): void {
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Record<string, unknown> = {
      summary: spec.summary,
      tags: [spec.tag],
      responses: {
        [String(spec.status ?? 200)]: {
          description: 'Success',
          ...(spec.response
            ? { content: { 'application/json': { schema: jsonSchema(spec.response) } } }
            : {}),
        },
        '400': { description: 'Bad request: the field and the reason' },
        ...(spec.scope === 'public'
          ? {}
          : {
              '401': { description: 'Missing, unknown or revoked API key' },
              '403': { description: `Needs the ${spec.scope} scope or higher` },
            }),
      },
    };
    if (spec.scope !== 'public') {
      operation.security = [{ bearer: [] }, { apiKey: [] }];
      operation['x-required-scope'] = spec.scope;
    }
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      const js = jsonSchema(schema) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, prop] of Object.entries(js.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: prop,
        });
      }
    }
    if (parameters.length > 0) operation.parameters = parameters;
    if (spec.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(spec.body) } },
      };
    }
    (this.paths[path] ??= {})[spec.method.toLowerCase()] = operation;
  }
}

function jsonSchema(schema: ZodType): unknown {
  const js = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete js.$schema;
  return js;
}
