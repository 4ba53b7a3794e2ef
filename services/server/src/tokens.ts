import { UnauthorizedError } from '@todo/core';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';

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

/** How many verified tokens are remembered (about 0.5 KB each). */
const VERIFIED_KEPT = 10_000;

/** How long a session (and the token that names it) lives. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

/** How long an access token lives unless configured (ACCESS_TOKEN_TTL_SECONDS): a refresh renews it. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/**
 * HS256 tokens, sent as a bearer header or as the session cookie (the same token either way); the key
 * comes from config (the Dapr secret store in the stack). `ttl` is seconds or a jose span ('2s', '-1h');
 * `now` is the clock both signing and verifying read, so tests move time instead of waiting.
 */
export function createTokens(
  secret: string,
  ttl: number | string = '30d',
  now: () => Date = () => new Date(),
): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  // Tokens already verified, until they expire. Checking one costs ~55 to 140 µs of the event loop
  // (jose through WebCrypto's HMAC), and a client sends the same token with every request: under the
  // API bench's 500 clients that was an eighth of the process's time (docs/benchmarks.md). Safe to reuse:
  // the same string under the same key verifies the same way until `exp`, and revoking works through the
  // session check, which runs on every request all the same. Bounded: the oldest entry goes first.
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  return {
    sign: (p) => {
      const at = now();
      return new SignJWT({ tz: p.tz, ...(p.sid ? { sid: p.sid } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(p.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(at)
        .setExpirationTime(typeof ttl === 'number' ? new Date(at.getTime() + ttl * 1000) : ttl)
        .sign(key);
    },
    verify: async (token) => {
      const known = verified.get(token);
      if (known && known.expiresAt > now().getTime()) return { ...known.principal };
      verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now(),
        });
        if (typeof payload.sub !== 'string' || typeof payload.tz !== 'string') throw new Error('claims');
        if (payload.sid !== undefined && typeof payload.sid !== 'string') throw new Error('claims');
        const principal = { id: payload.sub, tz: payload.tz, ...(payload.sid ? { sid: payload.sid } : {}) };
        if (typeof payload.exp === 'number') {
          if (verified.size >= VERIFIED_KEPT) verified.delete(verified.keys().next().value!);
          verified.set(token, { principal: { ...principal }, expiresAt: payload.exp * 1000 });
        }
        return principal;
      } catch {
        throw new UnauthorizedError('the bearer token is invalid or expired: sign in again');
      }
    },
  };
}

/**
 * When a token says it expires, read without checking its signature: only a hint (when to refresh, what
 * to answer beside a new token); whether it is valid is for verify to say. Undefined when unreadable.
 */
export function tokenExpiry(token: string): Date | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
