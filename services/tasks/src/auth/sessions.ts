import { randomBytes } from 'node:crypto';
import type { Clock } from '@todo/core';
import { SESSION_TTL_MS, setSessionCookie, type SessionCheck, type TokenIssuer } from '@todo/server';
import type { Context } from 'koa';
import type { Store, User } from '../store/store.ts';

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

/**
 * Opens a session for `user`: stores it, signs a token naming it, and sets that token as the cookie.
 * Answers the token (the JSON answer of sign-up and sign-in carries it for API clients).
 */
export async function startSession(
  ctx: Context,
  { store, tokens, clock }: { store: Store; tokens: TokenIssuer; clock: Clock },
  user: User,
): Promise<string> {
  const now = clock.now();
  const id = randomBytes(18).toString('base64url');
  const userAgent = ctx.get('user-agent').slice(0, 200);
  await store.createSession({
    id,
    owner: user.id,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    ...(userAgent ? { userAgent } : {}),
  });
  const token = await tokens.sign({ id: user.id, tz: user.tz, sid: id });
  setSessionCookie(ctx, token);
  return token;
}
