import { UnauthorizedError, ValidationError } from '@todo/core';
import { endpoint, ErrorBody, type Endpoint, type TokenIssuer } from '@todo/server';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { StreamHub } from './hub.ts';

const StreamQuery = z.strictObject({
  /** For EventSource, which can not send an Authorization header. */
  token: z.string().max(4096).optional(),
});

/**
 * The stream's own auth: the bearer token from Authorization, or from `?token=` because a browser's
 * EventSource can send no headers (docs/decisions/0012-notifications.md).
 */
export function streamAuth(tokens: TokenIssuer): Middleware {
  return async (ctx, next) => {
    const header = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    const query = typeof ctx.query.token === 'string' ? ctx.query.token : undefined;
    const token = header ?? query;
    if (!token) throw new UnauthorizedError('send Authorization: Bearer <token>, or ?token=<token>');
    ctx.state.user = await tokens.verify(token);
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

export function streamEndpoints(hub: StreamHub, tokens: TokenIssuer): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/notifications/stream',
      summary:
        'Live notifications (Server-Sent Events: `event: reminder` or `event: due`, JSON data, id for Last-Event-ID); token in Authorization or ?token=',
      tag: 'notifications',
      auth: false,
      middleware: [streamAuth(tokens)],
      query: StreamQuery,
      responses: {
        200: { description: 'text/event-stream; a heartbeat comment every 15 s' },
        400: { description: 'Bad Last-Event-ID or query', schema: ErrorBody },
        401: { description: 'No or bad token', schema: ErrorBody },
        429: { description: 'Too many open streams', schema: ErrorBody },
      },
      handler: async (ctx) => {
        await hub.open(ctx, ctx.state.user.id, lastEventId(ctx.get('last-event-id')));
      },
    }),
  ];
}
