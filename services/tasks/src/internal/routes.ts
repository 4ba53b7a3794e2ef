import { OccurrenceCreate, Task, ValidationError } from '@todo/core';
import { endpoint, ErrorBody, idempotencyKey, type Endpoint } from '@todo/server';
import type { Context } from 'koa';
import { z } from 'zod';
import type { LiveTask, Store } from '../store/store.ts';
import type { TaskService } from '../tasks/service.ts';

// The routes the workflow worker calls through Dapr service invocation: not under /api, not in the public
// OpenAPI, and only for daprd (app.ts mounts them behind the app API token). Owners are named in the path,
// since the worker acts for every owner.

const Zone = z.object({ zone: z.string() });
const TaskAndZone = z.object({ task: Task.nullable(), zone: z.string() });
const Created = z.object({ task: Task });
const LiveQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
const LivePage = z.object({
  items: z.array(z.object({ owner: z.string(), zone: z.string(), task: Task })),
  /** Pass as `after` for the next page; absent on the last page. */
  next: z.string().optional(),
});
const errors = {
  400: { description: 'Invalid input', schema: ErrorBody },
  401: { description: 'Not from daprd: no or a wrong dapr-api-token', schema: ErrorBody },
};

const owner = (ctx: Context) => String(ctx.params.owner);

export function internalEndpoints({ store, tasks }: { store: Store; tasks: TaskService }): Endpoint[] {
  /** The owner's IANA zone; 'UTC' for an owner without an account. */
  const zoneOf = async (id: string) => (await store.findUserById(id))?.tz ?? 'UTC';
  return [
    endpoint({
      method: 'get',
      path: '/internal/owners/:owner',
      summary: "The owner's zone",
      tag: 'internal',
      auth: true,
      responses: { 200: { description: 'The zone', schema: Zone }, ...errors },
      handler: async (ctx) => {
        ctx.body = { zone: await zoneOf(owner(ctx)) };
      },
    }),
    endpoint({
      method: 'get',
      path: '/internal/owners/:owner/tasks/:id',
      summary: "One of the owner's tasks (null when missing or deleted) and the owner's zone",
      tag: 'internal',
      auth: true,
      responses: { 200: { description: 'The task and zone', schema: TaskAndZone }, ...errors },
      handler: async (ctx) => {
        const [task, zone] = await Promise.all([
          store.getTask(owner(ctx), String(ctx.params.id)),
          zoneOf(owner(ctx)),
        ]);
        ctx.body = { task, zone };
      },
    }),
    endpoint({
      method: 'post',
      path: '/internal/owners/:owner/occurrences',
      summary: 'Create an instance of a series, once per Idempotency-Key (a repeat answers the same task)',
      tag: 'internal',
      auth: true,
      body: OccurrenceCreate,
      responses: {
        201: { description: 'The instance', schema: Created },
        ...errors,
        404: { description: 'No such owner', schema: ErrorBody },
      },
      handler: async (ctx, { body }) => {
        const key = idempotencyKey(ctx);
        if (!key) {
          throw new ValidationError('Idempotency-Key is required', [
            { path: 'Idempotency-Key', issue: 'required: one key per series and occurrence' },
          ]);
        }
        ctx.status = 201;
        ctx.body = { task: await tasks.createOccurrence(owner(ctx), key, body) };
      },
    }),
    endpoint({
      method: 'get',
      path: '/internal/live',
      summary: "Every owner's open tasks with reminders or in a series, a page at a time, for the reconciler",
      tag: 'internal',
      auth: true,
      query: LiveQuery,
      responses: { 200: { description: 'A page', schema: LivePage }, ...errors },
      handler: async (ctx, { query }) => {
        ctx.body = page(await store.liveTasks(query.after, query.limit + 1), query.limit);
      },
    }),
    endpoint({
      method: 'get',
      path: '/internal/tasks',
      summary: "Every owner's tasks that are not deleted, a page at a time, for a search reindex",
      tag: 'internal',
      auth: true,
      query: LiveQuery,
      responses: { 200: { description: 'A page', schema: LivePage }, ...errors },
      handler: async (ctx, { query }) => {
        ctx.body = page(await store.everyTask(query.after, query.limit + 1), query.limit);
      },
    }),
  ];
}

/** A page of `limit` rows from `limit + 1` read, with where the next one starts. */
function page(rows: LiveTask[], limit: number) {
  const items = rows.slice(0, limit);
  return { items, ...(rows.length > limit ? { next: items.at(-1)!.task.id } : {}) };
}
