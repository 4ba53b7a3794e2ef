import { rateLimit } from '@todo/server';

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

/** The middleware of the sign-up and sign-in endpoints. */
export function authThrottles(limits: AuthLimits) {
  // The client's address: the peer, or with trustProxy the first X-Forwarded-For entry (Koa's ctx.ip).
  const perIp = rateLimit({
    max: limits.perIpPerMinute,
    id: (ctx) => `ip ${ctx.ip}`,
    message: 'too many sign-ups and sign-ins: try again later',
  });
  const perAccount = rateLimit({
    max: limits.perAccountPer15Minutes,
    durationMs: 15 * 60_000,
    id: (ctx) => {
      const email = (ctx.request as unknown as { body?: { email?: unknown } }).body?.email;
      return typeof email === 'string' ? `account ${email.trim().toLowerCase()}` : false;
    },
    message: 'too many sign-ins to this account: try again later',
  });
  return { signup: perIp, signin: [...perIp, ...perAccount] };
}
