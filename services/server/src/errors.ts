import { AppError, ValidationError, type ErrorDetail } from '@todo/core';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';

/** Turns a zod failure into the details of a 400: one entry per problem, with its path. */
export function zodDetails(error: z.ZodError, prefix: (string | number)[] = []): ErrorDetail[] {
  return error.issues.flatMap((issue) => issueDetails(issue, prefix));
}

function issueDetails(issue: z.core.$ZodIssue, prefix: PropertyKey[]): ErrorDetail[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    // Report the branch that had the right keys; when none did, name the fields that fit no shape.
    const fitting = issue.errors.find((branch) => !branch.some((i) => i.code === 'unrecognized_keys'));
    if (fitting) return fitting.flatMap((i) => issueDetails(i, path));
    const keys = new Set(issue.errors.flat().flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : [])));
    if (keys.size) {
      return [
        {
          path: formatPath(path),
          issue: `fields that do not go together or are unknown: ${[...keys].join(', ')}`,
        },
      ];
    }
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...path, key]), issue: 'unknown field' }));
  }
  return [{ path: formatPath(path), issue: issue.message }];
}

function formatPath(path: PropertyKey[]): string {
  return path.map(String).join('.') || '(body)';
}

/** Parses `input` with `schema` or throws a ValidationError naming every problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  prefix: string[] = [],
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`invalid ${where}`, zodDetails(result.error, prefix));
}

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message: string;
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'UNAVAILABLE',
};

/** The stable code of a status that no AppError named. */
export const statusCode = (status: number) =>
  STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');

/**
 * The one error middleware: every failure leaves as `{error: {code, message, details}}`. A message is
 * shown only when its error says it may be (`expose`, which Koa's and http-errors' 5xx never set), so a
 * server-side failure never tells a caller about the inside. A bare status that a middleware set without
 * a body (the router's 405, a 404) gets the same shape.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = (err ?? {}) as HttpLikeError;
      // A call to another service that ran out of time (AbortSignal.timeout): unavailable, not broken.
      const timedOut = (err as { name?: unknown } | undefined)?.name === 'TimeoutError';
      const given = timedOut ? 503 : (e.status ?? e.statusCode);
      const status = typeof given === 'number' && given >= 400 && given <= 599 ? given : 500;
      const expose = e.expose ?? status < 500;
      if (status >= 500) logger.error({ err, requestId: ctx.state.requestId }, 'unhandled error');
      ctx.status = status;
      if (timedOut) {
        ctx.set('Retry-After', '1');
        ctx.body = errorBody(
          'UPSTREAM_TIMEOUT',
          'a service this request needs did not answer in time: try again',
        );
      } else if (err instanceof AppError && expose) {
        ctx.body = { error: { code: err.code, message: err.message, details: err.details } };
      } else if (expose) {
        // Errors from Koa and its middleware (bad JSON, body too large, rate limit).
        const malformed = err instanceof SyntaxError;
        const code = malformed ? 'MALFORMED_JSON' : statusCode(status);
        const message = malformed ? `the body is not valid JSON: ${e.message}` : e.message;
        ctx.body = { error: { code, message, details: [] } };
      } else {
        const code = err instanceof AppError ? err.code : statusCode(status);
        ctx.body = { error: { code, message: status >= 500 ? 'internal error' : ctx.message, details: [] } };
      }
      return;
    }
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 404) {
      // Set again: Koa's 404 is only a default, and a body would turn it into 200.
      ctx.status = 404;
      ctx.body = errorBody('ROUTE_NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
    } else if (ctx.status === 405 || (ctx.status === 501 && ctx.response.get('Allow'))) {
      // The router answers a method it knows no route for with 405, and one it has never heard of
      // (TRACE) with 501; on a path that exists both mean "not this method": 405 with the Allow header.
      ctx.status = 405;
      ctx.body = errorBody(
        'METHOD_NOT_ALLOWED',
        `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}`,
      );
    }
  };
}

const errorBody = (code: string, message: string) => ({ error: { code, message, details: [] } });
