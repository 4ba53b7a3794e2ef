import { UnauthorizedError } from '@todo/core';
import { jwtVerify, SignJWT } from 'jose';
import type { Middleware } from 'koa';

/** Who a request acts for: every read and write is scoped to `id`. */
export interface Principal {
  id: string;
  /** The owner's IANA zone: floating due dates and "today" are read in it. */
  tz: string;
}

const ISSUER = 'todo-chatbot';
const AUDIENCE = 'todo-chatbot-api';

export interface TokenIssuer {
  sign(p: Principal): Promise<string>;
  verify(token: string): Promise<Principal>;
}

/** HS256 bearer tokens; the key comes from config (later the Dapr secret store). */
export function createTokens(secret: string, ttl = '30d'): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (p) =>
      new SignJWT({ tz: p.tz })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(p.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
        });
        if (typeof payload.sub !== 'string' || typeof payload.tz !== 'string') throw new Error('claims');
        return { id: payload.sub, tz: payload.tz };
      } catch {
        throw new UnauthorizedError('the bearer token is invalid or expired: sign in again');
      }
    },
  };
}

/** Requires `Authorization: Bearer <token>` and puts the principal on ctx.state.user. */
export function requireAuth(tokens: TokenIssuer): Middleware {
  return async (ctx, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!m?.[1]) throw new UnauthorizedError();
    ctx.state.user = await tokens.verify(m[1]);
    await next();
  };
}
