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
  type?: string;
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The one error middleware: every failure leaves as `{error: {code, message, details}}`. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = {
          error: { code: 'ROUTE_NOT_FOUND', message: `no route ${ctx.method} ${ctx.path}`, details: [] },
        };
      }
    } catch (err) {
      if (err instanceof AppError) {
        ctx.status = err.status;
        ctx.body = { error: { code: err.code, message: err.message, details: err.details } };
        return;
      }
      const e = err as HttpLikeError;
      const status = e.status ?? e.statusCode ?? 500;
      if (status < 500 && e.expose !== false) {
        // Errors from Koa and its middleware (bad JSON, body too large, rate limit).
        const malformed = err instanceof SyntaxError;
        const code = malformed ? 'MALFORMED_JSON' : (STATUS_CODES[status] ?? 'BAD_REQUEST');
        const message = malformed ? `the body is not valid JSON: ${e.message}` : e.message;
        ctx.status = status;
        ctx.body = { error: { code, message, details: [] } };
        return;
      }
      logger.error({ err, requestId: ctx.state.requestId }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL', message: 'internal error', details: [] } };
    }
  };
}
