import ratelimit from 'koa-ratelimit';
import type { Context, Middleware } from 'koa';

/** How sign-up and sign-in are throttled; a limit of 0 is no limit. */
export interface AuthLimits {
  /** Sign-ups and sign-ins together, per client address, per minute. */
  perIpPerMinute: number;
  /** Sign-ins per account (the email asked for), per 15 minutes: a password is not guessed one by one. */
  perAccountPer15Minutes: number;
  /** scrypt runs at once (32 MiB and one libuv thread each). */
  hashConcurrency: number;
  /** Sign-ups and sign-ins that may wait for a hash; past that a 503 BUSY. */
  hashQueue: number;
}

/** Without configuration (unit tests): no request limits, and the hashing bound of the defaults. */
export const UNLIMITED: AuthLimits = {
  perIpPerMinute: 0,
  perAccountPer15Minutes: 0,
  hashConcurrency: 2,
  hashQueue: 32,
};

/**
 * One limiter (koa-ratelimit's memory driver: per replica) answering 429 RATE_LIMITED with Retry-After;
 * none when `max` is 0. A shared instance is a shared budget.
 */
function limiter(max: number, durationMs: number, id: (ctx: Context) => string | false, what: string) {
  if (!max) return [];
  const m: Middleware = ratelimit({
    driver: 'memory',
    db: new Map(),
    duration: durationMs,
    max,
    id,
    throw: true,
    errorMessage: `too many ${what}: try again later`,
  });
  return [m];
}

/** The middleware of the sign-up and sign-in endpoints. */
export function authThrottles(limits: AuthLimits) {
  // The client's address: the peer, or with trustProxy the first X-Forwarded-For entry (Koa's ctx.ip).
  const perIp = limiter(limits.perIpPerMinute, 60_000, (ctx) => `ip ${ctx.ip}`, 'sign-ups and sign-ins');
  const perAccount = limiter(
    limits.perAccountPer15Minutes,
    15 * 60_000,
    (ctx) => {
      const email = (ctx.request as unknown as { body?: { email?: unknown } }).body?.email;
      return typeof email === 'string' ? `account ${email.trim().toLowerCase()}` : false;
    },
    'sign-ins to this account',
  );
  return { signup: perIp, signin: [...perIp, ...perAccount] };
}
