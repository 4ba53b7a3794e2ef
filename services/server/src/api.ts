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
    const queryParams = e.query
      ? Object.entries((schema(e.query, 'input').properties ?? {}) as Record<string, unknown>).map(
          ([name, s]) => ({ name, in: 'query', required: false, schema: s }),
        )
      : [];
    (paths[path] ??= {})[e.method] = {
      summary: e.summary,
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
        Object.entries(e.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? { content: { [r.type ?? 'application/json']: { schema: schema(r.schema, 'output') } } }
              : {}),
          },
        ]),
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
