import { AppError, fillRoute, INTERNAL_ROUTES, SessionAnswer, UnauthorizedError } from '@todo/core';
import type { Context, Middleware } from 'koa';
import { invokeJson, type Sidecar } from './sidecar.ts';
import { SESSION_TTL_MS, type Principal, type TokenIssuer } from './tokens.ts';

/** The browser's session cookie: its value is the same signed token a bearer header carries. */
export const SESSION_COOKIE = 'todo_session';
/** The browser's refresh token (httpOnly): the web app trades it for a new session cookie when that runs out. */
export const REFRESH_COOKIE = 'todo_refresh';

/**
 * Answers who a live session acts for (with the owner's current zone), or null once the session was
 * revoked, has expired or is unknown. Only the tasks service (and the embedded process) has the store;
 * an app without it verifies the token's signature and expiry alone.
 */
export type SessionCheck = (sid: string, owner: string) => Promise<Principal | null>;

/**
 * The session check of an app without the task store (chat, notifications, search in the stack): asks
 * the tasks app through this app's daprd. A live answer is kept for `liveForMs`, so a revoked session
 * still works that long here and a busy client costs one call per that period, not per request.
 */
export function daprSessionCheck(
  sidecar: Sidecar,
  { tasksAppId = 'tasks', liveForMs = 10_000, now = Date.now } = {},
): SessionCheck {
  const live = new Map<string, { principal: Principal; until: number }>();
  return async (sid, owner) => {
    const key = `${sid} ${owner}`;
    const known = live.get(key);
    if (known && known.until > now()) return known.principal;
    const { principal } = await invokeJson(
      sidecar,
      tasksAppId,
      fillRoute(INTERNAL_ROUTES.session, { sid }, { owner }),
      { what: 'tasks session check', schema: SessionAnswer, timeoutMs: 5000 },
    );
    // A bound, not an LRU: past it the cache starts again.
    if (live.size >= 10_000) live.clear();
    if (principal) live.set(key, { principal, until: now() + liveForMs });
    else live.delete(key);
    return principal;
  };
}

/** What authenticated a request: the principal, the raw token, and whether it came as the cookie. */
export interface Credentials {
  user: Principal;
  token: string;
  via: 'bearer' | 'cookie';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads the bearer header, else the session cookie, verifies the token and, with `sessions`, the session
 * it names (a token without a session id is then refused: nothing could revoke it). Throws a 401.
 */
export async function authenticate(
  ctx: Context,
  tokens: TokenIssuer,
  sessions?: SessionCheck,
): Promise<Credentials> {
  const header = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  const cookie = header ? undefined : ctx.cookies.get(SESSION_COOKIE);
  const token = header ?? cookie;
  if (!token)
    throw new UnauthorizedError('sign in first: send Authorization: Bearer <token> or the session cookie');
  if (header)
    return { user: await checkSession(await tokens.verify(header), sessions), token, via: 'bearer' };
  refuseCrossSite(ctx);
  try {
    return { user: await checkSession(await tokens.verify(token), sessions), token, via: 'cookie' };
  } catch (err) {
    // A cookie that can never work again (ended session, expired or foreign token) is dropped with the 401.
    if (err instanceof UnauthorizedError) clearSessionCookie(ctx);
    throw err;
  }
}

/** The principal a live session stands for; a 401 once the session ended. */
export async function checkSession(user: Principal, sessions?: SessionCheck): Promise<Principal> {
  if (!sessions) return user;
  const live = user.sid ? await sessions(user.sid, user.id) : null;
  if (!live) throw new UnauthorizedError('the session has ended: sign in again');
  return live;
}

/**
 * A cookie rides along on requests other sites trigger. SameSite=Lax keeps it off their POSTs in current
 * browsers; refusing a cookie-authenticated change whose Origin names another origin covers the rest
 * (older browsers, and sibling subdomains, which count as same-site).
 */
export function refuseCrossSite(ctx: Context): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  const origin = ctx.get('origin');
  // Koa 3's ctx.origin is the Origin header itself; this service's own origin is protocol and host.
  const crossSite = origin
    ? origin !== `${ctx.protocol}://${ctx.host}`
    : ctx.get('sec-fetch-site') === 'cross-site';
  if (crossSite)
    throw new AppError(
      'CROSS_ORIGIN',
      403,
      'a change sent with the session cookie must come from this origin',
    );
}

/**
 * Requires a bearer token or the session cookie and puts the principal on ctx.state.user (and the raw
 * token on ctx.state.token, for calls made on the caller's behalf).
 */
export function requireAuth(tokens: TokenIssuer, sessions?: SessionCheck): Middleware {
  return async (ctx, next) => {
    const { user, token, via } = await authenticate(ctx, tokens, sessions);
    ctx.state.user = user;
    ctx.state.token = token;
    ctx.state.authVia = via;
    await next();
  };
}

/** Sets a session's cookie: httpOnly, SameSite=Lax, Path=/, Secure when the request came over TLS. */
function setCookie(ctx: Context, name: string, value: string, maxAgeMs: number): void {
  ctx.cookies.set(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: ctx.secure,
    maxAge: maxAgeMs,
    overwrite: true,
  });
}

/** Sets the session cookie (the access token). */
export function setSessionCookie(ctx: Context, token: string, maxAgeMs = SESSION_TTL_MS): void {
  setCookie(ctx, SESSION_COOKIE, token, maxAgeMs);
}

/** Sets the refresh cookie, with the session cookie's attributes, for as long as the session lives. */
export function setRefreshCookie(ctx: Context, token: string, maxAgeMs: number): void {
  setCookie(ctx, REFRESH_COOKIE, token, maxAgeMs);
}

/** Clears the session cookie (same attributes, expired); with `refresh`, the refresh cookie too. */
export function clearSessionCookie(ctx: Context, { refresh = false } = {}): void {
  // An empty value is sent already expired (the cookies module dates it 1970).
  for (const name of refresh ? [SESSION_COOKIE, REFRESH_COOKIE] : [SESSION_COOKIE])
    setCookie(ctx, name, '', 0);
}
