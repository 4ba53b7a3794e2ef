import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError, type Clock } from '@todo/core';
import {
  clearSessionCookie,
  SESSION_TTL_MS,
  setRefreshCookie,
  setSessionCookie,
  tokenExpiry,
  type SessionCheck,
  type TokenIssuer,
} from '@todo/server';
import type { Context } from 'koa';
import type { Session, Store, User } from '../store/store.ts';

/** lastSeenAt is written at most this often per session, so a busy client costs no write per request. */
const TOUCH_EVERY_MS = 5 * 60_000;

/**
 * The session check for every app that has the task store at hand (the tasks service, and the whole
 * embedded process): the session must be the token owner's, unrevoked and unexpired. The zone comes
 * from the account, not the token, so a zone changed in settings applies to every session at once.
 */
export function sessionCheck(store: Store, clock: Clock): SessionCheck {
  return async (sid, owner) => {
    const [session, user] = await Promise.all([store.getSession(sid), store.findUserById(owner)]);
    const now = clock.now().getTime();
    if (!session || !user || session.owner !== owner || session.revokedAt) return null;
    if (Date.parse(session.expiresAt) <= now) return null;
    if (now - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS)
      await store.touchSession(sid, new Date(now).toISOString());
    return { id: owner, tz: user.tz, sid };
  };
}

/** What sign-up, sign-in and a refresh answer (and set as the two cookies). */
export interface Signed {
  /** The short-lived access token (bearer, or the session cookie). */
  token: string;
  /** When the access token expires. */
  expiresAt: string;
  /** Trades for the next pair once at POST /api/auth/refresh; lives as long as the session. */
  refreshToken: string;
  refreshExpiresAt: string;
}

interface Deps {
  store: Store;
  tokens: TokenIssuer;
  clock: Clock;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A refresh token: the session, its generation, and 256 random bits (`<sid>.<gen>.<secret>`). */
function refreshToken(sid: string, gen: number): { token: string; hash: string } {
  const token = `${sid}.${gen}.${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashOf(token) };
}

/** Signs the access token for a session and sets both cookies; answers what the JSON carries. */
async function issue(
  ctx: Context,
  { tokens, clock }: Deps,
  user: User,
  session: Pick<Session, 'id' | 'expiresAt'>,
  refresh: string,
): Promise<Signed> {
  const token = await tokens.sign({ id: user.id, tz: user.tz, sid: session.id });
  const now = clock.now().getTime();
  // A token without an expiry (none is signed so) would still be refreshed along with its session.
  const expires = Math.min(tokenExpiry(token)?.getTime() ?? Infinity, Date.parse(session.expiresAt));
  setSessionCookie(ctx, token, expires - now);
  setRefreshCookie(ctx, refresh, Date.parse(session.expiresAt) - now);
  return {
    token,
    expiresAt: new Date(expires).toISOString(),
    refreshToken: refresh,
    refreshExpiresAt: session.expiresAt,
  };
}

/**
 * Opens a session for `user`: stores it with the hash of its first refresh token, signs an access token
 * naming it, and sets both as cookies. Answers the tokens (the JSON of sign-up and sign-in carries them).
 */
export async function startSession(ctx: Context, deps: Deps, user: User): Promise<Signed> {
  const now = deps.clock.now();
  const id = randomBytes(18).toString('base64url');
  const userAgent = ctx.get('user-agent').slice(0, 200);
  const refresh = refreshToken(id, 0);
  const session = {
    id,
    owner: user.id,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    ...(userAgent ? { userAgent } : {}),
    refreshGen: 0,
    refreshHash: refresh.hash,
  };
  await deps.store.createSession(session);
  return issue(ctx, deps, user, session, refresh.token);
}

const ENDED = 'the session has ended: sign in again';

/**
 * Trades a refresh token for a new access token and the next refresh token (rotation). A token of an
 * earlier generation, or one that lost a race for the same generation, was used twice: someone else
 * holds a copy, so the session is revoked (reuse detection). Revoked, expired or unknown: a 401.
 */
export async function refreshSession(ctx: Context, deps: Deps, presented: string): Promise<Signed> {
  const { store, clock } = deps;
  const [sid, genText, secret] = presented.split('.');
  const gen = Number(genText);
  if (!sid || !secret || !/^\d{1,9}$/.test(genText ?? '')) throw new UnauthorizedError(ENDED);
  const session = await store.getSession(sid);
  const now = clock.now();
  if (
    !session ||
    session.revokedAt ||
    Date.parse(session.expiresAt) <= now.getTime() ||
    session.refreshGen === undefined ||
    session.refreshHash === undefined
  )
    throw new UnauthorizedError(ENDED);
  const reused = async () => {
    await store.revokeSession(session.owner, sid, now.toISOString());
    return new UnauthorizedError('the refresh token was used before: the session is ended, sign in again');
  };
  if (gen < session.refreshGen) throw await reused();
  const hash = Buffer.from(hashOf(presented));
  // A token of the live generation that does not match was never issued: refused, the session stays.
  if (gen !== session.refreshGen || !timingSafeEqual(hash, Buffer.from(session.refreshHash)))
    throw new UnauthorizedError(ENDED);
  const user = await store.findUserById(session.owner);
  if (!user) throw new UnauthorizedError(ENDED);
  const next = refreshToken(sid, gen + 1);
  if (!(await store.rotateRefresh(sid, gen, next.hash))) throw await reused();
  return issue(ctx, deps, user, session, next.token);
}

/** Ends the cookies of a session that can not be refreshed (after a refused refresh, a sign-out). */
export function clearCookies(ctx: Context): void {
  clearSessionCookie(ctx, { refresh: true });
}
