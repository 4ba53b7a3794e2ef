import { NotFoundError, ValidationError, type Clock } from '@todo/core';
import { endpoint, ErrorBody, type Endpoint, type Subscription } from '@todo/server';
import type { Context } from 'koa';
import { z } from 'zod';
import type { NotificationStore } from '../store/store.ts';
import type { NotificationConsumer } from './consumer.ts';
import { NotificationView, view } from './notification.ts';

const ListQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const NotificationList = z.object({
  notifications: z.array(NotificationView),
  /** How many of the owner's notifications are unread (for a badge). */
  unread: z.number(),
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  next: z.string().optional(),
});
const errors = {
  400: { description: 'Invalid input: what was wrong and where', schema: ErrorBody },
  401: { description: 'No or bad bearer token', schema: ErrorBody },
};

const encodeCursor = (seq: number) => Buffer.from(JSON.stringify({ before: seq })).toString('base64url');
function decodeCursor(cursor: string): number {
  try {
    const { before } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { before?: unknown };
    if (typeof before === 'number' && Number.isSafeInteger(before) && before > 0) return before;
  } catch {
    // reported below
  }
  throw new ValidationError('invalid cursor', [
    { path: 'cursor', issue: 'not a cursor from this list: start again without it' },
  ]);
}

const owner = (ctx: Context): string => ctx.state.user.id;

export function inboxEndpoints(store: NotificationStore, clock: Clock): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/notifications',
      summary: "The user's notifications, newest first: unread=true, cursor, limit (1..100, default 50)",
      tag: 'notifications',
      auth: true,
      query: ListQuery,
      responses: { 200: { description: 'A page of notifications', schema: NotificationList }, ...errors },
      handler: async (ctx, { query: q }) => {
        const limit = q.limit ?? 50;
        const page = await store.listNotifications(owner(ctx), {
          order: 'newest',
          limit: limit + 1,
          unread: q.unread === 'true',
          ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
        });
        const shown = page.slice(0, limit);
        const last = shown.at(-1);
        ctx.body = {
          notifications: shown.map(view),
          unread: await store.countUnread(owner(ctx)),
          ...(page.length > limit && last ? { next: encodeCursor(last.seq) } : {}),
        };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/notifications/read-all',
      summary: "Mark all the user's notifications read",
      tag: 'notifications',
      auth: true,
      responses: {
        200: { description: 'How many were unread', schema: z.object({ marked: z.number() }) },
        ...errors,
      },
      handler: async (ctx) => {
        ctx.body = { marked: await store.markAllRead(owner(ctx), clock.now().toISOString()) };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/notifications/:id/read',
      summary: 'Mark one notification read',
      tag: 'notifications',
      auth: true,
      responses: {
        200: { description: 'The notification', schema: NotificationView },
        ...errors,
        404: { description: 'No such notification for this user', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const n = await store.markRead(owner(ctx), String(ctx.params.id), clock.now().toISOString());
        if (!n) throw new NotFoundError('notification', 'NOTIFICATION_NOT_FOUND');
        ctx.body = view(n);
      },
    }),
  ];
}

/**
 * Where this app consumes from the broker: reminder and due events, in bulk (decision 0040): a burst of
 * reminders is recorded fifty at a time (fifty of the largest events stay under the app's 256 kB body
 * limit), and a lone one waits at most 50 ms for company.
 */
export function subscriptions(consume: NotificationConsumer): Subscription[] {
  return [
    {
      pubsubname: 'pubsub',
      topic: 'reminders',
      route: '/events/reminders',
      deadLetterTopic: 'reminders-dlq',
      consume,
      bulk: { maxMessagesCount: 50, maxAwaitDurationMs: 50 },
    },
  ];
}
