import { UnauthorizedError } from '@todo/core';
import { jwtVerify, SignJWT } from 'jose';

/** Who a request acts for: every read and write is scoped to `id`. */
export interface Principal {
  id: string;
  /** The owner's IANA zone: floating due dates and "today" are read in it. */
  tz: string;
  /** The server-side session the token names; where the session store is at hand it is checked on use. */
  sid?: string;
}

const ISSUER = 'todo-chatbot';
const AUDIENCE = 'todo-chatbot-api';

export interface TokenIssuer {
  sign(p: Principal): Promise<string>;
  verify(token: string): Promise<Principal>;
}

/** How long a session (and the token that names it) lives. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * HS256 tokens, sent as a bearer header or as the session cookie (the same token either way); the key
 * comes from config (the Dapr secret store in the stack).
 */
export function createTokens(secret: string, ttl = '30d'): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (p) =>
      new SignJWT({ tz: p.tz, ...(p.sid ? { sid: p.sid } : {}) })
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
        if (payload.sid !== undefined && typeof payload.sid !== 'string') throw new Error('claims');
        return { id: payload.sub, tz: payload.tz, ...(payload.sid ? { sid: payload.sid } : {}) };
      } catch {
        throw new UnauthorizedError('the bearer token is invalid or expired: sign in again');
      }
    },
  };
}
