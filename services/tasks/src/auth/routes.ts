import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnauthorizedError, zoneName, type Clock } from '@todo/core';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  endpoint,
  ErrorBody,
  REFRESH_COOKIE,
  refuseCrossSite,
  setSessionCookie,
  tokenExpiry,
  type Endpoint,
  type TokenIssuer,
} from '@todo/server';
import { DuplicateEmailError, type Store, type User } from '../store/store.ts';
import { createHasher, HashingBusyError } from './passwords.ts';
import { clearCookies, refreshSession, startSession } from './sessions.ts';
import { authThrottles, UNLIMITED, type AuthLimits } from './throttle.ts';

// zod's email pattern with RFC 5321's 64-character local part, as a plain pattern: the document states
// exactly the check the server runs (a `format: email` would be each validator's own reading).
const EMAIL = new RegExp(`^(?=[^@]{1,64}@)${z.regexes.email.source.slice(1)}`);
const email = z
  .string()
  .max(254)
  .regex(EMAIL, 'expected an email address')
  .transform((s) => s.toLowerCase());
const password = z.string().min(8, 'at least 8 characters').max(200);
const Token = z.object({
  /** The access token: a bearer token, also set as the session cookie. */
  token: z.string(),
  /** When `token` expires (ACCESS_TOKEN_TTL_SECONDS after it was made): refresh before. */
  expiresAt: z.iso.datetime(),
  /** Trades for a new pair once, at POST /api/auth/refresh; also set as the refresh cookie. */
  refreshToken: z.string(),
  /** When the session, and so every refresh token of it, ends. */
  refreshExpiresAt: z.iso.datetime(),
});
const Me = z.object({ id: z.string(), email: z.string(), tz: z.string() });
const SessionView = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().optional(),
  /** The session this request came with. */
  current: z.boolean(),
});
const unauthorized = { description: 'No valid token or session cookie', schema: ErrorBody };
const crossOrigin = {
  description: 'Sent with the session cookie from another origin',
  schema: ErrorBody,
};
const me = (u: User) => ({ id: u.id, email: u.email, tz: u.tz });
const throttled = {
  429: {
    description: 'Too many attempts from this address or for this account (Retry-After)',
    schema: ErrorBody,
  },
  503: { description: 'Too many sign-ins at once: try again in a moment (Retry-After)', schema: ErrorBody },
};

export function authEndpoints({
  store,
  tokens,
  clock,
  limits = UNLIMITED,
}: {
  store: Store;
  tokens: TokenIssuer;
  clock: Clock;
  limits?: AuthLimits;
}): Endpoint[] {
  const deps = { store, tokens, clock };
  const hasher = createHasher({ concurrency: limits.hashConcurrency, queue: limits.hashQueue });
  const throttles = authThrottles(limits);
  // Spent on an unknown email too, so response time does not tell which emails have accounts.
  let dummyHash: Promise<string> | undefined;
  /** A hash or check under the bound; a refusal says when to come back. */
  async function hashing<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof HashingBusyError) ctx.set('Retry-After', '1');
      throw err;
    }
  }
  /** The signed-in account (gone only if it was deleted under a live token). */
  async function account(ctx: Context): Promise<User> {
    const user = await store.findUserById(ctx.state.user.id);
    if (!user) throw new UnauthorizedError('the account no longer exists');
    return user;
  }
  return [
    endpoint({
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Create an account and sign in: answers a bearer token and sets the session cookie',
      tag: 'auth',
      auth: false,
      middleware: throttles.signup,
      body: z.strictObject({ email, password, tz: zoneName.default('UTC') }),
      responses: {
        201: { description: 'Signed up', schema: Token },
        400: { description: 'Invalid input', schema: ErrorBody },
        409: { description: 'The email has an account', schema: ErrorBody },
        ...throttled,
      },
      handler: async (ctx, { body }) => {
        const user = {
          id: randomUUID(),
          email: body.email,
          passwordHash: await hashing(ctx, () => hasher.hash(body.password)),
          tz: body.tz,
          createdAt: clock.now().toISOString(),
        };
        try {
          await store.createUser(user);
        } catch (err) {
          if (err instanceof DuplicateEmailError)
            throw new ConflictError('EMAIL_TAKEN', 'that email already has an account');
          throw err;
        }
        ctx.status = 201;
        ctx.body = await startSession(ctx, deps, user);
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/auth/signin',
      summary: 'Sign in: answers a bearer token and sets the session cookie (each sign-in is a new session)',
      tag: 'auth',
      auth: false,
      middleware: throttles.signin,
      body: z.strictObject({ email, password: z.string().max(200) }),
      responses: {
        200: { description: 'Signed in', schema: Token },
        401: { description: 'Wrong email or password', schema: ErrorBody },
        ...throttled,
      },
      handler: async (ctx, { body }) => {
        const user = await store.findUserByEmail(body.email);
        const stored = user?.passwordHash ?? (await (dummyHash ??= hasher.hash('not-a-real-password')));
        const ok = await hashing(ctx, () => hasher.verify(body.password, stored));
        if (!user || !ok) throw new UnauthorizedError('wrong email or password');
        ctx.body = await startSession(ctx, deps, user);
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/auth/refresh',
      summary:
        'Trades a refresh token (the body, else the refresh cookie) for a new access token and the next refresh token; each works once, and a second use ends the session',
      tag: 'auth',
      auth: false,
      body: z.strictObject({ refreshToken: z.string().min(1).max(200).optional() }),
      responses: {
        200: { description: 'Refreshed: the old refresh token is used up', schema: Token },
        400: { description: 'Invalid input', schema: ErrorBody },
        401: {
          description: 'No refresh token, or its session ended, expired, or saw it used before',
          schema: ErrorBody,
        },
        403: crossOrigin,
      },
      handler: async (ctx, { body }) => {
        const cookie = body.refreshToken ? undefined : ctx.cookies.get(REFRESH_COOKIE);
        if (cookie) refuseCrossSite(ctx);
        const presented = body.refreshToken ?? cookie;
        if (!presented) throw new UnauthorizedError('send a refresh token or the refresh cookie');
        try {
          ctx.body = await refreshSession(ctx, deps, presented);
        } catch (err) {
          if (cookie && err instanceof UnauthorizedError) clearCookies(ctx);
          throw err;
        }
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/auth/signout',
      summary:
        "Sign out: revokes this request's session (its token and cookie stop working) and clears the cookie",
      tag: 'auth',
      auth: true,
      responses: { 204: { description: 'Signed out' }, 401: unauthorized, 403: crossOrigin },
      handler: async (ctx) => {
        const { id, sid } = ctx.state.user;
        await store.revokeSession(id, sid, clock.now().toISOString());
        clearCookies(ctx);
        ctx.status = 204;
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/auth/signout-all',
      summary: 'Sign out everywhere: revokes every session of the owner (every token and cookie)',
      tag: 'auth',
      auth: true,
      responses: { 204: { description: 'Every session ended' }, 401: unauthorized, 403: crossOrigin },
      handler: async (ctx) => {
        await store.revokeSessions(ctx.state.user.id, clock.now().toISOString());
        clearCookies(ctx);
        ctx.status = 204;
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/auth/sessions',
      summary: "The owner's live sessions, most recently used first",
      tag: 'auth',
      auth: true,
      responses: {
        200: { description: 'Sessions', schema: z.object({ sessions: z.array(SessionView) }) },
        401: unauthorized,
      },
      handler: async (ctx) => {
        const { id, sid } = ctx.state.user;
        const sessions = await store.listSessions(id, clock.now().toISOString());
        ctx.body = {
          sessions: sessions.map(({ owner: _o, revokedAt: _r, refreshGen: _g, refreshHash: _h, ...s }) => ({
            ...s,
            current: s.id === sid,
          })),
        };
      },
    }),
    endpoint({
      method: 'delete',
      path: '/api/auth/sessions/:id',
      summary: "Ends one of the owner's sessions (e.g. a lost phone)",
      tag: 'auth',
      auth: true,
      responses: {
        204: { description: 'Ended' },
        401: unauthorized,
        403: crossOrigin,
        404: { description: 'No such live session of this owner', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const ended = await store.revokeSession(ctx.state.user.id, ctx.params.id!, clock.now().toISOString());
        if (!ended) throw new NotFoundError('session', 'SESSION_NOT_FOUND');
        if (ctx.params.id === ctx.state.user.sid) clearCookies(ctx);
        ctx.status = 204;
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/me',
      summary: 'The signed-in account',
      tag: 'auth',
      auth: true,
      responses: { 200: { description: 'The account', schema: Me }, 401: unauthorized },
      handler: async (ctx) => {
        ctx.body = me(await account(ctx));
      },
    }),
    endpoint({
      method: 'patch',
      path: '/api/me',
      summary: 'Changes the owner\'s settings: the time zone floating dues and "today" are read in',
      tag: 'auth',
      auth: true,
      body: z.strictObject({ tz: zoneName }),
      responses: {
        200: { description: 'The account as changed', schema: Me },
        400: { description: 'Invalid input', schema: ErrorBody },
        401: unauthorized,
        403: crossOrigin,
      },
      handler: async (ctx, { body }) => {
        const user = await store.setUserZone((await account(ctx)).id, body.tz);
        if (!user) throw new UnauthorizedError('the account no longer exists');
        // Apps without the store read the zone from the token: the browser gets a fresh one at once.
        if (ctx.state.authVia === 'cookie') {
          const token = await tokens.sign({ id: user.id, tz: user.tz, sid: ctx.state.user.sid });
          const expires = tokenExpiry(token);
          setSessionCookie(ctx, token, ...(expires ? [expires.getTime() - clock.now().getTime()] : []));
        }
        ctx.body = me(user);
      },
    }),
  ];
}
