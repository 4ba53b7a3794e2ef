import type { Context, Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';

/**
 * A request limit: at most `max` requests per `id` in `durationMs`, then 429 RATE_LIMITED with Retry-After
 * and `message`. In this replica's memory (koa-ratelimit's memory driver), so each replica allows the rate
 * (decision 0024); one instance is one budget, shared by every route it guards. None when `max` is 0.
 */
export function rateLimit({
  max,
  durationMs = 60_000,
  id,
  message,
}: {
  max: number;
  durationMs?: number;
  /** Whose budget a request spends; false spends none. */
  id: (ctx: Context) => string | false;
  message: string;
}): Middleware[] {
  if (!max) return [];
  return [
    ratelimit({
      driver: 'memory',
      db: new Map(),
      duration: durationMs,
      max,
      id,
      throw: true,
      errorMessage: message,
    }),
  ];
}
