import { ValidationError } from '@todo/core';
import {
  authenticate,
  checkSession,
  endpoint,
  ErrorBody,
  SESSION_COOKIE,
  type Endpoint,
  type Principal,
  type SessionCheck,
  type TokenIssuer,
} from '@todo/server';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { StreamHub } from './hub.ts';

const StreamQuery = z.strictObject({
  /** For an EventSource outside the web app, which can send neither a header nor the cookie. */
  token: z.string().max(4096).optional(),
});

/**
 * The stream's own auth: the bearer header or the session cookie (the web app's EventSource sends the
 * cookie: no token in its URL), else `?token=` for other EventSource clients
 * (docs/decisions/0012-notifications.md, 0019-sessions-and-calendar-feed.md).
 */
export function streamAuth(tokens: TokenIssuer, sessions?: SessionCheck): Middleware {
  return async (ctx, next) => {
    const query = typeof ctx.query.token === 'string' ? ctx.query.token : undefined;
    const bare = !ctx.get('authorization') && !ctx.cookies.get(SESSION_COOKIE);
    if (query && bare) {
      ctx.state.user = await checkSession(await tokens.verify(query), sessions);
      ctx.state.token = query;
    } else {
      const { user, token } = await authenticate(ctx, tokens, sessions);
      ctx.state.user = user;
      ctx.state.token = token;
    }
    await next();
  };
}

function lastEventId(raw: string): number | undefined {
  if (!raw) return undefined;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw new ValidationError('bad Last-Event-ID', [
      { path: 'Last-Event-ID', issue: 'expected the id of an event this stream sent' },
    ]);
  }
  return Number(raw.trim());
}

export function streamEndpoints(hub: StreamHub, tokens: TokenIssuer, sessions?: SessionCheck): Endpoint[] {
  const refused = (err: unknown) => (err as { status?: number }).status === 401;
  /**
   * Whether the stream's session (where this app can see it) holds, and then whether its token still
   * verifies: 'expired' once only the short-lived token ran out (the client reconnects with a fresh one).
   */
  const alive = (user: Principal, token: string) => async (): Promise<boolean | 'expired'> => {
    try {
      await checkSession(user, sessions);
    } catch (err) {
      if (refused(err)) return false;
      throw err;
    }
    try {
      await tokens.verify(token);
      return true;
    } catch (err) {
      if (refused(err)) return 'expired';
      throw err;
    }
  };
  return [
    endpoint({
      method: 'get',
      path: '/api/notifications/stream',
      summary:
        'Live notifications (Server-Sent Events: `event: reminder` or `event: due`, JSON data, id for Last-Event-ID; a reconnect gets all it missed, 200 at a time, each full page followed by `event: more`; `event: session-ended` before it closes when the session ends, `event: token-expired` when only the access token ran out: reconnect with a fresh one); the session cookie, Authorization, or ?token=',
      tag: 'notifications',
      auth: false,
      middleware: [streamAuth(tokens, sessions)],
      query: StreamQuery,
      responses: {
        200: { description: 'text/event-stream; a heartbeat comment every 15 s' },
        400: { description: 'Bad Last-Event-ID or query', schema: ErrorBody },
        401: { description: 'No or bad token', schema: ErrorBody },
        429: { description: 'Too many open streams', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const last = lastEventId(ctx.get('last-event-id'));
        await hub.open(ctx, ctx.state.user.id, last, alive(ctx.state.user, ctx.state.token as string));
      },
    }),
  ];
}
