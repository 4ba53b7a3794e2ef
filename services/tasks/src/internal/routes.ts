import {
  CreatedOccurrence,
  INTERNAL_ROUTES,
  LivePage,
  LiveQuery,
  OccurrenceCreate,
  OwnerZone,
  SessionAnswer,
  SessionQuery,
  TaskAndZone,
  ValidationError,
} from '@todo/core';
import { endpoint, ErrorBody, idempotencyKey, type Endpoint, type SessionCheck } from '@todo/server';
import type { Context } from 'koa';
import type { LiveTask, Store } from '../store/store.ts';
import type { TaskService } from '../tasks/service.ts';

// The routes the workflow worker calls through Dapr service invocation: not under /api, not in the public
// OpenAPI, and only for daprd (app.ts mounts them behind the app API token). Owners are named in the path,
// since the worker acts for every owner.

const errors = {
  400: { description: 'Invalid input', schema: ErrorBody },
  401: { description: 'Not from daprd: no or a wrong dapr-api-token', schema: ErrorBody },
};

const owner = (ctx: Context) => String(ctx.params.owner);

export function internalEndpoints({
  store,
  tasks,
  sessions,
}: {
  store: Store;
  tasks: TaskService;
  sessions: SessionCheck;
}): Endpoint[] {
  /** The owner's IANA zone; 'UTC' for an owner without an account. */
  const zoneOf = async (id: string) => (await store.findUserById(id))?.tz ?? 'UTC';
  return [
    endpoint({
      method: 'get',
      path: INTERNAL_ROUTES.ownerZone,
      summary: "The owner's zone",
      tag: 'internal',
      auth: true,
      responses: { 200: { description: 'The zone', schema: OwnerZone }, ...errors },
      handler: async (ctx) => {
        ctx.body = { zone: await zoneOf(owner(ctx)) };
      },
    }),
    endpoint({
      method: 'get',
      path: INTERNAL_ROUTES.task,
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
      path: INTERNAL_ROUTES.occurrences,
      summary: 'Create an instance of a series, once per Idempotency-Key (a repeat answers the same task)',
      tag: 'internal',
      auth: true,
      body: OccurrenceCreate,
      responses: {
        201: { description: 'The instance', schema: CreatedOccurrence },
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
      path: INTERNAL_ROUTES.session,
      summary:
        'Who a live session acts for (null once revoked, expired or not the owner’s): the other apps’ check',
      tag: 'internal',
      auth: true,
      query: SessionQuery,
      responses: { 200: { description: 'The principal or null', schema: SessionAnswer }, ...errors },
      handler: async (ctx, { query }) => {
        ctx.body = { principal: await sessions(String(ctx.params.sid), query.owner) };
      },
    }),
    endpoint({
      method: 'get',
      path: INTERNAL_ROUTES.live,
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
      path: INTERNAL_ROUTES.tasks,
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
