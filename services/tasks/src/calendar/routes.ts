import { randomBytes } from 'node:crypto';
import { NotFoundError, parseQuery, type Clock, type Task } from '@todo/core';
import { endpoint, ErrorBody, type Endpoint } from '@todo/server';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Position, Store } from '../store/store.ts';
import { calendarFeed } from './feed.ts';

const FeedLink = z.object({
  /** The feed's address for a calendar app to subscribe to (it holds the secret key). */
  url: z.string(),
  /** The same, relative to the API's origin (for a front end that serves another origin). */
  path: z.string(),
});
const FeedQuery = z.strictObject({ key: z.string().min(1).max(200) });
const OPEN_WITH_DUE = parseQuery('status:open -due:none');
const PAGE = 500;

/** A new feed key: 192 random bits, URL-safe. */
const newKey = () => randomBytes(24).toString('base64url');

function link(ctx: Context, key: string) {
  const path = `/api/calendar.ics?key=${key}`;
  return { url: `${ctx.protocol}://${ctx.host}${path}`, path };
}

/** The owner's open tasks with a due, all of them, a page at a time. */
async function openDues(store: Store, owner: string, zone: string, now: Date): Promise<Task[]> {
  const all: Task[] = [];
  let after: Position | undefined;
  for (;;) {
    const page = await store.listTasks(owner, {
      filter: OPEN_WITH_DUE,
      ctx: { now, zone },
      sort: { key: 'created', dir: 1 },
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE || !last) return all;
    after = { v: last.createdAt, id: last.id };
  }
}

export function calendarEndpoints({ store, clock }: { store: Store; clock: Clock }): Endpoint[] {
  const unauthorized = { description: 'No valid token or session cookie', schema: ErrorBody };
  return [
    endpoint({
      method: 'get',
      path: '/api/calendar/feed',
      summary: "The address of the owner's private iCalendar feed (made on the first call)",
      tag: 'calendar',
      auth: true,
      responses: { 200: { description: 'The feed address', schema: FeedLink }, 401: unauthorized },
      handler: async (ctx) => {
        ctx.body = link(ctx, await store.calendarKey(ctx.state.user.id, newKey()));
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/calendar/feed/rotate',
      summary: 'A new feed address; the old one stops working at once',
      tag: 'calendar',
      auth: true,
      responses: {
        200: { description: 'The new feed address', schema: FeedLink },
        401: unauthorized,
        403: { description: 'Sent with the session cookie from another origin', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const key = newKey();
        await store.rotateCalendarKey(ctx.state.user.id, key);
        ctx.body = link(ctx, key);
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/calendar.ics',
      summary:
        "The owner's open tasks with a due as an iCalendar feed (RFC 5545: RRULE and EXDATE for series, VALARM per reminder); the key in the address is the only credential",
      tag: 'calendar',
      auth: false,
      query: FeedQuery,
      responses: {
        200: { description: 'The calendar', schema: z.string(), type: 'text/calendar' },
        400: { description: 'No key', schema: ErrorBody },
        404: { description: 'No feed has this key (it was rotated, or never was)', schema: ErrorBody },
      },
      handler: async (ctx, { query }) => {
        const owner = await store.calendarOwner(query.key);
        if (!owner) throw new NotFoundError('calendar feed', 'CALENDAR_NOT_FOUND');
        const now = clock.now();
        const zone = (await store.findUserById(owner))?.tz ?? 'UTC';
        const [tasks, heads] = await Promise.all([
          openDues(store, owner, zone, now),
          store.seriesHeads(owner),
        ]);
        ctx.type = 'text/calendar; charset=utf-8';
        // The address is a secret: keep it out of shared caches and out of Referer headers.
        ctx.set('Cache-Control', 'private, max-age=300');
        ctx.set('Referrer-Policy', 'no-referrer');
        ctx.body = calendarFeed({ zone, tasks, heads, now });
      },
    }),
  ];
}
