import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { ValidationError } from '@todo/core';
import { parseInput } from './errors.ts';

type Method = 'get' | 'post' | 'patch' | 'delete';

export interface Endpoint<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: Method;
  /** Koa-style path: /api/tasks/:id */
  path: string;
  summary: string;
  /** Longer prose for the document: what the schemas cannot say (how the route behaves). */
  description?: string;
  tag: string;
  /** Whether a bearer token or the session cookie is needed (then ctx.state.user is set). */
  auth: boolean;
  body?: B;
  query?: Q;
  /** `type` is the media type of the body (application/json unless given). */
  responses: Record<number, { description: string; schema?: z.ZodType; type?: string }>;
  middleware?: Middleware[];
  handler: (ctx: Context, input: { body: z.output<B>; query: z.output<Q> }) => Promise<void> | void;
}

/** Declares an endpoint; the same declaration validates requests and writes the OpenAPI document. */
export function endpoint<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(
  e: Endpoint<B, Q>,
): Endpoint {
  return e as unknown as Endpoint;
}

/** Mounts endpoints on a router: auth first, then the endpoint's middleware, then validated input. */
export function mount(router: Router, endpoints: Endpoint[], requireAuth: Middleware): void {
  for (const e of endpoints) {
    const chain: Middleware[] = [...(e.auth ? [requireAuth] : []), ...(e.middleware ?? [])];
    router[e.method](e.path, ...chain, async (ctx: Context) => {
      const body = e.body ? parseInput(e.body, jsonBody(ctx), 'request body') : undefined;
      const query = e.query ? parseInput(e.query, ctx.query, 'query parameters') : undefined;
      await e.handler(ctx, { body, query });
    });
  }
}

/** The client's Idempotency-Key header, if any: a retry with the same key does nothing new. */
export function idempotencyKey(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (!key) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ValidationError('bad Idempotency-Key', [
      { path: 'Idempotency-Key', issue: 'expected 1 to 200 visible ASCII characters' },
    ]);
  }
  return key;
}

function jsonBody(ctx: Context): unknown {
  if (!ctx.request.is('application/json')) {
    ctx.throw(415, 'send the request body as application/json');
  }
  return (ctx.request as unknown as { body: unknown }).body;
}

type Responses = Endpoint['responses'];
const errorResponse = (description: string) => ({ description, schema: ErrorBody });

/**
 * The statuses every endpoint of a kind answers whatever its handler does, so the document lists them
 * even where a declaration forgot: a body is refused with 415 unless it is JSON and with 400 when it does
 * not fit its schema; a query with 400; a route behind sign-in with 401; any request with 431 when its
 * line and headers are too large.
 */
function implied(e: Endpoint): Responses {
  const responses: Responses = {};
  if (e.body || e.query) responses[400] = errorResponse('Invalid input: what was wrong and where');
  if (e.auth) responses[401] = errorResponse('No valid token or session cookie');
  if (e.body) responses[415] = errorResponse('The body is not sent as application/json');
  // Node's parser refuses a request line and headers past 16 KiB before any route runs (listen.ts).
  responses[431] = errorResponse('The request line or headers are too large');
  return responses;
}

/** `get /api/tasks/:id` → `get_api_tasks_id`: stable, so links can name it. */
export const operationId = (e: Pick<Endpoint, 'method' | 'path'>) =>
  `${e.method}${e.path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_$/, '');

/**
 * OpenAPI links for the fuzzer's stateful runs: a response that names an id (`id` at the top, or in the
 * first item of a top-level list) leads to every operation under `<its path>/:id`.
 */
function linksOf(e: Endpoint, output: Record<string, unknown> | undefined, endpoints: Endpoint[]) {
  if (!output || e.path.includes(':')) return undefined;
  const props = (output.properties ?? {}) as Record<string, Record<string, unknown>>;
  let pointer: string | undefined;
  if (props.id) pointer = '/id';
  else {
    const list = Object.entries(props).find(
      ([, p]) => p.type === 'array' && (p.items as { properties?: { id?: unknown } })?.properties?.id,
    );
    if (list) pointer = `/${list[0]}/0/id`;
  }
  if (!pointer) return undefined;
  const under = endpoints.filter((t) => t.path.startsWith(`${e.path}/:id`) && t.path.split(':').length === 2);
  if (under.length === 0) return undefined;
  return Object.fromEntries(
    under.map((t) => [
      operationId(t),
      { operationId: operationId(t), parameters: { 'path.id': `$response.body#${pointer}` } },
    ]),
  );
}

/** OpenAPI 3.1 for the endpoints: JSON Schema 2020-12 straight from the zod schemas. */
export function openApiDocument(endpoints: Endpoint[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const schema = (s: z.ZodType, io: 'input' | 'output') => {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    return rest;
  };
  for (const e of endpoints) {
    const path = e.path.replace(/:(\w+)/g, '{$1}');
    const params = [...e.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = e.query ? schema(e.query, 'input') : undefined;
    const required = new Set((query?.required ?? []) as string[]);
    const queryParams = Object.entries((query?.properties ?? {}) as Record<string, unknown>).map(
      ([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }),
    );
    const responses = { ...implied(e), ...e.responses };
    (paths[path] ??= {})[e.method] = {
      operationId: operationId(e),
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      tags: [e.tag],
      ...(e.auth ? { security: [{ bearer: [] }, { cookie: [] }] } : {}),
      parameters: [...params, ...queryParams],
      ...(e.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schema(e.body, 'input') } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, r]) => {
          const output = r.schema ? schema(r.schema, 'output') : undefined;
          const links = Number(status) < 300 ? linksOf(e, output, endpoints) : undefined;
          return [
            status,
            {
              description: r.description,
              ...(output ? { content: { [r.type ?? 'application/json']: { schema: output } } } : {}),
              ...(links ? { links } : {}),
            },
          ];
        }),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        // The same token, as the web app's httpOnly session cookie.
        cookie: { type: 'apiKey', in: 'cookie', name: 'todo_session' },
      },
      schemas: { Error: schema(ErrorBody, 'output') },
    },
    paths,
  };
}

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), issue: z.string() })),
  }),
});
